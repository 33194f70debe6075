"""fashionnet.tasks.train: build a registered model, fit, evaluate, save."""

from __future__ import annotations

import json

import pytest

from fashionnet._checks import InvalidParameterError
from fashionnet._ownership import NotOursError
from fashionnet.datasets import CLASS_NAMES
from fashionnet.tasks import TrainResult, build_model, train_and_evaluate


def test_the_result_is_typed_and_the_files_are_written(trained):
    assert isinstance(trained, TrainResult)
    assert trained.spec.key == "lenet5" and trained.train_images == 300
    assert trained.epochs_run == 1 and trained.fit_seconds > 0
    assert trained.evaluation.n_samples == 100
    assert trained.evaluation.class_names == list(CLASS_NAMES)
    assert trained.model_path.name == "lenet5.keras" and trained.model_path.is_file()
    metrics = json.loads(trained.metrics_path.read_text())
    assert metrics == json.loads(json.dumps(trained.metrics()))
    assert metrics["model"] == "lenet5" and metrics["train_images"] == 300
    assert metrics["params"] == {"epochs": 1, "batch_size": 64, "activation": "relu",
                                 "pooling": "max"}


def test_the_saved_model_names_the_classes(trained):
    from fashionnet.models.persistence import read_model_info

    assert read_model_info(trained.model_path)["class_names"] == list(CLASS_NAMES)


def test_build_model_refuses_unknown_names():
    with pytest.raises(InvalidParameterError, match="unknown model 'alexnet'"):
        build_model("alexnet")
    with pytest.raises(InvalidParameterError, match="epoch"):
        build_model("lenet5", {"epoch": 3})
    spec, estimator = build_model("lenet5", {"epochs": 2})
    assert spec.key == "lenet5" and estimator.epochs == 2


def test_a_users_file_is_refused_before_training(tmp_path, small_train, small_test):
    (tmp_path / "lenet5_metrics.json").write_text("mine")
    X, y = small_train
    with pytest.raises(NotOursError, match="metrics written by fashionnet train"):
        train_and_evaluate("lenet5", X[:50], y[:50], *small_test, params={"epochs": 1},
                           out=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lenet5_metrics.json"]


def test_params_that_are_no_json_value_are_written_as_their_repr(trained):
    result = TrainResult(**{**trained.__dict__, "params": {"head": (64, 0.2), "x": object}})
    assert result.metrics()["params"] == {"head": "(64, 0.2)", "x": "<class 'object'>"}
