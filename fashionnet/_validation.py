"""Input validation shared by every fashionnet estimator and transformer.

One validator, used at every public boundary, so that all of fashionnet
answers bad input with the same kind of message: what was expected, what
arrived, and how to fix it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "check_images",
    "check_labels",
    "split_label_column",
    "as_pixel_array",
    "InvalidParameterError",
    "check_real",
    "check_int",
    "check_n_folds",
    "check_sample_weight",
    "check_class_weight",
    "check_training_weights",
    "check_probabilities",
]

#: Name of the label column in the study's (Kaggle CSV) layout.
LABEL_COLUMN = "label"


def _is_frame(X: Any) -> bool:
    # Avoid importing pandas for plain arrays; duck-type on the DataFrame API.
    return hasattr(X, "columns") and hasattr(X, "to_numpy") and hasattr(X, "dtypes")


def as_pixel_array(X: Any, *, name: str = "X", label_column: str = LABEL_COLUMN) -> np.ndarray:
    """Return ``X`` as a numeric ndarray without copying when possible.

    DataFrames are accepted when every column is numeric and no label column
    is present; lists and other array-likes go through :func:`numpy.asarray`.
    """
    if _is_frame(X):
        if label_column in X.columns:
            raise ValueError(
                f"{name} has a {label_column!r} column: pass pixels only. Split it off first, "
                f"e.g. y = df.pop({label_column!r}) or X = df.drop(columns={label_column!r})."
            )
        non_numeric = [c for c, dt in X.dtypes.items() if not _is_numeric_dtype(dt)]
        if non_numeric:
            raise TypeError(
                f"{name} has non-numeric columns {non_numeric[:5]}; pixels must be numbers "
                "(uint8 0..255 or floats). Drop or convert those columns."
            )
        X = X.to_numpy()
    else:
        X = np.asarray(X)
    if X.dtype == object or not (
        np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must hold numbers (uint8 0..255 or floats); got dtype {X.dtype}. "
            "Convert it with np.asarray(X, dtype=np.uint8) or np.float32."
        )
    return X


def _is_numeric_dtype(dtype: Any) -> bool:
    try:
        kind = np.dtype(dtype).kind
    except TypeError:  # pandas extension dtypes
        kind = getattr(dtype, "kind", "O")
    return kind in "uif"


def check_images(
    X: Any,
    *,
    name: str = "X",
    allow_channels: bool = True,
    min_samples: int = 1,
    scaled_floats: bool = False,
) -> np.ndarray:
    """Validate a batch of images and return it as ``(n, H, W)`` or ``(n, H, W, C)``.

    Accepted layouts are flat rows ``(n, H*W)`` with a square number of
    pixels (784 for Fashion-MNIST), images ``(n, H, W)`` and images with
    channels ``(n, H, W, C)``. Integer input must lie in 0..255 and is returned
    as uint8 (no copy when it already is uint8); float input must be finite and
    keeps its dtype. Checking floats costs one min and one max over ``X``;
    uint8 input is never scanned.

    Parameters
    ----------
    X : array-like or pandas.DataFrame
        The images.
    name : str, default="X"
        Name used in error messages.
    allow_channels : bool, default=True
        Whether a trailing channel axis is accepted.
    min_samples : int, default=1
        Smallest accepted number of images.
    scaled_floats : bool, default=False
        Whether float pixels must already be scaled to [0, 1], as the
        classifiers read them. Transformers leave it False: they take grey
        levels 0..255 as floats too (:class:`~fashionnet.preprocessing.PixelScaler`
        is what scales them).

    Returns
    -------
    numpy.ndarray
        The validated images, never flat.

    Raises
    ------
    ValueError
        Wrong shape, NaN or infinite values, integers outside 0..255, floats
        outside [0, 1] with ``scaled_floats=True``, too few images, or a
        label column in a DataFrame.
    TypeError
        Non-numeric data.
    """
    X = as_pixel_array(X, name=name)
    expected = "(n, 28, 28) or (n, 784)" + (" or (n, H, W, C)" if allow_channels else "")
    if X.ndim == 2:
        side = math.isqrt(X.shape[1])
        if X.shape[1] == 0 or side * side != X.shape[1]:
            raise ValueError(
                f"expected images of shape {expected}; got {X.shape}. Flat rows must hold "
                "a square number of pixels (784 = 28 x 28)."
            )
        X = X.reshape(X.shape[0], side, side)
    elif X.ndim == 4 and not allow_channels:
        raise ValueError(f"expected images of shape {expected}; got {X.shape}.")
    elif X.ndim not in (3, 4):
        raise ValueError(f"expected images of shape {expected}; got {X.shape}.")
    if X.shape[0] < min_samples:
        raise ValueError(
            f"{name} holds {X.shape[0]} images; at least {min_samples} are needed."
        )
    if np.issubdtype(X.dtype, np.floating):
        if X.size:
            _check_float_pixels(X, name, scaled=scaled_floats)
        return X
    if X.dtype == np.uint8:
        return X
    if X.dtype == np.bool_:
        raise TypeError(f"{name} is boolean; images must be uint8 0..255 or floats.")
    if X.size and (X.min() < 0 or X.max() > 255):
        raise ValueError(
            f"{name} holds integers outside 0..255 (min {X.min()}, max {X.max()}); "
            "pixels must be grey levels. Scale floats with PixelScaler instead."
        )
    return X.astype(np.uint8)


def _whole_numbers(X: np.ndarray, rows: int = 4096) -> bool:
    """Whether every value of ``X`` is a whole number (chunked: no copy of ``X``)."""
    flat = X.reshape(X.shape[0], -1)
    return all(
        np.array_equal(flat[i : i + rows], np.rint(flat[i : i + rows]))
        for i in range(0, len(flat), rows)
    )


def _check_float_pixels(X: np.ndarray, name: str, *, scaled: bool) -> None:
    # min and max propagate NaN and show infinities: two passes, no temporaries.
    low, high = X.min(), X.max()
    if np.isnan(low) or np.isnan(high):
        raise ValueError(
            f"{name} contains NaN values; fill or drop those images first "
            "(DataAuditor reports where they are)."
        )
    if np.isinf(low) or np.isinf(high):
        raise ValueError(
            f"{name} contains infinite values (min {low}, max {high}); pixels must be finite. "
            "Fill or drop those images first (DataAuditor reports where they are)."
        )
    if scaled and (low < 0 or high > 1):
        whole = _whole_numbers(X)
        # A scaler fitted on other images (a MinMaxScaler fitted on the training
        # set) scales new ones beyond [0, 1]: clip them. X.astype(np.uint8) would
        # truncate their fractions, so it is offered for whole grey levels only.
        clip = "clip them, with MinMaxScaler(clip=True) in the pipeline or np.clip(X, 0, 1)"
        if whole and low >= 0 and high <= 255:
            fix = (
                "These look like grey levels 0..255: pass them as uint8 (X.astype(np.uint8)), "
                "or scale them with fashionnet.preprocessing.PixelScaler "
                "(make_pipeline(PixelScaler(), clf)) or X / 255."
            )
        elif low >= -1 and high <= 2:
            fix = (
                "They are a little outside [0, 1], as when a scaler fitted on other images "
                f"scales new ones: {clip}. Otherwise pass uint8 grey levels 0..255, or floats "
                "scaled to [0, 1]."
            )
        elif low >= 0 and high <= 255:
            fix = (
                "If a scaler fitted on other images made them (a MinMaxScaler fitted on the "
                f"training set scales new images beyond 1), {clip}; if they are grey levels "
                "0..255, scale them with fashionnet.preprocessing.PixelScaler or X / 255."
            )
        else:
            fix = (
                "Pass uint8 grey levels 0..255, or floats scaled to [0, 1] "
                "(fashionnet.preprocessing.PixelScaler scales grey levels)."
            )
        raise ValueError(
            f"{name} holds floats from {low:g} to {high:g}, but float pixels must be scaled "
            f"to [0, 1]. {fix}"
        )


def check_labels(
    y: Any, *, n_samples: int | None = None, name: str = "y", x_name: str = "X"
) -> np.ndarray:
    """Validate a 1-d label vector, optionally of a given length (that of ``x_name``)."""
    if _is_frame(y):
        y = y.to_numpy()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-d (one label per image); got shape {y.shape}.")
    if n_samples is not None and y.shape[0] != n_samples:
        raise ValueError(
            f"{x_name} has {n_samples} images but {name} has {y.shape[0]} labels; they "
            "must agree."
        )
    return y


def split_label_column(frame: Any, label_column: str = LABEL_COLUMN) -> tuple[Any, Any]:
    """Split the study's DataFrame into pixels and labels (``None`` if absent)."""
    if _is_frame(frame) and label_column in frame.columns:
        return frame.drop(columns=label_column), frame[label_column]
    return frame, None


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
    fashionnet._validation.InvalidParameterError: cv must be a whole number >= 2; got 2.5 ...
    """
    bounds = _bound_text(low, high, False, False)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(
            f"{name} must be {what} {bounds}; got {value!r} ({type(value).__name__}). "
            "Pass an int."
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
