"""Records of the data stages: the splits, the audit, near-duplicates, label errors,
the exploration and the preprocessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._base import Record

# --------------------------------------------------------------------------- data


@dataclass
class DataRecord(Record):
    """The data stage: the splits and how many images each part of the run uses."""

    train_images: int
    test_images: int
    image_height: int
    image_width: int
    pixels_per_image: int
    n_classes: int
    class_names: list[str]
    dtype: str
    lenet_train_images: int
    lenet_cv_images: int
    lenet_test_images: int

    def class_name(self, label: Any) -> str:
        """The name of an integer label (given as a number or a string), else the label."""
        try:
            return self.class_names[int(label)]
        except (ValueError, IndexError):
            return str(label)


@dataclass
class AuditRecord(Record):
    """The audit stage: what :class:`~fashionnet.audit.DataAuditor` found."""

    n_rows: int | None = None
    n_columns: int | None = None
    n_null_cells: int | None = None
    n_invalid_cells: int | None = None
    n_duplicate_rows: int | None = None
    n_constant_features: int | None = None
    n_redundant_pairs: int | None = None
    redundancy_threshold: float | None = None
    n_high_cardinality_features: int | None = None
    max_unique_values: int | None = None
    n_classes: int | None = None
    imbalance_ratio: float | None = None
    class_counts: dict = field(default_factory=dict)
    audit_seconds: float = 0.0
    summary_text: str = ""

    _optional = frozenset(
        {
            "n_rows",
            "n_columns",
            "n_null_cells",
            "n_invalid_cells",
            "n_duplicate_rows",
            "n_constant_features",
            "n_redundant_pairs",
            "redundancy_threshold",
            "n_high_cardinality_features",
            "max_unique_values",
            "n_classes",
            "imbalance_ratio",
            "summary_text",
        }
    )


@dataclass
class NearDuplicatePair(Record):
    """Two images within the near-duplicate distance, and their labels."""

    index: int
    other_index: int
    distance: float
    label: int
    other_label: int


@dataclass
class NearDuplicateRecord(Record):
    """The near-duplicate stage: pairs among the training images and across the splits."""

    threshold: float
    train_images: int
    test_images: int
    train_pairs: int
    train_images_in_pairs: int
    train_pairs_other_label: int
    test_train_pairs: int
    test_images_with_twin: int
    test_twin_share: float
    test_twins_other_label: int
    train_seconds: float
    test_seconds: float
    closest_pairs: list[NearDuplicatePair]
    other_label_pairs: list[NearDuplicatePair]
    train_pairs_file: str | None = None
    twins_file: str | None = None
    figures: dict | None = None

    _optional = frozenset({"train_pairs_file", "twins_file", "figures"})
    _nested = {"closest_pairs": NearDuplicatePair, "other_label_pairs": NearDuplicatePair}


@dataclass
class Outlier(Record):
    """An image unlike its class."""

    index: int
    label: int
    score: float


@dataclass
class LabelIssue(Record):
    """A suspected label error."""

    index: int
    given_label: int
    predicted_label: int
    label_quality: float


@dataclass
class LabelIssueRecord(Record):
    """The label-error stage: cleanlab's suspected label errors, outliers, odd images.

    Without cleanlab, ``label_issues_missing`` says why and the label-error
    fields are None. ``ran_on`` is where the out-of-fold fits ran (as
    :class:`~fashionnet.study.records.CrossValidationRecord`'s); None in
    records written before issue 28.
    """

    label_issues_missing: str | None = None
    model: str | None = None
    params: dict | None = None
    images: int | None = None
    cv: int | None = None
    fold_time_budget: float | None = None
    oof_accuracy: float | None = None
    n_label_issues: int | None = None
    label_issue_share: float | None = None
    fit_seconds: float | None = None
    top_label_issues: list[LabelIssue] | None = None
    issues_file: str | None = None
    figures: dict | None = None
    outlier_seconds: float = 0.0
    top_outliers: list[Outlier] = field(default_factory=list)
    n_blank: int = 0
    n_saturated: int = 0
    outliers_file: str | None = None
    odd_images_file: str | None = None
    ran_on: str | None = None

    _optional = frozenset(
        {
            "ran_on",
            "label_issues_missing",
            "model",
            "params",
            "images",
            "cv",
            "oof_accuracy",
            "n_label_issues",
            "label_issue_share",
            "fit_seconds",
            "top_label_issues",
            "issues_file",
            "figures",
            "outliers_file",
            "odd_images_file",
        }
    )
    _nested = {"top_label_issues": LabelIssue, "top_outliers": Outlier}

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.label_issues_missing is None:  # with cleanlab the budget is always written
            out = _insert_after(out, "cv", "fold_time_budget", self.fold_time_budget)
        else:
            out.pop("fold_time_budget", None)
        return out


def _insert_after(data: dict, after: str, key: str, value: Any) -> dict:
    out = {}
    for k, v in data.items():
        if k != key:
            out[k] = v
        if k == after:
            out[key] = value
    return out


@dataclass
class ExplorationRecord(Record):
    """The exploration stage: pixel statistics and the figures drawn."""

    pixel_mean: float
    pixel_std: float
    pixel_min: int
    pixel_max: int
    zero_pixel_fraction: float
    mean_pixel_by_class: dict[str, float]
    figures: dict | None = None

    _optional = frozenset({"figures"})


@dataclass
class PipelineInput(Record):
    """One kind of model's input, as a scikit-learn pipeline would prepare it."""

    model: str
    input_shape: list[int]
    dtype: str
    value_min: float
    value_max: float
    steps: str
    images: int
    float_copy_mb: float
    uint8_input_mb: float


@dataclass
class PreprocessingRecord(Record):
    """The preprocessing stage: each kind of model's input."""

    inputs: list[PipelineInput]

    _nested = {"inputs": PipelineInput}
