"""fashionnet.preprocessing._base: what every step shares (inputs, parameters, chunks, the
sklearn contract, set_output and feature names)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from preprocessing_support import ALL
from sklearn.base import clone
from sklearn.pipeline import Pipeline, make_pipeline

from fashionnet.datasets import to_frame
from fashionnet.preprocessing import (
    ChannelStacker,
    ImagePadder,
    ImageReshaper,
    ImageResizer,
    PixelScaler,
    _base,
)


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


def test_sparse_input_is_refused_with_a_clear_message():
    from scipy import sparse

    with pytest.raises(TypeError, match="sparse"):
        PixelScaler().fit_transform(sparse.csr_matrix(np.eye(4)))


def test_chunking_does_not_change_results(real_images, monkeypatch):
    whole = make_pipeline(ImageResizer((48, 48)), ChannelStacker(3), PixelScaler())
    expected = whole.fit_transform(real_images)
    monkeypatch.setattr(_base, "_CHUNK_BYTES", 48 * 48 * 4 * 7)  # 7 images a chunk
    np.testing.assert_array_equal(clone(whole).fit_transform(real_images), expected)


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
