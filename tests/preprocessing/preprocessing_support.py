"""The image batches and settings shared by the preprocessing tests."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fashionnet.preprocessing import (
    ChannelStacker,
    ImagePadder,
    ImageReshaper,
    ImageResizer,
    PixelScaler,
)

ALL = [ImageReshaper, ImagePadder, ImageResizer, ChannelStacker, PixelScaler]
PROPERTY = settings(max_examples=40, deadline=None)


@st.composite
def image_batches(draw, max_side=12, channels=(None, 1, 3), dtypes=("uint8", "float32")):
    """A small batch of images: (n, H, W) or (n, H, W, C), uint8 or floats in [0, 1]."""
    n = draw(st.integers(1, 4))
    h, w = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    c = draw(st.sampled_from(channels))
    shape = (n, h, w) if c is None else (n, h, w, c)
    if draw(st.sampled_from(dtypes)) == "uint8":
        return draw(arrays(np.uint8, shape))
    return draw(arrays(np.float32, shape, elements=st.floats(0, 1, width=32)))
