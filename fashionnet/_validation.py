"""Input validation shared by every fashionnet estimator and transformer.

One validator, used at every public boundary, so that all of fashionnet
answers bad input with the same kind of message: what was expected, what
arrived, and how to fix it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "check_images",
    "check_labels",
    "split_label_column",
    "as_pixel_array",
    "pixel_columns",
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
        raise ValueError(f"{name} holds {X.shape[0]} images; at least {min_samples} are needed.")
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
            f"{x_name} has {n_samples} images but {name} has {y.shape[0]} labels; they must agree."
        )
    return y


def split_label_column(frame: Any, label_column: str = LABEL_COLUMN) -> tuple[Any, Any]:
    """Split the study's DataFrame into pixels and labels (``None`` if absent)."""
    if _is_frame(frame) and label_column in frame.columns:
        return frame.drop(columns=label_column), frame[label_column]
    return frame, None


def pixel_columns(n: int) -> list[str]:
    """The study's pixel column names, ``pixel1`` ... ``pixelN``."""
    return [f"pixel{i}" for i in range(1, n + 1)]
