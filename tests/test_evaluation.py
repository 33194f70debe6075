"""fashionnet.evaluation on slices of the real Fashion-MNIST.

Most tests use scikit-learn's RidgeClassifier on flattened images (fit in a
fraction of a second, deterministic). One real LeNet5Classifier
cross-validation (two folds of 150 images, one epoch), shared by a module
fixture, shows the fashionnet estimators go through ``cross_validate_folds``
and ``evaluate`` unchanged.
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
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

from fashionnet.datasets import CLASS_NAMES
from fashionnet.evaluation import (
    ComparisonTable,
    CrossValidationResult,
    EvaluationReport,
    check_folds,
    compare_models,
    cross_validate_folds,
    evaluate,
)


def _flat(X):
    return X.reshape(len(X), -1) / 255.0


@pytest.fixture(scope="module")
def flat_train(small_train):
    X, y = small_train
    return _flat(X), y


@pytest.fixture(scope="module")
def flat_test(small_test):
    X, y = small_test
    return _flat(X), y


@pytest.fixture(scope="module")
def ridge(flat_train):
    return RidgeClassifier(alpha=10.0).fit(*flat_train)


@pytest.fixture(scope="module")
def lenet_cv(small_train, small_test):
    """A real LeNet-5 cross-validation: 2 folds of 150 images, 1 epoch, fold models kept."""
    from fashionnet.models import LeNet5Classifier

    X, y = small_train
    X_test, y_test = small_test
    return cross_validate_folds(
        LeNet5Classifier(epochs=1, validation_split=0.2, random_state=0),
        X[:300], y[:300], cv=2, X_test=X_test[:100], y_test=y_test[:100],
        return_estimators=True,
    )


def _strict_json(obj):
    """Round-trip through strict JSON (no NaN), as metrics.json is written."""
    return json.loads(json.dumps(obj, allow_nan=False))


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #
def test_report_equals_sklearn_classification_report(ridge, flat_test):
    X, y = flat_test
    pred = ridge.predict(X)
    report = evaluate(ridge, X, y)

    assert isinstance(report, EvaluationReport)
    names = [CLASS_NAMES[c] for c in range(10)]
    assert report.report == classification_report(
        y, pred, target_names=names, output_dict=True, zero_division=0
    )
    assert report.accuracy == pytest.approx(accuracy_score(y, pred))
    np.testing.assert_array_equal(report.confusion_matrix, confusion_matrix(y, pred))
    assert report.class_names == names
    assert report.n_samples == len(y) == report.confusion_matrix.sum()


def test_report_without_class_names_matches_sklearn_defaults(ridge, flat_test):
    X, y = flat_test
    report = evaluate(ridge, X, y, class_names=None)
    assert report.report == classification_report(y, ridge.predict(X), output_dict=True)
    assert report.class_names == [str(c) for c in range(10)]


def test_report_views_and_json(ridge, flat_test):
    report = evaluate(ridge, *flat_test)
    frame = report.to_frame()
    assert list(frame.columns) == ["precision", "recall", "f1-score", "support"]
    assert list(frame.index) == [*CLASS_NAMES, "macro avg", "weighted avg"]
    assert frame["support"].sum() == 3 * report.n_samples  # classes + both averages

    markdown = report.to_markdown()
    assert f"{report.accuracy:.4f}" in markdown
    for name in CLASS_NAMES:
        assert f"| {name} |" in markdown
    assert "Confusion matrix" in markdown
    assert "Confusion matrix" not in report.to_markdown(confusion_matrix=False)

    data = _strict_json(report.to_dict())
    assert data["accuracy"] == pytest.approx(report.accuracy)
    assert data["confusion_matrix"] == report.confusion_matrix.tolist()
    assert data["report"]["Trouser"]["support"] == 20
    assert "EvaluationReport(accuracy=" in repr(report)


def test_evaluate_string_labels_and_names_by_position(flat_train, flat_test):
    X, y = flat_train
    names = np.array(CLASS_NAMES)
    clf = RidgeClassifier().fit(X, names[y])
    Xt, yt = flat_test
    report = evaluate(clf, Xt, names[yt])  # labels are the names themselves
    assert set(report.class_names) == set(CLASS_NAMES)
    with pytest.raises(ValueError, match="one name per label"):
        evaluate(clf, Xt, names[yt], class_names=["a", "b"])


def test_evaluate_refuses_bad_input(flat_test, ridge):
    X, y = flat_test
    with pytest.raises(NotFittedError):
        evaluate(RidgeClassifier(), X, y)
    with pytest.raises(ValueError, match="200 images but y has 199 labels"):
        evaluate(ridge, X, y[:-1])
    with pytest.raises(TypeError, match="fitted classifier"):
        evaluate(object(), X, y)


def test_evaluate_lenet_on_raw_images(lenet_cv, small_test):
    model = lenet_cv.estimators[0]
    X, y = small_test
    report = evaluate(model, X, y)  # uint8 (n, 28, 28), as loaded
    pred = model.predict(X)
    names = [CLASS_NAMES[c] for c in np.unique(np.concatenate([y, pred]))]
    assert report.report == classification_report(
        y, pred, target_names=names, output_dict=True, zero_division=0
    )


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


def test_check_folds_kinds():
    by_default = check_folds(random_state=3)
    assert isinstance(by_default, StratifiedKFold)
    assert (by_default.n_splits, by_default.shuffle, by_default.random_state) == (5, True, 3)
    assert repr(check_folds(4, random_state=None)) == repr(StratifiedKFold(4, shuffle=True))
    splitter = KFold(3)
    assert check_folds(splitter) is splitter  # used as given
    pairs = [(np.arange(5), np.arange(5, 8)), ([0, 1], [2])]
    fixed = check_folds(iter(pairs))  # an iterable is read once and kept
    assert fixed.get_n_splits() == 2
    for _ in range(2):  # the iterator was read once; its pairs can be split again
        assert [list(map(list, p)) for p in fixed.split()] == [list(map(list, p)) for p in pairs]
    with pytest.raises(ValueError, match="at least 2 folds; got 1"):
        check_folds(1)
    for bad in ("five", True, 2.5, [1, 2, 3], [(np.arange(3),)]):
        with pytest.raises(TypeError, match="cv must be None, a number of folds"):
            check_folds(bad)


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


# --------------------------------------------------------------------------- #
# compare_models
# --------------------------------------------------------------------------- #
def test_compare_models_table_sorted_best_first(ridge, flat_train, flat_test):
    X, y = flat_train
    Xt, yt = flat_test
    cv_result = cross_validate_folds(RidgeClassifier(), X, y, cv=3, X_test=Xt, y_test=yt)
    report = evaluate(ridge, Xt, yt)
    table = compare_models(
        {
            "ridge": ridge,  # fitted: scored on the test set
            "majority": DummyClassifier(),  # unfitted: a clone is fitted and timed
            "ridge CV": cv_result,
            "ridge report": report,
            "quoted": 0.99,
        },
        Xt, yt, X_train=X, y_train=y,
    )
    assert isinstance(table, ComparisonTable) and isinstance(table, pd.DataFrame)
    columns = ["model", "test_accuracy", "cv_mean", "cv_std", "fit_time", "params"]
    assert list(table.columns) == columns
    assert table["test_accuracy"].is_monotonic_decreasing
    assert table["model"].iloc[0] == "quoted" and table["model"].iloc[-1] == "majority"
    row = table.set_index("model")
    assert row.loc["ridge", "test_accuracy"] == pytest.approx(ridge.score(Xt, yt))
    assert row.loc["ridge report", "test_accuracy"] == pytest.approx(report.accuracy)
    assert row.loc["ridge CV", "test_accuracy"] == pytest.approx(
        cv_result.folds["test_accuracy"].mean()
    )
    assert row.loc["ridge CV", "cv_mean"] == pytest.approx(cv_result.folds["val_accuracy"].mean())
    assert row.loc["ridge", "params"] == {"alpha": 10.0}  # only what differs from the defaults
    assert row.loc["majority", "fit_time"] >= 0
    assert np.isnan(row.loc["ridge", "fit_time"])  # fitted elsewhere: unknown

    markdown = table.to_markdown()
    assert markdown.splitlines()[0] == "| " + " | ".join(columns) + " |"
    assert "| quoted | 0.9900 |" in markdown and "alpha=10" in markdown
    _strict_json(table.to_json_dict())
    assert isinstance(table.head(2), ComparisonTable)


def test_compare_models_with_cv(flat_train, flat_test):
    X, y = flat_train[0][:300], flat_train[1][:300]
    table = compare_models(
        {"ridge": RidgeClassifier(), "strong ridge": RidgeClassifier(alpha=100.0)},
        *flat_test, X_train=X, y_train=y, cv=3,
    )
    expected = cross_validate_folds(RidgeClassifier(), X, y, cv=3)
    row = table.set_index("model").loc["ridge"]
    assert row["cv_mean"] == pytest.approx(expected.summary.loc["mean", "val_accuracy"])
    assert row["cv_std"] == pytest.approx(expected.summary.loc["std", "val_accuracy"])


def test_compare_models_refuses_bad_input(flat_test):
    with pytest.raises(ValueError, match="non-empty mapping"):
        compare_models({}, *flat_test)
    with pytest.raises(ValueError, match="not fitted"):
        compare_models({"ridge": RidgeClassifier()}, *flat_test)
    with pytest.raises(TypeError, match="expected a classifier"):
        compare_models({"oops": "ridge"}, *flat_test)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        compare_models({"x": 0.5}, flat_test[0])


def test_compare_models_dedup_column_leaves_out_the_test_twins(ridge, flat_train, flat_test):
    X_test, y_test = flat_test
    predicted = ridge.predict(X_test)
    twins = np.flatnonzero(predicted == y_test)[:20]  # leave out 20 right answers
    keep = np.ones(len(y_test), dtype=bool)
    keep[twins] = False
    report = evaluate(ridge, X_test, y_test)
    table = compare_models(
        {"ridge": ridge, "report": report, "quoted": 0.9}, X_test, y_test, exclude_test=twins
    )
    assert list(table.columns[:3]) == ["model", "test_accuracy", "dedup_test_accuracy"]
    rows = table.set_index("model")
    expected = accuracy_score(y_test[keep], predicted[keep])
    assert rows.loc["ridge", "dedup_test_accuracy"] == pytest.approx(expected)
    assert rows.loc["report", "dedup_test_accuracy"] == pytest.approx(expected)
    assert rows.loc["ridge", "dedup_test_accuracy"] < rows.loc["ridge", "test_accuracy"]
    assert np.isnan(rows.loc["quoted", "dedup_test_accuracy"])
    mask = ~keep
    same = compare_models({"ridge": ridge}, X_test, y_test, exclude_test=mask)
    assert same["dedup_test_accuracy"].iloc[0] == rows.loc["ridge", "dedup_test_accuracy"]
    assert "dedup_test_accuracy" not in compare_models({"ridge": ridge}, X_test, y_test)
    with pytest.raises(ValueError, match="positions 0..199"):
        compare_models({"ridge": ridge}, X_test, y_test, exclude_test=[len(y_test)])
    with pytest.raises(ValueError, match="one entry per test image"):
        compare_models({"ridge": ridge}, X_test, y_test, exclude_test=mask[:5])
    with pytest.raises(ValueError, match="pass X_test and y_test"):
        compare_models({"ridge": ridge}, exclude_test=twins)
