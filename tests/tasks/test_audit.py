"""fashionnet.tasks.audit: a dataset read from a path, near-duplicates and label errors."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from fashionnet.tasks import (
    LabelIssueTables,
    NearDuplicateTables,
    find_label_issues,
    find_near_duplicates,
    read_dataset,
    with_class_names,
)


def test_read_dataset_reads_a_csv_a_folder_and_an_idx_pair(tmp_path, small_test):
    from fashionnet.datasets import write_csv

    X, y = small_test
    path = write_csv(tmp_path / "fashion-mnist_train.csv", X, y)
    for source in (path, tmp_path):
        X_read, y_read = read_dataset(source)
        np.testing.assert_array_equal(X_read.reshape(len(X), -1), X.reshape(len(X), -1))
        np.testing.assert_array_equal(y_read, y)
    images = tmp_path / "my-images-idx3-ubyte"
    header = np.array([0x00000803, 20, 28, 28], dtype=">u4").tobytes()
    images.write_bytes(header + X[:20].tobytes())
    X_idx, y_idx = read_dataset(images)
    assert X_idx.shape == (20, 28, 28) and y_idx is None
    labels = tmp_path / "my-labels-idx1-ubyte"
    labels.write_bytes(np.array([0x00000801, 20], dtype=">u4").tobytes() + y[:20].tobytes())
    assert read_dataset(images)[1].tolist() == y[:20].tolist()
    with pytest.raises(ValueError, match="holds labels, not images"):
        read_dataset(labels)


def test_read_dataset_names_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.csv: no such file"):
        read_dataset(tmp_path / "missing.csv")
    with pytest.raises(FileNotFoundError, match="neither train-images-idx3-ubyte"):
        read_dataset(tmp_path)


def test_with_class_names():
    frame = pd.DataFrame({"label": [0, 9, 10], "other": [1, 2, 3]})
    named = with_class_names(frame, ["label"], [f"c{i}" for i in range(10)])
    assert named["label"].tolist() == ["0 c0", "9 c9", "10"]
    assert named["other"].tolist() == [1, 2, 3] and frame["label"].tolist() == [0, 9, 10]


def test_near_duplicates_within_and_across(small_train, small_test):
    X, y = small_train[0][:200].copy(), small_train[1][:200]
    X[7] = X[150]
    X_test, y_test = small_test[0][:50].copy(), small_test[1][:50].copy()
    X_test[3], y_test[3] = X[20], (y[20] + 1) % 10  # a twin with another label
    tables = find_near_duplicates(X, y, test=(X_test, y_test))
    assert isinstance(tables, NearDuplicateTables)
    assert {7, 150} <= set(tables.within["index"]) | set(tables.within["other_index"])
    assert tables.images_within >= 2 and tables.test_images == 50
    assert 3 in set(tables.across["index"]) and tables.twins >= 1
    assert 3 in set(tables.relabelled_twins["index"])
    alone = find_near_duplicates(X, y)
    assert alone.across is None and alone.twins == 0 and alone.relabelled_twins is None


def test_label_issues_tables(small_train):
    pytest.importorskip("cleanlab")
    X, y = small_train[0][:200], small_train[1][:200]
    tables = find_label_issues(X, y, folds=2, params={"epochs": 1})
    assert isinstance(tables, LabelIssueTables)
    assert {"given_label", "predicted_label"} <= set(tables.issues.columns)
    assert "label" in tables.outliers.columns and isinstance(tables.odd, pd.DataFrame)


def test_label_issues_without_cleanlab_fail_before_training(small_train, monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    with pytest.raises(ImportError, match="pip install 'fashionnet\\[audit\\]'"):
        find_label_issues(*small_train, folds=2)
