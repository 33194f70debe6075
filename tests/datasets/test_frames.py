"""Tests for fashionnet.datasets.frames: CSV round trips, malformed and damaged CSV files."""

from __future__ import annotations

import numpy as np
import pytest
from _datasets_helpers import damage, damaged, expect_refused, image_batches
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.datasets import read_csv, write_csv

# ----------------------------------------------------------------- round trips


@settings(max_examples=20, deadline=None)
@given(batch=image_batches())
def test_csv_round_trip(tmp_path_factory, batch):
    X, y = batch
    path = write_csv(tmp_path_factory.mktemp("csv") / "data.csv", X, y)
    header = path.read_text().splitlines()[0].split(",")
    assert header == ["label", *[f"pixel{i}" for i in range(1, X[0].size + 1)]]
    X2, y2 = read_csv(path)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


# ----------------------------------------------------------------- bad files


def _csv(tmp_path, text):
    path = tmp_path / "data.csv"
    path.write_text(text)
    return path


CSV_HEADER = "label,pixel1,pixel2,pixel3,pixel4\n"


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("pixel1,pixel2,pixel3,pixel4\n1,2,3,4\n", "no 'label' column"),
        (CSV_HEADER + "1,2,3,4,5\n1,2,x,4,5\n", r"non-integer value at row 2, column 'pixel2'"),
        (CSV_HEADER + "1,2.5,3,4,5\n", r"non-integer value at row 1, column 'pixel1'"),
        (CSV_HEADER + "1,2,3,-4,5\n", r"negative value -4 at row 1, column 'pixel3'"),
        (CSV_HEADER + "1,2,3,4,256\n", r">255 value 256 at row 1, column 'pixel4'"),
        (CSV_HEADER + "1,2,3,4,5\n1,2,,4,5\n", r"empty cell at row 2, column 'pixel2'"),
        (CSV_HEADER + "10,2,3,4,5\n", "label 10"),
        ("label,pixel1,pixel2\n1,2,3\n", "not a square image"),
        ("", "empty"),
        (CSV_HEADER, "no rows"),
    ],
)
def test_bad_csv(tmp_path, body, match):
    expect_refused(_csv(tmp_path, body), match, reader=read_csv)


def test_csv_label_column_is_read_by_name(tmp_path):
    # It used to be taken from the first column, whatever its name.
    X, y = read_csv(_csv(tmp_path, "pixel1,pixel2,pixel3,pixel4,label\n9,8,7,6,3\n"))
    np.testing.assert_array_equal(X, [[[9, 8], [7, 6]]])
    np.testing.assert_array_equal(y, [3])


def test_csv_row_longer_than_the_header_is_refused(tmp_path):
    # pandas would index by the first column and shift the labels into it.
    expect_refused(
        _csv(tmp_path, CSV_HEADER + "1,2,3,4,5,6\n"), "row 1 holds more values", read_csv
    )


# ----------------------------------------------------------------- damaged files (properties)
# One byte changed or the tail cut off: a reader either refuses the file with a
# ValueError naming it, or returns exactly what was written. Gzip's CRC (and the
# official files' SHA-256) make silent changes impossible; the CSV has no
# checksum, so there the promise is valid data in the right shapes.


@settings(max_examples=75, deadline=None)
@given(data=st.data())
def test_damaged_csv_is_refused_or_valid(tmp_path_factory, real_slice, data):
    X, y = real_slice
    X, y = X[:4], y[:4]
    path = write_csv(tmp_path_factory.mktemp("csv") / "data.csv", X, y)
    original = path.read_bytes()
    how = data.draw(damage(len(original)))
    path.write_bytes(damaged(original, how))
    try:
        X2, y2 = read_csv(path)
    except ValueError as exc:
        assert str(path) in str(exc), f"the message must name the file: {exc!r}"
        assert not type(exc).__module__.startswith("pandas"), repr(exc)
        assert not isinstance(exc, UnicodeError), repr(exc)
        return
    assert X2.dtype == np.uint8 and y2.dtype == np.uint8
    assert X2.shape[1:] == (28, 28) and X2.shape[0] == y2.shape[0]
    assert 0 < len(y2) <= len(y) and int(y2.max()) <= 9
    if how[0] == "flip":
        assert len(y2) == len(y), "a changed byte must not add or drop rows silently"
