"""The report's data sections: the splits, the audit, near-duplicates and
train/test leakage, suspected label errors and odd images (``1. Data``), the
exploration (``2.``) and the preprocessing (``3.``).

The summary at the top of the report repeats the leakage and label-error
counts; these sections give every pair, image and check behind them.
"""

from __future__ import annotations

from fashionnet.report import Report

from ..records import LabelIssueRecord, NearDuplicatePair, NearDuplicateRecord, StudyMetrics
from ._text import _evaluation, _fmt, _labelled, _params_text

__all__: list[str] = []  # sections of build_report, not an API


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
        "comparison (in the summary, at the top) shows every model's test accuracy without "
        "them. The closest test-training pairs (all pairs: "
        "`audit/near_duplicates_test_train.csv`):"
    )
    _pair_table(doc, m, n.closest_pairs)
    doc.figure(
        "figures/near_duplicate_pairs.png",
        "The closest test images (top) and their training twins (below)",
    )
    if n.other_label_pairs:
        doc.paragraph(
            "Near-identical images with different labels: one of each pair is probably "
            "mislabelled, or the classes overlap."
        )
        _pair_table(doc, m, n.other_label_pairs)
        doc.figure(
            "figures/near_duplicate_label_pairs.png",
            "Test images and their training twins of another class",
        )


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
