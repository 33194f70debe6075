"""LeNet5Classifier: the study's network, its variants, and learning on real data."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fashionnet.models import LeNet5Classifier


def _layers(est):
    return [
        (type(layer).__name__, layer.get_config().get("filters") or layer.get_config().get("units"))
        for layer in est.model_.layers
    ]


@pytest.fixture(scope="module")
def study_lenet(small_train):
    X, y = small_train
    return LeNet5Classifier(epochs=1, random_state=0).fit(X[:100], y[:100])


def test_default_is_the_study_network(study_lenet):
    layers = _layers(study_lenet)
    assert layers == [
        ("InputLayer", None),
        ("Reshape", None),
        ("Rescaling", None),
        ("ZeroPadding2D", None),
        ("Conv2D", 6),
        ("AveragePooling2D", None),
        ("Activation", None),
        ("Conv2D", 16),
        ("AveragePooling2D", None),
        ("Activation", None),
        ("Conv2D", 120),
        ("Flatten", None),
        ("Dense", 84),
        ("Dense", 10),
    ]
    model = study_lenet.model_
    assert model.get_layer("pad").output.shape[1:] == (32, 32, 1)
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    assert all(c.get_config()["kernel_size"] == (5, 5) for c in convs)
    assert all(c.get_config()["activation"] == "tanh" for c in convs)
    squash = [layer for layer in model.layers if isinstance(layer, keras.layers.Activation)]
    assert [a.get_config()["activation"] for a in squash] == ["sigmoid", "sigmoid"]
    assert model.layers[-1].get_config()["activation"] == "softmax"
    # The study's trainable parameter count (LeNet-5 on 32x32x1, 10 classes).
    assert model.count_params() == 61706
    assert type(model.optimizer).__name__ == "Adam"
    assert model.loss == "categorical_crossentropy"


def test_scaling_is_in_the_graph(study_lenet):
    scale = study_lenet.model_.get_layer("scale").get_config()["scale"]
    assert scale == pytest.approx(1 / 255)


def test_modern_variant(small_train):
    X, y = small_train
    est = LeNet5Classifier(activation="relu", pooling="max", epochs=1, random_state=0)
    est.fit(X[:100], y[:100])
    kinds = [type(layer).__name__ for layer in est.model_.layers]
    assert kinds.count("MaxPooling2D") == 2
    assert "Activation" not in kinds and "AveragePooling2D" not in kinds


def test_learns_real_fashion_mnist(small_train, small_test):
    X, y = small_train
    est = LeNet5Classifier(activation="relu", pooling="max", epochs=5, random_state=0)
    assert est.fit(X, y).score(*small_test) > 0.6  # chance is 0.1


def test_study_network_trains(small_train, small_test):
    X, y = small_train
    est = LeNet5Classifier(epochs=2, batch_size=16, random_state=0).fit(X, y)
    assert est.history_["loss"].iloc[-1] < est.history_["loss"].iloc[0]


def test_prepared_images_skip_the_graph_steps(small_train):
    X, y = small_train
    X32 = np.pad(X[:100], ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32) / 255
    est = LeNet5Classifier(epochs=1, random_state=0).fit(X32, y[:100])
    names = [layer.name for layer in est.model_.layers]
    assert "pad" not in names and "to_image" not in names and "resize" not in names
    assert est.model_.get_layer("scale").get_config()["scale"] == 1.0


def test_larger_images_are_resized(small_train):
    X, y = small_train
    X56 = np.repeat(np.repeat(X[:60], 2, axis=1), 2, axis=2)
    est = LeNet5Classifier(epochs=1, random_state=0).fit(X56, y[:60])
    assert est.model_.get_layer("resize").output.shape[1:] == (32, 32, 1)
    assert est.n_features_in_ == 56 * 56


def test_standardize_learns_pixel_moments_in_the_graph(small_train):
    X, y = small_train
    est = LeNet5Classifier(standardize=True, epochs=1, random_state=0).fit(X, y)
    assert est.pixel_mean_ == pytest.approx(X.mean() / 255)
    assert est.pixel_std_ == pytest.approx(X.std() / 255)
    standardized = keras.Model(est.model_.input, est.model_.get_layer("standardize").output)
    out = np.asarray(standardized(X))
    image = out[:, 2:30, 2:30]
    assert image.mean() == pytest.approx(0.0, abs=1e-4)
    assert image.std() == pytest.approx(1.0, abs=1e-4)
    # The 2-pixel border is the background's value, not the mean pixel.
    np.testing.assert_allclose(out[:, :2], -est.pixel_mean_ / est.pixel_std_, rtol=1e-5)


def test_standardize_speeds_up_learning(small_train, small_test):
    # LeNet-5's paper normalised inputs to mean 0, variance 1 "which
    # accelerates learning": so it does for the study's network.
    X, y = small_train
    scores = {
        flag: LeNet5Classifier(standardize=flag, epochs=4, batch_size=16, random_state=0)
        .fit(X, y)
        .score(*small_test)
        for flag in (False, True)
    }
    # 150 steps leave the network at chance (0.1) on 0..1 pixels, not standardised.
    assert scores[True] > scores[False] + 0.1, scores


def test_refit_without_standardize_forgets_the_moments(small_train):
    X, y = small_train
    est = LeNet5Classifier(standardize=True, epochs=1, random_state=0).fit(X[:100], y[:100])
    est.set_params(standardize=False).fit(X[:100], y[:100])
    assert not hasattr(est, "pixel_mean_") and not hasattr(est, "pixel_std_")
    assert "standardize" not in [layer.name for layer in est.model_.layers]


def test_standardize_must_be_a_bool(small_train):
    X, y = small_train
    with pytest.raises(ValueError, match="standardize must be True or False"):
        LeNet5Classifier(standardize="yes").fit(X[:20], y[:20])
