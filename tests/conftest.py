"""Shared fixtures: small slices of the real Fashion-MNIST.

Tests that need the real data get it through ``fashion_train`` /
``fashion_test``. Where the data is missing they skip on a developer's
machine but FAIL under CI (``CI`` set), where the Debian package is installed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest


def _load(kind: str):
    from fashionnet.datasets import load_fashion_mnist

    try:
        return load_fashion_mnist(kind, download=False)
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"real Fashion-MNIST is required under CI: {exc}")
        pytest.skip(f"real Fashion-MNIST not installed: {exc}")


@pytest.fixture(scope="session")
def fashion_train():
    """The full real training split, (60000, 28, 28) uint8 and (60000,) uint8."""
    return _load("train")


@pytest.fixture(scope="session")
def fashion_test():
    """The full real test split, (10000, 28, 28) uint8 and (10000,) uint8."""
    return _load("test")


def stratified_slice(X, y, n, seed=0):
    """A class-balanced random slice of ``n`` images (n a multiple of 10)."""
    rng = np.random.default_rng(seed)
    per_class = n // 10
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    )
    rng.shuffle(idx)
    return X[idx], y[idx]


@pytest.fixture(scope="session")
def small_train(fashion_train):
    """600 balanced real training images (60 per class)."""
    return stratified_slice(*fashion_train, 600, seed=0)


@pytest.fixture(scope="session")
def small_test(fashion_test):
    """200 balanced real test images (20 per class)."""
    return stratified_slice(*fashion_test, 200, seed=1)

