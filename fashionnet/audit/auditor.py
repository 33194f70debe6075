"""The study's data-quality checks in one estimator: :class:`DataAuditor`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from fashionnet._checks import check_real
from fashionnet._validation import LABEL_COLUMN, _is_frame

from ._table import _as_table, _chunks
from .columns import _correlation, _invalid_counts, _moments, _n_unique, _uint8_value_counts
from .duplicates import Deduplicated, _canonical_rows, _duplicate_mask, _first_occurrence
from .near_duplicates import NEAR_DUPLICATE_THRESHOLD, near_pairs
from .report import AuditReport

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DataAuditor"]

_DUPLICATES_ON = ("all", "pixels")


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
            check_real(value, name, low=0, high=1, low_open=True)
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

    def near_duplicates(
        self,
        X: Any,
        X_other: Any = None,
        *,
        y: Any = None,
        y_other: Any = None,
        threshold: float = NEAR_DUPLICATE_THRESHOLD,
        chunk_size: int | None = None,
    ) -> pd.DataFrame:
        """Pairs of near-identical images, within ``X`` or between ``X`` and ``X_other``.

        The distance is Euclidean on pixels scaled to 0..1; every pair within
        ``threshold`` is found (an exact search, see
        :mod:`fashionnet.audit.near_duplicates`), in chunks that bound the
        memory to about 100 MB beyond the images. Does not need :meth:`fit`.

        Parameters
        ----------
        X : pandas.DataFrame or array-like
            As for :meth:`fit`: uint8 grey levels (or integers 0..255), or
            floats in [0, 1]. A label column in a frame gives the labels.
        X_other : pandas.DataFrame or array-like, optional
            A second split (the training set, when ``X`` is the test set).
            Without it, pairs within ``X``.
        y, y_other : array-like, optional
            Labels of ``X`` and ``X_other``, when not a column of them.
        threshold : float, default=2.0
            Largest distance of a pair (:data:`NEAR_DUPLICATE_THRESHOLD`; two
            28 x 28 images differ by at most 28).
        chunk_size : int, optional
            Rows of ``X`` compared at once; by default as many as keep a
            chunk's bounds to 64 MB. The pairs do not depend on it.

        Returns
        -------
        pandas.DataFrame
            One row per pair, closest first: ``index`` (position in ``X``),
            ``other_index`` (in ``X_other``, or in ``X`` with
            ``index < other_index``), ``distance``, and ``label`` and
            ``other_label`` when both sides have labels.

        Examples
        --------
        >>> import numpy as np
        >>> from fashionnet.audit import DataAuditor
        >>> from fashionnet.datasets import load_fashion_mnist
        >>> X, y = load_fashion_mnist("test")
        >>> X_test, y_test = X[500:800].copy(), y[500:800]
        >>> X_test[3] = np.clip(X[42].astype(int) + 3, 0, 255)  # image 42, a little brighter
        >>> DataAuditor().near_duplicates(X_test, X[:500], y=y_test, y_other=y[:500])
           index  other_index  distance  label  other_label
        0      3           42  0.329202      7            3
        >>> DataAuditor().near_duplicates(X[:2000])  # within one split
           index  other_index  distance
        0   1403         1669  1.430518
        1   1202         1680  1.740881
        2    550         1649  1.780820
        3    555         1881  1.974968
        4    293         1731  1.997149
        """
        import pandas as pd

        first = _as_table(X, y, self.label_column, name="X")
        other = None
        if X_other is not None:
            other = _as_table(X_other, y_other, self.label_column, name="X_other")
        i, j, distance = near_pairs(
            first.features(),
            None if other is None else other.features(),
            threshold=threshold,
            chunk_size=chunk_size,
        )
        result = pd.DataFrame({"index": i, "other_index": j, "distance": distance})
        labels_other = first.labels if other is None else other.labels
        if first.labels is not None and labels_other is not None:
            result["label"] = first.labels[i]
            result["other_label"] = labels_other[j]
        return result
