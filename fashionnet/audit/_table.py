"""The audited data as one numeric table: frames and arrays, labels inside or beside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._validation import _is_frame, check_labels

if TYPE_CHECKING:
    import pandas as pd

# Rows per chunk: bounds the temporaries (int32 offsets, float32 standardised
# values) to a few tens of MB whatever the size of the frame.
_CHUNK_ROWS = 8192


@dataclass
class _Table:
    """All columns of the audited data as one 2-d numeric array."""

    values: np.ndarray  # (n_rows, n_columns); labels as numbers or category codes
    columns: list[str]
    label_index: int | None  # position of the label column in ``values``
    labels: np.ndarray | None  # the labels as given (for class counts)

    @property
    def feature_index(self) -> np.ndarray:
        keep = np.ones(len(self.columns), dtype=bool)
        if self.label_index is not None:
            keep[self.label_index] = False
        return np.flatnonzero(keep)

    def features(self) -> np.ndarray:
        """The pixel columns (a view when the label is the first or last column)."""
        if self.label_index is None:
            return self.values
        if self.label_index == 0:
            return self.values[:, 1:]
        if self.label_index == len(self.columns) - 1:
            return self.values[:, :-1]
        return self.values[:, self.feature_index]


def _frame_values(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric DataFrame as one ndarray; nullable dtypes become float with NaN."""
    kinds = {c: getattr(dt, "kind", "O") for c, dt in frame.dtypes.items()}
    bad = [c for c, k in kinds.items() if k not in "uifb"]
    if bad:
        raise TypeError(
            f"{name} has non-numeric column(s) {bad[:5]} (dtypes "
            f"{[str(frame[c].dtype) for c in bad[:5]]}); pixels must be numbers. "
            "Drop or convert those columns, e.g. df[col] = pd.to_numeric(df[col])."
        )
    if any(not isinstance(dt, np.dtype) for dt in frame.dtypes):  # pandas nullable dtypes
        return frame.to_numpy(dtype=np.float64, na_value=np.nan)
    if all(dt.kind in "iu" and dt.itemsize > 1 for dt in frame.dtypes):
        # The study's int64 frame: narrow 64 columns at a time rather than copying
        # all of it as int64 first (8x the memory of the uint8 result).
        lows, highs = frame.min(), frame.max()
        if len(frame.columns) and lows.min() >= 0 and highs.max() <= 255:
            out = np.empty(frame.shape, dtype=np.uint8)
            for start in range(0, frame.shape[1], 64):
                out[:, start : start + 64] = frame.iloc[:, start : start + 64].to_numpy()
            return out
    return frame.to_numpy()


def _narrow(values: np.ndarray) -> np.ndarray:
    """Integers that are grey levels become uint8: every fast path keys on uint8."""
    if values.dtype == np.bool_:
        return values.astype(np.uint8)
    if values.dtype == np.uint8 or not np.issubdtype(values.dtype, np.integer) or not values.size:
        return values
    if values.min() >= 0 and values.max() <= 255:
        return values.astype(np.uint8)
    return values


def _label_values(labels: np.ndarray) -> np.ndarray:
    """Labels as numbers for the table: numeric as is, anything else as category codes."""
    if labels.dtype.kind in "uifb":
        return labels
    import pandas as pd

    codes, _ = pd.factorize(labels, use_na_sentinel=True)
    return np.where(codes < 0, np.nan, codes) if (codes < 0).any() else codes


def _as_table(X: Any, y: Any, label_column: str, name: str = "X") -> _Table:
    if _is_frame(X):
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(
                f"{name} is an empty frame ({X.shape[0]} rows, {X.shape[1]} columns); "
                "there is nothing to audit."
            )
        if label_column in X.columns:
            if y is not None:
                raise ValueError(
                    f"{name} has a {label_column!r} column and y was passed too; pass the labels "
                    "once (drop the column, or call without y)."
                )
            labels = X[label_column].to_numpy()
            pixels = X.drop(columns=label_column)
            position = list(X.columns).index(label_column)
        else:
            labels, pixels, position = y, X, 0
        columns = [str(c) for c in pixels.columns]
        if labels is not None:
            columns.insert(position, label_column)
        values = _narrow(_frame_values(pixels, name))
    else:
        values = np.asarray(X)
        if values.dtype == object or values.dtype.kind not in "uifb":
            raise TypeError(
                f"{name} must hold numbers (uint8 0..255 or floats); got dtype {values.dtype}. "
                "Convert it with np.asarray(X, dtype=np.uint8) or np.float32."
            )
        if values.ndim < 2:
            raise ValueError(
                f"{name} must be 2-d (n, 784) or images (n, 28, 28); got shape {values.shape}."
            )
        if values.size == 0:
            raise ValueError(f"{name} is empty (shape {values.shape}); there is nothing to audit.")
        values = _narrow(values.reshape(values.shape[0], -1))
        columns = [f"pixel{i}" for i in range(1, values.shape[1] + 1)]
        labels, position = None, 0
        if y is not None:
            labels = y
            columns = [label_column, *columns]
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(
            f"{name} is empty ({values.shape[0]} rows, {values.shape[1]} pixel columns); "
            "there is nothing to audit."
        )
    if labels is None:
        return _Table(values, columns, None, None)
    labels = check_labels(labels, n_samples=values.shape[0], name="y")
    coded = _narrow(_label_values(labels))
    dtype = np.result_type(values.dtype, coded.dtype)
    table = np.empty((values.shape[0], values.shape[1] + 1), dtype=dtype)
    table[:, :position] = values[:, :position]
    table[:, position] = coded
    table[:, position + 1 :] = values[:, position:]
    return _Table(table, columns, position, labels)


def _chunks(n: int, size: int = _CHUNK_ROWS):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))
