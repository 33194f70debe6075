"""fashionnet.preprocessing.resizing: ImageResizer, against PIL and tf.image.resize."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from preprocessing_support import PROPERTY, image_batches
from sklearn.base import clone

from fashionnet.preprocessing import (
    ChannelStacker,
    ImageResizer,
    PixelScaler,
)


@PROPERTY
@given(
    X=image_batches(),
    size=st.tuples(st.integers(1, 16), st.integers(1, 16)),
    antialias=st.booleans(),
)
def test_resizer_bilinear_shape_dtype_range(X, size, antialias):
    out = ImageResizer(size=size, antialias=antialias).fit_transform(X)
    assert out.shape == (X.shape[0], *size, *X.shape[3:])
    assert out.dtype == X.dtype
    # bilinear output is a convex combination of the input: no value outside its range
    assert out.min() >= X.min() and out.max() <= X.max()


@PROPERTY
@given(X=image_batches(), size=st.tuples(st.integers(1, 16), st.integers(1, 16)))
def test_resizer_nearest_only_copies_pixels(X, size):
    out = ImageResizer(size=size, interpolation="nearest").fit_transform(X)
    assert out.shape == (X.shape[0], *size, *X.shape[3:]) and out.dtype == X.dtype
    for image, resized in zip(X, out, strict=True):
        assert np.isin(resized, image).all()


def test_bilinear_upscale_matches_pil_within_one_grey_level(real_images):
    from PIL import Image

    ours = ImageResizer((48, 48)).fit_transform(real_images)
    pil = np.stack(
        [np.asarray(Image.fromarray(im).resize((48, 48), Image.BILINEAR)) for im in real_images]
    )
    assert np.abs(ours.astype(int) - pil).max() <= 1
    # PIL rounds to uint8 between its horizontal and vertical passes; we round once
    assert np.mean(ours == pil) > 0.85


def test_bilinear_downscale_with_antialias_matches_pil(real_images):
    from PIL import Image

    ours = ImageResizer((20, 13), antialias=True).fit_transform(real_images)
    pil = np.stack(
        [np.asarray(Image.fromarray(im).resize((13, 20), Image.BILINEAR)) for im in real_images]
    )
    assert np.abs(ours.astype(int) - pil).max() <= 1


def test_nearest_matches_pil_exactly(real_images):
    from PIL import Image

    # sizes without exact ties (see _nearest_index: PIL's float rounding differs there)
    for size in ((48, 48), (20, 12)):
        ours = ImageResizer(size, interpolation="nearest").fit_transform(real_images)
        pil = np.stack(
            [
                np.asarray(Image.fromarray(im).resize(size[::-1], Image.NEAREST))
                for im in real_images
            ]
        )
        np.testing.assert_array_equal(ours, pil)


def test_bilinear_matches_tf_image_resize(real_images):
    import tensorflow as tf

    images = real_images[:40, ..., None].astype(np.float32)
    for size, antialias in (((48, 48), False), ((20, 13), False), ((20, 13), True)):
        ref = tf.image.resize(images, size, method="bilinear", antialias=antialias).numpy()
        ours = ImageResizer(size, antialias=antialias).fit_transform(images)
        np.testing.assert_allclose(ours, ref, atol=1e-3)  # float32 rounding only
        ours_uint8 = ImageResizer(size, antialias=antialias).fit_transform(real_images[:40])
        assert np.abs(ours_uint8[..., None] - ref).max() <= 0.5 + 1e-3  # rounded to nearest level


def test_resizer_resizes_repeated_channels_once(real_images):
    view = ChannelStacker(3, copy=False).fit_transform(real_images[:20])
    copy = ChannelStacker(3).fit_transform(real_images[:20])
    for interpolation in ("bilinear", "nearest"):
        resizer = ImageResizer((48, 48), interpolation=interpolation)
        out = resizer.fit_transform(view)
        assert out.flags.writeable and out.shape == (20, 48, 48, 3)
        np.testing.assert_array_equal(out, clone(resizer).fit_transform(copy))
    np.testing.assert_array_equal(
        PixelScaler().fit_transform(view), PixelScaler().fit_transform(copy)
    )
