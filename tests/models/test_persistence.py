"""save(path) / load_model(path): Keras' native format plus the estimator's state."""

from __future__ import annotations

import json
import zipfile

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fashionnet.models import LeNet5Classifier, TransferClassifier, load_model

FAST = dict(activation="relu", pooling="max", epochs=2, random_state=0)


@pytest.fixture(scope="module")
def lenet(small_train):
    X, y = small_train
    return LeNet5Classifier(**FAST, validation_split=0.2).fit(X[:200], y[:200])


def test_round_trip_gives_equal_predictions(lenet, small_test, tmp_path):
    X, _ = small_test
    path = lenet.save(tmp_path / "lenet.keras")
    loaded = load_model(path)
    assert type(loaded) is LeNet5Classifier
    assert loaded.get_params() == lenet.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), lenet.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, lenet.classes_)
    assert loaded.classes_.dtype == lenet.classes_.dtype
    assert loaded.n_features_in_ == 784 and loaded.image_shape_ == (28, 28, 1)
    np.testing.assert_allclose(loaded.history_.to_numpy(), lenet.history_.to_numpy())
    assert list(loaded.history_.columns) == list(lenet.history_.columns)
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_file_is_keras_native_and_loads_in_safe_mode(lenet, small_test, tmp_path):
    X, _ = small_test
    path = lenet.save(tmp_path / "lenet.keras")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        state = json.loads(archive.read("fashionnet.json"))
    assert {"config.json", "model.weights.h5", "fashionnet.json"} <= names
    assert state["estimator"] == "LeNet5Classifier"
    plain = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(plain.predict(X, verbose=0), lenet.predict_proba(X))


def test_loaded_model_keeps_training(lenet, small_train, tmp_path):
    X, y = small_train
    loaded = load_model(lenet.save(tmp_path / "m.keras"))
    loaded.partial_fit(X[200:300], y[200:300])
    assert len(loaded.history_) == len(lenet.history_) + 1


def test_string_classes_and_frames(tmp_path):
    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist

    frame = load_fashion_mnist("test", as_frame=True).iloc[:100]
    y = np.asarray(CLASS_NAMES)[frame.pop("label")]
    est = LeNet5Classifier(**FAST).fit(frame, y)
    loaded = load_model(est.save(tmp_path / "names.keras"))
    np.testing.assert_array_equal(loaded.predict(frame), est.predict(frame))
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)


def test_transfer_round_trip(small_train, tmp_path):
    X, y = small_train
    est = TransferClassifier(
        "vgg16", weights=None, input_size=32, head=(8,), epochs=1, random_state=0
    ).fit(X[:40], y[:40])
    loaded = load_model(est.save(tmp_path / "vgg.keras"))
    assert loaded.backbone_ is est.backbone_
    np.testing.assert_array_equal(loaded.predict_proba(X[40:60]), est.predict_proba(X[40:60]))


def test_python_objects_are_not_saved(small_train, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**FAST, callbacks=[keras.callbacks.History()]).fit(X[:50], y[:50])
    with pytest.warns(UserWarning, match="callbacks"):
        path = est.save(tmp_path / "cb.keras")
    assert load_model(path).callbacks is None


def test_errors(lenet, tmp_path):
    with pytest.raises(ValueError, match=r"\.keras"):
        lenet.save(tmp_path / "model.h5")
    with pytest.raises(NotFittedError):
        LeNet5Classifier().save(tmp_path / "x.keras")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.keras")
    plain = tmp_path / "plain.keras"
    lenet.model_.save(plain)
    with pytest.raises(ValueError, match="not a classifier saved by fashionnet"):
        load_model(plain)


def test_standardized_lenet_keeps_its_moments(small_train, small_test, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**FAST, standardize=True).fit(X[:200], y[:200])
    loaded = load_model(est.save(tmp_path / "std.keras"))
    assert loaded.pixel_mean_ == est.pixel_mean_ and loaded.pixel_std_ == est.pixel_std_
    np.testing.assert_array_equal(loaded.predict(small_test[0]), est.predict(small_test[0]))


def test_mixed_precision_round_trip_keeps_the_policy_and_loss_scaling(small_train, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**{**FAST, "epochs": 1}, dtype_policy="mixed_float16")
    est.fit(X[:64], y[:64])
    assert isinstance(est.model_.optimizer, keras.optimizers.LossScaleOptimizer)
    loaded = load_model(est.save(tmp_path / "fp16.keras"))
    assert loaded.get_params()["dtype_policy"] == "mixed_float16"
    assert loaded.dtype_policy_ == "mixed_float16"
    assert loaded.model_.get_layer("classes").compute_dtype == "float32"
    assert {layer.compute_dtype for layer in loaded.model_.layers[4:-1]} == {"float16"}
    # Compiled as saved: the loss-scaling optimizer and its state come back.
    assert isinstance(loaded.model_.optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.config.dtype_policy().name == "float32"
    np.testing.assert_array_equal(loaded.predict_proba(X[:50]), est.predict_proba(X[:50]))
