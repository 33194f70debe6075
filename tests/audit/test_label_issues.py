"""label_issues: planted label flips on real images come out on top."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from fashionnet.audit import label_issues, out_of_fold_probabilities
from fashionnet.datasets import stratified_subset

#: A fast LeNet-5 for out-of-fold probabilities (0.7 accuracy on 800 images, 3 epochs).
FAST_LENET = {
    "standardize": True,
    "activation": "relu",
    "pooling": "max",
    "learning_rate": 3e-3,
    "epochs": 3,
    "random_state": 0,
}
N_IMAGES, FLIP_SHARE = 1200, 0.1


@pytest.fixture(scope="module")
def flipped(fashion_train):
    """1200 real images with 10 % of the labels moved to another class, and OOF probabilities."""
    from fashionnet.models import LeNet5Classifier

    X, y = stratified_subset(*fashion_train, N_IMAGES, random_state=0)
    rng = np.random.default_rng(0)
    flips = rng.choice(N_IMAGES, int(FLIP_SHARE * N_IMAGES), replace=False)
    noisy = y.copy()
    noisy[flips] = (y[flips] + rng.integers(1, 10, len(flips))) % 10
    probs = out_of_fold_probabilities(LeNet5Classifier(**FAST_LENET), X, noisy, cv=3)
    return X, noisy, flips, probs, y


def test_out_of_fold_probabilities_are_probabilities(flipped):
    X, _, _, probs, _ = flipped
    assert probs.shape == (len(X), 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-5)


def test_planted_flips_are_ranked_high(flipped):
    X, noisy, flips, probs, truth = flipped
    issues = label_issues(None, X, noisy, pred_probs=probs)
    assert list(issues.columns) == ["index", "given_label", "predicted_label", "label_quality"]
    assert issues["label_quality"].is_monotonic_increasing
    assert (issues["given_label"].to_numpy() == noisy[issues["index"]]).all()
    planted = set(flips.tolist())
    recall = len(planted & set(issues["index"])) / len(planted)
    top = set(issues["index"][: len(planted)])
    # Measured: 0.84 of the flips flagged, 0.74 among the top 120.
    assert recall >= 0.7, recall
    assert len(planted & top) / len(planted) >= 0.55
    # A flagged flip is mostly predicted as its true class.
    caught = issues[issues["index"].isin(planted)]
    assert (caught["predicted_label"].to_numpy() == truth[caught["index"]]).mean() >= 0.7


def test_the_estimator_route_equals_given_probabilities(flipped):
    from sklearn.neighbors import KNeighborsClassifier

    X, noisy, _, _, _ = flipped
    flat = X.reshape(len(X), -1)
    knn = KNeighborsClassifier(10)
    direct = label_issues(knn, flat, noisy, cv=3)
    probs = out_of_fold_probabilities(knn, flat, noisy, cv=3)
    assert direct.equals(label_issues(None, flat, noisy, pred_probs=probs))


def test_mistakes_have_clear_messages(flipped, monkeypatch):
    X, noisy, _, probs, _ = flipped
    with pytest.raises(ValueError, match=r"pred_probs must have shape \(n_samples, n_classes\)"):
        label_issues(None, X, noisy, pred_probs=probs[:, :5])
    with pytest.raises(ValueError, match="needs an estimator"):
        label_issues(None, X, noisy)
    with pytest.raises(TypeError, match="predict_proba"):
        out_of_fold_probabilities(object(), X, noisy)
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    with pytest.raises(ImportError, match=r"pip install 'fashionnet\[audit\]'"):
        label_issues(None, X, noisy, pred_probs=probs)


# ---------------------------------------------------------------- hostile probabilities and folds


def _two_classes():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.95, 0.05], [0.3, 0.7]])
    return np.zeros((6, 784)), np.array([0, 0, 1, 1, 1, 1]), probs


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ([np.nan, np.nan], r"NaN or infinite values in 1 rows \(first rows \[4\]\)"),
        ([np.inf, 0.0], r"NaN or infinite values in 1 rows \(first rows \[4\]\)"),
        ([2.0, -1.0], r"outside \[0, 1\] in 1 rows \(first rows \[4\]\)"),
        ([0.1, 0.1], r"do not sum to 1 \(first rows \[4\]\)"),
    ],
    ids=["nan-row", "inf", "scores", "unnormalised"],
)
def test_hostile_probabilities_are_refused_naming_the_rows(row, match):
    # A NaN row used to return fewer issues, naming no row.
    X, y, probs = _two_classes()
    probs[4] = row
    with pytest.raises(ValueError, match="pred_probs holds|pred_probs has") as info:
        label_issues(None, X, y, pred_probs=probs)
    assert info.match(match)


def test_probabilities_of_strings_are_refused():
    X, y, _ = _two_classes()
    with pytest.raises(TypeError, match="pred_probs must be an array of numbers"):
        label_issues(None, X, y, pred_probs=[["a", "b"]] * 6)


class _Refuses:
    """A classifier that must never be fitted."""

    def predict_proba(self, X):  # pragma: no cover
        raise AssertionError("fitted")

    def fit(self, X, y):  # pragma: no cover
        raise AssertionError("fitted")


@pytest.mark.parametrize(
    ("cv", "error", "match"),
    [
        (5, ValueError, r"cv asks for 5 folds, but class 0 has only 4 images.*cv=4"),
        (1, ValueError, r"cv must be a number of folds >= 2; got 1"),
        (2.5, TypeError, r"cv must be a number of folds >= 2; got 2.5"),
        (float("nan"), TypeError, r"cv must be a number of folds >= 2; got nan"),
        (True, TypeError, r"cv must be a number of folds >= 2; got True"),
    ],
)
def test_folds_are_checked_before_any_fit(cv, error, match):
    X = np.zeros((8, 784))
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(error, match=match):
        out_of_fold_probabilities(_Refuses(), X, y, cv=cv)
    with pytest.raises(error, match=match):
        label_issues(_Refuses(), X, y, cv=cv)


def test_numpy_folds_are_folds():
    from sklearn.neighbors import KNeighborsClassifier

    X = np.random.default_rng(0).random((12, 4))
    y = np.repeat([0, 1], 6)
    probs = out_of_fold_probabilities(KNeighborsClassifier(2), X, y, cv=np.int64(3))
    assert probs.shape == (12, 2)
