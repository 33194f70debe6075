"""Fixtures of the :mod:`fashionnet.datasets` tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def real_slice(fashion_test):
    X, y = fashion_test
    return X[:12], y[:12]
