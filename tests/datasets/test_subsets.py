"""Tests for fashionnet.datasets.subsets: stratified_subset."""

from __future__ import annotations

import numpy as np
import pytest


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
