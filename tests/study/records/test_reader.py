"""fashionnet.study.records.reader: typed stage records and the versioned reader.

``tests/study/data/smoke-d2cbbd4/`` is a study folder written by the code before the
records existed (commit d2cbbd4, ``fashionnet study --profile smoke``): its
stage records (schema 1, no version), ``study.json``, ``metrics.json`` and
the report it wrote, ``report-d2cbbd4.md``; ``report.md`` is the report that
today's code renders from them (findings first, see
``tests/study/report/test_report.py``). Its figures, CSVs and models are left
out to keep it small; the resume test stands in for them with files that pass the runner's checks.
"""

from __future__ import annotations

import json
import shutil

import pytest
from smoke_study import FOLDER, stand_in

from fashionnet.study import run_study
from fashionnet.study.records import (
    RECORD_TYPES,
    SCHEMA_VERSION,
    ModelRecord,
    SearchRecord,
    StudyMetrics,
    read_record,
)
from fashionnet.study.report import build_report

STAGES = sorted(p.stem for p in (FOLDER / "stages").glob("*.json"))


def _envelope(stage: str) -> dict:
    return json.loads((FOLDER / "stages" / f"{stage}.json").read_text())


def test_the_fixture_is_a_schema_1_folder_of_every_stage():
    assert len(STAGES) == 14 and set(RECORD_TYPES) <= set(STAGES)
    assert all("schema" not in _envelope(s) for s in STAGES)


@pytest.mark.parametrize("stage", STAGES)
def test_a_schema_1_record_reads_and_writes_the_same_dict(stage):
    metrics = _envelope(stage)["metrics"]
    record = read_record(stage, metrics)
    assert isinstance(record, RECORD_TYPES.get(stage, ModelRecord))
    written = record.to_dict()
    if stage == "tuning":  # the one value schema 2 corrects
        assert written.pop("budget_seconds") is None
        metrics = {k: v for k, v in metrics.items() if k != "budget_seconds"}
    assert list(written.items()) == list(metrics.items())  # same keys, same order
    assert read_record(stage, record.to_dict(), SCHEMA_VERSION).to_dict() == record.to_dict()


def test_schema_1_tuning_budget_was_the_search_time_and_is_upgraded_to_unknown():
    metrics = _envelope("tuning")["metrics"]
    assert metrics["budget_seconds"] == metrics["search_seconds"]  # the bug schema 1 had
    record = read_record("tuning", metrics)
    assert isinstance(record, SearchRecord)
    assert record.budget_seconds is None  # the smoke profile had no budget
    assert record.search_seconds == metrics["search_seconds"] > 0
    current = read_record("tuning", {**metrics, "budget_seconds": 12.0}, SCHEMA_VERSION)
    assert current.budget_seconds == 12.0  # a schema-2 record is read as written


def test_a_record_of_a_newer_schema_is_refused():
    with pytest.raises(ValueError, match="newer than this version"):
        read_record("data", _envelope("data")["metrics"], SCHEMA_VERSION + 1)


def test_records_are_read_by_attribute():
    lenet = read_record("lenet5", _envelope("lenet5")["metrics"])
    assert isinstance(lenet, ModelRecord) and not lenet.skipped and not lenet.pretrained
    assert 1 <= lenet.fit.epochs_run <= lenet.fit.epochs_planned
    assert 0 <= lenet.evaluation.test_accuracy <= 1
    vgg = read_record("vgg16", _envelope("vgg16")["metrics"])
    assert vgg.pretrained and vgg.weights == "none" and vgg.backbone.trainable_layers > 0
    cv = read_record("cross_validation", _envelope("cross_validation")["metrics"])
    assert [f.fold for f in cv.folds] == list(range(1, cv.n_folds + 1))
    assert cv.summary["mean"].test_accuracy > 0


def test_a_record_before_issue_28_reads_without_where_its_fits_ran():
    """Where the fold fits ran is optional: an old record reads, and writes, as it was."""
    from fashionnet.study.records import CrossValidationRecord, LabelIssueRecord

    cv = read_record("cross_validation", _envelope("cross_validation")["metrics"])
    assert isinstance(cv, CrossValidationRecord) and cv.ran_on is None
    assert all(f.fit.worker is None for f in cv.folds)
    assert "ran_on" not in cv.to_dict() and "worker" not in cv.to_dict()["folds"][0]
    labels = read_record("label_issues", _envelope("label_issues")["metrics"])
    assert isinstance(labels, LabelIssueRecord) and labels.ran_on is None
    # Today's records say it, and read back the same.
    cv.ran_on = "loky (2 processes)"
    cv.folds[0].fit.worker = "host:123"
    again = read_record("cross_validation", cv.to_dict(), SCHEMA_VERSION)
    assert again.ran_on == "loky (2 processes)" and again.folds[0].fit.worker == "host:123"
    assert again.folds[0].to_dict()["worker"] == "host:123"


def test_todays_metrics_render_the_same_report():
    metrics = json.loads((FOLDER / "metrics.json").read_text())
    assert build_report(metrics).to_markdown() == (FOLDER / "report.md").read_text()
    typed = StudyMetrics.from_dict(metrics)
    assert list(typed.models) == typed.profile.models
    assert typed.conclusion.best_model == typed.comparison.rows[0].model


def test_a_folder_written_today_resumes_and_renders_the_same_report(tmp_path):
    out = tmp_path / "study"
    out.mkdir()
    shutil.copy(FOLDER / "study.json", out / "study.json")
    shutil.copytree(FOLDER / "stages", out / "stages")
    for stage in STAGES:
        for name in _envelope(stage)["files"]:
            stand_in(out / name)

    result = run_study("smoke", out, progress=None)

    assert result.ran == [] and sorted(result.skipped) == STAGES
    assert result.report_path.read_text() == (FOLDER / "report.md").read_text()
    old = json.loads((FOLDER / "metrics.json").read_text())
    new = json.loads((out / "metrics.json").read_text())
    assert new["tuning"].pop("budget_seconds") is None  # schema 2's correction
    old["tuning"].pop("budget_seconds")
    assert new == old
