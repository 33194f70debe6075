"""The backbone registry and the building of a backbone with its weights."""

from __future__ import annotations

import numpy as np
import pytest

from fashionnet.models import BACKBONES, TransferClassifier, get_backbone

# Random weights at the study's VGG16 depth, the smallest input VGG16 takes and
# a tiny head: fast plumbing.
TINY = dict(
    weights=None,
    trainable_layers=5,
    input_size=32,
    head=(8,),
    epochs=1,
    batch_size=16,
    random_state=0,
)


@pytest.fixture(scope="module")
def data(small_train):
    X, y = small_train
    return X[:40], y[:40]


def test_registry_holds_the_study_backbones():
    assert BACKBONES["vgg16"].trainable_layers == 5
    assert BACKBONES["resnet152v2"].trainable_layers == 64
    assert BACKBONES["vgg16"].head == (1024, 1024, 1024, 0.5, 512, 512, 0.4, 256, 64, 64, 0.2)
    assert BACKBONES["resnet152v2"].head == (
        1024,
        1024,
        1024,
        1024,
        0.2,
        512,
        512,
        256,
        256,
        0.2,
    )
    assert get_backbone("ResNet152V2") is BACKBONES["resnet152v2"]


def test_any_keras_application_resolves():
    spec = get_backbone("MobileNetV2")
    assert (spec.constructor, spec.module, spec.trainable_layers) == (
        "MobileNetV2",
        "mobilenet_v2",
        0,
    )
    with pytest.raises(ValueError, match="unknown backbone 'lenet'"):
        get_backbone("lenet")


def test_local_weights_file_is_loaded(tmp_path, data):
    source = get_backbone("vgg16").build(32, None)
    path = tmp_path / "vgg16_notop.weights.h5"
    source.save_weights(path)
    est = TransferClassifier(
        "vgg16", **{**TINY, "weights": str(path), "epochs": 1, "trainable_layers": 0}
    )
    est.fit(*data)
    loaded = est.model_.get_layer("vgg16")
    for expected, got in zip(source.get_weights(), loaded.get_weights(), strict=True):
        np.testing.assert_array_equal(expected, got)


def test_imagenet_offline_names_the_file(monkeypatch, data):
    from keras.src.utils import file_utils

    def offline(fname, origin=None, **kwargs):
        raise Exception(f"URL fetch failure on {origin}: None -- Name or service not known")

    monkeypatch.setattr(file_utils, "get_file", offline)
    with pytest.raises(OSError) as info:
        TransferClassifier("vgg16", **{**TINY, "weights": "imagenet"}).fit(*data)
    message = str(info.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert ".keras/models" in message or "KERAS_HOME" in message
