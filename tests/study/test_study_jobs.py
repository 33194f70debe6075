"""fashionnet.study.jobs: the study's fold fits on several processes (issue 28).

The parallel run resumes the study folder of ``tests/study/data/smoke-d2cbbd4/``
(the serial smoke study's records; its files stood in for) with its two fold
stages, label errors and cross-validation, to run again on two loky
processes of this machine: real Keras, the smoke profile's 2 folds of 1 epoch.
The comparison, which reads every model's saved predictions (not in the
fixture), is the fixture's record.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys

import pytest
from smoke_study import FOLDER, stand_in

from fashionnet.parallel import check_n_jobs, check_scheduler
from fashionnet.study import run_study, stages
from fashionnet.study.jobs import IN_PROCESS, StudyJobs
from fashionnet.study.records import read_record

#: The stages the parallel run runs again: its two fold stages, and the comparison after them.
AGAIN = ["label_issues", "cross_validation", "comparison"]


def _envelope(stage: str) -> dict:
    return json.loads((FOLDER / "stages" / f"{stage}.json").read_text())


@pytest.fixture(scope="module")
def parallel_run(tmp_path_factory):
    """The smoke folder with its fold stages run again on 2 loky processes, and run once more."""
    pytest.importorskip("cleanlab")
    out = tmp_path_factory.mktemp("jobs") / "study"
    out.mkdir()
    shutil.copy(FOLDER / "study.json", out / "study.json")
    shutil.copytree(FOLDER / "stages", out / "stages")
    for record in (out / "stages").glob("*.json"):
        for name in json.loads(record.read_text())["files"]:
            stand_in(out / name)
    for stage in AGAIN:
        (out / "stages" / f"{stage}.json").unlink()
    comparison = read_record("comparison", _envelope("comparison")["metrics"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "compare", lambda **kwargs: comparison)
        log = io.StringIO()
        first = run_study("smoke", out, progress=log, n_jobs=2)
        written = (out / "stages" / "cross_validation.json").read_bytes()
        again = run_study("smoke", out, progress=None, n_jobs=2)
    yield first, log.getvalue(), written, again
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)  # no worker left running after the tests


def test_the_fold_stages_run_on_other_processes_with_the_serial_records_columns(parallel_run):
    first, log, _, _ = parallel_run
    assert first.ran == AGAIN
    cv = first.metrics["cross_validation"]
    serial = _envelope("cross_validation")["metrics"]
    assert [f["fold"] for f in cv["folds"]] == [1, 2]  # each fold once
    for fold, before in zip(cv["folds"], serial["folds"], strict=True):
        assert set(fold) == set(before) | {"worker"}
        assert (fold["train_images"], fold["val_images"]) == (
            before["train_images"],
            before["val_images"],
        )
        host, pid = fold["worker"].rsplit(":", 1)
        assert int(pid) != os.getpid()  # fitted in a worker process
    assert cv["ran_on"] == "loky (2 processes)"
    assert first.metrics["label_issues"]["ran_on"] == "loky (2 processes)"
    assert first.metrics["label_issues"]["n_label_issues"] >= 0
    assert "2 folds, 2 at a time, on loky (2 processes)" in log


def test_the_report_says_where_each_fit_ran(parallel_run):
    first, _, _, _ = parallel_run
    text = first.report_path.read_text()
    header = next(line for line in text.splitlines() if line.startswith("| fold | training"))
    assert header.endswith("| epochs | worker |")
    for fold in first.metrics["cross_validation"]["folds"]:
        assert f"| {fold['worker']} |" in text
    assert "- label errors: 2 folds on loky (2 processes)" in text
    assert "- cross-validation: 2 folds on loky (2 processes)" in text


def test_a_parallel_run_resumes_without_fitting_again(parallel_run, tmp_path):
    first, _, written, again = parallel_run
    assert again.ran == [] and "cross_validation" in again.skipped
    assert (first.out / "stages" / "cross_validation.json").read_bytes() == written
    assert again.metrics["cross_validation"] == first.metrics["cross_validation"]


def test_the_serial_run_is_the_default_and_stays_in_this_process():
    assert StudyJobs.checked() == IN_PROCESS
    assert IN_PROCESS.in_process and StudyJobs(n_jobs=1).in_process
    assert IN_PROCESS.start_seconds == 0.0
    with IN_PROCESS.backend(folds=5) as (where, at_once):
        assert (where, at_once) == ("this process", 1)
    bars = object()
    assert IN_PROCESS.callbacks(bars) == [bars]  # the very bar: today's serial fits
    with StudyJobs(n_jobs=8).backend(folds=3) as (where, at_once):
        assert (where, at_once) == ("loky (8 processes)", 3)  # no more at once than folds


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, "2", True])
def test_bad_n_jobs_is_refused_naming_it(n_jobs, tmp_path):
    with pytest.raises(ValueError, match="n_jobs must be a positive number"):
        run_study("smoke", tmp_path / "never", n_jobs=n_jobs, progress=None)
    assert not (tmp_path / "never").exists()  # before anything is written


@pytest.mark.parametrize(
    ("address", "problem"),
    [("tcp://", "names no host"), (":8786", "names no host"), ("h:port", "no valid port")],
)
def test_a_scheduler_address_without_a_host_is_refused(address, problem, tmp_path):
    with pytest.raises(ValueError, match=problem):
        run_study("smoke", tmp_path / "never", scheduler=address, progress=None)
    assert not (tmp_path / "never").exists()
    assert check_scheduler("node-1:8786") == "tcp://node-1:8786"
    assert check_n_jobs(-1) == -1


def test_a_scheduler_without_dask_distributed_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'fashionnet\[distributed\]'"):
        run_study("smoke", tmp_path / "never", scheduler="tcp://127.0.0.1:8786", progress=None)
    assert not (tmp_path / "never").exists()
