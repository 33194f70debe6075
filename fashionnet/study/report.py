"""The text of the study report, built from ``metrics.json`` alone.

Every number in the metrics is shown (formatted with
:func:`fashionnet.report.format_number`), and the report shows no number
that is not in the metrics. The metrics are read as typed records
(:class:`~fashionnet.study.records.StudyMetrics`), by attribute. The model
sections loop over the run's model stages (``metrics.profile.models``), so a
newly registered model gets its section without code here.
"""

from __future__ import annotations

import math
from typing import Any

from fashionnet.registry import get_model
from fashionnet.rendering import format_number
from fashionnet.report import Report

from .records import (
    BudgetFacts,
    EvaluationRecord,
    FitRecord,
    LabelIssueRecord,
    ModelRecord,
    NearDuplicatePair,
    NearDuplicateRecord,
    Record,
    StudyMetrics,
)

__all__ = ["build_report"]

_fmt = format_number


def build_report(metrics: dict) -> Report:
    """Build the study report from ``metrics.json``'s content.

    Parameters
    ----------
    metrics : dict
        What :func:`~fashionnet.study.run_study` writes to ``metrics.json``.

    Returns
    -------
    fashionnet.report.Report
    """
    m = StudyMetrics.from_dict(metrics)
    names = ", ".join(_model_titles(m))
    doc = Report(f"Fashion-MNIST study: {names} ({m.profile.name} run)")
    for section in (
        _section_run,
        _section_data,
        _section_beyond_audit,
        _section_exploration,
        _section_preprocessing,
        _section_models,
        _section_tuning,
        _section_results,
        _section_cross_validation,
        _section_comparison,
        _section_conclusion,
    ):
        section(doc, m)
    return doc


def _model_titles(m: StudyMetrics) -> list[str]:
    seen: list[str] = []
    for stage in m.models.values():
        display = get_model(stage.model).display
        if display not in seen:
            seen.append(display)
    return seen


def _section_run(doc: Report, m: StudyMetrics) -> None:
    doc.heading("About this run")
    name = m.profile.name
    doc.paragraph(
        f"Profile `{name}`: {m.profile.description}. "
        f"Reproduce it with `fashionnet study --profile {name} --out DIR`."
    )
    reductions = m.profile.reductions
    if reductions:
        doc.paragraph(
            "This run is smaller than the study. What was reduced (the `full` profile "
            "uses the study's settings):"
        )
        doc.table(
            ["setting", "study (full)", "this run"],
            [[r.setting, r.full, r.this_run] for r in reductions],
        )
    else:
        doc.paragraph("This run uses the study's full settings; nothing was reduced.")
    if m.budget is None:
        doc.paragraph("Wall time of each stage, in seconds (as first run):")
        doc.table(["stage", "seconds"], [[k, v] for k, v in m.stage_seconds.items()])
        return
    _budget_paragraphs(doc, m, m.budget)


def _budget_paragraphs(doc: Report, m: StudyMetrics, budget: BudgetFacts) -> None:
    """The run's time budget: what each stage got, took, trained, and what was cut."""
    doc.paragraph(
        f"**Time budget: {_fmt(budget.seconds)} s** of wall time (`--budget`). Each "
        "training stage got a share of the time left when it started, after "
        f"{_fmt(budget.reserve_seconds)} s kept for the comparison and the report; each "
        "fit timed its own training steps on this machine first and trained the epochs "
        "that fit in its share, its learning-rate schedule laid out over them. The run "
        f"took {_fmt(budget.elapsed_seconds)} s up to writing this report"
        + (
            f", **{_fmt(budget.elapsed_seconds - budget.seconds)} s past its budget**."
            if budget.elapsed_seconds > budget.seconds
            else "."
        )
    )
    rows = []
    allotted = budget.allotted_seconds
    for stage, seconds in m.stage_seconds.items():
        s = m.stages.get(stage)
        rows.append(
            [
                stage,
                allotted.get(stage, ""),
                seconds,
                _epochs_text(s),
                _speed_text(s),
            ]
        )
    doc.paragraph(
        "Budget and wall time of each stage in seconds (as first run), the epochs each "
        "fit planned within its budget (and ran, when fewer), and the training speed "
        "measured on this machine:"
    )
    doc.table(["stage", "budget", "seconds", "epochs", "measured speed"], rows)
    cuts = _cuts(m)
    if cuts:
        doc.paragraph("What the budget cut:")
        doc.bullets(cuts)
    else:
        doc.paragraph("Every fit ended its planned epochs within its budget.")


