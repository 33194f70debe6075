"""The images and labels a classifier is given: validation and statistics.

:class:`InputsMixin` holds the checks every classifier runs at the
boundary, once, for ``fit``, ``partial_fit``, ``predict`` and ``score``: the
images (returned without a float copy, in the layout seen at fit), the
labels and the sample weights. :func:`pixel_moments` gives the statistics a
network's in-graph standardisation learns from the training images.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import keras
import numpy as np
import scipy.sparse
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from .._checks import check_sample_weight
from .._validation import as_pixel_array, check_images, check_labels
from ..images import is_light_background

__all__ = ["InputsMixin", "as_numeric_array", "pixel_moments"]


class InputsMixin:
    """Validation of a classifier's images, labels and sample weights.

    Sets the fitted input attributes on ``reset``: ``n_features_in_``,
    ``image_shape_``, ``input_shape_``, ``input_dtype_`` (and
    ``feature_names_in_`` through scikit-learn's ``validate_data``).
    """

    def _check_X(self, X: Any, *, reset: bool) -> np.ndarray:
        """Validate images; return them, without copying, in the fitted layout."""
        # Feature names only: n_features_in_ counts pixels of any layout, set below.
        validate_data(self, X, reset=reset, skip_check_array=True, ensure_2d=False)
        X = as_numeric_array(X)
        flat = X.ndim == 2
        layout = tuple(int(d) for d in X.shape[1:])
        strip = flat and X.shape[1] > 0 and math.isqrt(X.shape[1]) ** 2 != X.shape[1]
        if strip:
            X = X.reshape(X.shape[0], 1, X.shape[1])
        # Images are pixels: floats must be scaled to [0, 1]. A strip is a generic
        # feature vector, whose floats the network takes as they are.
        X = check_images(X, scaled_floats=not strip)
        image_shape = tuple(int(d) for d in X.shape[1:]) + ((1,) if X.ndim == 3 else ())
        n_features = math.prod(image_shape)
        kind = "uint8" if X.dtype == np.uint8 else "float32"
        if reset:
            self.n_features_in_ = n_features
            self.image_shape_ = image_shape
            self.input_shape_ = layout
            self.input_dtype_ = kind
        name = type(self).__name__
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{self.n_features_in_} features as input (images of shape "
                f"{self.image_shape_})."
            )
        if image_shape != self.image_shape_ and not flat:
            raise ValueError(
                f"X holds images of shape {image_shape}, but {name} was fitted on "
                f"images of shape {self.image_shape_}."
            )
        if kind != self.input_dtype_:
            fitted = "uint8 pixels 0..255" if self.input_dtype_ == "uint8" else "floats"
            raise ValueError(
                f"{name} was fitted on {fitted} but X holds {X.dtype} values; pass the "
                "same kind of pixels as at fit (scale floats with PixelScaler in a "
                "Pipeline so fit and predict agree)."
            )
        # A reshape of validated pixels: a view, never a copy.
        return X.reshape((X.shape[0], *self.input_shape_))

    def _check_y(self, y: Any, n_samples: int, names: tuple[str, str] = ("X", "y")) -> np.ndarray:
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if not hasattr(y, "columns"):
            y = np.asarray(y)
        if np.ndim(y) == 2 and np.shape(y)[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; "
                "it is used as y.ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
        y = check_labels(y, n_samples=n_samples, x_name=names[0], name=names[1])
        check_classification_targets(y)
        return y

    @staticmethod
    def _check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
        return check_sample_weight(sample_weight, n_samples, dtype=keras.backend.floatx())

    def _learn_background(self, X: np.ndarray) -> None:
        """``background_``: the ground of most training images, for ``fashionnet predict``.

        A concern of the command's ``predict`` kept here as a small hook until
        that inference moves into the library.
        """
        height, width, _ = self.image_shape_
        if min(height, width) < 3:  # feature strips, not images
            self.background_ = None
            return
        images = X.reshape((X.shape[0], *self.image_shape_))
        self.background_ = "light" if is_light_background(images).mean() > 0.5 else "dark"


def as_numeric_array(X: Any) -> np.ndarray:
    """:func:`as_pixel_array`, plus the refusals scikit-learn users expect."""
    if scipy.sparse.issparse(X):
        raise TypeError(
            "Sparse data was passed, but dense images are required: "
            "use X.toarray() (Fashion-MNIST fits in memory as uint8)."
        )
    if not hasattr(X, "columns"):
        X = np.asarray(X)
        if np.iscomplexobj(X):
            raise ValueError("Complex data not supported: pass real pixel values.")
    if isinstance(X, np.ndarray) and X.dtype == object:
        X = X.astype(np.float64)  # numbers stored as objects; raises on anything else
    X = as_pixel_array(X)
    if X.ndim < 2:
        raise ValueError(
            f"Expected a batch of images, got an array of shape {X.shape}. Reshape your "
            "data with X.reshape(1, -1) if it holds a single image, or "
            "X.reshape(-1, 1) if it holds single-pixel images."
        )
    if X.ndim == 2 and X.shape[1] == 0:
        raise ValueError(
            f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required: X holds no pixels."
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    return X


def pixel_moments(X: np.ndarray, chunk: int = 4096) -> tuple[float, float]:
    """Mean and standard deviation of all pixels, without a float copy of ``X``.

    uint8 images are counted by grey level (exact integer sums, as
    :class:`~fashionnet.audit.DataAuditor` does per column); float images
    are summed in float64 chunks of ``chunk`` images.
    """
    levels = np.arange(256, dtype=np.int64)
    total = sum_ = sum_sq = 0
    for start in range(0, X.shape[0], chunk):
        block = X[start : start + chunk]
        if block.dtype == np.uint8:
            counts = np.bincount(block.reshape(-1), minlength=256)
            total += int(counts.sum())
            sum_ += int(counts @ levels)
            sum_sq += int(counts @ (levels * levels))
        else:
            block = block.astype(np.float64, copy=False)
            total += block.size
            sum_ += float(block.sum())
            sum_sq += float(np.square(block).sum())
    mean = sum_ / total
    return float(mean), float(np.sqrt(max(sum_sq / total - mean * mean, 0.0)))
