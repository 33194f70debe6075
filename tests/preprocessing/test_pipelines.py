"""fashionnet.preprocessing as a whole: steps chained, the study's way, its public names."""

from __future__ import annotations

import pickle

import numpy as np
from hypothesis import given
from preprocessing_support import PROPERTY, image_batches
from sklearn.base import clone
from sklearn.pipeline import make_pipeline

import fashionnet.preprocessing as preprocessing
from fashionnet.preprocessing import (
    ChannelStacker,
    ImagePadder,
    ImageReshaper,
    ImageResizer,
    PixelScaler,
)


@PROPERTY
@given(X=image_batches(max_side=10, channels=(None,), dtypes=("uint8",)))
def test_pipeline_equals_steps_one_by_one(X):
    steps = [ImagePadder(padding=1), ImageResizer((9, 7)), ChannelStacker(3), PixelScaler()]
    expected = X
    for step in steps:
        expected = clone(step).fit(expected).transform(expected)
    flat = X.reshape(len(X), -1)
    if X.shape[1] == X.shape[2]:  # flat rows need square images
        piped = make_pipeline(ImageReshaper(X.shape[1:]), *map(clone, steps)).fit_transform(flat)
        np.testing.assert_array_equal(piped, expected)
    np.testing.assert_array_equal(make_pipeline(*map(clone, steps)).fit_transform(X), expected)


def test_vgg_inputs_match_the_study_way(real_images):
    from PIL import Image

    # the study: pandas int64 values, np.dstack to 3 channels, PIL resize per image, / 255.
    # Its resize used PIL's default filter (bicubic for RGB); we compare bilinear to bilinear.
    flat = real_images.reshape(len(real_images), -1).astype(np.int64)
    stacked = np.dstack([flat] * 3).reshape(-1, 28, 28, 3).astype(np.uint8)
    study = (
        np.asarray(
            [
                np.asarray(Image.fromarray(im).resize((48, 48), Image.BILINEAR), dtype=np.float32)
                for im in stacked
            ]
        )
        / 255
    )
    pipeline = make_pipeline(ImageResizer((48, 48)), ChannelStacker(3), PixelScaler())
    ours = pipeline.fit_transform(flat)
    assert ours.shape == study.shape == (len(real_images), 48, 48, 3)
    assert np.abs(ours - study).max() <= 1 / 255 + 1e-6


def test_uint8_is_kept_until_the_scaler(real_images):
    steps = [ImageReshaper(), ImagePadder(), ImageResizer((48, 48)), ChannelStacker(3)]
    X = real_images.reshape(len(real_images), -1)
    for step in steps:
        X = step.fit_transform(X)
        assert X.dtype == np.uint8, type(step).__name__


def test_public_names_and_pickles_from_before_the_split():
    assert preprocessing.__all__ == [
        "ImageReshaper",
        "ImagePadder",
        "ImageResizer",
        "ChannelStacker",
        "PixelScaler",
    ]
    X = np.arange(2 * 28 * 28, dtype=np.int64).reshape(2, 28, 28).astype(np.uint8)
    for name in preprocessing.__all__:
        cls = getattr(preprocessing, name)
        assert cls.__module__.startswith("fashionnet.preprocessing.")
        est = cls().fit(X)
        # A pickle written when fashionnet.preprocessing was one module names the
        # class by it (protocol 0 writes "module\nClass\n"): it still loads.
        data = pickle.dumps(est, protocol=0)
        old = data.replace(f"{cls.__module__}\n".encode(), b"fashionnet.preprocessing\n")
        assert old != data and b"fashionnet.preprocessing\n" + name.encode() in old
        loaded = pickle.loads(old)
        assert type(loaded) is cls and loaded.get_params() == est.get_params()
        np.testing.assert_array_equal(loaded.transform(X), est.transform(X))
