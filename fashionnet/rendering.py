"""Text and JSON for results: Markdown tables, numbers and strict JSON values.

Every table and every ``to_dict()`` of fashionnet goes through these
functions, so a number, a missing value or a ``|`` in a label is written the
same way everywhere:

- :func:`rounded` and :func:`format_number` -- the study report's number
  rule: four decimals, written as JSON writes them (``0.8544``, ``60000``,
  ``-`` for a missing value), so a figure in ``metrics.json`` appears
  character for character in the report;
- :func:`format_cell` -- the text of one table cell, either with that rule or
  with a fixed format such as ``".4f"`` (the result objects of
  :mod:`fashionnet.evaluation`) or ``".4g"`` (:mod:`fashionnet.audit`);
- :func:`markdown_table` and :func:`frame_to_markdown` -- a GitHub-flavoured
  Markdown table from rows or from a DataFrame, without the optional
  ``tabulate`` package;
- :func:`to_json_value` -- plain JSON values (dict, list, str, int, float,
  bool, None) from numpy scalars and arrays, pandas objects and paths, with
  NaN and infinities as ``None``; anything else is a clear :class:`TypeError`.

Nothing here imports pandas or TensorFlow.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "DECIMALS",
    "rounded",
    "format_number",
    "format_cell",
    "markdown_table",
    "frame_to_markdown",
    "to_json_value",
]

#: Decimals kept for scores and other fractions.
DECIMALS = 4

#: What ends a line in Markdown (CommonMark): LF, CR or both.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# --------------------------------------------------------------------------- numbers
def rounded(
    value: Any,
    decimals: int = DECIMALS,
    *,
    key_decimals: Mapping[str, int] | None = None,
) -> Any:
    """Round every float in ``value`` (nested dicts and lists too) for display.

    Integers, strings, booleans and None are returned unchanged; numpy
    scalars and arrays become Python numbers and lists; NaN and infinities
    become None (JSON has no NaN).

    Parameters
    ----------
    value : Any
        A number or a nested structure of dicts and lists.
    decimals : int, default=4
        Decimals kept.
    key_decimals : mapping of str to int, optional
        Other precisions by key: a float under a key that ends with one of
        these suffixes (or inside a dict or list under such a key) keeps that
        many decimals instead, e.g. ``{"seconds": 1, "_mb": 1}``.

    Returns
    -------
    Any
        The same structure with rounded floats.

    Examples
    --------
    >>> rounded({"accuracy": 0.854399967, "n": 10000, "curve": [0.1, float("nan")]})
    {'accuracy': 0.8544, 'n': 10000, 'curve': [0.1, None]}
    >>> rounded({"fit_seconds": 12.345678, "stage_seconds": {"audit": 0.06}, "loss": 0.123456},
    ...         key_decimals={"seconds": 1})
    {'fit_seconds': 12.3, 'stage_seconds': {'audit': 0.1}, 'loss': 0.1235}
    """
    return _rounded(value, decimals, dict(key_decimals or {}))


def _rounded(value: Any, decimals: int, key_decimals: dict[str, int]) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {
            str(k): _rounded(v, _decimals_for(str(k), decimals, key_decimals), key_decimals)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_rounded(v, decimals, key_decimals) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalar
        value = value.item()
    if hasattr(value, "tolist"):  # numpy array
        return _rounded(value.tolist(), decimals, key_decimals)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return value


def _decimals_for(key: str, decimals: int, key_decimals: dict[str, int]) -> int:
    for suffix, places in key_decimals.items():
        if key.endswith(suffix):
            return places
    return decimals


def format_number(value: Any) -> str:
    """The text of a number in the report: the JSON spelling of :func:`rounded`.

    None and NaN are written ``-``, booleans ``yes`` and ``no``.

    Examples
    --------
    >>> format_number(0.854399967), format_number(60000), format_number(None)
    ('0.8544', '60000', '-')
    >>> format_number(float("nan")), format_number(True), format_number(-0.00001)
    ('-', 'yes', '0.0')
    """
    value = rounded(value)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return repr(value)
    return str(value)


def format_cell(value: Any, floatfmt: str | None = None) -> str:
    """The text of one table cell.

    Strings are kept as they are and a mapping becomes ``key=value, ...``.
    Numbers follow one of two rules:

    - ``floatfmt=None`` (the study report): :func:`format_number`, and a list
      or tuple becomes ``(a, b)``;
    - a format spec such as ``".4f"`` (the result tables): floats in that
      format, integers in full, booleans ``True``/``False``, None and NaN
      empty; values inside a mapping use ``"g"``.

    Parameters
    ----------
    value : Any
        The cell's value.
    floatfmt : str or None, default=None
        Format spec of the floating-point numbers, or None for
        :func:`format_number`.

    Returns
    -------
    str
        The text, not yet escaped for Markdown (see :func:`markdown_table`).

    Examples
    --------
    >>> format_cell(0.854399967), format_cell(0.854399967, ".4f"), format_cell(1.0, ".4g")
    ('0.8544', '0.8544', '1')
    >>> format_cell(None), format_cell(float("nan"), ".4f"), format_cell(7, ".4f")
    ('-', '', '7')
    >>> format_cell([1, 0.25]), format_cell({"alpha": 10.0, "solver": "auto"}, ".4f")
    ('(1, 0.25)', 'alpha=10, solver=auto')
    """
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = None if floatfmt is None else "g"
        return ", ".join(f"{k}={format_cell(v, inner)}" for k, v in value.items())
    if floatfmt is None:
        if isinstance(value, (list, tuple)):
            return "(" + ", ".join(format_cell(v) for v in value) + ")"
        if isinstance(value, (int, float)) or value is None or hasattr(value, "item"):
            return format_number(value)
        return str(value)
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (numbers.Integral, np.integer)):
        return str(int(value))
    if isinstance(value, (numbers.Real, np.floating)):
        return "" if math.isnan(value) else format(float(value), floatfmt)
    return str(value)


# --------------------------------------------------------------------------- Markdown
def _escape(text: str) -> str:
    """A cell's text that cannot break the table: ``|`` escaped, line breaks as spaces."""
    return _LINE_BREAK.sub(" ", text.replace("|", "\\|"))


