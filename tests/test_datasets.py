"""Tests for fashionnet.datasets: readers, writers, search order, real data."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fashionnet import datasets
from fashionnet.datasets import (
    CLASS_NAMES,
    load_fashion_mnist,
    read_csv,
    read_idx,
    read_idx_pair,
    write_csv,
    write_idx,
)


@st.composite
def image_batches(draw, max_side=8):
    n = draw(st.integers(1, 12))
    side = draw(st.integers(1, max_side))
    X = draw(arrays(np.uint8, (n, side, side)))
    y = draw(arrays(np.uint8, (n,), elements=st.integers(0, 9)))
    return X, y


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


def test_read_idx_result_is_writable(tmp_path):
    path = write_idx(tmp_path / "a-idx1-ubyte", np.arange(5, dtype=np.uint8))
    out = read_idx(path)
    out[0] = 9  # users may modify what they loaded
    assert out[0] == 9


# ----------------------------------------------------------------- bad files


def _expect(path, match, reader=read_idx):
    with pytest.raises(ValueError, match=match) as info:
        reader(path)
    assert str(path) in str(info.value), "the message must name the file"


def test_truncated_gzip(tmp_path):
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 100]) + bytes(100))
    path = tmp_path / "x-labels-idx1-ubyte.gz"
    path.write_bytes(good[: len(good) // 2])
    _expect(path, "truncated gzip")


def test_wrong_magic_number(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([1, 2, 8, 1, 0, 0, 0, 1, 0]))
    _expect(path, "wrong magic number")


def test_unsupported_element_type(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x0D, 1, 0, 0, 0, 1]) + bytes(4))
    _expect(path, "element type 0x0d")


def test_header_disagrees_with_byte_count(tmp_path):
    path = tmp_path / "x-idx3-ubyte"
    header = bytes([0, 0, 8, 3]) + np.array([2, 28, 28], ">u4").tobytes()
    path.write_bytes(header + bytes(28 * 28))  # one image short
    _expect(path, r"header dimensions \(2, 28, 28\) need 1568 bytes")


def test_empty_idx_file(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(b"")
    _expect(path, "empty")


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
    _expect(path, "checksum mismatch for the official file 't10k-labels-idx1-ubyte'")


def test_non_official_name_is_not_checksummed(tmp_path):
    path = write_idx(tmp_path / "my-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    assert read_idx(path).shape == (7,)


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
    _expect(_csv(tmp_path, body), match, reader=read_csv)


def test_csv_label_column_is_read_by_name(tmp_path):
    # It used to be taken from the first column, whatever its name.
    X, y = read_csv(_csv(tmp_path, "pixel1,pixel2,pixel3,pixel4,label\n9,8,7,6,3\n"))
    np.testing.assert_array_equal(X, [[[9, 8], [7, 6]]])
    np.testing.assert_array_equal(y, [3])


def test_csv_row_longer_than_the_header_is_refused(tmp_path):
    # pandas would index by the first column and shift the labels into it.
    _expect(_csv(tmp_path, CSV_HEADER + "1,2,3,4,5,6\n"), "row 1 holds more values", read_csv)


# ----------------------------------------------------------------- search order


@pytest.fixture
def no_default_places(tmp_path, monkeypatch):
    """Point every default place at empty folders."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("FASHIONNET_DATA", raising=False)
    monkeypatch.setattr(datasets, "DEBIAN_DATA_DIR", tmp_path / "debian")
    return tmp_path


def test_not_found_lists_every_place(no_default_places, monkeypatch):
    tmp = no_default_places
    monkeypatch.setenv("FASHIONNET_DATA", str(tmp / "env"))
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist("test", download=False)
    message = str(info.value)
    for place in ("env", "keras/datasets/fashion-mnist", "debian"):
        assert str(tmp / place) in message
    assert "apt-get install dataset-fashion-mnist" in message


def test_data_home_is_the_only_place_searched(tmp_path, fashion_test):
    # The default places hold the real data (Debian's package): a mistyped or
    # half-filled data_home must still fail, naming the folder and what it lacks.
    X, y = fashion_test
    typo = tmp_path / "typo"
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist("test", data_home=typo)  # download=True: nothing is fetched
    message = str(info.value)
    assert repr(str(typo)) in message and "does not exist" in message
    assert "t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]" in message
    assert not typo.exists()
    half = tmp_path / "half"
    write_idx(half / "t10k-images-idx3-ubyte.gz", X)
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist("test", data_home=half)
    message = str(info.value)
    assert repr(str(half)) in message and "fashion-mnist_test.csv" in message
    assert "missing t10k-labels-idx1-ubyte[.gz] (" in message  # only the absent one
    write_idx(half / "t10k-labels-idx1-ubyte", y)  # raw next to gzipped is fine
    X2, y2 = load_fashion_mnist("test", data_home=str(half))
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    assert datasets.data_locations(half) == [half]


