"""Resuming a search: after Ctrl-C, after SIGKILL, after failed trials, over damaged records."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from support import FAIL_ALPHAS, FITS, STOP_AT, RecordingRidge, subprocess_env, trial_status

from fashionnet.tuning import KerasTunerSearchCV, LogUniform

# keras-tuner's threading calls, re-emitted by pytest.warns
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

def test_interrupted_search_resumes_without_repeating(flat_train, tmp_path):
    def search(**kwargs):
        return KerasTunerSearchCV(
            RecordingRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=5,
            random_state=1, directory=tmp_path, project_name="resume", refit=False, **kwargs,
        )

    STOP_AT.append(3)  # Ctrl-C during the third trial
    with pytest.raises(KeyboardInterrupt):
        search().fit(*flat_train)
    first_run = [fit["alpha"] for fit in FITS]
    finished = first_run[:2]
    assert len(first_run) == 3
    assert not (tmp_path / "resume" / ".fashionnet.lock").exists()  # released on Ctrl-C

    FITS.clear()
    STOP_AT.clear()
    resumed = search().fit(*flat_train)
    second_run = [fit["alpha"] for fit in FITS]

    results = resumed.cv_results_
    assert len(results) == 5 and results["trial"].tolist() == [0, 1, 2, 3, 4]
    assert (results["status"] == "COMPLETED").all()
    # The two finished trials were kept, not re-run; the interrupted one ran again.
    assert results["param_alpha"].tolist()[:2] == pytest.approx(finished)
    assert not set(second_run) & set(finished)
    assert second_run[0] == pytest.approx(first_run[2])
    assert len(second_run) == 3
    assert results["param_alpha"].nunique() == 5

    # Started again once complete, nothing runs; overwrite=True starts afresh.
    FITS.clear()
    again = search().fit(*flat_train)
    assert FITS == [] and len(again.cv_results_) == 5
    fresh = search(overwrite=True).set_params(max_trials=2).fit(*flat_train)
    assert len(fresh.cv_results_) == 2
    # Resuming with another space is refused rather than mixing two searches.
    other = search().set_params(param_space={"alpha": [1.0, 2.0]})
    with pytest.raises(ValueError, match="different space"):
        other.fit(*flat_train)


class TiedRidge(RecordingRidge):
    """Predicts one class whatever its alpha: every trial scores the same (a forced tie)."""

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


KILLED_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from sklearn.linear_model import RidgeClassifier
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    class SlowTiedRidge(RidgeClassifier):
        def fit(self, X, y, sample_weight=None):
            time.sleep(1.0)  # a trial long enough to be killed in the middle of
            return super().fit(X, y, sample_weight)

        def predict(self, X):
            return np.full(len(X), self.classes_[0])

    X, y = load_fashion_mnist("test")
    KerasTunerSearchCV(
        SlowTiedRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=5, random_state=1,
        directory=sys.argv[1], project_name="killed", refit=False,
    ).fit(X[:300].reshape(300, -1) / 255.0, y[:300])
    """
)


