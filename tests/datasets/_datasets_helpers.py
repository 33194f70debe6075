"""Helpers shared by the reader tests of :mod:`fashionnet.datasets`: generated
image batches, the "refused, naming the file" check, and damaged copies of a file."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from fashionnet.datasets import read_idx


@st.composite
def image_batches(draw, max_side=8):
    n = draw(st.integers(1, 12))
    side = draw(st.integers(1, max_side))
    X = draw(arrays(np.uint8, (n, side, side)))
    y = draw(arrays(np.uint8, (n,), elements=st.integers(0, 9)))
    return X, y


def expect_refused(path, match, reader=read_idx):
    with pytest.raises(ValueError, match=match) as info:
        reader(path)
    assert str(path) in str(info.value), "the message must name the file"


@st.composite
def damage(draw, size):
    """("flip", offset, byte) or ("cut", length), biased to the ends of the file."""
    ends = st.integers(0, 24) | st.integers(max(0, size - 24), size - 1)
    offset = draw(ends | st.integers(0, size - 1))
    if draw(st.booleans()):
        return ("cut", offset)
    return ("flip", offset, draw(st.integers(1, 255)))


def damaged(data: bytes, how) -> bytes:
    if how[0] == "cut":
        return data[: how[1]]
    blob = bytearray(data)
    blob[how[1]] ^= how[2]
    return bytes(blob)
