"""Exact duplicates: rows equal byte for byte, found by hashing then sorting bytes.

See :mod:`fashionnet.audit.near_duplicates` for images that are nearly, not
exactly, the same.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

__all__ = ["Deduplicated"]


def _canonical_rows(values: np.ndarray) -> np.ndarray:
    """Rows as a C-contiguous 2-d array whose bytes are equal exactly when the rows are."""
    if values.dtype.kind == "f":
        values = values + 0.0  # -0.0 -> 0.0
        values[np.isnan(values)] = np.nan  # one NaN bit pattern
    return np.ascontiguousarray(values).reshape(values.shape[0], -1)


def _row_hashes(rows: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's bytes: the words times random odd constants, summed."""
    n = rows.shape[0]
    raw = rows.view(np.uint8).reshape(n, -1)
    n_words = -(-raw.shape[1] // 8)
    weights = np.random.default_rng(0x5EED).integers(1, 2**63, n_words, dtype=np.uint64) | 1
    hashes = np.empty(n, dtype=np.uint64)
    step = max(1, (8 << 20) // (8 * n_words))
    buffer = np.zeros((min(step, n), n_words * 8), dtype=np.uint8)
    for start in range(0, n, step):
        part = raw[start : start + step]
        buffer[: len(part), : raw.shape[1]] = part
        words = buffer[: len(part)].view(np.uint64)
        hashes[start : start + len(part)] = (words * weights).sum(axis=1)  # wraps mod 2**64
    return hashes


def _first_occurrence(rows: np.ndarray) -> np.ndarray:
    """For each row, the position of the first row equal to it (exact, by sorting bytes)."""
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return first[inverse.ravel()]


def _duplicate_mask(values: np.ndarray) -> np.ndarray:
    """True for every row equal to an earlier row (byte-wise after canonicalising floats).

    Rows are hashed first; only rows whose hash occurs more than once are
    compared exactly, so data without duplicates costs one hash per row.
    """
    rows = _canonical_rows(values)
    n = rows.shape[0]
    mask = np.zeros(n, dtype=bool)
    hashes = _row_hashes(rows)
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    repeated = np.zeros(n, dtype=bool)
    same = ordered[1:] == ordered[:-1]
    repeated[1:] |= same
    repeated[:-1] |= same
    candidates = np.sort(order[repeated])  # rows sharing a hash, in their original order
    if candidates.size:
        first = _first_occurrence(rows[candidates])
        mask[candidates] = first != np.arange(candidates.size)
    return mask


class Deduplicated(NamedTuple):
    """What :meth:`DataAuditor.drop_duplicates` returns (unpacks as ``X, y, n_dropped``)."""

    X: Any
    y: Any
    n_dropped: int
