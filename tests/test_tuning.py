"""KerasTunerSearchCV on slices of the real Fashion-MNIST.

The Keras path is exercised with LeNet5Classifier (1 epoch on a few hundred
images: these tests check plumbing, not accuracy). The bookkeeping tests --
resuming, grid, Hyperband's epochs, cross-validation scores -- use
scikit-learn's RidgeClassifier, whose fits take milliseconds, through the
same generic code path.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time

import keras_tuner  # noqa: E402
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from fashionnet.tuning import IntRange, KerasTunerSearchCV, LogUniform, Uniform, build_space


@pytest.fixture(scope="module")
def flat_train(small_train):
    X, y = small_train
    return X[:300].reshape(300, -1) / 255.0, y[:300]


# Fits of the estimators below, recorded across clones (clone copies
# parameters, not instances), so a test can see which trials really ran.
FITS: list[dict] = []
STOP_AT: list[int] = []  # raise KeyboardInterrupt at this fit number


class RecordingRidge(RidgeClassifier):
    """RidgeClassifier that records each fit and can be interrupted (Ctrl-C) on cue."""

    def fit(self, X, y, sample_weight=None):
        FITS.append(self.get_params())
        if STOP_AT and len(FITS) == STOP_AT[0]:
            raise KeyboardInterrupt
        return super().fit(X, y, sample_weight)


class EpochRidge(RecordingRidge):
    """A RidgeClassifier with an ``epochs`` parameter, to watch Hyperband set it."""

    def __init__(self, alpha=1.0, epochs=1):
        super().__init__(alpha=alpha)
        self.epochs = epochs


@pytest.fixture(autouse=True)
def _reset_fits():
    FITS.clear()
    STOP_AT.clear()
    yield
    FITS.clear()
    STOP_AT.clear()


# --------------------------------------------------------------------------- #
# the space
# --------------------------------------------------------------------------- #
def test_space_maps_onto_keras_tuner():
    hp, decoders = build_space(
        {
            "learning_rate": LogUniform(1e-4, 1e-1),
            "dropout": Uniform(0.0, 0.5, step=0.1),
            "epochs": IntRange(2, 10, step=2),
            "batch_size": [32, 64, 128],
            "activation": ["tanh", "relu"],
            "momentum": [0, 0.9],  # ints and floats: a float choice
            "head": [None, (128,), (256, 64)],  # not keras-tuner types: encoded
            "shuffle": [True, False],
        }
    )
    space = {p.name: p for p in hp.space}
    lr = space["learning_rate"]
    assert isinstance(lr, keras_tuner.engine.hyperparameters.Float)
    assert (lr.min_value, lr.max_value, lr.sampling) == (1e-4, 1e-1, "log")
    assert (space["dropout"].min_value, space["dropout"].max_value, space["dropout"].step) == (
        0.0, 0.5, 0.1
    )
    assert isinstance(space["epochs"], keras_tuner.engine.hyperparameters.Int)
    epochs = space["epochs"]
    assert (epochs.min_value, epochs.max_value, epochs.step) == (2, 10, 2)
    assert isinstance(space["batch_size"], keras_tuner.engine.hyperparameters.Choice)
    assert space["batch_size"].values == [32, 64, 128]
    assert space["activation"].values == ["tanh", "relu"]
    assert space["momentum"].values == [0.0, 0.9]
    assert set(decoders) == {"head", "shuffle"}
    assert [v for _, v in decoders["head"]] == [None, (128,), (256, 64)]
    assert [v for _, v in decoders["shuffle"]] == [True, False]

    given = keras_tuner.HyperParameters()
    given.Choice("alpha", [0.1, 1.0])
    hp, decoders = build_space(given)
    assert [p.name for p in hp.space] == ["alpha"] and decoders == {}


@pytest.mark.parametrize(
    ("space", "error", "match"),
    [
        ({}, ValueError, "non-empty dict"),
        ({"alpha": []}, ValueError, "empty list"),
        ({"alpha": [1.0, 1.0]}, ValueError, "twice"),
        ({"alpha": 1.0}, TypeError, "set it on the estimator"),
        ({"alpha": LogUniform(0, 1)}, ValueError, "0 < low < high"),
    ],
)
def test_bad_space_is_refused(space, error, match):
    with pytest.raises(error, match=match):
        build_space(space)


@pytest.mark.parametrize(
    ("kwargs", "space", "match"),
    [
        ({}, {"alpah": [1.0, 2.0]}, r"no parameter\(s\) \['alpah'\]"),
        ({"tuner": "hyperband"}, {"epochs": [1, 2]}, "Hyperband chooses the epochs"),
        ({"tuner": "annealing"}, {"alpha": [1.0]}, "tuner must be one of"),
        ({"validation_split": 1.5}, {"alpha": [1.0]}, "validation_split"),
        ({"objective": "val_auc"}, {"alpha": [1.0]}, "training history"),
        ({"max_trials": 0}, {"alpha": [1.0]}, "max_trials"),
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
# the Keras path: LeNet5Classifier, history objective, logs
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def lenet_search(small_train, tmp_path_factory):
    from fashionnet.models import LeNet5Classifier

    directory = tmp_path_factory.mktemp("lenet_search")
    search = KerasTunerSearchCV(
        LeNet5Classifier(epochs=2, random_state=0),
        {
            "learning_rate": LogUniform(1e-4, 1e-2),
            "batch_size": [32, 64],
            "activation": ["tanh", "relu"],  # a model parameter, searched the same way
        },
        max_trials=3,
        early_stopping_patience=1,
        directory=directory,
        project_name="lenet",
        random_state=0,
    )
    X, y = small_train
    return search.fit(X[:400], y[:400])


def test_search_results(lenet_search):
    search = lenet_search
    results = search.cv_results_
    assert isinstance(results, pd.DataFrame)
    assert list(results.columns) == [
        "trial", "score", "status", "duration",
        "param_learning_rate", "param_batch_size", "param_activation",
    ]
    assert len(results) == 3 == search.n_trials_
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


def test_trial_score_is_best_epoch_of_its_csv_log(lenet_search):
    for _, row in lenet_search.cv_results_.iterrows():
        trial_dir = lenet_search.project_dir_ / f"trial_{row['trial']}"
        log = pd.read_csv(trial_dir / "log.csv")
        assert row["score"] == pytest.approx(log["val_accuracy"].max())
        assert (trial_dir / "tb").is_dir()  # TensorBoard logs per trial
        assert json.loads((trial_dir / "trial.json").read_text())["status"] == "COMPLETED"


def test_best_estimator_refit_on_all_data(lenet_search, small_train, small_test):
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


def test_objective_missing_from_history(small_train, tmp_path):
    from fashionnet.models import LeNet5Classifier

    search = KerasTunerSearchCV(
        LeNet5Classifier(epochs=1), {"batch_size": [64]}, objective="val_auc",
        max_trials=1, directory=tmp_path,
    )
    X, y = small_train
    with pytest.raises(ValueError, match="not in the estimator's history_"):
        search.fit(X[:200], y[:200])


def test_lenet_cross_validated_trial_logs_each_fold(small_train, tmp_path):
    from fashionnet.models import LeNet5Classifier

    X, y = small_train
    search = KerasTunerSearchCV(
        LeNet5Classifier(epochs=1, random_state=0), {"batch_size": [64]}, cv=2,
        max_trials=1, directory=tmp_path, refit=False,
    ).fit(X[:200], y[:200])
    row = search.cv_results_.iloc[0]
    assert row["score"] == pytest.approx((row["split0_score"] + row["split1_score"]) / 2)
    for fold in (0, 1):
        assert (search.project_dir_ / "trial_0" / f"fold{fold}" / "log.csv").is_file()
    with pytest.raises(NotFittedError, match="refit=False"):
        search.predict(X[:5])


# --------------------------------------------------------------------------- #
# generic estimators: CV scores, oracles, resuming
# --------------------------------------------------------------------------- #
def test_cv_scores_equal_cross_val_score(flat_train, tmp_path):
    X, y = flat_train
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"alpha": [0.1, 10.0, 1000.0]}, tuner="grid", max_trials=None,
        cv=3, random_state=5, directory=tmp_path,
    ).fit(X, y)
    results = search.cv_results_
    assert sorted(results["param_alpha"]) == [0.1, 10.0, 1000.0]  # the whole grid, once
    for _, row in results.iterrows():
        expected = cross_val_score(
            RidgeClassifier(alpha=row["param_alpha"]), X, y,
            cv=StratifiedKFold(3, shuffle=True, random_state=5),
        )
        splits = row[["split0_score", "split1_score", "split2_score"]].to_numpy(dtype=float)
        np.testing.assert_allclose(splits, expected)
        assert row["score"] == pytest.approx(expected.mean())
    assert search.best_score_ == pytest.approx(results["score"].max())
    assert is_classifier(search)


def test_held_out_split_for_estimators_without_validation_split(flat_train, tmp_path):
    from sklearn.model_selection import train_test_split

    X, y = flat_train
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"alpha": [1.0]}, max_trials=1, random_state=3,
        validation_split=0.25, directory=tmp_path,
    ).fit(X, y)
    train, val = train_test_split(
        np.arange(len(y)), test_size=0.25, stratify=y, random_state=search._seed()
    )
    expected = RidgeClassifier(alpha=1.0).fit(X[train], y[train]).score(X[val], y[val])
    assert search.best_score_ == pytest.approx(expected)


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


def test_hyperband_sets_the_estimator_epochs(flat_train, tmp_path):
    search = KerasTunerSearchCV(
        EpochRidge(), {"alpha": [0.1, 1.0, 10.0, 100.0]}, tuner="hyperband",
        tuner_options={"max_epochs": 4, "factor": 2}, random_state=0, directory=tmp_path,
        refit=False,
    ).fit(*flat_train)
    results = search.cv_results_
    trial_epochs = [fit["epochs"] for fit in FITS]
    assert trial_epochs == results["param_epochs"].tolist()
    assert set(trial_epochs) > {1} and max(trial_epochs) <= 4
    assert "epochs" in search.best_params_


def test_random_state_makes_the_search_repeatable(flat_train, tmp_path):
    def run(project):
        return KerasTunerSearchCV(
            RidgeClassifier(), {"alpha": LogUniform(1e-2, 1e3)}, max_trials=3,
            random_state=42, directory=tmp_path, project_name=project, refit=False,
        ).fit(*flat_train).cv_results_["param_alpha"].tolist()

    assert run("a") == run("b")


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


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras-tuner's threading calls
def test_failed_trials_are_reported(flat_train, tmp_path):
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"solver": ["auto", "no-such-solver"]}, tuner="grid",
        max_trials=None, directory=tmp_path,
    )
    with pytest.warns(RuntimeWarning, match="1 of 2 trials failed"):
        search.fit(*flat_train)
    results = search.cv_results_.set_index("param_solver")
    assert results.loc["no-such-solver", "status"] == "FAILED"
    assert np.isnan(results.loc["no-such-solver", "score"])
    assert search.best_params_ == {"solver": "auto"}


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


KILLED_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from sklearn.linear_model import RidgeClassifier
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    class SlowRidge(RidgeClassifier):
        def fit(self, X, y, sample_weight=None):
            time.sleep(1.0)  # a trial long enough to be killed in the middle of
            return super().fit(X, y, sample_weight)

    X, y = load_fashion_mnist("test")
    KerasTunerSearchCV(
        SlowRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=5, random_state=1,
        directory=sys.argv[1], project_name="killed", refit=False,
    ).fit(X[:300].reshape(300, -1) / 255.0, y[:300])
    """
)


