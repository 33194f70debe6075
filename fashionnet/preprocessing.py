"""Stateless image transformers that turn flat pixels into the inputs each model needs.

Each step is a scikit-learn transformer (``fit`` learns nothing and returns
``self``), so they chain in a :class:`~sklearn.pipeline.Pipeline`, survive
:func:`~sklearn.base.clone` and work without ``fit``:

- :class:`ImageReshaper` -- flat rows ``(n, 784)`` to images ``(n, 28, 28)``;
- :class:`ImagePadder` -- a border, e.g. 28x28 to 32x32 for LeNet-5;
- :class:`ImageResizer` -- bilinear (or nearest) resizing, e.g. to 48x48;
- :class:`ChannelStacker` -- grey to 3 channels for ImageNet backbones;
- :class:`PixelScaler` -- grey levels to floats in [0, 1].

Every step accepts ``(n, 784)``, ``(n, H, W)`` and ``(n, H, W, C)`` arrays
and pixel DataFrames, refuses a label column, NaN and wrong shapes with a
message saying what to do, keeps uint8 until :class:`PixelScaler`, and
writes its output into one preallocated array chunk by chunk, so the peak
memory of a pipeline stays close to the size of its output.

Examples
--------
The study's inputs for VGG16 and ResNet152V2, 48x48x3 floats in [0, 1]:

>>> from sklearn.pipeline import make_pipeline
>>> from fashionnet.datasets import load_fashion_mnist
>>> from fashionnet.preprocessing import ImageResizer, ChannelStacker, PixelScaler
>>> X, _ = load_fashion_mnist("test")
>>> to_vgg = make_pipeline(ImageResizer((48, 48)), ChannelStacker(3), PixelScaler())
>>> X48 = to_vgg.fit_transform(X[:100])
>>> X48.shape, X48.dtype, float(X48.max()) <= 1.0
((100, 48, 48, 3), dtype('float32'), True)
"""

from __future__ import annotations

import numbers
import warnings
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from fashionnet._validation import check_images
from fashionnet.datasets import _pixel_columns

__all__ = ["ImageReshaper", "ImagePadder", "ImageResizer", "ChannelStacker", "PixelScaler"]

# Each chunk's float32 temporaries stay near this many bytes.
_CHUNK_BYTES = 16 << 20