def _fits(s: Record | None) -> list[tuple[str | None, FitRecord]]:
    """The fits a stage made (a model's, or one per fold), each with its fold number."""
    fit = getattr(s, "fit", None)
    if isinstance(fit, FitRecord):
        return [(None, fit)]
    return [(_fmt(f.fold), f.fit) for f in getattr(s, "folds", None) or []]


def _epochs_text(s: Record | None) -> str:
    fits = _fits(s)
    if fits:
        return ", ".join(_planned(f.epochs_planned, f.epochs_run) for _, f in fits)
    # Stages of many fits that do not keep each fit's epochs: the budget of each.
    for key, unit in (("trial_time_budget", "trial"), ("fold_time_budget", "fold")):
        if getattr(s, key, None) is not None:
            return f"{_fmt(getattr(s, key))} s per {unit}"
    return ""


def _planned(planned: int, ran: int) -> str:
    return _fmt(planned) if planned == ran else f"{_fmt(planned)} (ran {_fmt(ran)})"


def _speed_text(s: Record | None) -> str:
    return ", ".join(
        f"{_fmt(f.images_per_second)} images/s ({_fmt(f.step_ms)} ms a step)"
        for _, f in _fits(s)
        if f.budgeted
    )


def _cuts(m: StudyMetrics) -> list[str]:
    """One line per fit the budget could not give its planned epochs."""
    lines = []
    for stage in m.stage_seconds:
        s = m.stages.get(stage)
        for fold, fit in _fits(s):
            name = getattr(s, "title", stage) if fold is None else f"{stage}, fold {fold}"
            if fit.budget_cut:
                lines.append(f"{name}: {fit.budget_cut}.")
            elif fit.budget_overrun:
                lines.append(
                    f"{name}: its budget of {_fmt(fit.time_budget)} s was too short for one "
                    "epoch on this machine; it trained one."
                )
    return lines


def _section_data(doc: Report, m: StudyMetrics) -> None:
    d, a = m.data, m.audit
    doc.heading("1. Data")
    doc.paragraph(
        f"Fashion-MNIST: {_fmt(d.train_images)} training and {_fmt(d.test_images)} "
        f"test images of {_fmt(d.image_height)} x {_fmt(d.image_width)} = "
        f"{_fmt(d.pixels_per_image)} grey levels ({d.dtype}), "
        f"{_fmt(d.n_classes)} classes."
    )
    rows = [
        ["LeNet-5 tuning", d.lenet_train_images, d.lenet_test_images],
        ["LeNet-5 cross-validation", d.lenet_cv_images, d.lenet_test_images],
    ]
    rows += [
        [s.title, "skipped", "skipped"]
        if s.skipped
        else [s.title, s.train_images, _evaluation(s).test_images]
        for s in m.models.values()
    ]
    doc.table(["used for", "training images", "test images"], rows)
    doc.heading("Audit", level=3)
    doc.paragraph(
        f"`DataAuditor` on {_fmt(a.n_rows)} training rows x {_fmt(a.n_columns)} columns "
        f"(label included) took {_fmt(a.audit_seconds)} s. The full audit is in `audit.md`."
    )
    checks = [
        ["null cells", a.n_null_cells],
        ["invalid values (below 0, above 255 or not integers)", a.n_invalid_cells],
        ["duplicated rows", a.n_duplicate_rows],
        ["constant features", a.n_constant_features],
        [
            f"redundant pairs (abs(r) > {_fmt(a.redundancy_threshold)})",
            a.n_redundant_pairs,
        ],
        ["high-cardinality columns", a.n_high_cardinality_features],
        ["most unique values in a column", a.max_unique_values],
        ["classes", a.n_classes],
        ["imbalance ratio (largest / smallest class)", a.imbalance_ratio],
    ]
    doc.table(["check", "found"], [r for r in checks if r[1] is not None])
    counts = a.class_counts or {}
    if counts:
        doc.table(
            ["label", "class", "rows"],
            [[k, d.class_name(k), v] for k, v in counts.items()],
        )


