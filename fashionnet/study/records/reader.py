"""The versioned reader of the stage records: each stage's record class, and the
upgrades from older schemas."""

from __future__ import annotations

from ._base import SCHEMA_VERSION, Record
from .data import (
    AuditRecord,
    DataRecord,
    ExplorationRecord,
    LabelIssueRecord,
    NearDuplicateRecord,
    PreprocessingRecord,
)
from .fits import ComparisonRecord, CrossValidationRecord, ModelRecord, SearchRecord

# --------------------------------------------------------------------------- reading

#: The record class of each stage with a fixed name; the model stages are ModelRecord.
RECORD_TYPES: dict[str, type[Record]] = {
    "data": DataRecord,
    "audit": AuditRecord,
    "near_duplicates": NearDuplicateRecord,
    "label_issues": LabelIssueRecord,
    "exploration": ExplorationRecord,
    "preprocessing": PreprocessingRecord,
    "tuning": SearchRecord,
    "cross_validation": CrossValidationRecord,
    "comparison": ComparisonRecord,
}


def _upgrade_1(stage: str, data: dict) -> dict:
    """Schema 1 (no version) to 2: the tuning stage recorded its search time as its budget."""
    if stage == "tuning":
        return {**data, "budget_seconds": None}
    return data


_UPGRADES = {1: _upgrade_1}


def read_record(stage: str, data: dict, schema: int | None = None) -> Record:
    """The record of stage ``stage`` from its dict, upgraded from an older schema.

    Parameters
    ----------
    stage : str
        The stage's name (a model stage's name is its plan's ``stage``).
    data : dict
        What :meth:`Record.to_dict` wrote, or what a stage of schema 1 wrote.
    schema : int or None, default=None
        The schema version the record was written with; None (a record of
        the versions before :data:`SCHEMA_VERSION` existed) is schema 1.

    Returns
    -------
    Record

    Raises
    ------
    ValueError
        The schema is newer than this version knows.
    """
    version = 1 if schema is None else int(schema)
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"the record of stage {stage!r} has schema {version}, newer than this version "
            f"of fashionnet reads ({SCHEMA_VERSION}); upgrade fashionnet or run it again."
        )
    while version < SCHEMA_VERSION:
        data = _UPGRADES[version](stage, data)
        version += 1
    return RECORD_TYPES.get(stage, ModelRecord).from_dict(data)
