"""KerasTunerSearchCV as a scikit-learn meta-estimator, on slices of the real data.

The Keras path is exercised with LeNet5Classifier (1-2 epochs on a few
hundred images: these tests check plumbing, not accuracy). The bookkeeping
tests use scikit-learn's RidgeClassifier, whose fits take milliseconds,
through the same generic code path.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from support import FITS, EpochRidge, RecordingRidge, subprocess_env

from fashionnet.tuning import KerasTunerSearchCV, LockedError, LogUniform


@pytest.mark.parametrize(
    ("kwargs", "space", "match"),
    [
        ({}, {"alpah": [1.0, 2.0]}, r"no parameter\(s\) \['alpah'\]"),
        ({"tuner": "hyperband"}, {"epochs": [1, 2]}, "Hyperband chooses the epochs"),
        ({"tuner": "annealing"}, {"alpha": [1.0]}, "tuner must be one of"),
        ({"validation_split": 1.5}, {"alpha": [1.0]}, "validation_split"),
        ({"objective": "val_auc"}, {"alpha": [1.0]}, "training history"),
        ({"max_trials": 0}, {"alpha": [1.0]}, "max_trials"),
        ({"max_retries": -1}, {"alpha": [1.0]}, "max_retries"),
        ({"cv": "five"}, {"alpha": [1.0]}, "cv must be None, an int"),
    ],
)
def test_bad_settings_fail_before_any_trial(flat_train, tmp_path, kwargs, space, match):
    search = KerasTunerSearchCV(EpochRidge(), space, directory=tmp_path, **kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        search.fit(*flat_train)
    assert FITS == []


def test_managed_parameters_cannot_be_searched(small_train, tmp_path):
    from fashionnet.models import LeNet5Classifier

    search = KerasTunerSearchCV(
        LeNet5Classifier(), {"validation_split": [0.1, 0.2]}, directory=tmp_path
    )
    with pytest.raises(ValueError, match="sets itself"):
        search.fit(*small_train)


# --------------------------------------------------------------------------- #
# the Keras path: LeNet5Classifier (the search is the session's lenet_search)
# --------------------------------------------------------------------------- #
def test_search_results(lenet_search):
    search = lenet_search
    results = search.cv_results_
    assert isinstance(results, pd.DataFrame)
    assert list(results.columns) == [
        "trial", "score", "status", "duration",
        "param_learning_rate", "param_batch_size", "param_activation",
    ]
    assert len(results) == 3 == search.n_trials_
    assert search.n_failed_trials_ == 0
    assert results["trial"].tolist() == [0, 1, 2]
    assert (results["status"] == "COMPLETED").all()
    assert (results["duration"] > 0).all()

    # best_params_ lies in the space and is the best row.
    best = search.best_params_
    assert set(best) == {"learning_rate", "batch_size", "activation"}
    assert 1e-4 <= best["learning_rate"] <= 1e-2
    assert best["batch_size"] in (32, 64) and best["activation"] in ("tanh", "relu")
    assert search.best_score_ == pytest.approx(results["score"].max())
    top = results.loc[results["score"].idxmax()]
    assert top["param_learning_rate"] == pytest.approx(best["learning_rate"])


def test_best_estimator_refit_on_all_data(lenet_search, small_test):
    search = lenet_search
    est = search.best_estimator_
    params = est.get_params()
    for name, value in search.best_params_.items():
        assert params[name] == value
    assert params["validation_split"] == 0.0  # refit on all the data
    assert (search.project_dir_ / "refit" / "log.csv").is_file()
    X, y = small_test
    np.testing.assert_array_equal(search.predict(X), est.predict(X))
    np.testing.assert_allclose(search.predict_proba(X), est.predict_proba(X))
    assert search.score(X, y) == pytest.approx(est.score(X, y))
    np.testing.assert_array_equal(search.classes_, np.arange(10))
    assert search.refit_time_ > 0


# --------------------------------------------------------------------------- #
# oracles and repeatability
# --------------------------------------------------------------------------- #
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # Bayesian GP
@pytest.mark.parametrize("tuner", ["random", "bayesian"])
def test_oracles_run_max_trials_within_the_space(flat_train, tmp_path, tuner):
    search = KerasTunerSearchCV(
        RecordingRidge(), {"alpha": LogUniform(1e-2, 1e3), "fit_intercept": [True, False]},
        tuner=tuner, max_trials=4, random_state=0, directory=tmp_path,
        tuner_options={"num_initial_points": 2} if tuner == "bayesian" else None,
    ).fit(*flat_train)
    results = search.cv_results_
    assert len(results) == 4 and (results["status"] == "COMPLETED").all()
    assert results["param_alpha"].between(1e-2, 1e3).all()
    assert set(results["param_fit_intercept"]) <= {True, False}
    assert isinstance(search.best_params_["fit_intercept"], bool)  # decoded, not 0/1
    assert len(FITS) == 4 + 1  # four trials and the refit


def test_random_state_makes_the_search_repeatable(flat_train, tmp_path):
    def run(project):
        return KerasTunerSearchCV(
            RidgeClassifier(), {"alpha": LogUniform(1e-2, 1e3)}, max_trials=3,
            random_state=42, directory=tmp_path, project_name=project, refit=False,
        ).fit(*flat_train).cv_results_["param_alpha"].tolist()

    assert run("a") == run("b")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras-tuner's threading calls
def test_failed_trials_are_reported(flat_train, tmp_path):
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"solver": ["auto", "no-such-solver"]}, tuner="grid",
        max_trials=None, directory=tmp_path,
    )
    with pytest.warns(RuntimeWarning, match="1 of 2 trials failed.*retries them"):
        search.fit(*flat_train)
    results = search.cv_results_.set_index("param_solver")
    assert results.loc["no-such-solver", "status"] == "FAILED"
    assert np.isnan(results.loc["no-such-solver", "score"])
    assert search.best_params_ == {"solver": "auto"}
    assert search.n_failed_trials_ == 1 and search.n_trials_ == 2


def test_sklearn_contract(flat_train, tmp_path):
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"alpha": [1.0, 2.0]}, max_trials=2, directory=tmp_path
    )
    assert clone(search).get_params()["param_space"] == {"alpha": [1.0, 2.0]}
    assert is_classifier(search)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        search.predict(flat_train[0])
    search.fit(*flat_train)
    assert search.n_features_in_ == 784
    restored = pickle.loads(pickle.dumps(search))  # without the tuner_, kept on disk
    np.testing.assert_array_equal(restored.predict(flat_train[0]), search.predict(flat_train[0]))
    assert not hasattr(restored, "tuner_")
    # No directory: a temporary one, so nothing is written to the working directory.
    temp = KerasTunerSearchCV(RidgeClassifier(), {"alpha": [1.0]}, max_trials=1).fit(*flat_train)
    assert temp.project_dir_.is_dir() and "fashionnet-search-" in str(temp.project_dir_)


# --------------------------------------------------------------------------- #
# one live search per directory
# --------------------------------------------------------------------------- #
HOLDER = textwrap.dedent(
    """
    import sys, time
    from fashionnet._lock import DirectoryLock

    DirectoryLock(sys.argv[1], what="search").acquire()
    print("held", flush=True)
    time.sleep(120)
    """
)


def test_a_second_live_search_is_refused_and_a_dead_ones_lock_taken_over(flat_train, tmp_path):
    project = tmp_path / "locked"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(project)],
        env=subprocess_env(), stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        search = KerasTunerSearchCV(
            RecordingRidge(), {"alpha": [1.0, 2.0]}, max_trials=2, directory=tmp_path,
            project_name="locked", refit=False,
        )
        with pytest.raises(LockedError, match=f"in use by another search: PID {holder.pid}"):
            search.fit(*flat_train)
        assert FITS == [] and not (project / "oracle.json").exists()
    finally:
        holder.kill()
        holder.communicate()
    assert (project / ".fashionnet.lock").is_file()  # left behind by the killed holder
    search.fit(*flat_train)  # taken over
    assert len(search.cv_results_) == 2
    assert not (project / ".fashionnet.lock").exists()  # released