def _section_beyond_audit(doc: Report, m: StudyMetrics) -> None:
    """Near-duplicates, leakage, suspected label errors and odd images (after the audit)."""
    if m.near_duplicates is not None:
        _near_duplicate_text(doc, m, m.near_duplicates)
    if m.label_issues is not None:
        _label_issue_text(doc, m, m.label_issues)


def _labelled(m: StudyMetrics, label: int) -> str:
    return f"{_fmt(label)} {m.data.class_name(str(label))}"


def _pair_table(doc: Report, m: StudyMetrics, rows: list[NearDuplicatePair]) -> None:
    doc.table(
        ["test image", "training image", "distance", "test label", "training label"],
        [
            [r.index, r.other_index, r.distance, _labelled(m, r.label)]
            + [_labelled(m, r.other_label)]
            for r in rows
        ],
    )


def _near_duplicate_text(doc: Report, m: StudyMetrics, n: NearDuplicateRecord) -> None:
    doc.heading("Near-duplicates and train/test leakage", level=3)
    doc.paragraph(
        f"No two images are byte for byte the same, but many are nearly so. "
        f"`DataAuditor.near_duplicates` finds every pair of images within a Euclidean "
        f"distance of {_fmt(n.threshold)} (pixels scaled to 0..1; two images differ by at "
        f"most 28) by an exact search: {_fmt(n.train_images)} training images among "
        f"themselves in {_fmt(n.train_seconds)} s, and all {_fmt(n.test_images)} test "
        f"images against them in {_fmt(n.test_seconds)} s."
    )
    doc.table(
        ["found", "count"],
        [
            ["pairs of training images", n.train_pairs],
            ["training images in such a pair", n.train_images_in_pairs],
            ["training pairs with different labels", n.train_pairs_other_label],
            ["test-training pairs", n.test_train_pairs],
            ["test images with a near-twin in the training set", n.test_images_with_twin],
            ["share of the test set with a training twin", n.test_twin_share],
            ["test images whose twin has another label", n.test_twins_other_label],
        ],
    )
    doc.paragraph(
        "A model can score these test images by memory rather than by generalising; the "
        "comparison (8.) shows every model's test accuracy without them. The closest "
        "test-training pairs (all pairs: `audit/near_duplicates_test_train.csv`):"
    )
    _pair_table(doc, m, n.closest_pairs)
    doc.figure("figures/near_duplicate_pairs.png", "The closest test images (top) and their "
               "training twins (below)")
    if n.other_label_pairs:
        doc.paragraph(
            "Near-identical images with different labels: one of each pair is probably "
            "mislabelled, or the classes overlap."
        )
        _pair_table(doc, m, n.other_label_pairs)
        doc.figure("figures/near_duplicate_label_pairs.png",
                   "Test images and their training twins of another class")


def _label_issue_text(doc: Report, m: StudyMetrics, s: LabelIssueRecord) -> None:
    doc.heading("Suspected label errors and odd images", level=3)
    if s.label_issues_missing is not None:
        doc.paragraph(f"Suspected label errors: not computed, {s.label_issues_missing}.")
    else:
        _label_error_table(doc, m, s)
    doc.paragraph(
        "The images least like their class (mean distance to their 10 nearest images of "
        "the same class in 50 principal components, over the class's median: "
        f"`class_outliers`, with `odd_images` {_fmt(s.outlier_seconds)} s):"
    )
    doc.table(
        ["training image", "label", "score"],
        [[r.index, _labelled(m, r.label), r.score] for r in s.top_outliers],
    )
    doc.figure("figures/class_outliers.png", "The images least like their class")
    doc.paragraph(
        f"Nearly blank images (fewer than 5 % of the pixels inked) in the training split: "
        f"{_fmt(s.n_blank)}; nearly saturated ones (over 60 % of the pixels at 90 % of "
        f"full scale): {_fmt(s.n_saturated)}."
    )
    if s.n_blank or s.n_saturated:
        doc.figure("figures/odd_images.png", "Nearly blank and nearly saturated images")


