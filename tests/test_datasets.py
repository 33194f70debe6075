"""Tests for fashionnet.datasets: readers, writers, search order, real data."""

from __future__ import annotations

import gzip

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
        load_fashion_mnist("test", data_home=tmp / "home", download=False)
    message = str(info.value)
    for place in ("home", "env", "keras/datasets/fashion-mnist", "debian"):
        assert str(tmp / place) in message
    assert "apt-get install dataset-fashion-mnist" in message


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
