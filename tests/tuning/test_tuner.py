"""How a trial is built and scored: history, held-out split, folds, Hyperband epochs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from support import FITS, EpochRidge

from fashionnet.tuning import KerasTunerSearchCV


def test_trial_score_is_best_epoch_of_its_csv_log(lenet_search):
    for _, row in lenet_search.cv_results_.iterrows():
        trial_dir = lenet_search.project_dir_ / f"trial_{row['trial']}"
        log = pd.read_csv(trial_dir / "log.csv")
        assert row["score"] == pytest.approx(log["val_accuracy"].max())
        assert (trial_dir / "tb").is_dir()  # TensorBoard logs per trial
        assert json.loads((trial_dir / "trial.json").read_text())["status"] == "COMPLETED"


class HistoryRidge(RidgeClassifier):
    """A RidgeClassifier that keeps a training history, as the Keras estimators do."""

    def __init__(self, alpha=1.0, validation_split=0.0):
        super().__init__(alpha=alpha)
        self.validation_split = validation_split

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight)
        self.history_ = {"loss": [1.0, 0.5], "val_accuracy": [0.5, 0.6]}
        return self


def test_objective_missing_from_history(flat_train, tmp_path):
    search = KerasTunerSearchCV(
        HistoryRidge(), {"alpha": [1.0]}, objective="val_auc", max_trials=1, directory=tmp_path,
    )
    with pytest.raises(ValueError, match="not in the estimator's history_"):
        search.fit(*flat_train)
    # The objective that is there is read from the best epoch.
    search.set_params(objective="val_accuracy", project_name="ok").fit(*flat_train)
    assert search.best_score_ == pytest.approx(0.6)


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


def test_cv_scores_equal_cross_val_score(flat_train, tmp_path):
    X, y = flat_train
    splitter = StratifiedKFold(3, shuffle=True, random_state=5)
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"alpha": [0.1, 10.0, 1000.0]}, tuner="grid", max_trials=None,
        cv=3, random_state=5, directory=tmp_path,
    ).fit(X, y)
    results = search.cv_results_
    assert sorted(results["param_alpha"]) == [0.1, 10.0, 1000.0]  # the whole grid, once
    for _, row in results.iterrows():
        expected = cross_val_score(
            RidgeClassifier(alpha=row["param_alpha"]), X, y, cv=splitter
        )
        splits = row[["split0_score", "split1_score", "split2_score"]].to_numpy(dtype=float)
        np.testing.assert_allclose(splits, expected)
        assert row["score"] == pytest.approx(expected.mean())
    assert search.best_score_ == pytest.approx(results["score"].max())
    # The same folds given as a list of splits (read by check_cv).
    columns = ["split0_score", "split1_score", "split2_score"]
    expected = results.set_index("param_alpha").loc[10.0, columns].to_numpy(dtype=float)
    other = clone(search).set_params(
        param_space={"alpha": [10.0]}, cv=list(splitter.split(X, y)), project_name="splits",
        refit=False,
    ).fit(X, y)
    np.testing.assert_allclose(other.cv_results_.loc[0, columns].to_numpy(float), expected)


def test_held_out_split_for_estimators_without_validation_split(flat_train, tmp_path):
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
