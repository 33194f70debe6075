"""Near-duplicate images: every pair closer than a threshold, by an exact search.

The distance is Euclidean on pixels scaled to 0..1 (so two 28 x 28 images
differ by at most 28). On Fashion-MNIST the nearest training image of most
test images lies 3 to 6 away; near-identical images (the same photograph
re-cropped, re-exposed or shifted a pixel) lie within 2, which is the
default threshold, :data:`NEAR_DUPLICATE_THRESHOLD` (the evidence is in the
user guide, "Near-duplicates").

How it is exact and fast: every image is projected onto the leading
principal components of the data, plus one coordinate holding the norm of
what the projection leaves out. The distance between two projected images
is a lower bound of their true distance (an orthogonal projection never
lengthens a difference, and the residuals differ by at least the difference
of their norms), so a pair whose bound exceeds the threshold cannot be a
near-duplicate. The bounds are one float32 BLAS product per chunk of rows
over 65 columns instead of 784, and one pass for each row's largest value;
the few pairs that pass are measured again exactly (integer arithmetic on
uint8 pixels). The result is the same whatever the chunk size, the row order
or the projection. Below 2**24 pairs the full distances are cheaper than
finding the projection, and are used instead.
"""

from __future__ import annotations

import numpy as np

from fashionnet._checks import check_int, check_real

__all__ = ["NEAR_DUPLICATE_THRESHOLD"]

#: Default distance below which two images are near-duplicates: Euclidean on
#: pixels scaled to 0..1 (an RMS difference of 18 grey levels per pixel).
NEAR_DUPLICATE_THRESHOLD = 2.0

# Components of the projection: past 64 the bounds are tight enough that
# the exact check of the candidates costs less than the extra product
# (benchmarks/bench_near_duplicates.py).
_N_COMPONENTS = 64
# Bytes of one chunk of bounds (float32): with the projected data, the
# search holds about this much beyond its input.
_CHUNK_BYTES = 64 << 20
# Below this many pairs, the full distances cost less than finding the basis.
_PROJECT_FROM_PAIRS = 1 << 24
# Rows the principal components are estimated from (any basis keeps the
# search exact; a better one only leaves fewer candidates).
_BASIS_ROWS = 10000
# Candidate pairs measured exactly per batch (int32 differences: 50 MB).
_EXACT_BATCH = 16384


def _scaled(values: np.ndarray, name: str) -> np.ndarray:
    """Check that rows are grey levels (uint8) or floats in [0, 1]."""
    if values.dtype == np.uint8:
        return values
    if values.dtype.kind not in "f":
        raise TypeError(
            f"{name} must hold uint8 grey levels or floats in [0, 1]; got dtype {values.dtype}."
        )
    if values.size and not np.isfinite(values).all():
        raise ValueError(f"{name} holds NaN or infinite pixels; near-duplicates need numbers.")
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ValueError(
            f"{name} holds floats from {values.min():g} to {values.max():g}; distances are "
            "measured on pixels scaled to 0..1: pass uint8 images or X / 255."
        )
    return values


def _as_float(rows: np.ndarray) -> np.ndarray:
    """Pixels as float32 in 0..1."""
    if rows.dtype == np.uint8:
        return rows.astype(np.float32) * np.float32(1 / 255)
    return rows.astype(np.float32, copy=False)


