"""The model registry: one list of models for the CLI, persistence, the study and the exports."""

from __future__ import annotations

import pytest

import fashionnet
from fashionnet.registry import (
    ModelSpec,
    estimator_classes,
    get_model,
    register_model,
    registered_models,
)


def test_the_study_models_are_registered():
    keys = [spec.key for spec in registered_models()]
    assert keys[:3] == ["lenet5", "vgg16", "resnet152v2"]
    assert get_model("ResNet-152_V2").key == "resnet152v2"
    assert get_model("vgg16").params["backbone"] == "vgg16"
    assert get_model("vgg16").pretrained and not get_model("lenet5").pretrained


def test_unknown_key_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown model 'alexnet'; choose one of lenet5, vgg16"):
        get_model("alexnet")


def test_make_builds_the_estimator_and_refuses_bad_parameters():
    clf = get_model("resnet152v2").make(epochs=2)
    assert type(clf).__name__ == "TransferClassifier"
    assert (clf.backbone, clf.epochs) == ("resnet152v2", 2)
    with pytest.raises(ValueError, match="bad parameter 'backbone': the model 'vgg16' fixes"):
        get_model("vgg16").make(backbone="resnet152v2")
    with pytest.raises(ValueError, match="bad parameter 'epoch': LeNet5Classifier has no such"):
        get_model("lenet5").make(epoch=3)


def test_specs_are_validated_and_keys_unique():
    with pytest.raises(ValueError, match="lower-case letters and digits"):
        ModelSpec("Le Net", "x", "fashionnet.models.lenet:LeNet5Classifier")
    with pytest.raises(ValueError, match="package.module:Class"):
        ModelSpec("x", "x", "fashionnet.models.lenet")
    with pytest.raises(ValueError, match="already registered as 'lenet5'"):
        register_model(get_model("lenet5"))


def test_everything_reads_the_registry():
    from fashionnet.cli import build_parser

    classes = estimator_classes()
    for spec in registered_models():
        assert classes[spec.class_name] is spec.load()
        # the lazy top-level exports
        assert getattr(fashionnet, spec.class_name) is spec.load()
        assert spec.class_name in fashionnet.__all__
    help_text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for spec in registered_models():
        assert spec.key in help_text

