"""What each stage of a study measured, as typed records, and their versioned reader.

A stage returns one record (a fit, a budget, an evaluation, a search, the
data's quality ...); :mod:`fashionnet.study.runner` writes it with
:meth:`Record.to_dict` into ``stages/<name>.json`` under the schema version
:data:`SCHEMA_VERSION`, and :func:`read_record` reads it back, upgrading what
an older version wrote. :class:`StudyMetrics` is the typed view of
``metrics.json`` that :mod:`fashionnet.study.report` reads.

The dictionaries keep the keys and their order of the records written before
these classes existed (schema 1, without a version), so ``metrics.json``
and the report are unchanged. Schema 2 differs in one value: the tuning
stage's ``budget_seconds`` is the budget it was given, and ``search_seconds``
the time the search took (schema 1 recorded that time under both names).

One module per kind: ``_base`` (the :class:`Record` base), ``data`` (the data
stages), ``fits`` (the training stages), ``reader`` (:func:`read_record`) and
``metrics_file`` (:class:`StudyMetrics`, ``metrics.json``).
"""

from __future__ import annotations

from ._base import SCHEMA_VERSION, Record
from .data import (
    AuditRecord,
    DataRecord,
    ExplorationRecord,
    LabelIssue,
    LabelIssueRecord,
    NearDuplicatePair,
    NearDuplicateRecord,
    Outlier,
    PipelineInput,
    PreprocessingRecord,
)
from .fits import (
    BackboneRecord,
    ComparisonRecord,
    ComparisonRow,
    CrossValidationRecord,
    EvaluationRecord,
    FitRecord,
    Fold,
    FoldStats,
    ModelRecord,
    SearchRecord,
    Trial,
)
from .metrics_file import BudgetFacts, Conclusion, ProfileFacts, Reduction, StudyMetrics
from .reader import RECORD_TYPES, read_record

__all__ = [
    "SCHEMA_VERSION",
    "Record",
    "DataRecord",
    "AuditRecord",
    "NearDuplicatePair",
    "NearDuplicateRecord",
    "Outlier",
    "LabelIssue",
    "LabelIssueRecord",
    "ExplorationRecord",
    "PipelineInput",
    "PreprocessingRecord",
    "Trial",
    "SearchRecord",
    "FitRecord",
    "Fold",
    "FoldStats",
    "CrossValidationRecord",
    "EvaluationRecord",
    "BackboneRecord",
    "ModelRecord",
    "ComparisonRow",
    "ComparisonRecord",
    "RECORD_TYPES",
    "read_record",
    "Reduction",
    "ProfileFacts",
    "BudgetFacts",
    "Conclusion",
    "StudyMetrics",
]
