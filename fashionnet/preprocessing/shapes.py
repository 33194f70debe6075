"""Steps that change an image's shape without interpolation: reshape and pad.

:class:`ImageReshaper` moves no value (flat rows to images, or back to flat
rows); :class:`ImagePadder` adds a constant border, e.g. 28x28 to 32x32 for
LeNet-5.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ._base import _check_size, _ImageTransformer

__all__ = ["ImageReshaper", "ImagePadder"]


def _is_flat_shape(shape: Any) -> bool:
    """``(-1,)``: ImageReshaper's flat rows."""
    try:
        return tuple(shape) == (-1,)
    except TypeError:
        return False


class ImageReshaper(_ImageTransformer):
    """Reshape each image (flat rows, typically) to a given shape.

    Parameters
    ----------
    shape : tuple of int, default=(28, 28)
        Shape of one output image: ``(H, W)`` or ``(H, W, C)``, holding as
        many values as each input image; or ``(-1,)`` for flat rows
        ``(n, n_values)``, a table (see :meth:`set_output`).

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    See Also
    --------
    ChannelStacker : add channels by repeating the grey one.

    Notes
    -----
    The output is a view of the (validated) input: no pixel is copied.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import ImageReshaper
    >>> frame = load_fashion_mnist("test", as_frame=True)
    >>> pixels = frame.drop(columns="label")
    >>> ImageReshaper().fit_transform(pixels).shape
    (10000, 28, 28)
    >>> ImageReshaper(shape=(28, 28, 1)).fit_transform(pixels).shape
    (10000, 28, 28, 1)

    ``shape=(-1,)`` flattens, and its output can be a DataFrame:

    >>> X, _ = load_fashion_mnist("test")
    >>> ImageReshaper(shape=(-1,)).set_output(transform="pandas").fit_transform(X[:5]).shape
    (5, 784)
    """

    def __init__(self, shape: tuple[int, ...] = (28, 28)) -> None:
        self.shape = shape

    @property
    def _table_output(self) -> bool:
        return _is_flat_shape(self.shape)

    def _check_params(self) -> None:
        if _is_flat_shape(self.shape):
            return
        try:
            shape = tuple(self.shape)
        except TypeError:
            shape = ()
        if len(shape) not in (2, 3) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v > 0 for v in shape
        ):
            raise ValueError(
                "shape must be (H, W) or (H, W, C) with positive ints, or (-1,) for flat rows; "
                f"got {self.shape!r}."
            )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output values, in C order: the input's, else ``pixel1..pixelN``.

        A reshape moves no value, so each output value keeps its input's name
        (the study's DataFrame columns, or ``pixel1..pixelN`` for arrays).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input values; by default those seen in :meth:`fit`.

        Returns
        -------
        numpy.ndarray of str
        """
        return self._feature_names(input_features)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if _is_flat_shape(self.shape):
            return X.reshape(X.shape[0], -1)
        shape = tuple(int(v) for v in self.shape)
        per_image = int(np.prod(X.shape[1:]))
        if per_image != int(np.prod(shape)):
            raise ValueError(
                f"each image holds {per_image} values (shape {X.shape[1:]}) but shape={shape} "
                f"needs {int(np.prod(shape))}; pick a shape with the same number of pixels, or "
                "use ImageResizer to change the size."
            )
        return X.reshape((X.shape[0], *shape))


# --------------------------------------------------------------------------- pad


class ImagePadder(_ImageTransformer):
    """Add a constant border around each image.

    Parameters
    ----------
    padding : int or tuple of int, default=2
        Border width: one int for every side, ``(vertical, horizontal)``, or
        ``(top, bottom, left, right)``. Used when ``size`` is None.
    size : int or (int, int), optional
        Target ``(height, width)`` instead of a border width: the image is
        centred, any odd pixel going to the bottom / right. Takes precedence
        over ``padding``.
    fill_value : int or float, default=0
        Value of the border (a grey level 0..255 for uint8 images; 0 is the
        background of Fashion-MNIST).

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    See Also
    --------
    ImageResizer : change the size by interpolation instead.

    Examples
    --------
    LeNet-5 takes 32x32 images; the study padded 2 pixels on each side:

    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import ImagePadder
    >>> X, _ = load_fashion_mnist("test")
    >>> X32 = ImagePadder(padding=2).fit_transform(X)
    >>> X32.shape, X32.dtype, int(X32[:, :2].max())
    ((10000, 32, 32), dtype('uint8'), 0)
    >>> ImagePadder(size=(32, 32)).fit_transform(X).shape
    (10000, 32, 32)
    """

    def __init__(
        self,
        padding: int | tuple[int, ...] = 2,
        size: int | tuple[int, int] | None = None,
        fill_value: float = 0,
    ) -> None:
        self.padding = padding
        self.size = size
        self.fill_value = fill_value

    def _check_params(self) -> None:
        if self.size is not None:
            _check_size(self.size, "size")
        else:
            self._borders()
        if isinstance(self.fill_value, bool) or not isinstance(self.fill_value, numbers.Real):
            raise ValueError(f"fill_value must be a number; got {self.fill_value!r}.")
        if not np.isfinite(self.fill_value):
            raise ValueError(f"fill_value must be finite; got {self.fill_value!r}.")

    def _borders(self, height: int | None = None, width: int | None = None) -> tuple[int, ...]:
        """``(top, bottom, left, right)`` for an image of the given size."""
        if self.size is not None and height is not None:
            target_h, target_w = _check_size(self.size, "size")
            if target_h < height or target_w < width:
                raise ValueError(
                    f"size={self.size} is smaller than the images ({height}, {width}); padding "
                    "only enlarges. Use ImageResizer to shrink images."
                )
            dh, dw = target_h - height, target_w - width
            return dh // 2, dh - dh // 2, dw // 2, dw - dw // 2
        pad = self.padding
        values = (pad,) if isinstance(pad, numbers.Integral) and not isinstance(pad, bool) else pad
        try:
            values = tuple(values)
        except TypeError:
            values = ()
        if len(values) not in (1, 2, 4) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise ValueError(
                "padding must be an int >= 0, (vertical, horizontal) or "
                f"(top, bottom, left, right); got {pad!r}."
            )
        if len(values) == 1:
            return (int(values[0]),) * 4
        if len(values) == 2:
            return int(values[0]), int(values[0]), int(values[1]), int(values[1])
        return tuple(int(v) for v in values)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        height, width = X.shape[1:3]
        top, bottom, left, right = self._borders(height, width)
        fill = self.fill_value
        if X.dtype == np.uint8 and not (float(fill).is_integer() and 0 <= fill <= 255):
            raise ValueError(
                f"fill_value={fill!r} is not a grey level; uint8 images need an int in 0..255 "
                "(or scale the images with PixelScaler first)."
            )
        out = np.full(
            (X.shape[0], height + top + bottom, width + left + right, *X.shape[3:]),
            fill,
            dtype=X.dtype,
        )
        out[:, top : top + height, left : left + width] = X
        return out
