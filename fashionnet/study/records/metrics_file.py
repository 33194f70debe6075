"""``metrics.json`` as typed records: what the study report reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._base import Record
from .data import (
    AuditRecord,
    DataRecord,
    ExplorationRecord,
    LabelIssueRecord,
    NearDuplicateRecord,
    PreprocessingRecord,
)
from .fits import ComparisonRecord, CrossValidationRecord, ModelRecord, SearchRecord
from .reader import RECORD_TYPES

# --------------------------------------------------------------------------- metrics.json


@dataclass
class Reduction(Record):
    """A setting this run reduced from the study's."""

    setting: str
    full: Any
    this_run: Any


@dataclass
class ProfileFacts(Record):
    """The run's profile as ``metrics.json`` states it."""

    name: str
    description: str
    models: list[str]
    reductions: list[Reduction]

    _nested = {"reductions": Reduction}


@dataclass
class BudgetFacts(Record):
    """The run's wall-clock budget: total, shares given, time used.

    ``left_at_start_seconds`` (the run's seconds left when each budgeted
    stage started, from which its share was computed) and ``used_seconds``
    (what each took) are None in folders written before issue 30.
    """

    seconds: float
    elapsed_seconds: float
    allotted_seconds: dict[str, float]
    reserve_seconds: float
    left_at_start_seconds: dict[str, float] | None = None
    used_seconds: dict[str, float] | None = None

    _optional = frozenset({"left_at_start_seconds", "used_seconds"})


@dataclass
class Conclusion(Record):
    """The facts the conclusion states, derived from the numbers."""

    best_model: str
    best_test_accuracy: float
    worst_model: str
    worst_test_accuracy: float
    spread: float
    analysed_model: str
    most_confused_pair: list[str]
    most_confused_count: int
    hardest_class: str
    hardest_class_f1: float
    study_best_model: str
    study_best_accuracy: float
    gap_to_study_best: float
    best_vs_study_best: str
    best_dedup_test_accuracy: float | None = None
    best_dedup_change: float | None = None
    test_images_with_twin: int | None = None
    cv_mean_vs_single_fit: float | None = None
    cv_mean_is: str | None = None
    cv_test_range: float | None = None
    best_transfer_minus_lenet: float | None = None

    _optional = frozenset(
        {
            "best_dedup_test_accuracy",
            "best_dedup_change",
            "test_images_with_twin",
            "cv_mean_vs_single_fit",
            "cv_mean_is",
            "cv_test_range",
            "best_transfer_minus_lenet",
        }
    )


@dataclass
class StudyMetrics:
    """``metrics.json`` as typed records: what :func:`~fashionnet.study.build_report` reads."""

    profile: ProfileFacts
    stage_seconds: dict[str, float]
    budget: BudgetFacts | None
    conclusion: Conclusion
    stages: dict[str, Record]

    @classmethod
    def from_dict(cls, metrics: dict) -> StudyMetrics:
        """Read ``metrics.json``'s content (the stage records in it are schema 2 or 1)."""
        fixed = {"profile", "stage_seconds", "budget", "conclusion"}
        budget = metrics.get("budget")
        return cls(
            profile=ProfileFacts.from_dict(metrics["profile"]),
            stage_seconds=dict(metrics["stage_seconds"]),
            budget=None if budget is None else BudgetFacts.from_dict(budget),
            conclusion=Conclusion.from_dict(metrics["conclusion"]),
            stages={
                name: RECORD_TYPES.get(name, ModelRecord).from_dict(value)
                for name, value in metrics.items()
                if name not in fixed
            },
        )

    @property
    def data(self) -> DataRecord:
        return self.stages["data"]  # type: ignore[return-value]

    @property
    def audit(self) -> AuditRecord:
        return self.stages["audit"]  # type: ignore[return-value]

    @property
    def near_duplicates(self) -> NearDuplicateRecord | None:
        return self.stages.get("near_duplicates")  # type: ignore[return-value]

    @property
    def label_issues(self) -> LabelIssueRecord | None:
        return self.stages.get("label_issues")  # type: ignore[return-value]

    @property
    def exploration(self) -> ExplorationRecord:
        return self.stages["exploration"]  # type: ignore[return-value]

    @property
    def preprocessing(self) -> PreprocessingRecord:
        return self.stages["preprocessing"]  # type: ignore[return-value]

    @property
    def tuning(self) -> SearchRecord:
        return self.stages["tuning"]  # type: ignore[return-value]

    @property
    def cross_validation(self) -> CrossValidationRecord:
        return self.stages["cross_validation"]  # type: ignore[return-value]

    @property
    def comparison(self) -> ComparisonRecord:
        return self.stages["comparison"]  # type: ignore[return-value]

    @property
    def models(self) -> dict[str, ModelRecord]:
        """The model stages, in the profile's order."""
        return {name: self.stages[name] for name in self.profile.models}  # type: ignore[misc]
