"""The base of every image step: validation, chunking and the scikit-learn plumbing.

:class:`_ImageTransformer` holds what the steps of
:mod:`fashionnet.preprocessing` share: ``fit`` (which learns nothing),
``transform`` and ``fit_transform`` around a step's ``_transform``, input
validation (pixel DataFrames, no label column, no sparse matrix), the
output container of :meth:`~_ImageTransformer.set_output` and the names of
``get_feature_names_out``. :func:`_rows_per_chunk` bounds the memory of a
step's float temporaries, and :func:`_check_size` reads a ``(height,
width)`` parameter.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from fashionnet._validation import check_images, pixel_columns

__all__ = ["_ImageTransformer", "_check_size", "_rows_per_chunk"]

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
            return np.asarray(pixel_columns(self.n_features_in_), dtype=object)
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
