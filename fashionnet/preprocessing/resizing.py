"""Resizing by interpolation: :class:`ImageResizer` and its resampling weights.

Bilinear resizing is two small matrix products per chunk of images, with the
weights of ``_interpolation_matrix``; nearest-neighbour resizing picks the
pixels of ``_nearest_index``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._base import _check_size, _ImageTransformer, _rows_per_chunk

__all__ = ["ImageResizer"]


@lru_cache(maxsize=32)
def _interpolation_matrix(n_in: int, n_out: int, antialias: bool) -> np.ndarray:
    """``W`` of shape (n_out, n_in) such that ``W @ line`` resamples a line of pixels.

    Half-pixel centres (``tf.image.resize``, PIL, OpenCV): output pixel ``i``
    sits at input coordinate ``(i + 0.5) * n_in / n_out``, pixel ``j`` at
    ``j + 0.5``, and the weights are a triangle (tent) of half-width 1 input
    pixel, renormalised at the borders. With ``antialias`` and shrinking, the
    tent widens to the scale factor, as in PIL and ``antialias=True``.
    """
    scale = n_in / n_out
    support = scale if antialias and scale > 1 else 1.0
    centres = (np.arange(n_out) + 0.5) * scale
    distance = np.abs((np.arange(n_in) + 0.5)[None, :] - centres[:, None]) / support
    weights = np.clip(1.0 - distance, 0.0, None)
    weights /= weights.sum(axis=1, keepdims=True)
    weights.setflags(write=False)
    return weights


def _nearest_index(n_in: int, n_out: int) -> np.ndarray:
    # floor((i + 0.5) * n_in / n_out), exactly, in integers. PIL computes the same in
    # floats accumulated pixel by pixel, so at exact ties (6.5 * 28 / 13 = 14) it can
    # land one pixel lower.
    return ((2 * np.arange(n_out) + 1) * n_in) // (2 * n_out)


class ImageResizer(_ImageTransformer):
    """Resize images with bilinear (or nearest-neighbour) interpolation.

    Bilinear resizing uses half-pixel centres, the convention of
    ``tf.image.resize`` (``method="bilinear"``, ``antialias=False``) and of
    PIL's ``Image.resize(..., BILINEAR)`` when enlarging; it agrees with
    both within one grey level. It runs in numpy, as two small matrix
    products per chunk of images (``Wy @ image @ Wx.T``), without TensorFlow.

    Parameters
    ----------
    size : int or (int, int), default=(48, 48)
        Output ``(height, width)``.
    interpolation : {"bilinear", "nearest"}, default="bilinear"
        ``"nearest"`` picks pixel ``floor((i + 0.5) * in / out)`` as PIL's
        ``NEAREST`` does (no new grey levels; PIL's float rounding can pick
        the pixel below at exact ties).
    antialias : bool, default=False
        When shrinking, widen the bilinear filter to the scale factor (as PIL
        does, and ``tf.image.resize(..., antialias=True)``); enlarging is
        unaffected.

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    See Also
    --------
    ImagePadder : enlarge by adding a border instead.

    Notes
    -----
    uint8 images come back as uint8 (rounded to the nearest grey level);
    float images keep their dtype. Channels, if any, are resized alike.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import ImageResizer
    >>> X, _ = load_fashion_mnist("test")
    >>> X48 = ImageResizer(size=(48, 48)).fit_transform(X[:10])
    >>> X48.shape, X48.dtype
    ((10, 48, 48), dtype('uint8'))
    """

    def __init__(
        self,
        size: int | tuple[int, int] = (48, 48),
        interpolation: str = "bilinear",
        antialias: bool = False,
    ) -> None:
        self.size = size
        self.interpolation = interpolation
        self.antialias = antialias

    def _check_params(self) -> None:
        _check_size(self.size, "size")
        if self.interpolation not in ("bilinear", "nearest"):
            raise ValueError(
                f"interpolation must be 'bilinear' or 'nearest'; got {self.interpolation!r}."
            )
        if not isinstance(self.antialias, (bool, np.bool_)):
            raise ValueError(f"antialias must be True or False; got {self.antialias!r}.")

    def _transform(self, X: np.ndarray) -> np.ndarray:
        out_h, out_w = _check_size(self.size, "size")
        n, in_h, in_w = X.shape[:3]
        channels = X.shape[3:]
        if (in_h, in_w) == (out_h, out_w):
            return X
        if self.interpolation == "nearest":
            rows, cols = _nearest_index(in_h, out_h), _nearest_index(in_w, out_w)
            return X[:, rows][:, :, cols]
        wy = _interpolation_matrix(in_h, out_h, bool(self.antialias)).astype(np.float32)
        wx_t = _interpolation_matrix(in_w, out_w, bool(self.antialias)).T.astype(np.float32)
        out = np.empty((n, out_h, out_w, *channels), dtype=X.dtype)
        # Repeated channels (ChannelStacker(copy=False) gives a stride-0 axis) are
        # resized once and written to every channel.
        repeated = bool(channels) and X.strides[3] == 0
        source = X[..., 0] if repeated else X
        n_channels = channels[0] if channels and not repeated else 1
        step = _rows_per_chunk(4 * n_channels * max(in_h, out_h) * max(in_w, out_w))
        for start in range(0, n, step):
            part = source[start : start + step].astype(np.float32)
            if part.ndim == 4:  # resample the two image axes with channels out of the way
                part = part.transpose(0, 3, 1, 2)
            resized = wy @ (part @ wx_t)  # (..., out_h, out_w)
            if part.ndim == 4:
                resized = resized.transpose(0, 2, 3, 1)
            if X.dtype == np.uint8:
                np.rint(resized, out=resized)
                np.clip(resized, 0, 255, out=resized)
            elif part.size:  # weights sum to 1 within float32 rounding: stay in range
                np.clip(resized, part.min(), part.max(), out=resized)
            if repeated:
                for channel in range(channels[0]):
                    out[start : start + step, ..., channel] = resized
            else:
                out[start : start + step] = resized
        return out
