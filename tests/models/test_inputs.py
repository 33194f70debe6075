"""Inputs: the statistics a network learns from its training images, and the checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fashionnet.models._base import pixel_moments as pixel_moments_of_base
from fashionnet.models._inputs import as_numeric_array, pixel_moments


@given(
    arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 5), st.integers(1, 5))),
    st.integers(1, 4),
)
def test_pixel_moments_match_numpy(images, chunk):
    for X in (images, images.astype(np.float32) / 255):
        mean, std = pixel_moments(X, chunk=chunk)
        assert mean == pytest.approx(float(X.mean(dtype=np.float64)), abs=1e-9)
        assert std == pytest.approx(float(X.std(dtype=np.float64)), abs=1e-6)


def test_pixel_moments_stay_importable_from_the_base():
    assert pixel_moments_of_base is pixel_moments


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        (np.zeros(784), ValueError, "Reshape your data"),
        (np.zeros((3, 0)), ValueError, "0 feature"),
        (np.zeros((0, 784)), ValueError, "0 sample"),
        (np.zeros((2, 4), dtype=complex), ValueError, "Complex data"),
    ],
)
def test_as_numeric_array_refuses_what_is_no_batch_of_images(X, error, match):
    with pytest.raises(error, match=match):
        as_numeric_array(X)


def test_as_numeric_array_refuses_sparse_data():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="toarray"):
        as_numeric_array(scipy_sparse.csr_matrix(np.ones((2, 4))))


def test_as_numeric_array_reads_numbers_stored_as_objects():
    X = as_numeric_array(np.ones((2, 4), dtype=object))
    assert X.dtype != object and X.shape == (2, 4)
