"""fashionnet.preprocessing.scaling: PixelScaler."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from preprocessing_support import PROPERTY, image_batches

from fashionnet.preprocessing import (
    PixelScaler,
)


@PROPERTY
@given(X=image_batches(dtypes=("uint8",)))
def test_scaler_maps_grey_levels_to_unit_floats(X):
    out = PixelScaler().fit_transform(X)
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out, X / 255.0, rtol=1e-6)
    if (X == 255).any():
        assert out.max() == 1.0


def test_scaler_warns_when_images_look_scaled_already():
    with pytest.warns(UserWarning, match="already floats"):
        PixelScaler().fit_transform(np.full((1, 4, 4), 0.5, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PixelScaler(scale=2.0, dtype="float64").fit_transform(np.full((1, 4, 4), 0.5))


@PROPERTY
@given(X=image_batches(channels=(None,), dtypes=("uint8",)))
def test_scaler_keeps_flat_rows_flat(X):
    X = X[:, :1, :1] if X.shape[1] != X.shape[2] else X
    flat = X.reshape(len(X), -1)
    out = PixelScaler().fit_transform(flat)
    assert out.shape == flat.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, PixelScaler().fit_transform(X).reshape(flat.shape))


def test_scaler_set_to_pandas_refuses_images_at_transform():
    scaler = PixelScaler().set_output(transform="pandas")
    with pytest.raises(ValueError, match=r"returns images of shape \(2, 28, 28\)"):
        scaler.fit_transform(np.zeros((2, 28, 28), np.uint8))
