"""fashionnet.evaluation.cross_validation: cross_validate_folds on slices of the real
Fashion-MNIST (ridge classifiers; one real LeNet-5 cross-validation from conftest).
"""

from __future__ import annotations

import gc
import json
import weakref

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import RidgeClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

from fashionnet.evaluation import (
    CrossValidationResult,
    cross_validate_folds,
)


def _strict_json(obj):
    """Round-trip through strict JSON (no NaN), as metrics.json is written."""
    return json.loads(json.dumps(obj, allow_nan=False))


# --------------------------------------------------------------------------- #
# cross_validate_folds
# --------------------------------------------------------------------------- #
def test_fold_scores_equal_cross_val_score(flat_train, flat_test):
    X, y = flat_train[0][:300], flat_train[1][:300]
    estimator = RidgeClassifier(alpha=10.0)
    result = cross_validate_folds(
        estimator, X, y, X_test=flat_test[0], y_test=flat_test[1], return_estimators=True
    )
    expected = cross_val_score(
        clone(estimator), X, y, cv=StratifiedKFold(5, shuffle=True, random_state=0)
    )
    assert isinstance(result, CrossValidationResult)
    np.testing.assert_allclose(result.folds["val_accuracy"], expected)
    assert result.folds["fold"].tolist() == [1, 2, 3, 4, 5]
    assert (result.folds["n_train"] + result.folds["n_val"] == len(y)).all()

    # Each fold model's test accuracy, as the study reported.
    tests = [m.score(*flat_test) for m in result.estimators]
    np.testing.assert_allclose(result.folds["test_accuracy"], tests)
    # A fresh clone per fold: the estimator passed in is never fitted, and
    # the fold models are distinct objects.
    assert not hasattr(estimator, "coef_")
    assert len({id(m) for m in result.estimators}) == 5

    s = result.summary
    assert list(s.index) == ["min", "max", "mean", "std"]
    assert s.loc["min", "test_accuracy"] == pytest.approx(min(tests))
    assert s.loc["max", "test_accuracy"] == pytest.approx(max(tests))
    assert s.loc["mean", "test_accuracy"] == pytest.approx(np.mean(tests))
    assert s.loc["std", "val_accuracy"] == pytest.approx(np.std(expected))
    assert result.has_test and result.n_folds == 5


def test_cv_given_as_int_splitter_or_index_pairs(flat_train):
    X, y = flat_train[0][:300], flat_train[1][:300]
    splitter = StratifiedKFold(3, shuffle=True, random_state=7)
    by_int = cross_validate_folds(RidgeClassifier(), X, y, cv=3, random_state=7)
    by_splitter = cross_validate_folds(RidgeClassifier(), X, y, cv=splitter)
    by_pairs = cross_validate_folds(RidgeClassifier(), X, y, cv=list(splitter.split(X, y)))
    by_generator = cross_validate_folds(RidgeClassifier(), X, y, cv=splitter.split(X, y))
    for other in (by_splitter, by_pairs, by_generator):
        np.testing.assert_allclose(by_int.folds["val_accuracy"], other.folds["val_accuracy"])
    assert by_int.folds["test_accuracy"].isna().all() and not by_int.has_test
    assert by_int.histories == [None, None, None]  # RidgeClassifier keeps no history


def test_cv_result_markdown_and_json(flat_train):
    result = cross_validate_folds(RidgeClassifier(), *flat_train, cv=3)
    markdown = result.to_markdown()
    lines = markdown.splitlines()
    assert lines[0] == "| fold | val_accuracy | fit_time |"  # no test column without a test set
    assert len(lines) == 2 + 3 + 4
    assert [line.split("|")[1].strip() for line in lines[-4:]] == ["min", "max", "mean", "std"]
    data = _strict_json(result.to_dict())  # NaN test accuracies become null
    assert data["n_folds"] == 3
    assert data["summary"]["val_accuracy"]["mean"] == pytest.approx(
        result.summary.loc["mean", "val_accuracy"]
    )
    assert data["summary"]["test_accuracy"]["mean"] is None
    assert "CrossValidationResult(n_folds=3" in repr(result)


def test_cv_refuses_bad_input(flat_train, flat_test):
    X, y = flat_train
    with pytest.raises(ValueError, match="at least 2 folds"):
        cross_validate_folds(RidgeClassifier(), X, y, cv=1)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        cross_validate_folds(RidgeClassifier(), X, y, X_test=flat_test[0])
    with pytest.raises(ValueError, match="labels"):
        cross_validate_folds(RidgeClassifier(), X, y[:10])
    with pytest.raises(TypeError, match="cv must be"):
        cross_validate_folds(RidgeClassifier(), X, y, cv="five")
    with pytest.raises(ValueError, match="no folds"):
        cross_validate_folds(RidgeClassifier(), X, y, cv=[])


class _TrackedRidge(RidgeClassifier):
    """RidgeClassifier that remembers (weakly) every instance it fits."""

    fitted: weakref.WeakSet = weakref.WeakSet()

    def fit(self, X, y, sample_weight=None):
        type(self).fitted.add(self)
        return super().fit(X, y, sample_weight)


def test_cv_fold_models_are_not_kept_unless_asked(flat_train):
    X, y = flat_train[0][:300], flat_train[1][:300]
    _TrackedRidge.fitted.clear()
    result = cross_validate_folds(_TrackedRidge(), X, y, cv=3)
    if _TrackedRidge.fitted:  # only reference cycles left: collect them (slow with TF loaded)
        gc.collect()
    assert result.estimators is None and len(_TrackedRidge.fitted) == 0
    assert (result.folds["fit_time"] > 0).all()  # timed by cross_validate

    kept = cross_validate_folds(_TrackedRidge(), X, y, cv=3, return_estimators=True)
    assert set(map(id, _TrackedRidge.fitted)) == set(map(id, kept.estimators))
    np.testing.assert_allclose(kept.folds["val_accuracy"], result.folds["val_accuracy"])


class _FailsOnFold(DummyClassifier):
    """A classifier whose fit fails, as a broken model would."""

    def fit(self, X, y, sample_weight=None):
        raise ArithmeticError("the loss diverged")


def test_cv_fit_errors_are_raised_not_scored_as_nan(flat_train):
    with pytest.raises(ArithmeticError, match="diverged"):
        cross_validate_folds(_FailsOnFold(), *flat_train, cv=2)


def test_cv_lenet_keeps_fold_histories(lenet_cv):
    result = lenet_cv
    assert len(result.histories) == 2
    for history, model in zip(result.histories, result.estimators, strict=True):
        assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(history.columns)
        assert len(history) == 1
        pd.testing.assert_frame_equal(history, pd.DataFrame(model.history_).reset_index(drop=True))
    assert result.has_test
    assert result.folds["n_train"].tolist() == [150, 150]
    _strict_json(result.to_dict())
