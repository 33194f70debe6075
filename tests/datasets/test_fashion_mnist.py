"""Tests for fashionnet.datasets.fashion_mnist: search order, data_home, the real data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from fashionnet import datasets
from fashionnet.datasets import (
    CLASS_NAMES,
    fashion_mnist,
    load_fashion_mnist,
    write_csv,
    write_idx,
)

# ----------------------------------------------------------------- search order


@pytest.fixture
def no_default_places(tmp_path, monkeypatch):
    """Point every default place at empty folders."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.delenv("FASHIONNET_DATA", raising=False)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DATA_DIR", tmp_path / "debian")
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