def _label_error_table(doc: Report, m: StudyMetrics, s: LabelIssueRecord) -> None:
    doc.paragraph(
        f"Each of {_fmt(s.images)} training images was scored by a {s.model} "
        f"that never saw it ({_fmt(s.cv)}-fold `out_of_fold_probabilities`, "
        f"{_fmt(s.fit_seconds)} s;"
        + _params_text(s.params or {})
        + f" Its out-of-fold accuracy is {_fmt(s.oof_accuracy)}.) cleanlab's confident "
        f"learning flags {_fmt(s.n_label_issues)} images ({_fmt(s.label_issue_share)} of "
        "them) as probably mislabelled; the worst ten, lowest label quality (the "
        "out-of-fold probability of the given label) first, all in `audit/label_issues.csv`:"
    )
    doc.table(
        ["training image", "given label", "predicted label", "label quality"],
        [
            [r.index, _labelled(m, r.given_label), _labelled(m, r.predicted_label)]
            + [r.label_quality]
            for r in s.top_label_issues or []
        ],
    )
    doc.figure("figures/label_issues.png", "Suspected label errors: given and predicted class")


def _evaluation(s: ModelRecord) -> EvaluationRecord:
    """The evaluation of a model stage that was not skipped."""
    assert s.evaluation is not None, f"{s.title} has no evaluation"
    return s.evaluation


def _fit(s: ModelRecord) -> FitRecord:
    """The fit of a model stage that was not skipped."""
    assert s.fit is not None, f"{s.title} has no fit"
    return s.fit


def _section_exploration(doc: Report, m: StudyMetrics) -> None:
    e = m.exploration
    doc.heading("2. Exploration")
    doc.paragraph(
        f"Pixels range from {_fmt(e.pixel_min)} to {_fmt(e.pixel_max)}, with mean "
        f"{_fmt(e.pixel_mean)} and standard deviation {_fmt(e.pixel_std)}; a fraction "
        f"{_fmt(e.zero_pixel_fraction)} of all pixels is exactly 0 (background), so the "
        "inputs are scaled to 0..1 before training."
    )
    doc.table(
        ["label", "class", "mean pixel"],
        [[k, m.data.class_name(k), v] for k, v in e.mean_pixel_by_class.items()],
    )
    for name, caption in (
        ("sample_grid", "The first 50 training images with their classes"),
        ("class_balance", "Images per class (training split)"),
        ("pixel_distribution", "Distribution of the grey levels"),
        ("correlation_heatmap", "Correlation between pixel columns"),
    ):
        doc.figure(f"figures/{name}.png", caption)


def _section_preprocessing(doc: Report, m: StudyMetrics) -> None:
    doc.heading("3. Preprocessing")
    doc.paragraph(
        "Each model gets its own input. The models do these steps inside the Keras graph "
        "(the saved model carries them), so training keeps the uint8 images and never "
        "holds a float copy; the table shows the equivalent `fashionnet.preprocessing` "
        "pipeline and the memory a float copy of the inputs would take."
    )
    keys = ["model", "steps", "input_shape", "dtype", "value_min", "value_max", "images"]
    keys += ["float_copy_mb", "uint8_input_mb"]
    doc.table(
        ["model", "steps", "input shape", "dtype", "min", "max", "images"]
        + ["float copy (MiB)", "uint8 images (MiB)"],
        [[getattr(r, k) for k in keys] for r in m.preprocessing.inputs],
    )


def _section_models(doc: Report, m: StudyMetrics) -> None:
    doc.heading("4. Models")
    items = []
    for s in m.models.values():
        spec = get_model(s.model)
        text = f"{s.title} (`{spec.class_name}`, `--model {spec.key}`): "
        if s.skipped:
            items.append(text + f"**{s.weights_note}**.")
            continue
        if spec.pretrained:
            b = s.backbone
            assert b is not None, f"{s.title} has no backbone record"
            text += (
                f"{_fmt(b.input_size)}x{_fmt(b.input_size)}x3 input, last "
                f"{_fmt(b.trainable_layers)} of {_fmt(b.backbone_layers)} backbone "
                "layers trainable, head "
                f"{_head(b.head)}; weights: {s.weights_note}; "
                f"{_fmt(s.train_images)} training images, "
                f"{b.cache_note or 'features not cached'}."
            )
        else:
            text += spec.summary
        items.append(text + _params_text(s.params))
    doc.bullets(items)