def test_command_with_a_mistyped_data_home_fails(tmp_path):
    # The real command in a real process: one line naming the folder, exit 2,
    # where it used to audit Debian's 60000 rows and exit 0.
    typo = tmp_path / "typo"
    proc = subprocess.run(
        [sys.executable, "-m", "fashionnet", "audit", "--data-home", str(typo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert str(typo) in proc.stderr and "train-labels-idx1-ubyte" in proc.stderr


def test_data_home_comes_first_and_csv_is_read(no_default_places, monkeypatch, fashion_test):
    tmp = no_default_places
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, (5, 28, 28), dtype=np.uint8)
    y = np.array([0, 1, 2, 3, 9], np.uint8)
    write_csv(tmp / "home" / "fashion-mnist_test.csv", X, y)
    # The real test split as raw (uncompressed) official IDX files.
    X_real, y_real = fashion_test
    write_idx(tmp / "env" / "t10k-images-idx3-ubyte", X_real)
    write_idx(tmp / "env" / "t10k-labels-idx1-ubyte", y_real)
    monkeypatch.setenv("FASHIONNET_DATA", str(tmp / "env"))
    X2, y2 = load_fashion_mnist("test", data_home=tmp / "home", download=False)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    # Without data_home the environment variable's folder is next; its raw
    # files pass the official checksum, which covers the decompressed bytes.
    X3, y3 = load_fashion_mnist("test", download=False)
    np.testing.assert_array_equal(X3, X_real)
    np.testing.assert_array_equal(y3, y_real)


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        load_fashion_mnist("validation")


# ----------------------------------------------------------------- real data


def test_real_train(fashion_train):
    X, y = fashion_train
    assert X.shape == (60000, 28, 28) and X.dtype == np.uint8
    assert y.shape == (60000,) and y.dtype == np.uint8
    assert np.bincount(y).tolist() == [6000] * 10


def test_real_test(fashion_test):
    X, y = fashion_test
    assert X.shape == (10000, 28, 28)
    assert np.bincount(y).tolist() == [1000] * 10


def test_real_as_frame(fashion_test):
    frame = load_fashion_mnist("test", as_frame=True, download=False)
    assert frame.shape == (10000, 785)
    assert list(frame.columns) == ["label", *[f"pixel{i}" for i in range(1, 785)]]
    assert all(dtype == np.uint8 for dtype in frame.dtypes)
    X, y = fashion_test
    np.testing.assert_array_equal(frame["label"].to_numpy(), y)
    np.testing.assert_array_equal(frame.iloc[:, 1:].to_numpy().reshape(-1, 28, 28), X)


def test_class_names():
    assert len(CLASS_NAMES) == 10
    assert CLASS_NAMES[0] == "T-shirt/top" and CLASS_NAMES[9] == "Ankle boot"


# ----------------------------------------------------------------- stratified_subset


def test_stratified_subset_is_balanced_seeded_and_in_order(fashion_test):
    from sklearn.model_selection import train_test_split

    from fashionnet.datasets import stratified_subset, to_frame

    X, y = fashion_test
    X_sub, y_sub = stratified_subset(X, y, 500)
    # The CLI's and the study's choice: train_test_split(stratify=y), sorted.
    keep, _ = train_test_split(np.arange(len(y)), train_size=500, stratify=y, random_state=0)
    keep.sort()
    np.testing.assert_array_equal(X_sub, X[keep])
    np.testing.assert_array_equal(y_sub, y[keep])
    assert np.bincount(y_sub).tolist() == [50] * 10
    assert not np.array_equal(stratified_subset(X, y, 500, random_state=1)[0], X_sub)
    frame = to_frame(X[:200], y[:200])
    rows, labels = stratified_subset(frame.drop(columns="label"), frame["label"], 50)
    assert list(rows.index) == sorted(rows.index) and list(labels.index) == list(rows.index)
    for size in (None, len(y), 10**6):
        X_all, y_all = stratified_subset(X, y, size)
        assert X_all is X and y_all is y


def test_stratified_subset_refuses_bad_sizes(small_test):
    from fashionnet.datasets import stratified_subset

    X, y = small_test  # 200 images, 10 classes
    for size in (0, 9, 191, -5):
        with pytest.raises(ValueError, match="between 10 and 190 for a stratified subset of 200"):
            stratified_subset(X, y, size)
    for size in (0.5, "100", True):
        with pytest.raises(ValueError, match="whole number of images"):
            stratified_subset(X, y, size)
    with pytest.raises(ValueError, match="200 images but y has 199 labels"):
        stratified_subset(X, y[:-1], 50)
    assert len(stratified_subset(X, y, 190)[1]) == 190 and len(stratified_subset(X, y, 10)[1]) == 10


# ----------------------------------------------------------------- damaged files (properties)
# One byte changed or the tail cut off: a reader either refuses the file with a
# ValueError naming it, or returns exactly what was written. Gzip's CRC (and the
# official files' SHA-256) make silent changes impossible; the CSV has no
# checksum, so there the promise is valid data in the right shapes.


@pytest.fixture(scope="module")
def real_slice(fashion_test):
    X, y = fashion_test
    return X[:12], y[:12]


@st.composite
def damage(draw, size):
    """("flip", offset, byte) or ("cut", length), biased to the ends of the file."""
    ends = st.integers(0, 24) | st.integers(max(0, size - 24), size - 1)
    offset = draw(ends | st.integers(0, size - 1))
    if draw(st.booleans()):
        return ("cut", offset)
    return ("flip", offset, draw(st.integers(1, 255)))


def _damaged(data: bytes, how) -> bytes:
    if how[0] == "cut":
        return data[: how[1]]
    blob = bytearray(data)
    blob[how[1]] ^= how[2]
    return bytes(blob)


def _refused_or_exact(path, data, how, read, expected):
    path.write_bytes(_damaged(data, how))
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


@settings(max_examples=75, deadline=None)
@given(data=st.data())
def test_damaged_csv_is_refused_or_valid(tmp_path_factory, real_slice, data):
    X, y = real_slice
    X, y = X[:4], y[:4]
    path = write_csv(tmp_path_factory.mktemp("csv") / "data.csv", X, y)
    original = path.read_bytes()
    how = data.draw(damage(len(original)))
    path.write_bytes(_damaged(original, how))
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
