"""Audit a Fashion-MNIST frame the way the study did, in seconds instead of minutes.

:class:`DataAuditor` runs the study's checks -- null cells, pixels that are
not grey levels 0..255, duplicated rows, constant columns, redundant (highly
correlated) column pairs, cardinality and class balance -- on the study's
60000 x 785 DataFrame or on image arrays,
and :meth:`DataAuditor.report` returns an :class:`AuditReport` to print,
tabulate or save as JSON.

Why it is fast: uint8 pixels are counted with one :func:`numpy.bincount` per
chunk of rows (unique values, means and variances all come from those
counts), correlations are one float32 BLAS product of standardised columns,
and duplicated rows are found by sorting each row's bytes once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from fashionnet._validation import LABEL_COLUMN, _is_frame, check_labels
from fashionnet.rendering import frame_to_markdown, to_json_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DataAuditor", "AuditReport", "Deduplicated", "correlation_matrix"]

# Rows per chunk: bounds the temporaries (int32 offsets, float32 standardised
# values) to a few tens of MB whatever the size of the frame.
_CHUNK_ROWS = 8192
_DUPLICATES_ON = ("all", "pixels")


# --------------------------------------------------------------------------- input


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


# --------------------------------------------------------------------------- column statistics


def _chunks(n: int, size: int = _CHUNK_ROWS):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


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


# --------------------------------------------------------------------------- the report


def _markdown_table(frame: pd.DataFrame, index: bool = False) -> str:
    """The audit's tables show four significant digits."""
    return frame_to_markdown(frame, index=index, floatfmt=".4g")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _listing(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", ... ({len(items) - limit} more)" if len(items) > limit else "")


