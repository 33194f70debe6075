"""distribution=: several devices in one fit through keras.distribution (JAX only).

On TensorFlow and PyTorch: the refusal and that None changes nothing. On JAX
with two host devices (``XLA_FLAGS=--xla_force_host_platform_device_count=2``,
as the JAX CI job runs): a fit on both devices, whose accuracy agrees with
the one-device fit within the spread of seeds, and no distribution left set.
"""

from __future__ import annotations

import os
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone

from fashionnet.models import LeNet5Classifier, load_model
from fashionnet.models._budget import speed_key
from fashionnet.models._distribution import (
    describe_distribution,
    distribution_from_json,
    distribution_to_json,
)

JAX = keras.config.backend() == "jax"
FAST = dict(activation="relu", pooling="max", epochs=1, random_state=0)


def _stratified(X, y, n, seed):
    rng = np.random.default_rng(seed)
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), n // 10, replace=False) for c in range(10)]
    )
    rng.shuffle(idx)
    return X[idx], y[idx]


# ------------------------------------------------------------------ every backend


def test_none_is_the_default_and_changes_nothing(small_train, small_test):
    X, y = small_train
    default = LeNet5Classifier(**FAST).fit(X[:200], y[:200])
    explicit = LeNet5Classifier(**FAST, distribution=None).fit(X[:200], y[:200])
    assert LeNet5Classifier().distribution is None
    assert default.distribution_ is None and explicit.distribution_ is None
    np.testing.assert_array_equal(
        explicit.predict_proba(small_test[0]), default.predict_proba(small_test[0])
    )
    assert keras.distribution.distribution() is None


def test_an_unknown_distribution_is_refused_at_fit(small_train):
    X, y = small_train
    clf = LeNet5Classifier(**FAST, distribution="mirrored")  # __init__ only stores it
    with pytest.raises(ValueError, match="distribution must be None, 'data_parallel'"):
        clf.fit(X[:50], y[:50])


def test_a_distribution_object_is_saved_as_its_description():
    assert distribution_to_json(None) is None
    assert distribution_to_json("data_parallel") == "data_parallel"
    assert distribution_from_json(None) is None


# ------------------------------------------------------------------ TensorFlow, PyTorch


@pytest.mark.skipif(JAX, reason="JAX trains under keras.distribution")
def test_other_backends_refuse_it_at_fit_in_one_line_naming_jax(small_train):
    X, y = small_train
    clf = LeNet5Classifier(**FAST, distribution="data_parallel")
    assert clf.get_params()["distribution"] == "data_parallel"
    with pytest.raises(ValueError) as info:
        clf.fit(X[:50], y[:50])
    message = str(info.value)
    assert "\n" not in message
    assert "KERAS_BACKEND=jax" in message and keras.config.backend() in message
    assert "distribution='data_parallel'" in message
    assert not hasattr(clf, "model_")


@pytest.mark.skipif(JAX, reason="JAX trains under keras.distribution")
def test_a_saved_distribution_loads_as_none_with_a_warning_elsewhere():
    with pytest.warns(UserWarning, match="KERAS_BACKEND=jax"):
        assert distribution_from_json("data_parallel") is None
    with pytest.warns(UserWarning, match="'DataParallel'"):
        assert distribution_from_json({"kind": "DataParallel", "devices": ["gpu:0"]}) is None


# ------------------------------------------------------------------ JAX, two devices


@pytest.fixture(scope="module")
def two_devices():
    """The two host devices of the JAX job; a missing one fails under CI."""
    if not JAX:
        pytest.skip("keras.distribution trains on JAX only")
    import jax

    if jax.device_count() < 2:
        if os.environ.get("CI"):
            pytest.fail(
                "the JAX job must run with XLA_FLAGS=--xla_force_host_platform_device_count=2"
            )
        pytest.skip("one JAX device: set XLA_FLAGS=--xla_force_host_platform_device_count=2")
    return [f"{d.platform}:{d.id}" for d in jax.devices()[:2]]


@pytest.fixture(scope="module")
def fits(two_devices, fashion_train, fashion_test):
    """LeNet-5 fitted for 2 epochs on 1000 real images: 2 seeds x {one, two devices}."""
    X, y = _stratified(*fashion_train, 1000, seed=3)
    X_test, y_test = _stratified(*fashion_test, 1000, seed=4)
    out = {}
    for distribution in (None, "data_parallel"):
        for seed in (0, 1):
            clf = LeNet5Classifier(
                activation="relu",
                pooling="max",
                epochs=2,
                random_state=seed,
                distribution=distribution,
            ).fit(X, y)
            out[distribution, seed] = (clf, clf.score(X_test, y_test))
    out["test"] = X_test, y_test
    return out


def test_the_two_device_fit_trains_on_both_devices(fits, two_devices):
    clf, _ = fits["data_parallel", 0]
    assert clf.distribution_ == {
        "kind": "DataParallel",
        "devices": two_devices,
        "mesh_shape": [2],
        "axis_names": ["batch"],
        "backend": "jax",
    }
    # Every weight and every optimizer slot lives on both devices, replicated.
    variables = clf.model_.variables + clf.model_.optimizer.variables
    for variable in variables:
        sharding = variable.value.sharding
        assert len(sharding.device_set) == 2, variable.path
        assert sharding.is_fully_replicated
    # The layout Keras gives each batch: half of it on each device.
    layout = keras.distribution.DataParallel(devices=two_devices).get_data_layout((32, 28, 28))
    sharding = layout.backend_layout
    assert len(sharding.device_set) == 2 and sharding.shard_shape((32, 28, 28)) == (16, 28, 28)
    one_device, _ = fits[None, 0]
    assert one_device.distribution_ is None
    assert all(len(v.value.sharding.device_set) == 1 for v in one_device.model_.variables)


