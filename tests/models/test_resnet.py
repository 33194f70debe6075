"""ResNetClassifier: the recipe, augmentation, TTA, mixed precision, persistence, sklearn API.

One narrow network, fitted once on a real 600-image slice for 3 epochs, serves
every test that only reads a fitted model; the tests that must train (grid
search, mixed precision) use a few hundred images and one epoch.
"""

from __future__ import annotations

import copy
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from fashionnet.models import load_model
from fashionnet.models._batchnorm import FusedBatchNormalization
from fashionnet.models._layers import RandomErasing
from fashionnet.models.resnet import ResNetClassifier

#: Narrow and short: plumbing and learning, not the benchmark's accuracy. In
#: float32, whose arithmetic the tests below check to float32 precision (the
#: default "auto" computes in bfloat16 on processors with its instructions).
FAST = dict(width=8, epochs=3, batch_size=32, random_state=0, dtype_policy="float32")


@pytest.fixture(scope="module")
def fitted(small_train):
    return ResNetClassifier(**FAST).fit(*small_train)


def test_defaults_are_the_recipe(fitted):
    defaults = ResNetClassifier().get_params()
    recipe = ("augment", "tta", "tta_shift", "label_smoothing", "optimizer", "dtype_policy")
    assert {k: defaults[k] for k in recipe} == {
        "augment": True,
        "tta": True,
        "tta_shift": 2,
        "label_smoothing": 0.1,
        "optimizer": "sgd",
        "dtype_policy": "auto",
    }
    model = fitted.model_
    assert model.loss.get_config()["label_smoothing"] == 0.1
    optimizer = model.optimizer
    assert type(optimizer) is keras.optimizers.SGD
    assert optimizer.nesterov and optimizer.momentum == 0.9
    # Weight decay is an L2 penalty on every kernel: one loss per conv and dense layer.
    kernels = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert len(model.losses) == len(kernels) > 6
    names = [layer.name for layer in model.layers]
    assert names[:6] == ["pixels", "to_image", "scale", "flip", "shift", "standardize"]
    # Whole-pixel training shifts, as sharp as the images predicted on.
    assert model.get_layer("shift").interpolation == "nearest"
    # Every batch normalisation is the fused one (1.6 times as fast on a CPU).
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 8 and all(type(n) is FusedBatchNormalization for n in norms)
    assert defaults["epochs"] == 20



def test_pixels_are_standardised_with_the_training_moments(fitted, small_train):
    X, _ = small_train
    assert fitted.pixel_mean_ == pytest.approx(X.mean() / 255)
    assert fitted.pixel_std_ == pytest.approx(X.std() / 255)
    standardized = keras.Model(fitted.model_.input, fitted.model_.get_layer("standardize").output)
    out = np.asarray(standardized(X, training=False))
    assert out.mean() == pytest.approx(0.0, abs=1e-4)
    assert out.std() == pytest.approx(1.0, abs=1e-4)


def test_one_parameter_switches_the_augmentation_off(small_train):
    X, y = small_train

    def layer_names(**params):
        est = ResNetClassifier(width=2, **params).initialize(X[:20], y[:20])
        return {layer.name for layer in est.model_.layers}

    assert {"flip", "shift"} <= layer_names()
    assert "erase" not in layer_names()
    assert {"flip", "shift", "erase"} <= layer_names(erasing=0.5)
    assert not {"flip", "shift", "erase"} & layer_names(augment=False)


def test_learning_rate_warms_up_then_decays_to_zero_by_the_last_epoch(fitted, small_train):
    steps_per_epoch = int(np.ceil(len(small_train[1]) / FAST["batch_size"]))
    total = steps_per_epoch * FAST["epochs"]
    optimizer = fitted.model_.optimizer
    schedule = keras.optimizers.schedules.deserialize(optimizer.get_config()["learning_rate"])
    assert int(optimizer.iterations) == total
    rates = [float(schedule(step)) for step in (0, total // 20, total // 2, total)]
    assert rates[0] == 0.0
    assert rates[1] == pytest.approx(0.1)  # the peak, after 5% of the steps
    assert 0.0 < rates[2] < 0.1
    assert rates[3] == pytest.approx(0.0, abs=1e-7)


def test_learns_real_fashion_mnist(fitted, small_test):
    # 600 images, 3 epochs of a narrow network: well above chance (0.1).
    assert fitted.score(*small_test) > 0.5


def test_augmentation_is_off_at_predict_time(fitted, small_test):
    X, _ = small_test
    first, second = fitted.predict_proba(X), fitted.predict_proba(X)
    np.testing.assert_array_equal(first, second)
    inference = np.asarray(fitted.model_(X[:32], training=False))
    np.testing.assert_array_equal(inference, np.asarray(fitted.model_(X[:32], training=False)))
    # A training-mode call augments (and uses batch statistics): it differs.
    training = np.asarray(fitted.model_(X[:32], training=True))
    assert np.abs(training - inference).max() > 1e-3


def _shifted(images, rows, cols):
    """Images moved down by ``rows`` and right by ``cols`` pixels, the border 0."""
    out = np.zeros_like(images)
    height, width = images.shape[1:3]
    out[
        :, max(rows, 0) : height + min(rows, 0), max(cols, 0) : width + min(cols, 0)
    ] = images[:, max(-rows, 0) : height + min(-rows, 0), max(-cols, 0) : width + min(-cols, 0)]
    return out


def test_tta_averages_mirrors_and_shifts(fitted, small_test):
    X, y = small_test

    def network(images):
        return np.asarray(fitted.model_(images, training=False))

    views = [X, X[:, :, ::-1]]
    views += [_shifted(v, r, c) for v in views[:2] for r, c in ((2, 0), (-2, 0), (0, 2), (0, -2))]
    proba = fitted.predict_proba(X)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba, sum(network(v) for v in views) / 10, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    mirror_only = copy.copy(fitted).set_params(tta_shift=0)  # the same network
    np.testing.assert_allclose(
        mirror_only.predict_proba(X), (network(X) + network(X[:, :, ::-1])) / 2, atol=1e-6
    )
    without = copy.copy(fitted).set_params(tta=False)
    np.testing.assert_allclose(without.predict_proba(X), network(X), rtol=1e-5, atol=1e-6)
    # The flat layout mirrors and shifts the same images.
    np.testing.assert_allclose(fitted.predict_proba(X.reshape(len(X), 784)), proba, atol=1e-6)


def test_tta_shifts_stay_within_the_training_shifts(small_train):
    # 8 x 8 images: 10 % of the side is under a pixel, so no shifted views.
    X, y = small_train
    small = X[:200, ::3, ::3][:, :8, :8]
    clf = ResNetClassifier(width=2, depth=0, epochs=1, random_state=0).fit(small, y[:200])
    assert clf._tta_shifts() == []
    assert len(clf._tta_views(small[:3])) == 2
    # 28 x 28: a larger tta_shift is capped at the training shifts' 2 pixels.
    wide = copy.copy(clf).set_params(tta_shift=5)
    wide.image_shape_ = (28, 28, 1)
    assert wide._tta_shifts() == [(2, 0), (-2, 0), (0, 2), (0, -2)]


def test_save_load_keeps_predictions_identical(fitted, small_test, tmp_path):
    X, _ = small_test
    loaded = load_model(fitted.save(tmp_path / "resnet.keras"))
    assert type(loaded) is ResNetClassifier
    assert loaded.get_params() == fitted.get_params()
    assert (loaded.pixel_mean_, loaded.pixel_std_) == (fitted.pixel_mean_, fitted.pixel_std_)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_clone_and_pickle(fitted, small_test):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "model_")
    X, _ = small_test
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))