@dataclass
class AuditReport:
    """What :class:`DataAuditor` found, ready to print, tabulate or save.

    Attributes
    ----------
    n_rows, n_columns : int
        Size of the audited data (the label column counts as a column).
    null_counts : pandas.DataFrame
        ``null_count`` and ``percent`` per column.
    duplicate_rows : numpy.ndarray
        Positions (0-based) of the rows that repeat an earlier row.
    constant_features : list of str
    redundant_pairs : pandas.DataFrame
        ``feature_1``, ``feature_2``, ``correlation`` for ``|r| > redundancy_threshold``.
    cardinality : pandas.DataFrame
        ``n_unique`` and ``percent`` (of the rows) per column.
    high_cardinality_features : list of str
    class_counts : pandas.Series or None
    imbalance_ratio : float or None
        Largest class count over smallest.
    redundancy_threshold, cardinality_threshold : float
    duplicates_on : {"all", "pixels"}
    invalid_values : pandas.DataFrame or None
        Per feature column, the cells that cannot be pixels: ``below_0``,
        ``above_255``, ``non_integer`` and ``invalid`` (cells with any of
        the three). None counts as no invalid cell.
    """

    n_rows: int
    n_columns: int
    null_counts: pd.DataFrame
    duplicate_rows: np.ndarray
    constant_features: list[str]
    redundant_pairs: pd.DataFrame
    cardinality: pd.DataFrame
    high_cardinality_features: list[str]
    class_counts: pd.Series | None
    imbalance_ratio: float | None
    redundancy_threshold: float
    cardinality_threshold: float
    duplicates_on: str = "all"
    invalid_values: pd.DataFrame | None = None
    _checks: list[tuple[str, int, str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._checks = self._build_checks()

    def _build_checks(self) -> list[tuple[str, int, str]]:
        nulls = self.null_counts["null_count"]
        with_nulls = nulls[nulls > 0]
        null_cells = int(nulls.sum())
        n_cols = len(with_nulls)
        null_detail = (
            "none"
            if null_cells == 0
            else f"{null_cells} cell{_s(null_cells)} in {n_cols} column{_s(n_cols)}: "
            + _listing([f"{c} ({int(v)})" for c, v in with_nulls.items()])
        )
        dups = self.duplicate_rows
        compared = "label and pixels" if self.duplicates_on == "all" else "pixels only"
        dup_detail = (
            f"none (compared {compared})"
            if dups.size == 0
            else f"{dups.size} rows ({100 * dups.size / self.n_rows:.2f} %) repeat an earlier row "
            f"(compared {compared}); positions {_listing([str(i) for i in dups])}"
        )
        const_detail = _listing(self.constant_features) if self.constant_features else "none"
        pairs = self.redundant_pairs
        pair_detail = (
            f"none with |r| > {self.redundancy_threshold}"
            if pairs.empty
            else _listing([f"{a} ~ {b} (r = {r:.3f})" for a, b, r in pairs.itertuples(index=False)])
        )
        card = self.cardinality["n_unique"]
        card_detail = (
            f"none above {100 * self.cardinality_threshold:.0f} % unique values; "
            f"unique values per column range {int(card.min())}..{int(card.max())}"
            if not self.high_cardinality_features
            else _listing(self.high_cardinality_features)
        )
        if self.class_counts is None:
            class_detail, n_classes = "no labels given", 0
        else:
            counts = self.class_counts
            n_classes = len(counts)
            ratio = self.imbalance_ratio or 1.0
            balance = "balanced" if ratio == 1 else "nearly balanced"
            if ratio >= 1.5:
                balance = "imbalanced"
            plural = "es" if n_classes != 1 else ""
            class_detail = (
                f"{n_classes} class{plural}, {int(counts.min())} to {int(counts.max())} rows "
                f"each, imbalance ratio {ratio:.2f} ({balance})"
            )
        return [
            ("null values", null_cells, null_detail),
            ("invalid values", *self._invalid_check()),
            ("duplicated rows", int(dups.size), dup_detail),
            ("constant features", len(self.constant_features), const_detail),
            ("redundant pairs", len(pairs), pair_detail),
            ("high-cardinality columns", len(self.high_cardinality_features), card_detail),
            ("classes", n_classes, class_detail),
        ]

    def _invalid_check(self) -> tuple[int, str]:
        """Cells that are not grey levels: how many, and where."""
        table = self.invalid_values
        if table is None or not table["invalid"].any():
            return 0, "none (every pixel is an integer 0..255)"
        cells = int(table["invalid"].sum())
        hit = table[table["invalid"] > 0]
        kinds = ", ".join(
            f"{int(table[col].sum())} {what}"
            for col, what in (
                ("below_0", "below 0"),
                ("above_255", "above 255"),
                ("non_integer", "non-integer"),
            )
            if table[col].any()
        )
        return cells, (
            f"{cells} cell{_s(cells)} in {len(hit)} column{_s(len(hit))} are not grey levels "
            f"0..255 ({kinds}); they are invalid for this data: "
            + _listing([f"{c} ({int(v)})" for c, v in hit["invalid"].items()])
        )

    def summary(self) -> str:
        """One line per check saying what was found."""
        head = f"audit of {self.n_rows} rows x {self.n_columns} columns"
        return "\n".join([head, *(f"{name}: {detail}" for name, _, detail in self._checks)])

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self) -> pd.DataFrame:
        """One row per check: ``check``, ``found`` (a count) and ``detail``."""
        import pandas as pd

        return pd.DataFrame(self._checks, columns=["check", "found", "detail"])

    def tables(self) -> dict[str, pd.DataFrame]:
        """One frame per check, keyed by check name.

        Keys: ``null_counts``, ``invalid_values`` (one row per feature
        column), ``duplicate_rows`` (column ``position``),
        ``constant_features`` (column ``feature``), ``redundant_pairs``,
        ``cardinality`` and, with labels, ``class_counts``.
        """
        import pandas as pd

        tables = {
            "null_counts": self.null_counts,
            "invalid_values": self._invalid_table(),
            "duplicate_rows": pd.DataFrame({"position": self.duplicate_rows}),
            "constant_features": pd.DataFrame({"feature": self.constant_features}, dtype=object),
            "redundant_pairs": self.redundant_pairs,
            "cardinality": self.cardinality,
        }
        if self.class_counts is not None:
            tables["class_counts"] = self.class_counts.to_frame()
        return tables

    def _invalid_table(self) -> pd.DataFrame:
        import pandas as pd

        if self.invalid_values is not None:
            return self.invalid_values
        columns = ["below_0", "above_255", "non_integer", "invalid"]
        return pd.DataFrame(columns=columns, dtype=np.int64).rename_axis("column")

    def to_markdown(self) -> str:
        """The checks as a markdown table, then the tables of what was found."""
        parts = [
            f"## Data audit: {self.n_rows} rows x {self.n_columns} columns",
            "",
            _markdown_table(self.to_frame()),
        ]
        if not self.redundant_pairs.empty:
            parts += ["", "### Redundant pairs", "", _markdown_table(self.redundant_pairs.head(50))]
        with_nulls = self.null_counts[self.null_counts["null_count"] > 0]
        if not with_nulls.empty:
            parts += ["", "### Null values", "", _markdown_table(with_nulls.head(50), index=True)]
        invalid = self._invalid_table()
        invalid = invalid[invalid["invalid"] > 0]
        if not invalid.empty:
            parts += ["", "### Invalid values", "", _markdown_table(invalid.head(50), index=True)]
        if self.class_counts is not None:
            counts = self.class_counts.rename("count").to_frame()
            counts.index.name = "class"
            parts += ["", "### Class counts", "", _markdown_table(counts, index=True)]
        return "\n".join(parts) + "\n"

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _invalid_dict(self) -> dict[str, Any]:
        table = self._invalid_table()
        return {
            "n_invalid_cells": int(table["invalid"].sum()),
            "n_columns_with_invalid_values": int((table["invalid"] > 0).sum()),
            "invalid_values": {
                col: int(table[col].sum()) for col in ("below_0", "above_255", "non_integer")
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """Every figure as plain JSON-serialisable Python."""
        nulls = self.null_counts["null_count"]
        result = {
            "n_rows": int(self.n_rows),
            "n_columns": int(self.n_columns),
            "n_null_cells": int(nulls.sum()),
            "n_columns_with_nulls": int((nulls > 0).sum()),
            **self._invalid_dict(),
            "n_duplicate_rows": int(self.duplicate_rows.size),
            "duplicate_rows": [int(i) for i in self.duplicate_rows],
            "duplicates_on": self.duplicates_on,
            "n_constant_features": len(self.constant_features),
            "constant_features": list(self.constant_features),
            "redundancy_threshold": float(self.redundancy_threshold),
            "n_redundant_pairs": int(len(self.redundant_pairs)),
            "redundant_pairs": [
                [str(a), str(b), float(r)]
                for a, b, r in self.redundant_pairs.itertuples(index=False)
            ],
            "cardinality_threshold": float(self.cardinality_threshold),
            "n_high_cardinality_features": len(self.high_cardinality_features),
            "max_unique_values": int(self.cardinality["n_unique"].max()),
            "class_counts": None
            if self.class_counts is None
            else {str(k): int(v) for k, v in self.class_counts.items()},
            "n_classes": 0 if self.class_counts is None else int(len(self.class_counts)),
            "imbalance_ratio": None
            if self.imbalance_ratio is None
            else float(self.imbalance_ratio),
        }
        return to_json_value(result)  # fails here, not in the caller, if something is not plain


class Deduplicated(NamedTuple):
    """What :meth:`DataAuditor.drop_duplicates` returns (unpacks as ``X, y, n_dropped``)."""

    X: Any
    y: Any
    n_dropped: int


# --------------------------------------------------------------------------- the auditor


class DataAuditor(BaseEstimator):
    """Run the study's data-quality checks on a frame or on image arrays.

    Parameters
    ----------
    redundancy_threshold : float, default=0.98
        Two feature columns are redundant when ``|correlation|`` exceeds this.
    cardinality_threshold : float, default=0.9
        A column has high cardinality when its number of unique values
        exceeds this fraction of the rows (an id column, say).
    label_column : str, default="label"
        Name of the label column in a DataFrame, and of ``y`` in the tables.
    duplicates_on : {"all", "pixels"}, default="all"
        Compare whole rows, label included, as the study did; or the pixels
        only, which also finds the same image given two different labels.

    Attributes
    ----------
    n_rows_ : int
    n_columns_ : int
        Columns audited, the label counted (785 for the study's frame).
    columns_ : list of str
        Column names (``label``, ``pixel1`` ... for arrays).
    null_counts_ : pandas.DataFrame
        Index: column; columns ``null_count`` and ``percent``.
    invalid_values_ : pandas.DataFrame
        Index: feature column; the cells that cannot be grey levels, counted
        as ``below_0``, ``above_255`` and ``non_integer`` (finite floats with
        a fraction), and ``invalid``, the cells with any of the three. NaN
        cells are nulls, not invalid values.
    duplicate_rows_ : numpy.ndarray of int
        Positions (0-based) of every row that repeats an earlier row.
    constant_features_ : list of str
        Feature columns holding a single value (NaN aside).
    correlation_ : numpy.ndarray of shape (n_features, n_features), float32
        Pearson correlation between feature columns; NaN for constant columns.
    redundant_pairs_ : pandas.DataFrame
        Columns ``feature_1``, ``feature_2``, ``correlation``, one row per
        pair with ``|r| > redundancy_threshold``, strongest first.
    cardinality_ : pandas.DataFrame
        Index: column; ``n_unique`` (NaN aside) and ``percent`` of the rows.
    high_cardinality_features_ : list of str
    class_counts_ : pandas.Series or None
        Rows per class, in label order (``None`` without labels).
    imbalance_ratio_ : float or None
        Largest class count divided by the smallest (1.0 = balanced).

    See Also
    --------
    AuditReport : what :meth:`report` returns.
    fashionnet.plotting.plot_correlation_heatmap : draw the correlations.

    Notes
    -----
    Constant columns are reported as constant, never as redundant: they have
    no correlation with anything (and raise no NaN warnings). Null cells are
    left out of the other checks: unique values ignore them, and the
    correlation counts a missing cell as its column's mean.

    Examples
    --------
    >>> from fashionnet.audit import DataAuditor
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> frame = load_fashion_mnist("test", as_frame=True)
    >>> auditor = DataAuditor().fit(frame)
    >>> auditor.n_columns_, len(auditor.duplicate_rows_), auditor.imbalance_ratio_
    (785, 0, 1.0)
    >>> print(auditor.report().summary())  # doctest: +ELLIPSIS
    audit of 10000 rows x 785 columns
    null values: none
    invalid values: none (every pixel is an integer 0..255)
    duplicated rows: none (compared label and pixels)
    constant features: none
    redundant pairs: none with |r| > 0.98
    high-cardinality columns: none above 90 % unique values; unique values per column range ...
    classes: 10 classes, 1000 to 1000 rows each, imbalance ratio 1.00 (balanced)
    """

    def __init__(
        self,
        redundancy_threshold: float = 0.98,
        cardinality_threshold: float = 0.9,
        label_column: str = LABEL_COLUMN,
        duplicates_on: str = "all",
    ) -> None:
        self.redundancy_threshold = redundancy_threshold
        self.cardinality_threshold = cardinality_threshold
        self.label_column = label_column
        self.duplicates_on = duplicates_on

    def _check_params(self) -> None:
        for name in ("redundancy_threshold", "cardinality_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a number in (0, 1]; got {value!r}.")
        if self.duplicates_on not in _DUPLICATES_ON:
            raise ValueError(
                f"duplicates_on must be 'all' (label included) or 'pixels'; "
                f"got {self.duplicates_on!r}."
            )

    def fit(self, X: Any, y: Any = None) -> DataAuditor:
        """Audit ``X`` (and ``y``).

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            The study's frame (label column inside), a pixel frame, flat
            pixel rows ``(n, 784)`` or images ``(n, 28, 28)``. NaN cells are
            allowed (they are what the null check counts), and so are values
            that are not grey levels (negative, above 255, fractional): they
            are reported as invalid values.
        y : array-like of shape (n,), optional
            Labels, when they are not a column of ``X``.

        Returns
        -------
        self : DataAuditor

        Raises
        ------
        TypeError
            A non-numeric pixel column or array.
        ValueError
            No rows or no columns, labels given twice or of the wrong length,
            or a threshold outside (0, 1].
        """
        import pandas as pd

        self._check_params()
        table = _as_table(X, y, self.label_column)
        values, columns = table.values, table.columns
        n = values.shape[0]
        counts = _uint8_value_counts(values) if values.dtype == np.uint8 else None
        n_unique = _n_unique(values, counts)
        nulls = (
            np.zeros(len(columns), dtype=np.int64)
            if values.dtype.kind != "f"
            else sum(np.isnan(values[rows]).sum(axis=0) for rows in _chunks(n))
        )
        if table.labels is not None and table.labels.dtype.kind not in "uifb":
            nulls[table.label_index] = int(pd.isna(table.labels).sum())

        features = table.feature_index
        feature_names = [columns[i] for i in features]
        feature_values = table.features()
        feature_counts = None if counts is None else counts[features]
        mean, std = _moments(feature_values, feature_counts)
        self.correlation_ = _correlation(feature_values, mean, std)

        self.n_rows_, self.n_columns_, self.columns_ = n, len(columns), columns
        self.null_counts_ = pd.DataFrame(
            {"null_count": nulls.astype(np.int64), "percent": 100.0 * nulls / n},
            index=pd.Index(columns, name="column"),
        )
        invalid = _invalid_counts(feature_values)
        self.invalid_values_ = pd.DataFrame(
            dict(zip(("below_0", "above_255", "non_integer", "invalid"), invalid, strict=True)),
            index=pd.Index(feature_names, name="column"),
        )
        on_pixels = self.duplicates_on == "pixels" or table.label_index is None
        self.duplicate_rows_ = np.flatnonzero(
            _duplicate_mask(feature_values if on_pixels else values)
        )
        self.constant_features_ = [
            feature_names[i] for i in np.flatnonzero(n_unique[features] <= 1)
        ]
        self.redundant_pairs_ = self._redundant_pairs(feature_names)
        self.cardinality_ = pd.DataFrame(
            {"n_unique": n_unique, "percent": 100.0 * n_unique / n},
            index=pd.Index(columns, name="column"),
        )
        self.high_cardinality_features_ = [
            columns[i] for i in np.flatnonzero(n_unique > self.cardinality_threshold * n)
        ]
        self.class_counts_, self.imbalance_ratio_ = self._class_balance(table.labels)
        return self

    def _redundant_pairs(self, names: list[str]) -> pd.DataFrame:
        import pandas as pd

        strength = np.abs(self.correlation_)
        with np.errstate(invalid="ignore"):
            above = np.triu(np.nan_to_num(strength, nan=0.0) > self.redundancy_threshold, k=1)
        rows, cols = np.nonzero(above)
        values = self.correlation_[rows, cols].astype(np.float64)
        order = np.lexsort((rows, -np.abs(values)))
        return pd.DataFrame(
            {
                "feature_1": [names[i] for i in rows[order]],
                "feature_2": [names[j] for j in cols[order]],
                "correlation": values[order],
            }
        )

    @staticmethod
    def _class_balance(labels: np.ndarray | None) -> tuple[pd.Series | None, float | None]:
        import pandas as pd

        if labels is None:
            return None, None
        counts = pd.Series(labels).value_counts(dropna=True).sort_index()
        counts.index.name, counts.name = "class", "count"
        if counts.empty:
            return counts, None
        return counts, float(counts.max() / counts.min())

    def report(self) -> AuditReport:
        """What the audit found, as an :class:`AuditReport`.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            :meth:`fit` has not been called.
        """
        check_is_fitted(self, "null_counts_")
        return AuditReport(
            n_rows=self.n_rows_,
            n_columns=self.n_columns_,
            null_counts=self.null_counts_,
            duplicate_rows=self.duplicate_rows_,
            constant_features=self.constant_features_,
            redundant_pairs=self.redundant_pairs_,
            cardinality=self.cardinality_,
            high_cardinality_features=self.high_cardinality_features_,
            class_counts=self.class_counts_,
            imbalance_ratio=self.imbalance_ratio_,
            redundancy_threshold=float(self.redundancy_threshold),
            cardinality_threshold=float(self.cardinality_threshold),
            duplicates_on=self.duplicates_on,
            invalid_values=self.invalid_values_,
        )

    def drop_duplicates(self, X: Any, y: Any = None) -> Deduplicated:
        """Copies of ``X`` (and ``y``) without the rows that repeat an earlier row.

        The first occurrence is kept. Rows are compared as ``duplicates_on``
        says: label and pixels, or pixels only. Does not need :meth:`fit`.

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            As for :meth:`fit`. A frame keeps its index and its label column.
        y : array-like of shape (n,), optional
            Labels, when they are not a column of ``X``.

        Returns
        -------
        Deduplicated
            ``(X, y, n_dropped)``: ``X`` of the same kind as given, ``y``
            filtered alike (``None`` when it was not passed) and the number
            of rows dropped.

        Examples
        --------
        >>> import numpy as np
        >>> from fashionnet.audit import DataAuditor
        >>> X = np.zeros((4, 784), dtype=np.uint8); X[1] = 7
        >>> X_clean, y_clean, n_dropped = DataAuditor().drop_duplicates(X, [0, 1, 0, 2])
        >>> X_clean.shape, y_clean.tolist(), n_dropped
        ((3, 784), [0, 1, 2], 1)
        """
        self._check_params()
        table = _as_table(X, y, self.label_column)
        on_pixels = self.duplicates_on == "pixels" or table.label_index is None
        keep = ~_duplicate_mask(table.features() if on_pixels else table.values)
        X_clean = X.loc[keep] if _is_frame(X) else np.asarray(X)[keep]
        y_clean = None if y is None else (y.loc[keep] if hasattr(y, "loc") else np.asarray(y)[keep])
        return Deduplicated(X_clean, y_clean, int((~keep).sum()))

    def leakage(self, X_train: Any, X_test: Any) -> pd.DataFrame:
        """Test images that also appear, pixel for pixel, in the training set.

        Labels are not compared (a label column in a frame is set aside and
        reported). Does not need :meth:`fit`.

        Parameters
        ----------
        X_train, X_test : pandas.DataFrame or array-like
            As for :meth:`fit`; both with the same number of pixels.

        Returns
        -------
        pandas.DataFrame
            One row per leaked test image: ``test_index`` and ``train_index``
            (positions, the first matching training row), plus ``test_label``
            and ``train_label`` when both frames hold labels.

        Examples
        --------
        >>> from fashionnet.audit import DataAuditor
        >>> from fashionnet.datasets import load_fashion_mnist
        >>> X_test, _ = load_fashion_mnist("test")
        >>> DataAuditor().leakage(X_test[:100], X_test[90:110])
           test_index  train_index
        0           0           90
        1           1           91
        2           2           92
        3           3           93
        4           4           94
        5           5           95
        6           6           96
        7           7           97
        8           8           98
        9           9           99
        """
        import pandas as pd

        train = _as_table(X_train, None, self.label_column, name="X_train")
        test = _as_table(X_test, None, self.label_column, name="X_test")
        a, b = train.features(), test.features()
        if a.shape[1] != b.shape[1]:
            raise ValueError(
                f"X_train has {a.shape[1]} pixels per image but X_test has {b.shape[1]}; "
                "leakage is only defined between images of the same size."
            )
        dtype = np.result_type(a.dtype, b.dtype)
        both = np.concatenate([a.astype(dtype, copy=False), b.astype(dtype, copy=False)])
        n_train = a.shape[0]
        first_of_test = _first_occurrence(_canonical_rows(both))[n_train:]
        leaked = np.flatnonzero(first_of_test < n_train)
        result = pd.DataFrame({"test_index": leaked, "train_index": first_of_test[leaked]})
        if train.labels is not None and test.labels is not None:
            result["test_label"] = test.labels[leaked]
            result["train_label"] = train.labels[first_of_test[leaked]]
        return result
