"""What the column and row checks found: :class:`AuditReport`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet.rendering import frame_to_markdown, to_json_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AuditReport"]


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