def _basis(a: np.ndarray, b: np.ndarray | None, n_components: int):
    """Mean and leading principal directions of an evenly spaced sample of the rows."""
    parts = [a] if b is None else [a, b]
    total = sum(len(p) for p in parts)
    step = max(1, total // _BASIS_ROWS)
    sample = np.concatenate([_as_float(p[::step]) for p in parts]).astype(np.float64)
    mean = sample.mean(axis=0)
    centred = sample - mean
    from scipy.linalg import eigh

    d = centred.shape[1]
    _, vectors = eigh(centred.T @ centred, subset_by_index=(d - n_components, d - 1))
    return mean.astype(np.float32), np.ascontiguousarray(vectors[:, ::-1])


def _project(rows: np.ndarray, mean: np.ndarray, basis: np.ndarray | None) -> np.ndarray:
    """Each row as its principal coordinates plus the norm of its residual, float32."""
    k = 0 if basis is None else basis.shape[1]
    out = np.empty((len(rows), k + 1), dtype=np.float32)
    step = max(1, (16 << 20) // (4 * max(1, rows.shape[1])))
    for start in range(0, len(rows), step):
        x = _as_float(rows[start : start + step]) - mean
        if basis is None:
            out[start : start + step, 0] = np.sqrt((x.astype(np.float64) ** 2).sum(axis=1))
            continue
        coords = x @ basis.astype(np.float32)
        residual = x - coords @ basis.T.astype(np.float32)
        out[start : start + step, :k] = coords
        out[start : start + step, k] = np.sqrt(np.einsum("ij,ij->i", residual, residual))
    return out


def _exact_distances(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Distances of pairs ``(a[i], b[j])`` on the 0..1 scale, exactly for uint8."""
    out = np.empty(len(i), dtype=np.float64)
    integer = a.dtype == np.uint8 and b.dtype == np.uint8
    for start in range(0, len(i), _EXACT_BATCH):
        rows = slice(start, start + _EXACT_BATCH)
        if integer:
            diff = a[i[rows]].astype(np.int32) - b[j[rows]]
            out[rows] = np.sqrt(np.einsum("ij,ij->i", diff, diff).astype(np.float64)) / 255.0
        else:
            diff = _as_float(a[i[rows]]).astype(np.float64) - _as_float(b[j[rows]])
            out[rows] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def near_pairs(
    a: np.ndarray,
    b: np.ndarray | None = None,
    *,
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
    chunk_size: int | None = None,
    n_components: int = _N_COMPONENTS,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of rows within ``threshold``: ``(i, j, distance)``, closest first.

    ``a`` and ``b`` are 2-d pixel rows (uint8, or floats in [0, 1]). Without
    ``b``, pairs within ``a`` with ``i < j``; with it, ``a[i]`` against
    ``b[j]``. Ties in distance are ordered by ``i`` then ``j``.
    """
    a = _scaled(a, "X")
    within = b is None
    b = a if within else _scaled(b, "X_other")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"X has {a.shape[1]} pixels per image but X_other has {b.shape[1]}; near-duplicates "
            "are only defined between images of the same size."
        )
    threshold = check_real(threshold, "threshold", low=0, what="a distance")
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", low=1, what="a number of rows")
    empty = np.empty(0, dtype=np.intp)
    if len(a) == 0 or len(b) == 0:
        return empty, empty, np.empty(0)
    n_pairs = len(a) * (len(a) - 1) // 2 if within else len(a) * len(b)
    if a.shape[1] <= n_components + 1 or n_pairs < _PROJECT_FROM_PAIRS:
        za, zb = _as_float(a), _as_float(b)  # small rows: the bounds are the distances
    else:
        mean, basis = _basis(a, None if within else b, n_components)
        za = _project(a, mean, basis)
        zb = za if within else _project(b, mean, basis)
    na = np.einsum("ij,ij->i", za, za)
    nb = na if within else np.einsum("ij,ij->i", zb, zb)
    # float32 rounding of the bounds is far below this margin; candidates inside
    # it are measured exactly, so no pair is lost to rounding.
    limit = float(threshold) ** 2 + 1e-4 * float(na.max() + nb.max()) + 1e-6
    # |za - zb|^2 <= limit  <=>  za.zb - |zb|^2 / 2 >= (|za|^2 - limit) / 2: one more
    # column makes the left side a single product, so a chunk costs the product
    # and one pass for each row's largest value; only rows that pass are scanned.
    left = np.hstack([za, np.ones((len(za), 1), np.float32)])
    right = left if within else np.hstack([zb, np.zeros((len(zb), 1), np.float32)])
    right = right.copy() if within else right
    right[:, -1] = -nb / 2
    bound = (na - limit) / 2
    rows = chunk_size or max(1, min(len(a), _CHUNK_BYTES // (4 * len(b))))
    found_i, found_j = [], []
    for start in range(0, len(a), rows):
        stop = min(start + rows, len(a))
        first = start if within else 0  # within one split: the upper triangle only
        gram = left[start:stop] @ right[first:].T
        if within:
            np.fill_diagonal(gram, -np.inf)  # an image and itself
        rows_hit = np.flatnonzero(gram.max(axis=1) >= bound[start:stop])
        if rows_hit.size:
            i, j = np.nonzero(gram[rows_hit] >= bound[start + rows_hit][:, None])
            i = rows_hit[i] + start
            j = j + first
            if within:
                keep = j > i
                i, j = i[keep], j[keep]
            found_i.append(i)
            found_j.append(j)
        del gram
    if not found_i:
        return empty, empty, np.empty(0)
    i = np.concatenate(found_i).astype(np.intp)
    j = np.concatenate(found_j).astype(np.intp)
    distance = _exact_distances(a, b, i, j)
    keep = distance <= threshold
    i, j, distance = i[keep], j[keep], distance[keep]
    order = np.lexsort((j, i, distance))
    return i[order], j[order], distance[order]
