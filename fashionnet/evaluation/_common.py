"""What the evaluation's results share: JSON values, checked labels, class names,
accuracies of a fitted model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from fashionnet._validation import check_labels
from fashionnet.rendering import to_json_value


def _json(value: Any) -> Any:
    """Strict JSON values; an object JSON cannot hold (a parameter value) as its repr."""
    return to_json_value(value, default=repr)


def _n_samples(X: Any, name: str = "X") -> int:
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    try:
        return len(X)
    except TypeError:
        raise TypeError(
            f"{name} must be an array, a DataFrame or a list of images; got {type(X).__name__}."
        ) from None


def _check_xy(X: Any, y: Any, name: str = "") -> np.ndarray:
    """Check that ``X`` and ``y`` agree in length; return ``y`` as a 1-d array."""
    n = _n_samples(X, f"X{name}")
    return check_labels(y, n_samples=n, name=f"y{name}")


def _label_names(labels: np.ndarray, class_names: Sequence[str] | None) -> list[str]:
    """Names for ``labels``: looked up by integer label, else matched by position."""
    if class_names is None:
        return [str(label) for label in labels]
    class_names = [str(c) for c in class_names]
    if (
        np.issubdtype(labels.dtype, np.integer)
        and labels.size
        and (labels.min() >= 0 and labels.max() < len(class_names))
    ):
        return [class_names[int(label)] for label in labels]
    if len(class_names) == len(labels):
        return class_names
    raise ValueError(
        f"class_names has {len(class_names)} names but the labels are {labels.tolist()}: "
        "pass one name per label (in sorted label order), or class_names=None to use "
        "the labels themselves."
    )


def _check_fitted_classifier(estimator: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"expected a fitted classifier with a predict method; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)


def _accuracy(model: Any, X: Any, y: Any) -> float:
    """Accuracy of a fitted ``model`` on ``(X, y)``; NaN without data."""
    return _accuracies(model, X, y, None)[0]


def _accuracies(model: Any, X: Any, y: Any, keep: np.ndarray | None) -> tuple[float, float]:
    """Accuracy of a fitted ``model`` on ``(X, y)``, and on the rows ``keep``; NaN without data."""
    if X is None:
        return float("nan"), float("nan")
    predicted = np.asarray(model.predict(X)).ravel()
    return _kept_accuracy(y, predicted, keep)


def _kept_accuracy(y: Any, predicted: np.ndarray, keep: np.ndarray | None) -> tuple[float, float]:
    """Accuracy on all rows, and on the rows ``keep`` (NaN without ``keep``)."""
    hits = np.asarray(y).ravel() == predicted
    kept = float("nan") if keep is None or not keep.any() else float(hits[keep].mean())
    return float(hits.mean()), kept