def test_the_distribution_is_active_during_the_training_steps(two_devices, small_train):
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(describe_distribution(keras.distribution.distribution()))

    X, y = small_train
    LeNet5Classifier(**FAST, distribution="data_parallel", callbacks=[Record()]).fit(
        X[:128], y[:128]
    )
    assert len(seen) == 4 and all(s["devices"] == two_devices for s in seen)
    assert keras.distribution.distribution() is None


def test_two_devices_agree_with_one_within_the_spread_of_seeds(fits):
    one = [fits[None, seed][1] for seed in (0, 1)]
    two = [fits["data_parallel", seed][1] for seed in (0, 1)]
    X_test = fits["test"][0]
    labels = {key: fits[key][0].predict(X_test) for key in fits if key != "test"}
    same = [float(np.mean(labels[None, s] == labels["data_parallel", s])) for s in (0, 1)]
    print(f"held-out accuracy: one device {one}, two devices {two}; same labels {same}")
    assert min(one + two) > 0.5  # all learned (chance is 0.1)
    spread = max(abs(one[0] - one[1]), abs(two[0] - two[1]))
    # The binomial standard error of an accuracy on 1000 images, as a floor.
    floor = 2 * np.sqrt(0.25 / len(fits["test"][1]))
    assert abs(np.mean(two) - np.mean(one)) <= max(spread, floor)


def test_no_distribution_is_left_set(fits, two_devices, small_train):
    clf, _ = fits["data_parallel", 0]
    clf.predict(fits["test"][0])
    assert keras.distribution.distribution() is None
    # A distribution the user set is restored, not cleared.
    mine = keras.distribution.DataParallel(devices=two_devices[:1])
    keras.distribution.set_distribution(mine)
    try:
        X, y = small_train
        LeNet5Classifier(**FAST, distribution="data_parallel").fit(X[:64], y[:64])
        assert keras.distribution.distribution() is mine
    finally:
        keras.distribution.set_distribution(None)


def test_save_load_keeps_the_distribution(fits, two_devices, tmp_path):
    clf, _ = fits["data_parallel", 0]
    X_test = fits["test"][0][:300]
    loaded = load_model(clf.save(tmp_path / "two.keras"))
    assert loaded.distribution == "data_parallel"
    assert loaded.distribution_ == clf.distribution_
    assert all(len(v.value.sharding.device_set) == 2 for v in loaded.model_.variables)
    np.testing.assert_allclose(loaded.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6)
    assert keras.distribution.distribution() is None


def test_a_distribution_you_built_is_used_cloned_and_pickled(two_devices, small_train, small_test):
    X, y = small_train
    mine = keras.distribution.DataParallel(devices=two_devices)
    clf = LeNet5Classifier(**FAST, distribution=mine).fit(X[:200], y[:200])
    assert clf.distribution_["devices"] == two_devices
    assert clone(clf).distribution is not mine  # scikit-learn's clone copies it
    copy = pickle.loads(pickle.dumps(clf))  # the devices do not pickle: "data_parallel"
    assert copy.distribution == "data_parallel" and copy.distribution_ == clf.distribution_
    np.testing.assert_allclose(
        copy.predict_proba(small_test[0]), clf.predict_proba(small_test[0]), atol=1e-6
    )


def test_any_number_of_images_trains_and_predicts(two_devices, small_train):
    X, y = small_train
    # 301 images: 271 to train and 30 to validate, an odd last batch in each.
    clf = LeNet5Classifier(
        **FAST, distribution="data_parallel", validation_split=0.1, early_stopping=1
    ).fit(X[:301], y[:301])
    assert {"loss", "val_loss", "val_accuracy"} <= set(clf.history_.columns)
    proba = clf.predict_proba(X[:257])  # past one prediction batch of 256
    assert proba.shape == (257, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    ones = clf.predict_proba(X[:3])
    np.testing.assert_allclose(ones, proba[:3], atol=1e-5)


def test_a_batch_that_does_not_split_evenly_is_refused(two_devices, small_train):
    X, y = small_train
    clf = LeNet5Classifier(**FAST, distribution="data_parallel", batch_size=33)
    with pytest.raises(ValueError, match="batch_size=33 does not split evenly over the 2"):
        clf.fit(X[:66], y[:66])


def test_the_time_budget_times_the_steps_on_the_devices(two_devices, small_train):
    X, y = small_train
    clf = LeNet5Classifier(
        **{**FAST, "epochs": 2}, distribution="data_parallel", time_budget=120
    ).fit(X[:128], y[:128])
    assert clf.budget_["measured_now"] and clf.distribution_["devices"] == two_devices
    assert keras.distribution.distribution() is None
    # The speed of a network is remembered per distribution, not shared with one device.
    assert speed_key(clf.model_, 32) != speed_key(clf.model_, 32, clf.distribution_)