def markdown_table(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    floatfmt: str | None = None,
) -> str:
    """A GitHub-flavoured Markdown table, without the optional ``tabulate``.

    Parameters
    ----------
    header : sequence
        The column titles (written with :class:`str`).
    rows : iterable of sequences
        The cells, row by row, written with :func:`format_cell`; a cell that
        is already a string is kept as it is.
    floatfmt : str or None, default=None
        Passed to :func:`format_cell`.

    Returns
    -------
    str
        The table's lines joined by newlines (no trailing newline). Every
        ``|`` in a title or a cell is escaped and newlines become spaces, so
        a cell can never add a column, and line breaks become spaces.

    See Also
    --------
    frame_to_markdown : the same from a DataFrame.

    Examples
    --------
    >>> print(markdown_table(["model", "accuracy"], [["LeNet-5", 0.854399967], ["a|b", None]]))
    | model | accuracy |
    |---|---|
    | LeNet-5 | 0.8544 |
    | a\\|b | - |
    """
    titles = [_escape(str(title)) for title in header]
    lines = ["| " + " | ".join(titles) + " |", "|" + "|".join("---" for _ in titles) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_escape(format_cell(c, floatfmt)) for c in row) + " |")
    return "\n".join(lines)


def frame_to_markdown(frame: Any, *, index: bool = False, floatfmt: str | None = None) -> str:
    """A :class:`pandas.DataFrame` as a Markdown table (see :func:`markdown_table`).

    Each column keeps its own dtype (an integer column next to a float one
    stays integer).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    index : bool, default=False
        Whether to show the index as the first column, titled with the
        index's name and written with :class:`str`.
    floatfmt : str or None, default=None
        Passed to :func:`format_cell` for every other cell.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"count": [6, 4], "percent": [60.0, 40.0]},
    ...                      index=pd.Index(["Bag", "Coat"], name="class"))
    >>> print(frame_to_markdown(frame, index=True, floatfmt=".4g"))
    | class | count | percent |
    |---|---|---|
    | Bag | 6 | 60 |
    | Coat | 4 | 40 |
    """
    header = ([str(frame.index.name or "")] if index else []) + [str(c) for c in frame.columns]
    rows = (
        ([str(label)] if index else []) + [format_cell(v, floatfmt) for v in values]
        for label, values in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    return markdown_table(header, rows)


# --------------------------------------------------------------------------- JSON
def to_json_value(value: Any, *, default: Callable[[Any], Any] | None = None) -> Any:
    """Plain JSON values for ``json.dumps(..., allow_nan=False)``.

    Dicts (any mapping; keys become strings), lists, tuples, numpy arrays,
    pandas Series (lists) and DataFrames (a list of row dicts) are converted
    item by item; numpy scalars become Python numbers, paths become strings,
    NaN and infinities become None.

    Parameters
    ----------
    value : Any
        What to convert.
    default : callable, optional
        Called on any other object (e.g. :func:`repr`); its result is
        converted in turn. Without it, such an object is a :class:`TypeError`
        that names it and where it was found.

    Returns
    -------
    Any
        Only dict, list, str, int, float, bool and None.

    Raises
    ------
    TypeError
        An object that JSON cannot hold, and no ``default``.

    Examples
    --------
    >>> import numpy as np
    >>> from pathlib import PurePosixPath
    >>> to_json_value({"acc": np.float32(0.5), "cm": np.eye(2, dtype=int),
    ...                "loss": [np.nan, np.inf], "out": PurePosixPath("runs/a"), 3: True})
    {'acc': 0.5, 'cm': [[1, 0], [0, 1]], 'loss': [None, None], 'out': 'runs/a', '3': True}
    >>> to_json_value({"model": object})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: cannot write type at ['model'] as JSON: ...
    >>> to_json_value({"model": object}, default=lambda obj: obj.__name__)
    {'model': 'object'}
    """
    return _json(value, default, "")


def _json(value: Any, default: Callable[[Any], Any] | None, where: str) -> Any:
    if value is None or isinstance(value, str):
        return None if value is None else str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (numbers.Integral, np.integer)):
        return int(value)
    if isinstance(value, (numbers.Real, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        return {str(k): _json(v, default, f"{where}[{k!r}]") for k, v in value.items()}
    pd = sys.modules.get("pandas")  # only loaded pandas can have made a pandas object
    if pd is not None and isinstance(value, pd.DataFrame):
        return _json(value.to_dict(orient="records"), default, where)
    if isinstance(value, np.ndarray) or (pd is not None and isinstance(value, pd.Series)):
        return _json(value.tolist(), default, where)
    if isinstance(value, (list, tuple)):
        return [_json(v, default, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if default is not None:
        return _json(default(value), None, where)
    raise TypeError(
        f"cannot write {type(value).__name__} at {where or 'the top level'} as JSON: "
        "only dicts, lists, strings, numbers, booleans, None, numpy values, pandas "
        "objects and paths can be written. Convert it first (e.g. str(value))."
    )