def _trial_status(path):
    try:
        return json.loads(path.read_text())["status"]
    except (OSError, ValueError):
        return None  # not written yet, or being written


@pytest.mark.slow
def test_killed_search_resumes_without_repeating(tmp_path):
    """SIGKILL a search process during its third trial, then resume it here."""
    script = tmp_path / "search.py"
    script.write_text(KILLED_SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    project = tmp_path / "killed"
    deadline = time.monotonic() + 180
    try:
        while _trial_status(project / "trial_2" / "trial.json") != "RUNNING":
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the search never reached its third trial"
            time.sleep(0.05)
        time.sleep(0.3)  # let keras-tuner finish saving; the trial itself sleeps 1 s
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate()
    statuses = {p.parent.name: _trial_status(p) for p in project.glob("trial_*/trial.json")}
    assert statuses == {"trial_0": "COMPLETED", "trial_1": "COMPLETED", "trial_2": "RUNNING"}
    before = {
        t: json.loads((project / f"trial_{t}" / "trial.json").read_text()) for t in (0, 1)
    }

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("test")  # the script's 300 images
    resumed = KerasTunerSearchCV(
        RecordingRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=5, random_state=1,
        directory=tmp_path, project_name="killed", refit=False,
    ).fit(X[:300].reshape(300, -1) / 255.0, y[:300])
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
