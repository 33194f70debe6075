"""TransferClassifier: trainable layers, heads, parameters and in-graph preprocessing.

The backbone registry and the loading of weights: tests/models/test_backbones.py.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fashionnet.models import TransferClassifier, get_backbone

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


@pytest.fixture(scope="module")
def vgg(data):
    return TransferClassifier("vgg16", **TINY).fit(*data)


def test_graph_does_the_preparation(vgg):
    model = vgg.model_
    names = [layer.name for layer in model.layers]
    assert names[:6] == [
        "pixels",
        "to_image",
        "scale",
        "resize",
        "stack_channels",
        "backbone_preprocess",
    ]
    assert model.input.dtype == "uint8"
    assert model.get_layer("stack_channels").output.shape[1:] == (32, 32, 3)
    # uint8 pixels stay 0..255 for VGG16's own preprocess_input
    assert model.get_layer("scale").get_config()["scale"] == 1.0
    assert vgg.predict_proba(np.zeros((2, 28, 28), np.uint8)).shape == (2, 10)


def test_trainable_layers(vgg, data, tmp_path):
    # An explicit depth is respected with random weights (the vgg fixture).
    backbone = vgg.model_.get_layer("vgg16")
    trainable = [layer.name for layer in backbone.layers if layer.trainable]
    assert trainable == [layer.name for layer in backbone.layers[-5:]]
    # By default, random weights train every layer (from scratch) ...
    scratch = TransferClassifier("vgg16", **{**TINY, "trainable_layers": None}).initialize(*data)
    assert all(layer.trainable for layer in scratch.model_.get_layer("vgg16").layers)
    assert scratch.trainable_layers_ == len(scratch.model_.get_layer("vgg16").layers)
    # ... and a weights file the study's fine-tuning depth, the last 5 layers.
    path = tmp_path / "vgg16_notop.weights.h5"
    get_backbone("vgg16").build(32, None).save_weights(path)
    params = {**TINY, "weights": str(path), "trainable_layers": None}
    tuned = TransferClassifier("vgg16", **params).fit(*data)
    backbone = tuned.model_.get_layer("vgg16")
    trainable = [layer.name for layer in backbone.layers if layer.trainable]
    assert trainable == [layer.name for layer in backbone.layers[-5:]]
    frozen = TransferClassifier("vgg16", **{**TINY, "trainable_layers": 0}).fit(*data)
    assert not any(layer.trainable for layer in frozen.model_.get_layer("vgg16").layers)


def test_study_head_and_dropout_override(data):
    est = TransferClassifier("vgg16", **{**TINY, "head": None, "dropout": 0.3}).fit(*data)
    head = [
        layer
        for layer in est.model_.layers
        if isinstance(layer, (keras.layers.Dense, keras.layers.Dropout))
    ]
    described = [
        layer.units if isinstance(layer, keras.layers.Dense) else layer.rate for layer in head
    ]
    assert described == [1024, 1024, 1024, 0.3, 512, 512, 0.3, 256, 64, 64, 0.3, 10]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"input_size": 28}, "input_size must be an integer >= 32"),
        ({"backbone": "nope"}, "unknown backbone"),
        ({"weights": "/no/such/file.h5"}, "neither 'imagenet', None nor an existing"),
        ({"head": (64, 1.5)}, "head items"),
        ({"dropout": 1.0}, "dropout"),
        ({"trainable_layers": -1}, "trainable_layers"),
        ({"cache_features": "yes"}, "cache_features must be"),
        ({"cache_dtype": "float64"}, "cache_dtype must be"),
        ({"cache_size": -1}, "cache_size must be"),
    ],
)
def test_bad_parameters(params, match, data):
    with pytest.raises(ValueError, match=match):
        TransferClassifier(**{**TINY, **params}).fit(*data)


def test_three_channel_input_is_not_stacked(data):
    X, y = data
    rgb = np.repeat(X[..., None], 3, axis=-1)
    est = TransferClassifier("vgg16", **TINY).fit(rgb, y)
    assert "stack_channels" not in [layer.name for layer in est.model_.layers]


@pytest.mark.slow
def test_resnet152v2_trains(data):
    # The study's fine-tuning depth (the default with ImageNet weights), asked for explicitly.
    assert get_backbone("resnet152v2").trainable_layers == 64
    est = TransferClassifier("resnet152v2", **{**TINY, "epochs": 1, "trainable_layers": 64})
    est.fit(*data)
    backbone = est.model_.get_layer("resnet152v2")
    assert sum(layer.trainable for layer in backbone.layers) == est.trainable_layers_ == 64
    assert est.predict(data[0][:4]).shape == (4,)
