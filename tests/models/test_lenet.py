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
