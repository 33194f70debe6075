"""The report's per-model results (``6. Results``: training, test accuracy,
classification report, confusion matrix, curves) and LeNet-5's
cross-validation (``7. Cross-validation``).
"""

from __future__ import annotations

from typing import Any

from fashionnet.report import Report

from ..records import EvaluationRecord, StudyMetrics
from ._text import _evaluation, _fit, _fmt, _planned

__all__: list[str] = []  # sections of build_report, not an API


def _classification_table(doc: Report, stage: EvaluationRecord, names: list[str]) -> None:
    rep = stage.report  # scikit-learn's classification report: by class, then by metric
    rows = []
    for key in [*names, "macro avg", "weighted avg"]:
        if key in rep:
            c = rep[key]
            rows.append([key, c["precision"], c["recall"], c["f1-score"], c["support"]])
    doc.table(["class", "precision", "recall", "f1-score", "support"], rows)
    doc.paragraph(f"Accuracy: {_fmt(rep.get('accuracy', stage.test_accuracy))}.")
    cm = stage.confusion_matrix
    doc.paragraph("Confusion matrix (rows: true class, columns: predicted class):")
    doc.table(
        ["true \\ predicted", *[str(i) for i in range(len(cm))]],
        [[names[i], *row] for i, row in enumerate(cm)],
    )


def _section_results(doc: Report, m: StudyMetrics) -> None:
    names = m.data.class_names
    doc.heading("6. Results")
    for stage, s in m.models.items():
        doc.heading(s.title, level=3)
        if s.skipped:
            doc.paragraph(
                f"**Skipped, {s.weights_note}.** {s.weights_error} The numbers of this "
                "model without its pre-trained weights would say nothing about transfer "
                "learning."
            )
            continue
        fit, evaluation = _fit(s), _evaluation(s)
        held_out = " (0.2 held out for validation)" if s.final_val_accuracy is not None else ""
        text = (
            f"Trained on {_fmt(s.train_images)} images{held_out} for {_epochs(fit)} "
            f"in {_fmt(s.fit_seconds)} s; final training "
            f"accuracy {_fmt(s.final_accuracy)}, validation accuracy "
            f"{_fmt(s.final_val_accuracy)}. Test accuracy on "
            f"{_fmt(evaluation.test_images)} images: **{_fmt(evaluation.test_accuracy)}**."
        )
        if s.pretrained:
            text = f"Weights: **{s.weights_note}**. " + text
        doc.paragraph(text)
        _classification_table(doc, evaluation, names)
        doc.figure(f"figures/{stage}_curves.png", f"{s.title}: accuracy and loss per epoch")
        doc.figure(f"figures/{stage}_confusion_matrix.png", f"{s.title}: confusion matrix")


def _epochs(fit: Any) -> str:
    """The epochs a fit ran against its plan: "12 of 12 planned epoch(s) (...)"."""
    budget = "" if fit.time_budget is None else f"{fit.time_budget:.1f}-s time budget"
    if fit.replans and fit.epochs_run != fit.epochs_planned:
        # A re-planned fit ran what its last plan said, not what it first planned.
        return (
            f"{_fmt(fit.epochs_run)} epoch(s) (planned {_fmt(fit.epochs_planned)} at the "
            f"start, re-planned at each epoch's end from the epochs it timed: the most that "
            f"fit in its {budget})"
        )
    ran = f"{_fmt(fit.epochs_run)} of {_fmt(fit.epochs_planned)} planned epoch(s)"
    return ran + (f" (the most that fit in its {budget})" if budget else "")


def _section_cross_validation(doc: Report, m: StudyMetrics) -> None:
    cv = m.cross_validation
    doc.heading("7. Cross-validation")
    doc.paragraph(
        f"Stratified {_fmt(cv.n_folds)}-fold cross-validation of LeNet-5 with the best "
        "hyperparameters. Unlike the study, each fold trains a fresh model (the study "
        "kept training one model across folds). Each fold model is scored on its "
        "held-out fold and, as in the study, on the test set."
    )
    keys = ["fold", "train_images", "val_images", "val_accuracy", "test_accuracy", "fit_seconds"]
    # Folds fitted elsewhere than in this process: which worker fitted each one.
    workers = cv.ran_on not in (None, "this process")
    rows: list[list[Any]] = [
        [*(getattr(f, k) for k in keys), _planned(f.fit.epochs_planned, f.fit.epochs_run)]
        + ([f.fit.worker or ""] if workers else [])
        for f in cv.folds
    ]
    for stat in ("min", "max", "mean", "std"):
        s = cv.summary[stat]
        rows.append([stat, "", "", s.val_accuracy, s.test_accuracy, "", ""] + [""] * workers)
    doc.table(
        ["fold", "training images", "held-out images", "held-out accuracy"]
        + ["test accuracy", "seconds", "epochs"]
        + (["worker"] if workers else []),
        rows,
    )
    if workers:
        doc.paragraph(f"The folds were fitted on {cv.ran_on}, each on the worker shown.")
    if cv.fold_time_budget is not None:
        doc.paragraph(
            f"Each fold's fit had a time budget of {cv.fold_time_budget:.1f} s, and "
            "trained the epochs that fit in it."
        )
    _cv_side_by_side(doc, m)
    doc.figure("figures/cv_fold_curves.png", "Accuracy and loss per epoch, one row per fold")


def _cv_side_by_side(doc: Report, m: StudyMetrics) -> None:
    """The study's cross-validation figure and this run's: what each one measures."""
    study = next(
        (r.study_test_accuracy for r in m.comparison.rows if r.key == "cross_validation"), None
    )
    if study is None:
        return
    cv = m.cross_validation
    doc.paragraph(
        f"The study's figure and this run's, side by side: the study's **{_fmt(study)}** "
        "is the test accuracy of one model trained on across its five folds in turn (by "
        "its last fold it had trained on every training image several times), not fresh "
        f"fold models; this run's **{_fmt(cv.summary['mean'].test_accuracy)}** is the mean "
        f"test accuracy of {_fmt(cv.n_folds)} fresh fold models, each trained on "
        f"{_fmt(cv.folds[0].train_images)} images. The two measure different things: the "
        "study's, a longer training of one model; this run's, what a fold model reaches "
        "and how much that varies from fold to fold. The `full` profile trains five fresh "
        "fold models at the study's scale (all the data, the tuned epochs); run on a GPU, "
        "it gives the fresh-fold figure to set beside the study's."
    )
