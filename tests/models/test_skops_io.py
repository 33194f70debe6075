"""fashionnet.models.skops_io: skops stores a fitted classifier, its network in Keras' format."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from fashionnet.models import LeNet5Classifier, ResNetClassifier, TransferClassifier
from fashionnet.models.skops_io import NETWORK_KEY, trusted_types

sio = pytest.importorskip("skops.io")

FAST = dict(epochs=1, random_state=0)


@pytest.fixture(scope="module")
def lenet(small_train):
    X, y = small_train
    return LeNet5Classifier(**FAST).fit(X[:300], y[:300])


def _same_predictions(a, b, X):
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_skops_round_trip_trusts_only_our_class(lenet, small_test):
    X_test, _ = small_test
    data = sio.dumps(lenet)
    # Every other type in the file is one skops trusts already: no Keras object.
    assert sio.get_untrusted_types(data=data) == ["fashionnet.models.lenet.LeNet5Classifier"]
    with pytest.raises(Exception, match="Untrusted types"):
        sio.loads(data)
    loaded = sio.loads(data, trusted=trusted_types())
    _same_predictions(loaded, lenet, X_test)
    assert loaded.history_.equals(lenet.history_) and loaded.history_.index.name == "epoch"
    assert loaded.get_params() == lenet.get_params()
    for name in ("classes_", "image_shape_", "input_dtype_", "background_", "dtype_policy_"):
        assert np.array_equal(getattr(loaded, name), getattr(lenet, name)), name
    # Still a classifier that trains on: a warm start continues the stored network.
    X, y = X_test, _
    assert loaded.set_params(warm_start=True).fit(X[:100], y[:100]).history_.shape[0] == 2


def test_pipeline_with_transformers_and_string_labels(small_train, small_test):
    from sklearn.pipeline import make_pipeline

    from fashionnet.preprocessing import ImagePadder, PixelScaler

    X, y = small_train
    names = np.array(["top", "trouser", "other"])[np.minimum(y[:300], 2)]
    pipe = make_pipeline(ImagePadder(2), PixelScaler(), LeNet5Classifier(**FAST))
    pipe.fit(X[:300], names)
    data = sio.dumps(pipe)
    assert set(sio.get_untrusted_types(data=data)) <= set(trusted_types())
    loaded = sio.loads(data, trusted=trusted_types())
    _same_predictions(loaded, pipe, small_test[0])


@pytest.mark.slow
def test_resnet_and_transfer_round_trips(small_train, small_test):
    X, y = small_train
    X_test, _ = small_test
    resnet = ResNetClassifier(**FAST).fit(X[:200], y[:200])
    transfer = TransferClassifier(
        "vgg16", weights=None, input_size=32, head=(8,), **FAST
    ).fit(X[:100], y[:100])
    for clf in (resnet, transfer):
        data = sio.dumps(clf)
        assert sio.get_untrusted_types(data=data) == [
            f"{type(clf).__module__}.{type(clf).__name__}"
        ]
        loaded = sio.loads(data, trusted=trusted_types())
        _same_predictions(loaded, clf, X_test[:50])
    assert sio.loads(sio.dumps(transfer), trusted=trusted_types()).backbone_.name == "vgg16"


def test_state_holds_the_network_as_keras_bytes(lenet):
    state = lenet.__getstate__()
    assert "model_" not in state and "history_" not in state
    assert state[NETWORK_KEY][:2] == b"PK"  # a .keras (zip) file
    # pickle and deepcopy use the same state, and give the same classifier.
    X = np.zeros((3, 28, 28), np.uint8)
    _same_predictions(pickle.loads(pickle.dumps(lenet)), lenet, X)
    _same_predictions(copy.deepcopy(lenet), lenet, X)
    unfitted = LeNet5Classifier()
    assert NETWORK_KEY not in unfitted.__getstate__()
    assert not hasattr(sio.loads(sio.dumps(unfitted), trusted=trusted_types()), "model_")


def test_a_state_without_keras_bytes_is_refused(lenet):
    state = lenet.__getstate__()
    state[NETWORK_KEY] = "not a network"
    with pytest.raises(TypeError, match="bytes of a .keras file"):
        LeNet5Classifier.__new__(LeNet5Classifier).__setstate__(state)


def test_trusted_types_are_fashionnet_classes_only():
    names = trusted_types()
    assert names == sorted(names) and all(n.startswith("fashionnet.") for n in names)
    assert "fashionnet.models.transfer.TransferClassifier" in names


def test_pixel_scaler_file_from_before_the_preprocessing_split_loads(small_test):
    """A file written when fashionnet.preprocessing was one module names its classes by it."""
    import io
    import zipfile

    from fashionnet.preprocessing import PixelScaler

    X = small_test[0][:5]
    scaler = PixelScaler().fit(X)
    data = sio.dumps(scaler)
    assert sio.get_untrusted_types(data=data) == ["fashionnet.preprocessing.scaling.PixelScaler"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["schema.json"] = members["schema.json"].replace(
        b'"fashionnet.preprocessing.scaling"', b'"fashionnet.preprocessing"'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    old = buffer.getvalue()
    assert sio.get_untrusted_types(data=old) == ["fashionnet.preprocessing.PixelScaler"]
    loaded = sio.loads(old, trusted=trusted_types())
    assert type(loaded) is PixelScaler and loaded.get_params() == scaler.get_params()
    np.testing.assert_array_equal(loaded.transform(X), scaler.transform(X))
