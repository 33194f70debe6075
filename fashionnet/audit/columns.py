"""Column statistics: grey-level counts, unique values, moments, correlations, invalid cells.

uint8 pixels are counted with one :func:`numpy.bincount` per chunk of rows
(unique values, means and variances all come from those counts), and the
correlations are one float32 BLAS product of standardised columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._table import _CHUNK_ROWS, _chunks, _narrow

__all__ = ["correlation_matrix"]


def _uint8_value_counts(values: np.ndarray) -> np.ndarray:
    """``counts[j, v]`` = how many rows of column ``j`` hold grey level ``v``."""
    n, k = values.shape
    offsets = np.arange(k, dtype=np.intp) * 256
    counts = np.zeros(k * 256, dtype=np.int64)
    for rows in _chunks(n, 1024):  # small chunks keep the index array in cache
        counts += np.bincount((values[rows] + offsets).ravel(), minlength=k * 256)
    return counts.reshape(k, 256)


def _n_unique(values: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """Distinct non-NaN values per column."""
    if counts is not None:
        return np.count_nonzero(counts, axis=1)
    result = np.empty(values.shape[1], dtype=np.int64)
    block = max(1, (64 << 20) // max(1, values.shape[0] * values.itemsize))
    for start in range(0, values.shape[1], block):
        part = np.sort(values[:, start : start + block], axis=0)  # NaN sorts last
        valid = ~np.isnan(part) if part.dtype.kind == "f" else np.ones(part.shape, bool)
        distinct = (part[1:] != part[:-1]) & valid[1:]
        result[start : start + block] = valid[:1].sum(axis=0) + distinct.sum(axis=0)
    return result


def _moments(values: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (population) standard deviation per column, NaN cells left out."""
    if counts is not None:  # exact, from the grey-level counts
        levels = np.arange(256, dtype=np.int64)
        n = counts.sum(axis=1)
        total, squares = counts @ levels, counts @ levels**2  # exact integer sums
        mean = total / n
        var = (n * squares - total * total) / (n.astype(np.float64) ** 2)
        return mean, np.sqrt(np.maximum(var, 0.0))
    k = values.shape[1]
    total, seen = np.zeros(k), np.zeros(k)
    for rows in _chunks(values.shape[0]):
        part = values[rows].astype(np.float64)
        ok = ~np.isnan(part)
        total += np.where(ok, part, 0.0).sum(axis=0)
        seen += ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / seen
    squares = np.zeros(k)
    for rows in _chunks(values.shape[0]):
        dev = values[rows].astype(np.float64) - mean
        squares += np.where(np.isnan(dev), 0.0, dev * dev).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        std = np.sqrt(squares / seen)
    return mean, np.nan_to_num(std, nan=0.0)


def _correlation(values: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Pearson correlation of all columns; NaN rows/columns for constant columns."""
    n, k = values.shape
    varying = np.flatnonzero(std > 0)
    corr = np.full((k, k), np.nan, dtype=np.float32)
    if varying.size == 0:
        return corr
    shift = mean[varying].astype(np.float32)
    scale = (1.0 / std[varying]).astype(np.float32)
    gram = np.zeros((varying.size, varying.size), dtype=np.float64)
    contiguous = varying.size == k
    for rows in _chunks(n, 4 * _CHUNK_ROWS):
        part = values[rows] if contiguous else values[rows][:, varying]
        z = np.subtract(part, shift, dtype=np.float32)  # cast and centre in one pass
        z *= scale
        if values.dtype.kind == "f":
            np.nan_to_num(z, copy=False, nan=0.0)  # a missing cell counts as the mean
        gram += z.T @ z  # float32 SYRK; chunks summed in float64
    sub = np.clip(gram / n, -1.0, 1.0).astype(np.float32)
    np.fill_diagonal(sub, 1.0)
    corr[np.ix_(varying, varying)] = sub
    return corr


def correlation_matrix(X: Any) -> np.ndarray:
    """Pearson correlation between the columns of a 2-d numeric array.

    Computed as one float32 matrix product of standardised columns, in
    chunks of rows. Constant columns have no correlation: their rows and
    columns are NaN (not a warning, not 0). NaN cells are left out of the
    means and standard deviations and count as the column mean in the
    product.

    Parameters
    ----------
    X : array-like of shape (n_rows, n_columns)
        Numbers; uint8 takes an exact fast path.

    Returns
    -------
    numpy.ndarray of shape (n_columns, n_columns), float32

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.audit import correlation_matrix
    >>> X = np.array([[0, 1, 5], [1, 3, 5], [2, 5, 5]], dtype=np.uint8)
    >>> correlation_matrix(X)
    array([[ 1.,  1., nan],
           [ 1.,  1., nan],
           [nan, nan, nan]], dtype=float32)
    """
    values = _narrow(np.asarray(X))
    if values.ndim != 2:
        raise ValueError(f"X must be 2-d (rows, columns); got shape {values.shape}.")
    if values.dtype.kind not in "uif":
        raise TypeError(f"X must hold numbers; got dtype {values.dtype}.")
    counts = _uint8_value_counts(values) if values.dtype == np.uint8 else None
    return _correlation(values, *_moments(values, counts))


def _invalid_counts(values: np.ndarray) -> np.ndarray:
    """Per column: cells below 0, above 255, and finite non-integers (NaN aside).

    Returns an int64 array of shape (4, n_columns): the three counts, then the
    cells with any of the three problems. uint8 data cannot hold any and is
    not scanned.
    """
    counts = np.zeros((4, values.shape[1]), dtype=np.int64)
    if values.dtype == np.uint8:
        return counts
    floats = values.dtype.kind == "f"
    for rows in _chunks(values.shape[0]):
        part = values[rows]
        bad = (part < 0, part > 255)
        if floats:
            bad += (np.isfinite(part) & (part != np.floor(part)),)
        for i, mask in enumerate(bad):
            counts[i] += mask.sum(axis=0)
        counts[3] += np.logical_or.reduce(bad).sum(axis=0)
    return counts
