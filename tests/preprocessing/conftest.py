"""Fixtures of the preprocessing tests: a slice of the real training images."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def real_images(small_train):
    return small_train[0][:120]
