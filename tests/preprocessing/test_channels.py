"""fashionnet.preprocessing.channels: ChannelStacker."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from preprocessing_support import PROPERTY, image_batches

from fashionnet.preprocessing import (
    ChannelStacker,
)


@PROPERTY
@given(X=image_batches(channels=(None, 1)), channels=st.integers(1, 4), copy=st.booleans())
def test_stacker_repeats_the_grey_channel(X, channels, copy):
    out = ChannelStacker(channels=channels, copy=copy).fit_transform(X)
    grey = X if X.ndim == 3 else X[..., 0]
    assert out.shape == (*grey.shape, channels) and out.dtype == X.dtype
    for c in range(channels):
        np.testing.assert_array_equal(out[..., c], grey)


def test_stacker_refuses_multi_channel_input_and_passes_matching_through():
    rgb = np.zeros((2, 5, 5, 3), np.uint8)
    assert ChannelStacker(3).fit_transform(rgb) is rgb
    with pytest.raises(ValueError, match="already has 2 channels"):
        ChannelStacker(3).fit_transform(np.zeros((2, 5, 5, 2), np.uint8))


def test_stacker_without_copy_is_a_read_only_view(real_images):
    view = ChannelStacker(3, copy=False).fit_transform(real_images)
    assert view.shape == (*real_images.shape, 3)
    assert not view.flags.writeable and np.shares_memory(view, real_images)
