"""The report's opening: a short summary of what the run found.

``## Summary of findings`` comes first, before any detail or setting: the
comparison of every model with the study's published figures, the conclusion
drawn from it (the best model against the study's best), the leakage
(near-duplicates across the splits) and suspected-label-error counts, and the
pictures that matter (the analysed model's confusion matrix, the closest
train/test twins, the suspected label errors). The sections after it give the
details; the run's mechanics close the report
(:mod:`~fashionnet.study.report.mechanics`).
"""

from __future__ import annotations

import math

from fashionnet.registry import get_model
from fashionnet.report import Report

from ..records import StudyMetrics
from ._text import _fmt

__all__: list[str] = []  # sections of build_report, not an API


def _section_summary(doc: Report, m: StudyMetrics) -> None:
    """The summary: comparison, conclusion, then the data's leakage and label errors."""
    doc.heading("Summary of findings")
    smaller = ", smaller than the study" if m.profile.reductions else ""
    doc.paragraph(
        f"The findings of this `{m.profile.name}` run{smaller}: every model's test accuracy "
        "next to the study's published figures, the conclusion drawn from them, and the "
        "train/test leakage and suspected label errors in the data. Sections 1 to 7 give "
        "the details; 'About this run', at the end, gives the run's settings, what it "
        "reduced and the time of each stage."
    )
    _section_comparison(doc, m)
    _section_conclusion(doc, m)
    _section_data_findings(doc, m)


def _analysed_figure(doc: Report, m: StudyMetrics) -> None:
    """The confusion matrix of the model the conclusion analyses (when it has one)."""
    for stage, s in m.models.items():
        if s.title == m.conclusion.analysed_model and not s.skipped:
            doc.figure(f"figures/{stage}_confusion_matrix.png", f"{s.title}: confusion matrix")
            return


def _section_data_findings(doc: Report, m: StudyMetrics) -> None:
    """The leakage and label-error counts, with their pictures (details in 1. Data)."""
    n, s = m.near_duplicates, m.label_issues
    if n is None and s is None:
        return
    doc.heading("Leakage and suspected label errors", level=3)
    points = []
    if n is not None:
        points.append(
            f"Train/test leakage: {_fmt(n.test_images_with_twin)} of the "
            f"{_fmt(n.test_images)} test images ({_fmt(n.test_twin_share)}) have a "
            f"near-twin in the training set (Euclidean distance {_fmt(n.threshold)} or "
            f"less), {_fmt(n.test_twins_other_label)} of them with another label; among "
            f"the {_fmt(n.train_images)} training images searched, "
            f"{_fmt(n.train_pairs)} pairs are near-identical, "
            f"{_fmt(n.train_pairs_other_label)} with different labels."
        )
    if s is not None:
        if s.label_issues_missing is not None:
            points.append(f"Suspected label errors: not computed, {s.label_issues_missing}.")
        else:
            points.append(
                f"Suspected label errors: cleanlab flags {_fmt(s.n_label_issues)} of "
                f"{_fmt(s.images)} training images ({_fmt(s.label_issue_share)}) as probably "
                "mislabelled, from out-of-fold probabilities (out-of-fold accuracy "
                f"{_fmt(s.oof_accuracy)})."
            )
        points.append(
            f"Odd images in the training split: {_fmt(s.n_blank)} nearly blank, "
            f"{_fmt(s.n_saturated)} nearly saturated."
        )
    doc.bullets(points)
    doc.paragraph(
        "Every pair and image behind these counts is in 1. Data ('Near-duplicates and "
        "train/test leakage', 'Suspected label errors and odd images')."
    )
    if n is not None:
        doc.figure(
            "figures/near_duplicate_pairs.png",
            "The closest test images (top) and their training twins (below)",
        )
    if s is not None and s.label_issues_missing is None:
        doc.figure("figures/label_issues.png", "Suspected label errors: given and predicted class")


def _section_comparison(doc: Report, m: StudyMetrics) -> None:
    doc.heading("Comparison", level=3)
    doc.paragraph(
        "Test accuracy of every model, best first, next to the study's published figure "
        "(the study used all 60000 training images; see 'About this run' for what this "
        "run reduced, and '1. Data' for how many images each model used)."
    )
    keys = ["model", "test_accuracy", "dedup_test_accuracy", "cv_mean_val_accuracy", "weights"]
    keys.append("fit_seconds")
    doc.table(
        ["model", "test accuracy", "de-duplicated test accuracy", "CV mean held-out accuracy"]
        + ["weights", "fit seconds", "study's test accuracy"],
        [
            [*(_weights_label(r.weights) if k == "weights" else getattr(r, k) for k in keys)]
            + [r.study_test_accuracy]
            for r in m.comparison.rows
        ],
    )
    if m.near_duplicates is not None:
        doc.paragraph(
            "The de-duplicated test accuracy leaves out the test images that have a "
            "near-twin in the training set (see 1. Data); the cross-validation's fold "
            "models do not keep their predictions, so it has none."
        )
    skipped = m.comparison.skipped
    if skipped:
        doc.paragraph(
            f"Not compared: {', '.join(skipped)}, skipped for want of ImageNet weights "
            "(see 6. Results)."
        )


