"""Checks of parameter values: numbers, folds, weights and probabilities.

One rule for each class of value (a real number, an integer, a number of
folds against the data, per-image and per-class weights, rows of
probabilities), used at every public boundary, so that each message names
the parameter, the problem and the fix. Images and labels are checked in
:mod:`fashionnet._validation`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from fashionnet._validation import check_labels

__all__ = [
    "InvalidParameterError",
    "check_real",
    "check_int",
    "check_n_folds",
    "check_sample_weight",
    "check_class_weight",
    "check_training_weights",
    "check_probabilities",
]

# --------------------------------------------------------------------------- #
# numbers: one rule for every numeric parameter
# --------------------------------------------------------------------------- #


class InvalidParameterError(ValueError, TypeError):
    """A parameter of the wrong type or value: both a ValueError and a TypeError.

    Like scikit-learn's exception of the same name, so that code catching
    either keeps working.
    """


def _bound_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return "finite"


def check_real(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
    what: str = "a number",
) -> float:
    """``value`` as a float, when it is a real number within the bounds.

    Any :class:`numbers.Real` is a number, numpy scalars included
    (``np.float32(2.0)``, ``np.int64(2)``); booleans, strings and arrays are
    not. With ``finite=True`` (the default) NaN and infinities are refused,
    since a comparison with NaN is always false and would silently select
    nothing.

    Parameters
    ----------
    value : object
        The value given.
    name : str
        The parameter's name, as the user wrote it (``"threshold"``, ``"--folds"``).
    low, high : float or None, default=None
        Bounds; None leaves that side open.
    low_open, high_open : bool, default=False
        Whether the bound itself is excluded.
    finite : bool, default=True
        Whether NaN and infinities are refused.
    what : str, default="a number"
        What the parameter is, for the message ("a distance", "a share of pixels").

    Returns
    -------
    float

    Raises
    ------
    InvalidParameterError
        ``value`` is not a real number (a ValueError and a TypeError).
    ValueError
        NaN, an infinity (with ``finite=True``) or a value out of bounds.

    Examples
    --------
    >>> import numpy as np
    >>> check_real(np.float32(2.0), "threshold", low=0)
    2.0
    >>> check_real(float("nan"), "threshold", low=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a number >= 0; got nan, which compares false with ...
    """
    bounds = _bound_text(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(
            f"{name} must be {what} {bounds}; got {value!r} ({type(value).__name__}). "
            "Pass a number."
        )
    number = float(value)
    if math.isnan(number):
        raise ValueError(
            f"{name} must be {what} {bounds}; got nan, which compares false with "
            "everything. Pass a finite number."
        )
    if finite and math.isinf(number):
        raise ValueError(f"{name} must be {what} {bounds}; got {number}. Pass a finite number.")
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise ValueError(f"{name} must be {what} {bounds}; got {value!r}.")
    return number


def check_int(
    value: Any,
    name: str,
    *,
    low: int | None = None,
    high: int | None = None,
    what: str = "a whole number",
) -> int:
    """``value`` as an int, when it is an integer (numpy's included) within the bounds.

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(3), "cv", low=2)
    3
    >>> check_int(2.5, "cv", low=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fashionnet._checks.InvalidParameterError: cv must be a whole number >= 2; got 2.5 ...
    """
    bounds = _bound_text(low, high, False, False)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be {what} {bounds}; got {value!r} ({type(value).__name__}). Pass an int."
        )
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{name} must be {what} {bounds}; got {number}.")
    return number


def check_n_folds(n_folds: Any, y: Any, *, name: str = "cv") -> int:
    """A number of stratified folds that every class of ``y`` can fill.

    Call it before any long work: stratified folds need at least as many
    images of each class as there are folds.

    Examples
    --------
    >>> check_n_folds(3, [0, 0, 1, 1, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cv asks for 3 folds, but class 0 has only 2 images: stratified folds need one ...
    """
    n_folds = check_int(n_folds, name, low=2, what="a number of folds")
    labels = check_labels(y)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.size and counts.min() < n_folds:
        smallest = classes[counts.argmin()].item()
        fewest = int(counts.min())
        if fewest < 2:
            raise ValueError(
                f"{name}: class {smallest!r} has only 1 image, but stratified folds need at "
                "least 2 images of every class. Drop that class or add images of it."
            )
        fix = f"{name}={fewest}" if not name.startswith("-") else f"{name} {fewest}"
        raise ValueError(
            f"{name} asks for {n_folds} folds, but class {smallest!r} has only {fewest} "
            f"images: stratified folds need one image of every class per fold. Use {fix} "
            "or fewer, or add images of that class."
        )
    return n_folds


# --------------------------------------------------------------------------- #
# weights of the training images
# --------------------------------------------------------------------------- #


def check_sample_weight(sample_weight: Any, n_samples: int, *, dtype: Any = np.float32):
    """One finite, non-negative weight per image (a number is every image's), or None.

    Raises
    ------
    TypeError
        Weights that are not numbers (strings, objects).
    ValueError
        The wrong length, NaN, infinite or negative weights, or all zero.

    Examples
    --------
    >>> check_sample_weight(["a", "b"], 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: sample_weight must hold numbers, one weight per image; got dtype <U1. Pass ...
    """
    if sample_weight is None:
        return None
    raw = np.asarray(sample_weight)
    if raw.dtype.kind not in "uifb":
        raise TypeError(
            f"sample_weight must hold numbers, one weight per image; got dtype {raw.dtype}. "
            "Pass floats, e.g. np.asarray(sample_weight, dtype=float)."
        )
    weights = raw.astype(dtype)
    if weights.ndim == 0:
        weights = np.full(n_samples, weights, dtype=weights.dtype)
    if weights.shape != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {weights.shape}, expected ({n_samples},): one "
            "weight per image."
        )
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        raise ValueError(
            f"sample_weight must hold finite, non-negative numbers; {bad.size} do not "
            f"(first at positions {bad[:5].tolist()}: {raw.ravel()[bad[:5]].tolist()}). "
            "Fix or drop those images."
        )
    if n_samples and not weights.any():
        raise ValueError("sample_weight is zero for every image: there is nothing to train on.")
    return weights


def check_class_weight(class_weight: Any, *, owner: str = "") -> None:
    """None, ``"balanced"`` or a dict from class to a finite weight >= 0, not all zero."""
    prefix = f"{owner}: " if owner else ""
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return
    expected = (
        f"{prefix}class_weight must be None, 'balanced' or a dict from class to a "
        "finite weight >= 0"
    )
    if not isinstance(class_weight, Mapping):
        raise ValueError(f"{expected}; got {class_weight!r}.")
    for key, weight in class_weight.items():
        try:
            check_real(weight, f"class_weight[{key!r}]", low=0, what="a weight")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{expected}; {exc}") from None


def check_training_weights(
    weights: np.ndarray | None, source: str = "class_weight and sample_weight"
) -> np.ndarray | None:
    """Refuse per-image weights that are all zero: training on them learns nothing.

    ``source`` names what gave the weights (``"class_weight"``, or
    ``"class_weight and sample_weight"`` for their product).

    Examples
    --------
    >>> check_training_weights(np.zeros(3), "class_weight")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: class_weight gives every image a weight of 0, so there is nothing to train on...
    """
    if weights is not None and weights.size and not np.any(weights):
        fix = (
            "Give the classes of y a weight > 0 (classes left out of the dict weigh 1)."
            if source == "class_weight"
            else "Give the images to learn from a weight > 0 in both."
        )
        verb = "gives" if source == "class_weight" else "together give"
        raise ValueError(
            f"{source} {verb} every image a weight of 0, so there is nothing to train on. {fix}"
        )
    return weights


# --------------------------------------------------------------------------- #
# class probabilities
# --------------------------------------------------------------------------- #


def check_probabilities(probs: Any, n_samples: int, n_classes: int, *, name: str = "pred_probs"):
    """Rows of class probabilities: finite, in [0, 1], each summing to 1.

    Returns
    -------
    numpy.ndarray of float64, shape (n_samples, n_classes)

    Examples
    --------
    >>> import numpy as np
    >>> check_probabilities([[0.5, 0.5], [np.nan, 1.0]], 2, 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: pred_probs holds NaN or infinite values in 1 rows (first rows [1]); every row ...
    """
    try:
        values = np.asarray(probs, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be an array of numbers of shape (n_samples, n_classes); got "
            f"{type(probs).__name__}."
        ) from None
    if values.shape != (n_samples, n_classes):
        raise ValueError(
            f"{name} must have shape (n_samples, n_classes) = ({n_samples}, {n_classes}), "
            f"one column per label in sorted order; got {values.shape}."
        )
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    if bad.size:
        raise ValueError(
            f"{name} holds NaN or infinite values in {bad.size} rows (first rows "
            f"{bad[:5].tolist()}); every row must be probabilities. Recompute them, or drop "
            "those images."
        )
    bad = np.flatnonzero(((values < 0) | (values > 1)).any(axis=1))
    if bad.size:
        raise ValueError(
            f"{name} holds values outside [0, 1] in {bad.size} rows (first rows "
            f"{bad[:5].tolist()}); pass probabilities (predict_proba), not scores "
            "(apply a softmax first)."
        )
    bad = np.flatnonzero(np.abs(values.sum(axis=1) - 1) > 1e-3)
    if bad.size:
        raise ValueError(
            f"{name} has {bad.size} rows that do not sum to 1 (first rows "
            f"{bad[:5].tolist()}); each row must be one image's probabilities over all "
            "classes."
        )
    return values
