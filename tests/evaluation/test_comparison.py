"""fashionnet.evaluation.comparison: compare_models on slices of the real Fashion-MNIST."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import accuracy_score

from fashionnet.evaluation import (
    ComparisonTable,
    compare_models,
    cross_validate_folds,
    evaluate,
)


def _strict_json(obj):
    """Round-trip through strict JSON (no NaN), as metrics.json is written."""
    return json.loads(json.dumps(obj, allow_nan=False))


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
        Xt,
        yt,
        X_train=X,
        y_train=y,
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
        *flat_test,
        X_train=X,
        y_train=y,
        cv=3,
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