def _weights_label(weights: str) -> str:
    return {"imagenet": "ImageNet", "none": "NONE: random initialisation"}.get(weights, weights)


def _section_conclusion(doc: Report, m: StudyMetrics) -> None:
    c = m.conclusion
    doc.heading("Conclusion", level=3)
    points = [
        f"Best model in this run: **{c.best_model}**, test accuracy "
        f"{_fmt(c.best_test_accuracy)}; the weakest is {c.worst_model} at "
        f"{_fmt(c.worst_test_accuracy)}, a spread of {_fmt(c.spread)}."
    ]
    points.append(
        f"That is {c.best_vs_study_best} the study's best published test accuracy, "
        f"{_fmt(c.study_best_accuracy)} ({c.study_best_model}), by "
        f"{_fmt(c.gap_to_study_best)}; see the comparison for how many images "
        "each model was trained on."
    )
    if c.best_dedup_test_accuracy is not None:
        change = c.best_dedup_change
        assert change is not None
        points.append(
            f"Without the {_fmt(c.test_images_with_twin)} test images that have a "
            f"near-twin in the training set, {c.best_model} scores "
            f"{_fmt(c.best_dedup_test_accuracy)}, a change of {_fmt(change)} from its test "
            "accuracy on all of them: "
            + (
                "the twins are easier for it than the rest of the test set."
                if change < 0
                else "its score does not lean on the twins."
            )
        )
    if c.best_transfer_minus_lenet is not None:
        points.append(_transfer_verdict(m, c.best_transfer_minus_lenet))
    skipped = m.comparison.skipped
    if skipped:
        points.append(
            f"Not trained: {', '.join(skipped)}. Their ImageNet weights could "
            "not be downloaded; copy the weight files into Keras' cache (`~/.keras/models/`) "
            "and run again to include them (finished stages are kept)."
        )
    if c.cv_mean_is is not None:
        points.append(
            f"The mean test accuracy of the cross-validation folds is {c.cv_mean_is} the "
            f"single refit's by {_fmt(c.cv_mean_vs_single_fit)}; the fold models' test "
            f"accuracies span {_fmt(c.cv_test_range)}, "
            "a measure of how much one training run varies."
        )
    points.append(
        f"{c.analysed_model} confuses {c.most_confused_pair[0]} and "
        f"{c.most_confused_pair[1]} most often ({_fmt(c.most_confused_count)} test "
        f"images either way); its hardest class is {c.hardest_class} (f1-score "
        f"{_fmt(c.hardest_class_f1)})."
    )
    if m.profile.reductions:
        points.append(
            "These numbers come from a reduced run (see 'About this run'); the `full` "
            "profile repeats the study at its scale."
        )
    doc.bullets(points)
    _analysed_figure(doc, m)


def _transfer_verdict(m: StudyMetrics, gain: float) -> str:
    if gain > 0:
        verdict = (
            f"The better transfer model beats the tuned LeNet-5 by {_fmt(gain)} in test "
            "accuracy, as in the study."
        )
    else:
        verdict = (
            f"Neither transfer model beats the tuned LeNet-5 here (best difference "
            f"{_fmt(gain)}), unlike the study."
        )
    random_init = [(s, s.backbone) for s in m.models.values() if s.weights == "none" and s.backbone]
    if random_init:
        layers = ", ".join(
            f"{_fmt(b.trainable_layers)} for {get_model(s.model).display}" for s, b in random_init
        )
        scratch = all(b.trainable_layers >= (b.backbone_layers or math.inf) for _, b in random_init)
        if scratch:
            verdict += (
                " The transfer models ran WITHOUT ImageNet weights: they were trained from "
                "scratch, every layer (" + layers + "), on few images, so their numbers say "
                "nothing about transfer learning and are not comparable to the study's."
            )
        else:
            verdict += (
                " The transfer models ran WITHOUT ImageNet weights (random initialisation): "
                "only their last backbone layers (" + layers + ") and the head learned, on "
                "top of frozen random features, so their numbers say nothing about transfer "
                "learning."
            )
    return verdict
