"""Records of the training stages: a search, a fit and its budget, a fold, an
evaluation, a model stage, the comparison."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ._base import Record

# --------------------------------------------------------------------------- fits


@dataclass
class Trial(Record):
    """One trial of the tuning search."""

    trial: int
    learning_rate: Any
    batch_size: Any
    epochs: Any
    val_accuracy: float | None
    status: str
    seconds: float | None


@dataclass
class SearchRecord(Record):
    """The tuning stage: a keras-tuner search, its budget and the time it took.

    ``budget_seconds`` is the budget the stage was given (None: none);
    ``search_seconds`` the time the search took.
    """

    budget_seconds: float | None
    trial_time_budget: float | None
    space: dict[str, list]
    n_trials: int
    best_params: dict[str, Any]
    best_val_accuracy: float
    trials: list[Trial]
    search_seconds: float
    figures: dict | None = None

    _optional = frozenset({"figures"})
    _nested = {"trials": Trial}


@dataclass
class FitRecord(Record):
    """The epochs a fit planned and ran, and what its time budget measured."""

    epochs_planned: int
    epochs_run: int
    time_budget: float | None = None
    step_ms: float | None = None
    images_per_second: float | None = None
    budget_overrun: bool | None = None
    budget_cut: str | None = None
    #: ``[epoch, new total]`` each time a budgeted fit re-planned at an epoch's end.
    replans: list | None = None
    #: Whether the budgeted fit's learning-rate schedule ended at its last epoch.
    landed: bool | None = None
    #: Where the fit ran: its estimator's ``fit_worker_`` (``"<host>:<pid>"`` or
    #: ``"dask:<worker address>"``); None in records written before issue 28.
    worker: str | None = None

    _optional = frozenset(
        {
            "time_budget",
            "step_ms",
            "images_per_second",
            "budget_overrun",
            "budget_cut",
            "replans",
            "landed",
            "worker",
        }
    )

    @property
    def budgeted(self) -> bool:
        """Whether the fit measured a time budget."""
        return self.images_per_second is not None


@dataclass
class Fold(Record):
    """One fold of the cross-validation, and its fit."""

    fold: int
    val_accuracy: float
    test_accuracy: float
    fit_seconds: float
    train_images: int
    val_images: int
    fit: FitRecord

    def to_dict(self) -> dict:
        out = super().to_dict()
        return {**{k: v for k, v in out.items() if k != "fit"}, **out["fit"]}

    @classmethod
    def from_dict(cls, data: dict) -> Fold:
        own = {f.name for f in dataclasses.fields(cls)} - {"fit"}
        return cls(**{k: data[k] for k in own}, fit=FitRecord.from_dict(data))


@dataclass
class FoldStats(Record):
    """A statistic (min, max, mean, std) of the folds' accuracies."""

    val_accuracy: float
    test_accuracy: float


@dataclass
class CrossValidationRecord(Record):
    """The cross-validation stage: the folds, their fits and their summary.

    ``ran_on`` is where the folds ran (``"this process"``, ``"loky (2
    processes)"``, ``"dask tcp://... (2 workers)"``); None in records
    written before issue 28.
    """

    budget_seconds: float | None
    fold_time_budget: float | None
    n_folds: int
    params: dict[str, Any]
    folds: list[Fold]
    summary: dict[str, FoldStats]
    curves_figure: str | None = None
    ran_on: str | None = None

    _optional = frozenset({"curves_figure", "ran_on"})
    _nested = {"folds": Fold}
    _nested_maps = {"summary": FoldStats}


@dataclass
class EvaluationRecord(Record):
    """A fitted model on the test images: accuracy, per-class report, confusion matrix.

    ``report`` is scikit-learn's ``classification_report(output_dict=True)``,
    by class name.
    """

    test_accuracy: float
    test_images: int
    report: dict[str, Any]
    confusion_matrix: list[list[int]]
    confusion_figure: str | None = None
    predictions_file: str | None = None

    _optional = frozenset({"confusion_figure", "predictions_file"})


@dataclass
class BackboneRecord(Record):
    """A transfer model's backbone: input size, layers trained, head, feature cache."""

    input_size: int
    trainable_layers: int
    backbone_layers: int
    head: list
    features_cached: bool
    cache_note: str


_WEIGHT_KEYS = ("weights", "weights_note", "weights_error")


@dataclass
class ModelRecord(Record):
    """A model stage: the fit, its budget, the evaluation, the files.

    A pretrained model records which weights it had (``weights``,
    ``weights_note``, ``weights_error``); one that was not trained for want
    of its weights has ``skipped`` True and no fit.
    """

    model: str
    title: str
    skipped: bool = False
    weights: str | None = None
    weights_note: str | None = None
    weights_error: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    train_images: int = 0
    fit_seconds: float = 0.0
    budget_seconds: float | None = None
    fit: FitRecord | None = None
    final_accuracy: float | None = None
    final_val_accuracy: float | None = None
    evaluation: EvaluationRecord | None = None
    curves_figure: str | None = None
    backbone: BackboneRecord | None = None
    history_file: str | None = None
    model_file: str | None = None

    @property
    def pretrained(self) -> bool:
        """Whether the model recorded its weights (a transfer model)."""
        return self.weights is not None

    def to_dict(self) -> dict:
        weights = {k: getattr(self, k) for k in _WEIGHT_KEYS} if self.pretrained else {}
        if self.skipped:
            return {"model": self.model, "title": self.title, "skipped": True, **weights}
        out: dict[str, Any] = {
            "model": self.model,
            "title": self.title,
            "params": self.params,
            "train_images": self.train_images,
            "fit_seconds": self.fit_seconds,
            "budget_seconds": self.budget_seconds,
            **(self.fit.to_dict() if self.fit is not None else {}),
            **weights,
        }
        for key in ("final_accuracy", "final_val_accuracy"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.evaluation is not None:
            out.update(self.evaluation.to_dict())
        if self.curves_figure is not None:
            out["curves_figure"] = self.curves_figure
        if self.backbone is not None:
            out.update(self.backbone.to_dict())
        for key in ("history_file", "model_file"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> ModelRecord:
        own = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in own}
        if not data.get("skipped"):
            values["fit"] = FitRecord.from_dict(data)
            values["evaluation"] = EvaluationRecord.from_dict(data)
            if "input_size" in data:
                values["backbone"] = BackboneRecord.from_dict(data)
        return cls(**values)


# --------------------------------------------------------------------------- comparison


@dataclass
class ComparisonRow(Record):
    """One model of the comparison."""

    key: str
    model: str
    test_accuracy: float
    dedup_test_accuracy: float | None
    cv_mean_val_accuracy: float | None
    weights: str
    fit_seconds: float
    study_test_accuracy: float | None


@dataclass
class ComparisonRecord(Record):
    """The comparison stage: every model, best first, and those skipped."""

    rows: list[ComparisonRow]
    skipped: list[str] = field(default_factory=list)

    _nested = {"rows": ComparisonRow}
