"""fashionnet.preprocessing.shapes: ImageReshaper and ImagePadder."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from preprocessing_support import PROPERTY, image_batches

from fashionnet.preprocessing import (
    ImagePadder,
    ImageReshaper,
)


@PROPERTY
@given(X=image_batches(channels=(None,)))
def test_reshaper_flat_round_trip(X):
    n, h, w = X.shape
    if h != w:
        X = X[:, :1, :1]
        n, h, w = X.shape
    flat = X.reshape(n, h * w)
    out = ImageReshaper(shape=(h, w)).fit_transform(flat)
    assert out.shape == (n, h, w) and out.dtype == X.dtype
    np.testing.assert_array_equal(out, X)
    assert ImageReshaper(shape=(h, w, 1)).fit_transform(flat).shape == (n, h, w, 1)


@PROPERTY
@given(X=image_batches(), pad=st.integers(0, 3), fill=st.integers(0, 255))
def test_padder_shape_dtype_and_border(X, pad, fill):
    out = ImagePadder(padding=pad, fill_value=fill).fit_transform(X)
    n, h, w = X.shape[:3]
    assert out.shape == (n, h + 2 * pad, w + 2 * pad, *X.shape[3:])
    assert out.dtype == X.dtype
    np.testing.assert_array_equal(out[:, pad : pad + h, pad : pad + w], X)
    border = np.ones(out.shape[1:3], bool)
    border[pad : pad + h, pad : pad + w] = False
    assert (out[:, border] == fill).all()


def test_lenet_padding_matches_the_study(real_images):
    # study: tf.pad(x, [[0, 0], [2, 2], [2, 2]]), i.e. zeros 2 pixels each side
    expected = np.pad(real_images, ((0, 0), (2, 2), (2, 2)))
    np.testing.assert_array_equal(ImagePadder(padding=2).fit_transform(real_images), expected)
    np.testing.assert_array_equal(ImagePadder(size=32).fit_transform(real_images), expected)


def test_padder_asymmetric_borders_and_float_fill():
    X = np.ones((1, 2, 3), np.float32)
    out = ImagePadder(padding=(1, 0, 2, 3), fill_value=0.5).fit_transform(X)
    assert out.shape == (1, 3, 8)
    assert out[0, 0, 0] == 0.5 and out[0, 1, 2] == 1.0
    assert ImagePadder(size=(5, 6)).fit_transform(X).shape == (1, 5, 6)  # odd pixel bottom/right
