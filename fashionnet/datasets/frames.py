"""The study's table layout: ``label, pixel1 ... pixel784``, as a DataFrame and as a CSV.

:func:`~fashionnet.datasets.to_frame` builds the DataFrame (the layout of the
Kaggle CSV export), :func:`~fashionnet.datasets.read_csv` reads such a CSV as
``(X, y)``, refusing every malformed file with a message naming the file, row
and column, and :func:`~fashionnet.datasets.write_csv` writes one, atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._io import atomic_write
from fashionnet._ownership import check_target
from fashionnet._validation import LABEL_COLUMN, pixel_columns
from fashionnet.datasets._pairs import _check_pair
from fashionnet.datasets.idx import _unmarked

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["to_frame", "read_csv", "write_csv"]


def to_frame(X: Any, y: Any) -> pd.DataFrame:
    """Return images and labels as one DataFrame in the study's layout.

    Column ``label`` first, then ``pixel1`` ... ``pixel784``, all uint8.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.datasets import to_frame
    >>> to_frame(np.zeros((2, 28, 28), np.uint8), np.array([3, 1], np.uint8)).shape
    (2, 785)
    """
    import pandas as pd

    X = np.asarray(X, dtype=np.uint8)
    y = np.asarray(y, dtype=np.uint8)
    flat = X.reshape(len(X), -1)
    table = np.empty((len(flat), flat.shape[1] + 1), dtype=np.uint8)
    table[:, 0] = y
    table[:, 1:] = flat
    return pd.DataFrame(table, columns=[LABEL_COLUMN, *pixel_columns(flat.shape[1])], copy=False)


def read_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV in the Kaggle layout (``label,pixel1,...,pixel784``) as ``(X, y)``.

    Returns
    -------
    X : numpy.ndarray of shape (n, 28, 28), uint8
    y : numpy.ndarray of shape (n,), uint8

    Raises
    ------
    ValueError
        Empty file, bytes that are not text, a row with more or fewer values
        than the header, no ``label`` column, a pixel count that is not a
        square, an empty cell, a non-integer, negative or >255 pixel, or a
        label outside 0..9. The message names the file, and the row and
        column where it can.
    """
    path = Path(path)
    frame = _parse_csv(path)
    if LABEL_COLUMN not in frame.columns:
        raise ValueError(
            f"{path}: no {LABEL_COLUMN!r} column (header starts {list(frame.columns[:3])}); "
            "expected the Kaggle layout label,pixel1,...,pixel784."
        )
    if frame.empty:
        raise ValueError(f"{path}: the file has a header but no rows.")
    pixels = frame.drop(columns=LABEL_COLUMN)
    side = int(np.sqrt(pixels.shape[1]))
    if side == 0 or side * side != pixels.shape[1]:
        raise ValueError(
            f"{path}: {pixels.shape[1]} pixel columns is not a square image; "
            "expected 784 (pixel1..pixel784)."
        )
    values = frame.to_numpy()
    _check_csv_cells(path, frame, values)
    label = frame.columns.get_loc(LABEL_COLUMN)
    y = values[:, label].astype(np.uint8)
    # The Kaggle layout's label comes first: a view, not a second wide copy.
    pixels = values[:, 1:] if label == 0 else np.delete(values, label, axis=1)
    X = pixels.astype(np.uint8).reshape(-1, side, side)
    return _check_pair(X, y, str(path))


def _parse_csv(path: Path) -> pd.DataFrame:
    """``pandas.read_csv``, with every parsing failure as a ValueError naming the file."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, low_memory=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty; expected a header label,pixel1,...") from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: byte {exc.object[exc.start : exc.start + 1].hex()} is not text; the file "
            "is damaged or not a CSV. Re-download or re-export it."
        ) from None
    except pd.errors.ParserError as exc:
        reason = str(exc).split("C error: ")[-1].strip().rstrip(".")
        raise ValueError(
            f"{path}: not a well-formed CSV ({reason}); every row must hold one value per "
            "header column. The file is damaged or was cut short."
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas makes the first column an index when the first row holds one
        # value more than the header: the labels would shift into the pixels.
        raise ValueError(
            f"{path}: row 1 holds more values than the header has columns "
            f"({len(frame.columns)}); a separator is missing from the header or a row has "
            "an extra value. The file is damaged."
        )
    return frame


def _check_csv_cells(path: Path, frame: pd.DataFrame, values: np.ndarray) -> None:
    def where(mask: np.ndarray) -> str:
        row, col = np.argwhere(mask)[0]
        return f"row {row + 1}, column {frame.columns[col]!r}"

    if values.dtype == object:
        numeric = frame.apply(lambda c: np.asarray(c.map(_is_int_literal), dtype=bool))
        raise ValueError(
            f"{path}: non-integer value at {where(~numeric.to_numpy())}; "
            "pixels and labels must be integers 0..255."
        )
    if np.issubdtype(values.dtype, np.floating):
        missing = np.isnan(values)
        if missing.any():
            raise ValueError(
                f"{path}: empty cell at {where(missing)}; every pixel needs a value 0..255."
            )
        fractional = values != np.round(values)
        if fractional.any():
            raise ValueError(
                f"{path}: non-integer value at {where(fractional)}; pixels must be integers 0..255."
            )
    out_of_range = (values < 0) | (values > 255)
    if out_of_range.any():
        row, col = np.argwhere(out_of_range)[0]
        kind = "negative" if values[row, col] < 0 else ">255"
        raise ValueError(
            f"{path}: {kind} value {values[row, col]} at {where(out_of_range)}; "
            "pixels must be 0..255."
        )


def _is_int_literal(value: Any) -> bool:
    try:
        return float(value) == int(float(value))
    except (TypeError, ValueError):
        return False


def write_csv(path: str | os.PathLike, X: Any, y: Any, *, overwrite: bool = False) -> Path:
    """Write images and labels as a CSV in the Kaggle layout, atomically.

    A file already at ``path`` is replaced only with ``overwrite=True`` (a
    CSV carries no mark of who wrote it); otherwise a ``FileExistsError``
    names it and the way out.
    """
    frame = to_frame(X, y)
    check_target(path, kind="file", ours=_unmarked, what="an empty file", overwrite=overwrite)
    with atomic_write(path, "w") as fh:
        frame.to_csv(fh, index=False)
    return Path(path)
