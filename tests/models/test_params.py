"""Each parameter declared once (fashionnet.models._params), and documented alike."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from fashionnet.models import (
    FashionNetClassifier,
    LeNet5Classifier,
    ResNetClassifier,
    TransferClassifier,
)
from fashionnet.models._params import (
    NETWORK,
    TRAINING,
    Param,
    check_params,
    declare,
    network_params,
)

CLASSES = (FashionNetClassifier, LeNet5Classifier, ResNetClassifier, TransferClassifier)

#: Shared parameters whose text deliberately differs in one class, and why.
DELIBERATE = {
    ("ResNetClassifier", "learning_rate"): "a float is the peak of the recipe's schedule",
    ("ResNetClassifier", "epochs"): "the recipe's schedule ends with the last epoch",
    ("ResNetClassifier", "dtype_policy"): "the recipe's 'auto' default and its measured gain",
}


def documented_params(cls: type) -> dict[str, tuple[str, str]]:
    """``name -> (type without its default, description)`` from the Parameters section."""
    doc = inspect.cleandoc(cls.__doc__)
    section = re.search(r"\nParameters\n-+\n(.*?)(?:\n\n[A-Z][a-z ]+\n-+\n|\Z)", doc, re.S)
    assert section, f"{cls.__name__} has no Parameters section"
    params: dict[str, tuple[str, str]] = {}
    name = None
    for line in section.group(1).splitlines():
        header = re.match(r"^(\w+) : (.*)$", line)
        if header:
            name = header.group(1)
            kind = re.sub(r",? default=.*$", "", header.group(2))
            params[name] = (kind, "")
        elif name is not None:
            kind, text = params[name]
            params[name] = (kind, (text + "\n" + line.strip()).strip())
    return params


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_init_parameter_is_declared_and_every_declared_one_is_a_parameter(cls):
    assert list(cls._declared_params) != []
    assert set(cls._declared_params) == set(cls._get_param_names())
    for name, param in cls._declared_params.items():
        assert param.name == name
        assert param.role in (NETWORK, TRAINING)
        assert set(param.needs) <= set(cls._declared_params)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_declared_parameter_is_documented(cls):
    documented = documented_params(cls)
    missing = sorted(set(cls._declared_params) - set(documented))
    assert not missing, f"{cls.__name__} does not document {missing}"
    assert not set(documented) - set(cls._declared_params)


def test_shared_parameters_are_documented_alike():
    docs = {cls.__name__: documented_params(cls) for cls in CLASSES}
    shared = set.intersection(*(set(d) for d in docs.values()))
    assert "time_budget" in shared
    for name in sorted(shared):
        texts = {
            cls_name: params[name]
            for cls_name, params in docs.items()
            if (cls_name, name) not in DELIBERATE
        }
        assert len(set(texts.values())) == 1, f"{name} is documented differently: {texts}"


def test_deviations_are_real():
    docs = {cls.__name__: documented_params(cls) for cls in CLASSES}
    for cls_name, name in DELIBERATE:
        assert docs[cls_name][name] != docs["LeNet5Classifier"][name]


def test_a_class_extends_its_parents_declarations():
    assert list(LeNet5Classifier._declared_params)[
        : len(FashionNetClassifier._declared_params)
    ] == list(FashionNetClassifier._declared_params)
    assert (
        FashionNetClassifier._declared_params["epochs"]
        is LeNet5Classifier._declared_params["epochs"]
    )


def test_declare_replaces_a_parameter_of_the_base():
    base = declare(Param("a", lambda v: True), Param("b", lambda v: True))
    replaced = Param("a", lambda v: v > 0, "positive")
    declared = declare(replaced, Param("c", lambda v: True), base=base)
    assert list(declared) == ["a", "b", "c"]
    assert declared["a"] is replaced


def test_refusal_message_names_the_estimator_the_parameter_and_the_value():
    param = Param("width", lambda v: v >= 1, "an integer >= 1", hint=" Try 16.")
    assert param.refusal("Net", 3, []) is None
    error = param.refusal("Net", 0, [])
    assert isinstance(error, ValueError)
    assert str(error) == "Net: width must be an integer >= 1; got 0. Try 16."


def test_a_constraint_reads_the_parameters_it_needs():
    est = TransferClassifier(input_size=30)
    with pytest.raises(ValueError, match="input_size must be an integer >= 32 for vgg16; got 30"):
        check_params(est)
    check_params(TransferClassifier(input_size=32))


def test_the_first_bad_parameter_in_declaration_order_is_refused():
    est = LeNet5Classifier(batch_size=0, pooling="sum")
    with pytest.raises(ValueError, match="batch_size"):
        check_params(est)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        (
            {"callbacks": "early"},
            TypeError,
            "callbacks must be a list of Keras callbacks or None; got str",
        ),
        ({"warm_start": np.bool_(True)}, None, None),
        ({"class_weight": {0: -1}}, ValueError, "class_weight must be None, 'balanced' or a dict"),
        ({"learning_rate": {"class_name": "Nope", "config": {}}}, ValueError, "learning_rate"),
        ({"activation": "nope"}, ValueError, r"activation='nope' is not a Keras activation"),
    ],
)
def test_declared_checks(params, error, match):
    est = LeNet5Classifier(**params)
    if error is None:
        check_params(est)
    else:
        with pytest.raises(error, match=match):
            check_params(est)


def test_warm_start_compares_the_network_parameters_only():
    names = set(network_params(ResNetClassifier()))
    assert {"width", "depth", "augment", "erasing", "weight_decay", "dtype_policy"} <= names
    assert not names & {"tta", "tta_shift", "label_smoothing", "warmup", "momentum", "epochs"}
    transfer = set(network_params(TransferClassifier()))
    assert not transfer & {"cache_features", "cache_dir", "cache_size", "cache_dtype"}
    assert {"backbone", "head", "input_size"} <= transfer


def test_class_weight_keeps_its_key_types_through_json():
    param = FashionNetClassifier._declared_params["class_weight"]
    weights = {np.int64(0): 2.0, 1: 0.5, "shirt": 1.5}
    saved = param.to_json(weights)
    assert saved == [[0, 2.0], [1, 0.5], ["shirt", 1.5]]
    assert param.from_json(saved) == {0: 2.0, 1: 0.5, "shirt": 1.5}
    assert param.to_json("balanced") == "balanced" == param.from_json("balanced")
