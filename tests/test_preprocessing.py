"""fashionnet.preprocessing: properties, references (PIL, tf.image.resize) and the study's way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline

import fashionnet.preprocessing as preprocessing
from fashionnet.datasets import to_frame
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


# --------------------------------------------------------------------------- properties


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


@PROPERTY
@given(X=image_batches(channels=(None, 1)), channels=st.integers(1, 4), copy=st.booleans())
def test_stacker_repeats_the_grey_channel(X, channels, copy):
    out = ChannelStacker(channels=channels, copy=copy).fit_transform(X)
    grey = X if X.ndim == 3 else X[..., 0]
    assert out.shape == (*grey.shape, channels) and out.dtype == X.dtype
    for c in range(channels):
        np.testing.assert_array_equal(out[..., c], grey)


@PROPERTY
@given(X=image_batches(dtypes=("uint8",)))
def test_scaler_maps_grey_levels_to_unit_floats(X):
    out = PixelScaler().fit_transform(X)
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    np.testing.assert_allclose(out, X / 255.0, rtol=1e-6)
    if (X == 255).any():
        assert out.max() == 1.0


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


# --------------------------------------------------------------------------- references


@pytest.fixture(scope="module")
def real_images(small_train):
    return small_train[0][:120]


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


def test_lenet_padding_matches_the_study(real_images):
    # study: tf.pad(x, [[0, 0], [2, 2], [2, 2]]), i.e. zeros 2 pixels each side
    expected = np.pad(real_images, ((0, 0), (2, 2), (2, 2)))
    np.testing.assert_array_equal(ImagePadder(padding=2).fit_transform(real_images), expected)
    np.testing.assert_array_equal(ImagePadder(size=32).fit_transform(real_images), expected)


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


# --------------------------------------------------------------------------- inputs


def test_frames_are_accepted_and_label_columns_refused(small_train):
    X, y = small_train
    frame = to_frame(X[:10], y[:10])
    pixels = frame.drop(columns="label")
    np.testing.assert_array_equal(ImageReshaper().fit_transform(pixels), X[:10])
    for cls in ALL:
        with pytest.raises(ValueError, match=r"label.*pop"):
            cls().fit_transform(frame)


@pytest.mark.parametrize("cls", ALL)
def test_bad_inputs_have_clear_messages(cls):
    with pytest.raises(ValueError, match=r"expected images of shape"):
        cls().fit_transform(np.zeros((3, 27), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        cls().fit_transform(np.full((2, 28, 28), np.nan, np.float32))
    with pytest.raises(TypeError, match="numbers"):
        cls().fit_transform(np.full((2, 4), "a"))
    with pytest.raises(ValueError, match="0..255"):
        cls().fit_transform(np.full((2, 28, 28), 300, np.int64))


@pytest.mark.parametrize(
    "est, message",
    [
        (ImageReshaper(shape=(28,)), "shape must be"),
        (ImageReshaper(shape=(27, 27)), "holds 784 values"),
        (ImagePadder(padding=-1), "padding must be"),
        (ImagePadder(padding=(1, 2, 3)), "padding must be"),
        (ImagePadder(size=(20, 20)), "only enlarges"),
        (ImagePadder(fill_value=300), "grey level"),
        (ImagePadder(fill_value="white"), "fill_value must be a number"),
        (ImageResizer(size=(0, 4)), "size must be"),
        (ImageResizer(interpolation="bicubic"), "interpolation must be"),
        (ImageResizer(antialias="yes"), "antialias must be"),
        (ChannelStacker(channels=0), "channels must be"),
        (PixelScaler(scale=0), "non-zero"),
        (PixelScaler(dtype="int32"), "floating dtype"),
    ],
)
def test_bad_parameters_are_refused_at_fit(est, message):
    with pytest.raises(ValueError, match=message):
        est.fit(np.zeros((2, 28, 28), np.uint8)).transform(np.zeros((2, 28, 28), np.uint8))


def test_stacker_refuses_multi_channel_input_and_passes_matching_through():
    rgb = np.zeros((2, 5, 5, 3), np.uint8)
    assert ChannelStacker(3).fit_transform(rgb) is rgb
    with pytest.raises(ValueError, match="already has 2 channels"):
        ChannelStacker(3).fit_transform(np.zeros((2, 5, 5, 2), np.uint8))


def test_stacker_without_copy_is_a_read_only_view(real_images):
    view = ChannelStacker(3, copy=False).fit_transform(real_images)
    assert view.shape == (*real_images.shape, 3)
    assert not view.flags.writeable and np.shares_memory(view, real_images)


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


def test_scaler_warns_when_images_look_scaled_already():
    with pytest.warns(UserWarning, match="already floats"):
        PixelScaler().fit_transform(np.full((1, 4, 4), 0.5, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PixelScaler(scale=2.0, dtype="float64").fit_transform(np.full((1, 4, 4), 0.5))


def test_padder_asymmetric_borders_and_float_fill():
    X = np.ones((1, 2, 3), np.float32)
    out = ImagePadder(padding=(1, 0, 2, 3), fill_value=0.5).fit_transform(X)
    assert out.shape == (1, 3, 8)
    assert out[0, 0, 0] == 0.5 and out[0, 1, 2] == 1.0
    assert ImagePadder(size=(5, 6)).fit_transform(X).shape == (1, 5, 6)  # odd pixel bottom/right


def test_chunking_does_not_change_results(real_images, monkeypatch):
    whole = make_pipeline(ImageResizer((48, 48)), ChannelStacker(3), PixelScaler())
    expected = whole.fit_transform(real_images)
    monkeypatch.setattr(preprocessing, "_CHUNK_BYTES", 48 * 48 * 4 * 7)  # 7 images a chunk
    np.testing.assert_array_equal(clone(whole).fit_transform(real_images), expected)


def test_uint8_is_kept_until_the_scaler(real_images):
    steps = [ImageReshaper(), ImagePadder(), ImageResizer((48, 48)), ChannelStacker(3)]
    X = real_images.reshape(len(real_images), -1)
    for step in steps:
        X = step.fit_transform(X)
        assert X.dtype == np.uint8, type(step).__name__


# --------------------------------------------------------------------------- sklearn contract


@pytest.mark.parametrize("cls", ALL)
def test_stateless_clone_and_params(cls, real_images):
    est = cls()
    assert clone(est).get_params() == est.get_params()
    out_unfitted = est.transform(real_images[:3])  # stateless: no fit needed
    assert est.fit(real_images) is est
    assert est.n_features_in_ == 784
    np.testing.assert_array_equal(est.transform(real_images[:3]), out_unfitted)
    pipe = Pipeline([("step", est)])
    assert clone(pipe).fit(real_images).transform(real_images[:3]).shape == out_unfitted.shape


# Generic estimator checks feed tabular data with 1-5 columns, which are not
# square images, and sparse / complex / object data, which images never are;
# those checks fail by design. The contract checks below must pass.
MUST_PASS = {
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_fit1d",
    "check_fit2d_1feature",
    "check_valid_tag_types",
}


@pytest.mark.parametrize("cls", ALL)
def test_sklearn_contract_checks(cls):
    from sklearn.utils.estimator_checks import check_estimator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(cls(), on_fail=None)
    status = {}
    for r in results:
        status.setdefault(r["check_name"], set()).add(r["status"])
    failed = [name for name in MUST_PASS if "failed" in status.get(name, {"missing"})]
    assert not failed


def test_sparse_input_is_refused_with_a_clear_message():
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse"):
        PixelScaler().fit_transform(sparse.csr_matrix(np.eye(4)))


# --------------------------------------------------------------------------- set_output


@PROPERTY
@given(X=image_batches(channels=(None,), dtypes=("uint8",)))
def test_scaler_keeps_flat_rows_flat(X):
    X = X[:, :1, :1] if X.shape[1] != X.shape[2] else X
    flat = X.reshape(len(X), -1)
    out = PixelScaler().fit_transform(flat)
    assert out.shape == flat.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, PixelScaler().fit_transform(X).reshape(flat.shape))


def test_pandas_output_of_a_tabular_pipeline(small_test):
    from sklearn.decomposition import PCA

    X, y = small_test
    frame = to_frame(X[:60], y[:60]).drop(columns="label")
    frame.index = frame.index + 1000  # an index of the user's own survives
    scaler = PixelScaler().set_output(transform="pandas")
    out = scaler.fit_transform(frame)
    assert list(out.columns) == list(frame.columns) and out.columns[0] == "pixel1"
    assert out.index.equals(frame.index)
    np.testing.assert_array_equal(out.to_numpy(), PixelScaler().fit_transform(frame))
    # From arrays: the names of the study's DataFrame, pixel1..pixelN.
    flat = make_pipeline(ImageReshaper(shape=(-1,)), PixelScaler()).set_output(transform="pandas")
    table = flat.fit_transform(X[:20])
    assert table.shape == (20, 784) and list(table.columns[:2]) == ["pixel1", "pixel2"]
    assert list(flat.get_feature_names_out()[-1:]) == ["pixel784"]
    pipe = make_pipeline(PixelScaler(), PCA(3)).set_output(transform="pandas")
    assert list(pipe.fit_transform(frame).columns) == ["pca0", "pca1", "pca2"]
    assert pipe.fit(frame).transform(frame).shape == (60, 3)


@pytest.mark.parametrize(
    "step", [ImageReshaper(), ImagePadder(), ImageResizer(), ChannelStacker()], ids=repr
)
@pytest.mark.parametrize("container", ["pandas", "polars"])
def test_image_steps_refuse_a_dataframe_output_in_one_line(step, container):
    name = type(step).__name__
    for target in (step, make_pipeline(PixelScaler(), clone(step))):
        with pytest.raises(ValueError, match=f"^{name} returns image arrays") as info:
            target.set_output(transform=container)
        assert "\n" not in str(info.value) and "ImageReshaper(shape=(-1,))" in str(info.value)
    # The default container is always accepted, and changes nothing.
    assert make_pipeline(clone(step), PixelScaler()).set_output(transform="default")
    assert step.set_output(transform=None) is step
    with pytest.raises(ValueError, match="transform must be one of"):
        step.set_output(transform="arrow")


def test_scaler_set_to_pandas_refuses_images_at_transform():
    scaler = PixelScaler().set_output(transform="pandas")
    with pytest.raises(ValueError, match=r"returns images of shape \(2, 28, 28\)"):
        scaler.fit_transform(np.zeros((2, 28, 28), np.uint8))


def test_global_pandas_config_leaves_images_as_arrays():
    from sklearn import config_context

    X = np.zeros((3, 784), np.uint8)
    with config_context(transform_output="pandas"):
        images = make_pipeline(ImageReshaper(), ImagePadder(2)).fit_transform(X)
        table = PixelScaler().fit_transform(X)
    assert isinstance(images, np.ndarray) and images.shape == (3, 32, 32)
    assert list(table.columns[:1]) == ["pixel1"] and table.shape == (3, 784)


def test_feature_names_out():
    X = np.zeros((2, 4, 4), np.uint8)
    scaler = PixelScaler().fit(X)
    assert list(scaler.get_feature_names_out()) == [f"pixel{i}" for i in range(1, 17)]
    names = [f"p{i}" for i in range(16)]
    assert list(scaler.get_feature_names_out(names)) == names
    with pytest.raises(ValueError, match="name the 16 values"):
        scaler.get_feature_names_out(names[:3])
    # Steps whose output is an image have no names to give.
    for step in (ImagePadder(), ImageResizer(), ChannelStacker()):
        assert not hasattr(step, "get_feature_names_out")
    assert ImageReshaper(shape=(-1,)).fit_transform(X).shape == (2, 16)
    with pytest.raises(ValueError, match=r"or \(-1,\) for flat rows"):
        ImageReshaper(shape=(16,)).fit(X)