def test_grid_search(small_train):
    X, y = small_train
    search = GridSearchCV(
        ResNetClassifier(width=4, depth=0, epochs=1, batch_size=32, random_state=0),
        {"label_smoothing": [0.0, 0.1]},
        cv=2,
        error_score="raise",
    ).fit(X[:100], y[:100])
    assert search.best_params_["label_smoothing"] in (0.0, 0.1)
    assert search.best_estimator_.classes_.shape == (10,)
    assert search.predict(X[:5]).shape == (5,)


def test_mixed_precision_fit_save_and_load(small_train, small_test, tmp_path):
    X, y = small_train
    before = keras.config.dtype_policy().name
    est = ResNetClassifier(
        width=4, depth=0, epochs=1, batch_size=32, random_state=0, dtype_policy="mixed_bfloat16"
    ).fit(X[:100], y[:100])
    assert keras.config.dtype_policy().name == before, "the global policy is left alone"
    assert est.dtype_policy_ == "mixed_bfloat16"
    assert est.model_.get_layer("stem_conv").compute_dtype == "bfloat16"
    assert est.model_.get_layer("stem_conv").kernel.dtype == "float32"
    assert est.model_.get_layer("classes").compute_dtype == "float32"
    X_test, _ = small_test
    proba = est.predict_proba(X_test)
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    loaded = load_model(est.save(tmp_path / "mixed.keras"))
    assert loaded.get_params()["dtype_policy"] == "mixed_bfloat16"
    assert loaded.dtype_policy_ == "mixed_bfloat16"
    assert loaded.model_.get_layer("stem_conv").compute_dtype == "bfloat16"
    np.testing.assert_array_equal(loaded.predict_proba(X_test), proba)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"width": 0}, "width"),
        ({"depth": -1}, "depth"),
        ({"augment": "yes"}, "augment must be True or False"),
        ({"tta": 1}, "tta must be True or False"),
        ({"tta_shift": -1}, "tta_shift must be an integer >= 0"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"erasing": 1.5}, "erasing must be a probability"),
        ({"warmup": -0.1}, "warmup"),
        ({"momentum": 1.5}, "momentum"),
        ({"weight_decay": -1e-4}, "weight_decay"),
        ({"weight_decay": float("inf")}, "weight_decay must be a finite float"),
        ({"weight_decay": float("nan")}, "weight_decay must be a finite float"),
        ({"erasing": float("nan")}, "erasing must be a probability"),
        ({"momentum": float("nan")}, "momentum"),
        ({"dtype_policy": "bfloat16"}, "dtype_policy must be None or one of"),
    ],
)
def test_bad_parameters_fail_clearly_at_fit(params, match, small_train):
    X, y = small_train
    est = ResNetClassifier(**params)  # no validation in __init__
    with pytest.raises(ValueError, match=match):
        est.fit(X[:20], y[:20])


def test_random_erasing_layer():
    images = np.full((64, 28, 28, 1), 2.0, dtype="float32")  # outside the noise's 0..1
    layer = RandomErasing(probability=1.0, area=(0.1, 0.2), seed=0)
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)
    erased = np.asarray(layer(images, training=True)) != 2.0
    fraction = erased.reshape(64, -1).mean(axis=1)
    # One rectangle per image, of 10-20% of it (up to a row or column of rounding).
    assert (fraction > 0.05).all() and (fraction < 0.3).all()
    rows, cols = erased[..., 0].any(axis=2), erased[..., 0].any(axis=1)
    assert (erased[..., 0].sum(axis=(1, 2)) == rows.sum(axis=1) * cols.sum(axis=1)).all()
    none = RandomErasing(probability=0.0)(images, training=True)
    np.testing.assert_array_equal(np.asarray(none), images)
    again = RandomErasing.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
