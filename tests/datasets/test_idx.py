"""Tests for fashionnet.datasets.idx: IDX round trips, bad and damaged files, checksums."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from _datasets_helpers import damage, damaged, expect_refused, image_batches
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.datasets import read_idx, read_idx_pair, write_idx

# ----------------------------------------------------------------- round trips


@settings(max_examples=25, deadline=None)
@given(batch=image_batches(), gz=st.booleans())
def test_idx_round_trip(tmp_path_factory, batch, gz):
    X, y = batch
    folder = tmp_path_factory.mktemp("idx")
    suffix = ".gz" if gz else ""
    images = write_idx(folder / f"images-idx3-ubyte{suffix}", X)
    labels = write_idx(folder / f"labels-idx1-ubyte{suffix}", y)
    X2, y2 = read_idx_pair(images, labels)
    assert X2.dtype == np.uint8 and y2.dtype == np.uint8
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert (images.read_bytes()[:2] == b"\x1f\x8b") == gz


def test_read_idx_result_is_writable(tmp_path):
    path = write_idx(tmp_path / "a-idx1-ubyte", np.arange(5, dtype=np.uint8))
    out = read_idx(path)
    out[0] = 9  # users may modify what they loaded
    assert out[0] == 9


# ----------------------------------------------------------------- bad files


def test_truncated_gzip(tmp_path):
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 100]) + bytes(100))
    path = tmp_path / "x-labels-idx1-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    expect_refused(path, "truncated gzip")


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 0]))
    expect_refused(path, "wrong magic number")


def test_unsupported_element_type(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + bytes(4))
    expect_refused(path, "element type 0x0d")


def test_header_disagrees_with_byte_count(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    header = bytes([0, 0, 8, 3]) + np.array([2, 28, 28], ">u4").tobytes()
    path.write_bytes(header + bytes(28 * 28))  # one image short
    expect_refused(path, r"header dimensions \(2, 28, 28\) need 1568 bytes")


def test_empty_idx_file(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(b"")
    expect_refused(path, "empty")


def test_labels_longer_than_images(tmp_path):
    images = write_idx(tmp_path / "i-idx3-ubyte", np.zeros((3, 4, 4), np.uint8))
    labels = write_idx(tmp_path / "l-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="3 images but 4 labels") as info:
        read_idx_pair(images, labels)
    assert str(labels) in str(info.value)


def test_label_of_ten(tmp_path):
    images = write_idx(tmp_path / "i-idx3-ubyte", np.zeros((3, 4, 4), np.uint8))
    labels = write_idx(tmp_path / "l-idx1-ubyte", np.array([1, 10, 2], np.uint8))
    with pytest.raises(ValueError, match="label 10 at position 1") as info:
        read_idx_pair(images, labels)
    assert str(labels) in str(info.value)


def test_checksum_mismatch_on_official_name(tmp_path):
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(10000, np.uint8))
    expect_refused(path, "checksum mismatch for the official file 't10k-labels-idx1-ubyte'")


def test_non_official_name_is_not_checksummed(tmp_path):
    path = write_idx(tmp_path / "my-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    assert read_idx(path).shape == (7,)


# ----------------------------------------------------------------- damaged files (properties)
# One byte changed or the tail cut off: a reader either refuses the file with a
# ValueError naming it, or returns exactly what was written. Gzip's CRC (and the
# official files' SHA-256) make silent changes impossible; the CSV has no
# checksum, so there the promise is valid data in the right shapes.


def _refused_or_exact(path, data, how, read, expected):
    path.write_bytes(damaged(data, how))
    try:
        got = read(path)
    except ValueError as exc:
        assert str(path) in str(exc), f"the message must name the file: {exc}"
        assert not type(exc).__module__.startswith(("pandas", "zlib", "gzip")), repr(exc)
        return None
    np.testing.assert_array_equal(got, expected)
    return got


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_damaged_gzip_idx_is_refused_or_exact(tmp_path_factory, real_slice, data):
    X, _ = real_slice
    folder = tmp_path_factory.mktemp("gz")
    original = write_idx(folder / "images-idx3-ubyte.gz", X).read_bytes()
    how = data.draw(damage(len(original)))
    _refused_or_exact(folder / "damaged-idx3-ubyte.gz", original, how, read_idx, X)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), gz=st.booleans())
def test_damaged_official_file_is_refused_or_exact(tmp_path_factory, fashion_test, data, gz):
    # The real test labels under their official name: the SHA-256 is checked.
    _, y = fashion_test
    folder = tmp_path_factory.mktemp("official")
    path = write_idx(folder / f"t10k-labels-idx1-ubyte{'.gz' if gz else ''}", y)
    original = path.read_bytes()
    np.testing.assert_array_equal(read_idx(path), y)  # read once, as a program would
    how = data.draw(damage(len(original)))
    _refused_or_exact(path, original, how, read_idx, y)


# ----------------------------------------------------------------- a user's files


def test_write_idx_and_write_csv_never_replace_a_file_unasked(tmp_path):
    from fashionnet.datasets import write_csv

    X, y = np.zeros((2, 4, 4), np.uint8), np.array([0, 1], np.uint8)
    for write, name, args in (
        (write_idx, "mine-idx3-ubyte", (X,)),
        (write_csv, "mine.csv", (X, y)),
    ):
        mine = tmp_path / name
        mine.write_text("a user's file")
        with pytest.raises(FileExistsError, match=rf"{name} exists.*overwrite=True"):
            write(mine, *args)
        assert mine.read_text() == "a user's file"
        write(mine, *args, overwrite=True)  # the explicit way out
        assert mine.read_bytes() != b"a user's file"
        empty = tmp_path / f"empty-{name}"
        empty.touch()
        write(empty, *args)  # an empty file holds nothing to lose
        assert empty.stat().st_size > 0
