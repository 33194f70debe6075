"""Grey levels to floats: :class:`PixelScaler`, the step that leaves uint8."""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ._base import _ImageTransformer, _rows_per_chunk

__all__ = ["PixelScaler"]


class PixelScaler(_ImageTransformer):
    """Scale pixel values to floats, by default grey levels 0..255 to [0, 1].

    Parameters
    ----------
    scale : float, default=1/255
        Factor applied to every pixel.
    dtype : str or numpy dtype, default="float32"
        Floating dtype of the output, which has the input's layout: flat
        rows ``(n, 784)`` stay flat rows, images stay images.

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    Warns
    -----
    UserWarning
        ``X`` is already floats within [0, 1] and ``scale`` is below 1: the
        images look scaled already.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import PixelScaler
    >>> X, _ = load_fashion_mnist("test")
    >>> Xf = PixelScaler().fit_transform(X)
    >>> Xf.dtype, float(Xf.min()), float(Xf.max())
    (dtype('float32'), 0.0, 1.0)

    Flat pixels stay flat rows, and can come out as a DataFrame:

    >>> frame = load_fashion_mnist("test", as_frame=True).drop(columns="label")
    >>> scaled = PixelScaler().set_output(transform="pandas").fit_transform(frame)
    >>> scaled.shape, list(scaled.columns[:2])
    ((10000, 784), ['pixel1', 'pixel2'])
    """

    _table_output = True
    _keeps_flat_rows = True

    def __init__(self, scale: float = 1 / 255, dtype: Any = "float32") -> None:
        self.scale = scale
        self.dtype = dtype

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output values, in C order: the input's, else ``pixel1..pixelN``.

        Scaling is element-wise, so each value keeps its input's name (the
        study's DataFrame columns, or ``pixel1..pixelN`` for arrays).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input values; by default those seen in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of str
        """
        return self._feature_names(input_features)

    def _check_params(self) -> None:
        if isinstance(self.scale, bool) or not isinstance(self.scale, numbers.Real):
            raise ValueError(f"scale must be a number; got {self.scale!r}.")
        if not np.isfinite(self.scale) or self.scale == 0:
            raise ValueError(f"scale must be finite and non-zero; got {self.scale!r}.")
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype is None or dtype.kind != "f":
            raise ValueError(
                f"dtype must be a floating dtype such as 'float32'; got {self.dtype!r}."
            )

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if X.dtype.kind == "f" and abs(self.scale) < 1 and X.size and X.min() >= 0 and X.max() <= 1:
            warnings.warn(
                "X is already floats within [0, 1]; scaling it again by "
                f"{self.scale:.4g}. Pass the uint8 images, or drop this PixelScaler.",
                UserWarning,
                stacklevel=3,
            )
        dtype = np.dtype(self.dtype)
        scale = dtype.type(self.scale)
        out = np.empty(X.shape, dtype=dtype)
        step = _rows_per_chunk(int(np.prod(X.shape[1:])) * dtype.itemsize)
        repeated = X.ndim == 4 and X.strides[3] == 0  # ChannelStacker(copy=False)
        for start in range(0, X.shape[0], step):
            rows = slice(start, start + step)
            if repeated:  # scale the one grey channel, write it to every channel
                grey = np.multiply(X[rows, ..., 0], scale, dtype=dtype, casting="unsafe")
                for channel in range(X.shape[3]):
                    out[rows, ..., channel] = grey
            else:
                np.multiply(X[rows], scale, out=out[rows], casting="unsafe")
        return out
