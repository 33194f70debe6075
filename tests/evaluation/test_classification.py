"""fashionnet.evaluation.classification: evaluate and EvaluationReport on slices of the real
Fashion-MNIST (a ridge classifier; one real LeNet-5 fold model, from conftest's lenet_cv).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import RidgeClassifier
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix

from fashionnet.datasets import CLASS_NAMES
from fashionnet.evaluation import (
    EvaluationReport,
    evaluate,
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
    report = evaluate(ridge, X, y, class_names=CLASS_NAMES)

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


def test_class_names_are_no_default(ridge, flat_test):
    # evaluate works for any classifier: without names, each class is named by its label
    assert evaluate(ridge, *flat_test).class_names == [str(c) for c in range(10)]


def test_report_views_and_json(ridge, flat_test):
    report = evaluate(ridge, *flat_test, class_names=CLASS_NAMES)
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
    report = evaluate(model, X, y, class_names=CLASS_NAMES)  # uint8 (n, 28, 28), as loaded
    pred = model.predict(X)
    names = [CLASS_NAMES[c] for c in np.unique(np.concatenate([y, pred]))]
    assert report.report == classification_report(
        y, pred, target_names=names, output_dict=True, zero_division=0
    )