def _params_text(params: dict) -> str:
    if not params:
        return ""
    return " Parameters: " + ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()) + "."


def _head(head: list) -> str:
    return "-".join(
        f"dropout {_fmt(h)}" if isinstance(h, float) and h < 1 else _fmt(h) for h in head
    )


def _section_tuning(doc: Report, m: StudyMetrics) -> None:
    t = m.tuning
    doc.heading("5. Tuning")
    space = t.space  # the searched values, by parameter name
    doc.paragraph(
        f"keras-tuner random search (`KerasTunerSearchCV`, {_fmt(t.n_trials)} trials, "
        f"objective val_accuracy on a 0.2 validation split) over learning rates "
        f"{_list(space['learning_rate'])}, batch sizes {_list(space['batch_size'])} and "
        f"epochs {_list(space['epochs'])}. The study also searched a learning rate of 1.0, "
        f"where Adam diverges; it is left out. The search took {_fmt(t.search_seconds)} s."
    )
    keys = ["trial", "learning_rate", "batch_size", "epochs", "val_accuracy", "status", "seconds"]
    doc.table(
        ["trial", "learning rate", "batch size", "epochs", "val accuracy", "status", "seconds"],
        [[getattr(x, k) for k in keys] for x in t.trials],
    )
    best = t.best_params  # the estimator's parameters, by name
    doc.paragraph(
        f"Best: learning rate {_fmt(best['learning_rate'])}, batch size "
        f"{_fmt(best['batch_size'])}, epochs {_fmt(best['epochs'])}, validation accuracy "
        f"{_fmt(t.best_val_accuracy)}."
    )
    doc.figure("figures/tuning_results.png", "Validation accuracy per trial and running best")


def _list(values: list) -> str:
    return ", ".join(_fmt(v) for v in values)


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
        budget = (
            f" (the most that fit in its {_fmt(fit.time_budget)}-s time budget)"
            if fit.time_budget is not None
            else ""
        )
        text = (
            f"Trained on {_fmt(s.train_images)} images{held_out} for "
            f"{_fmt(fit.epochs_run)} of {_fmt(fit.epochs_planned)} planned epoch(s){budget} "
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
    rows: list[list[Any]] = [
        [*(getattr(f, k) for k in keys), _planned(f.fit.epochs_planned, f.fit.epochs_run)]
        for f in cv.folds
    ]
    for stat in ("min", "max", "mean", "std"):
        s = cv.summary[stat]
        rows.append([stat, "", "", s.val_accuracy, s.test_accuracy, "", ""])
    doc.table(
        ["fold", "training images", "held-out images", "held-out accuracy"]
        + ["test accuracy", "seconds", "epochs"],
        rows,
    )
    if cv.fold_time_budget is not None:
        doc.paragraph(
            f"Each fold's fit had a time budget of {_fmt(cv.fold_time_budget)} s, and "
            "trained the epochs that fit in it."
        )
    doc.figure("figures/cv_fold_curves.png", "Accuracy and loss per epoch, one row per fold")


def _section_comparison(doc: Report, m: StudyMetrics) -> None:
    doc.heading("8. Comparison")
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
    doc.heading("9. Conclusion")
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
            + ("the twins are easier for it than the rest of the test set."
               if change < 0 else "its score does not lean on the twins.")
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
    random_init = [
        (s, s.backbone) for s in m.models.values() if s.weights == "none" and s.backbone
    ]
    if random_init:
        layers = ", ".join(
            f"{_fmt(b.trainable_layers)} for {get_model(s.model).display}" for s, b in random_init
        )
        scratch = all(
            b.trainable_layers >= (b.backbone_layers or math.inf) for _, b in random_init
        )
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