@pytest.mark.slow
def test_killed_search_resumes_without_repeating_and_picks_the_same_best(tmp_path):
    """SIGKILL a search process during its third trial, then resume it here.

    Every trial scores the same, so the best trial is decided by the
    tie-break alone: it must be the one an uninterrupted search picks.
    """
    script = tmp_path / "search.py"
    script.write_text(KILLED_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    project = tmp_path / "killed"
    deadline = time.monotonic() + 180
    try:
        while trial_status(project / "trial_2" / "trial.json") != "RUNNING":
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the search never reached its third trial"
            time.sleep(0.05)
        time.sleep(0.3)  # let keras-tuner finish saving; the trial itself sleeps 1 s
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate()
    statuses = {p.parent.name: trial_status(p) for p in project.glob("trial_*/trial.json")}
    assert statuses == {"trial_0": "COMPLETED", "trial_1": "COMPLETED", "trial_2": "RUNNING"}
    assert (project / ".fashionnet.lock").is_file()  # the killed process's lock, left behind
    before = {
        t: json.loads((project / f"trial_{t}" / "trial.json").read_text()) for t in (0, 1)
    }

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("test")  # the script's 300 images
    X, y = X[:300].reshape(300, -1) / 255.0, y[:300]

    def search(project_name):
        return KerasTunerSearchCV(
            TiedRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=5, random_state=1,
            directory=tmp_path, project_name=project_name, refit=False,
        )

    resumed = search("killed").fit(X, y)
    results = resumed.cv_results_
    assert results["trial"].tolist() == [0, 1, 2, 3, 4]
    assert (results["status"] == "COMPLETED").all()
    # Trials 0 and 1 were neither re-run nor changed; 2 (killed), 3 and 4 ran here.
    assert len(FITS) == 3
    finished = [before[t]["hyperparameters"]["values"]["alpha"] for t in (0, 1)]
    assert not {fit["alpha"] for fit in FITS} & set(finished)
    for t in (0, 1):
        assert results.loc[t, "score"] == pytest.approx(before[t]["score"])
    assert results["param_alpha"].nunique() == 5

    # The forced tie: the same best trial as a search that was never interrupted.
    assert results["score"].nunique() == 1
    uninterrupted = search("uninterrupted").fit(X, y)
    assert uninterrupted.cv_results_["param_alpha"].tolist() == pytest.approx(
        results["param_alpha"].tolist()
    )
    assert resumed.best_params_ == uninterrupted.best_params_
    assert resumed.best_params_["alpha"] == pytest.approx(results.loc[0, "param_alpha"])


def test_failed_trials_are_retried_on_resume_up_to_max_retries(flat_train, tmp_path):
    def search(project_name):
        return KerasTunerSearchCV(
            RecordingRidge(), {"alpha": [0.5, 1.0, 2.0]}, tuner="grid", max_trials=None,
            directory=tmp_path, project_name=project_name, refit=False, max_retries=2,
        )

    def alphas_fitted():
        fitted = [fit["alpha"] for fit in FITS]
        FITS.clear()
        return fitted

    # A trial that always fails runs three times in all (once and 2 retries), one per fit.
    FAIL_ALPHAS.add(1.0)
    runs = []
    for _ in range(4):
        with pytest.warns(RuntimeWarning, match="1 of 3 trials failed"):
            fitted = search("always").fit(*flat_train)
        runs.append(alphas_fitted())
        assert fitted.n_failed_trials_ == 1 and fitted.best_params_["alpha"] != 1.0
    assert sorted(runs[0]) == [0.5, 1.0, 2.0]
    assert runs[1:] == [[1.0], [1.0], []]

    # A trial that failed once (say, out of memory) completes when the search is resumed.
    with pytest.warns(RuntimeWarning, match="1 of 3 trials failed"):
        search("once").fit(*flat_train)
    alphas_fitted()
    FAIL_ALPHAS.clear()
    resumed = search("once").fit(*flat_train)
    assert alphas_fitted() == [1.0]
    assert resumed.n_failed_trials_ == 0
    assert (resumed.cv_results_["status"] == "COMPLETED").all()
    assert resumed.best_score_ == pytest.approx(resumed.cv_results_["score"].max())


# --------------------------------------------------------------------------- #
# damaged records: empty or truncated files, as a full disk or a kill leaves them
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def finished_project(small_train, tmp_path_factory):
    """A finished 4-trial search on disk, its results, and how to run it again."""
    X, y = small_train
    X, y = X[:300].reshape(300, -1) / 255.0, y[:300]
    directory = tmp_path_factory.mktemp("finished")

    def search(directory, max_trials=4):
        return KerasTunerSearchCV(
            RecordingRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=max_trials,
            random_state=1, directory=directory, project_name="p", refit=False,
        )

    results = search(directory).fit(X, y).cv_results_
    return directory / "p", results, search, (X, y)


def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGES = {
    "last trial.json empty": (lambda p: _truncate(p / "trial_3" / "trial.json", 0), [3]),
    "middle trial.json truncated": (lambda p: _truncate(p / "trial_1" / "trial.json"), [1]),
    "middle trial folder gone": (lambda p: shutil.rmtree(p / "trial_2"), [2]),
    "oracle.json empty": (lambda p: _truncate(p / "oracle.json", 0), []),
    "oracle.json truncated": (lambda p: _truncate(p / "oracle.json"), []),
    "tuner file empty": (lambda p: _truncate(p / "tuner0.json", 0), []),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_records_are_repaired_on_resume(finished_project, tmp_path, damage):
    source, before, search, data = finished_project
    project = tmp_path / "p"
    shutil.copytree(source, project)
    harm, redone = DAMAGES[damage]
    harm(project)

    with pytest.warns(RuntimeWarning, match="repaired the search"):
        resumed = search(tmp_path).fit(*data)
    results = resumed.cv_results_
    assert results["trial"].tolist() == [0, 1, 2, 3]
    assert (results["status"] == "COMPLETED").all()
    # The damaged trial ran again (with new values: the old ones were lost), the others are kept.
    assert len(FITS) == len(redone)
    kept = [t for t in range(4) if t not in redone]
    np.testing.assert_allclose(results.loc[kept, "score"], before.loc[kept, "score"])
    np.testing.assert_allclose(results.loc[kept, "param_alpha"], before.loc[kept, "param_alpha"])
    for t in redone:
        assert FITS[0]["alpha"] == pytest.approx(results.loc[t, "param_alpha"])
        assert results.loc[t, "param_alpha"] not in before["param_alpha"].tolist()

    # Repaired once and for all: the search goes on from there, drawing new values.
    FITS.clear()
    more = search(tmp_path, max_trials=5).fit(*data).cv_results_
    assert len(FITS) == 1 and more["trial"].tolist() == [0, 1, 2, 3, 4]
    assert more.loc[4, "param_alpha"] not in results["param_alpha"].tolist()