def _rows_per_chunk(bytes_per_image: int) -> int:
    return max(1, _CHUNK_BYTES // max(1, bytes_per_image))


def _check_size(value: Any, name: str, *, allow_zero: bool = False) -> tuple[int, int]:
    """A (height, width) pair of positive ints; an int means a square."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    low = 0 if allow_zero else 1
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= low for v in pair
    ):
        raise ValueError(
            f"{name} must be an int or a (height, width) pair of ints >= {low}; got {value!r}."
        )
    return int(pair[0]), int(pair[1])


_CONTAINERS = ("default", "pandas", "polars")


class _ImageTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Validation and the sklearn plumbing shared by every image step.

    scikit-learn's own output wrapping is off (``auto_wrap_output_keys=None``):
    a DataFrame holds flat rows, and most steps return image arrays, so each
    step says whether its output is a table (``_table_output``) and
    :meth:`set_output` refuses a DataFrame container for a step that returns
    images.
    """

    #: Whether the step returns flat rows (n, n_values), which a DataFrame can hold.
    _table_output = False
    #: Whether flat rows in give flat rows out (an element-wise step).
    _keeps_flat_rows = False

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.requires_fit = False  # stateless: transform works without fit
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["uint8", "float32", "float64"]
        return tags

    def _check_params(self) -> None:  # overridden where there are parameters
        pass

    def _validate(self, X: Any) -> np.ndarray:
        self._check_params()
        if hasattr(X, "toarray") and hasattr(X, "nnz"):
            raise TypeError(
                "X is a sparse matrix; images are dense. Pass X.toarray() (uint8 keeps it small)."
            )
        return check_images(X, name="X")

    def fit(self, X: Any, y: Any = None) -> _ImageTransformer:
        """Check the parameters and ``X``; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n, 784), (n, H, W) or (n, H, W, C), or DataFrame
            Images, uint8 0..255 or floats.
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def _fit(self, X: Any) -> np.ndarray:
        images = self._validate(X)
        # Column names of a pixel DataFrame, for get_feature_names_out.
        validate_data(self, X, reset=True, skip_check_array=True, ensure_2d=False)
        self.n_features_in_ = int(np.prod(images.shape[1:]))
        return images

    def transform(self, X: Any) -> np.ndarray:
        """Apply the step to every image.

        Parameters
        ----------
        X : array-like of shape (n, 784), (n, H, W) or (n, H, W, C), or DataFrame
            Images, uint8 0..255 or floats. A DataFrame must hold pixel
            columns only: split the label off first (``y = df.pop("label")``).

        Returns
        -------
        numpy.ndarray
            The transformed images.

        Raises
        ------
        ValueError
            Wrong shape, NaN, integers outside 0..255, a label column, or bad
            parameters.
        TypeError
            Non-numeric input.
        """
        check_is_fitted(self)
        return self._wrap(self._transform(self._validate(X)), X)

    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> np.ndarray:
        """:meth:`fit` then :meth:`transform`, validating ``X`` once."""
        return self._wrap(self._transform(self._fit(X)), X)

    def set_output(self, *, transform: str | None = None) -> _ImageTransformer:
        """Choose the container of :meth:`transform`'s output, as scikit-learn's ``set_output``.

        A DataFrame (``"pandas"``, ``"polars"``) holds flat rows, one column
        per pixel named by :meth:`get_feature_names_out`: the output of
        :class:`PixelScaler` given flat pixels and of
        ``ImageReshaper(shape=(-1,))``. The steps that return image
        arrays (:class:`ImagePadder`, :class:`ImageResizer`,
        :class:`ChannelStacker`, :class:`ImageReshaper` to 2 or 3 axes)
        refuse it.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            ``"default"``: NumPy arrays; None leaves the setting as it is.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A DataFrame container for a step that returns image arrays, or
            an unknown container.
        """
        if transform is None:
            return self
        if transform not in _CONTAINERS:
            raise ValueError(
                f"transform must be one of {list(_CONTAINERS)} or None; got {transform!r}."
            )
        if transform != "default" and not self._table_output:
            raise ValueError(
                f"{type(self).__name__} returns image arrays (n, H, W) or (n, H, W, C), which a "
                f"DataFrame cannot hold, so it has no set_output(transform={transform!r}); a "
                "DataFrame output needs flat rows: PixelScaler on flat pixels, or "
                "ImageReshaper(shape=(-1,)) as the last image step."
            )
        self._sklearn_output_config = {"transform": transform}
        return self

    def _wrap(self, out: np.ndarray, X: Any) -> Any:
        """``out`` in the container set by :meth:`set_output` (or scikit-learn's config)."""
        if self._keeps_flat_rows and out.ndim > 2 and np.ndim(X) == 2:
            out = out.reshape(out.shape[0], -1)  # a view: the values are in C order
        explicit = getattr(self, "_sklearn_output_config", {}).get("transform")
        container = explicit or get_config()["transform_output"]
        if container == "default":
            return out
        if out.ndim != 2:
            if explicit is None:  # a global preference: images stay arrays
                return out
            raise ValueError(
                f"{type(self).__name__} is set to {container} output, but here it returns "
                f"images of shape {out.shape}, which a DataFrame cannot hold; give it flat "
                "pixels (n, 784), or set_output(transform='default')."
            )
        columns = list(self.get_feature_names_out())
        if container == "polars":
            import polars  # optional, as in scikit-learn

            return polars.from_numpy(out, schema=columns)
        index = X.index if isinstance(X, pd.DataFrame) else None
        return pd.DataFrame(out, columns=columns, index=index, copy=False)

    def _feature_names(self, input_features: Any = None) -> np.ndarray:
        """One name per value, in C order: the input's names, else ``pixel1..pixelN``.

        The names of the study's pixel DataFrame (:func:`fashionnet.datasets.to_frame`).
        """
        check_is_fitted(self, "n_features_in_")
        fitted = getattr(self, "feature_names_in_", None)
        if input_features is None:
            if fitted is not None:
                return np.asarray(fitted, dtype=object)
            return np.asarray(_pixel_columns(self.n_features_in_), dtype=object)
        names = np.asarray(input_features, dtype=object)
        if names.ndim != 1 or len(names) != self.n_features_in_:
            raise ValueError(
                f"input_features must name the {self.n_features_in_} values of each image; "
                f"got {names.size} names."
            )
        if fitted is not None and not np.array_equal(names, fitted):
            raise ValueError(
                "input_features differ from the column names seen in fit (feature_names_in_)."
            )
        return names

    def _transform(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------- reshape


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


# --------------------------------------------------------------------------- resize


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


# --------------------------------------------------------------------------- channels


class ChannelStacker(_ImageTransformer):
    """Repeat the grey channel, e.g. to feed 3-channel ImageNet backbones.

    Parameters
    ----------
    channels : int, default=3
        Number of output channels.
    copy : bool, default=True
        With ``False``, return a read-only broadcast view instead of a new
        array: no memory at all, which suits a pipeline whose next step
        writes a new array anyway. :class:`ImageResizer` and
        :class:`PixelScaler` recognise such a view and process the grey
        channel once, writing it to every channel of their output.

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import ChannelStacker
    >>> X, _ = load_fashion_mnist("test")
    >>> X3 = ChannelStacker(channels=3).fit_transform(X)
    >>> X3.shape, bool((X3[..., 0] == X3[..., 2]).all())
    ((10000, 28, 28, 3), True)
    """

    def __init__(self, channels: int = 3, copy: bool = True) -> None:
        self.channels = channels
        self.copy = copy

    def _check_params(self) -> None:
        if (
            isinstance(self.channels, bool)
            or not isinstance(self.channels, numbers.Integral)
            or self.channels < 1
        ):
            raise ValueError(f"channels must be a positive int; got {self.channels!r}.")

    def _transform(self, X: np.ndarray) -> np.ndarray:
        channels = int(self.channels)
        if X.ndim == 4:
            if X.shape[3] == channels:
                return X
            if X.shape[3] != 1:
                raise ValueError(
                    f"X already has {X.shape[3]} channels; ChannelStacker repeats a single grey "
                    f"channel, so it takes (n, H, W) or (n, H, W, 1) images (got {X.shape})."
                )
            X = X[..., 0]
        shape = (*X.shape, channels)
        if not self.copy:
            return np.broadcast_to(X[..., None], shape)
        out = np.empty(shape, dtype=X.dtype)
        for channel in range(channels):  # one plane at a time: faster than a broadcast copy
            out[..., channel] = X
        return out


# --------------------------------------------------------------------------- scale


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
