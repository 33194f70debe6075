"""The space: sklearn-style dicts as keras-tuner HyperParameters."""

from __future__ import annotations

import keras_tuner
import pytest

from fashionnet.tuning import IntRange, LogUniform, Uniform, build_space


def test_space_maps_onto_keras_tuner():
    hp, decoders = build_space(
        {
            "learning_rate": LogUniform(1e-4, 1e-1),
            "dropout": Uniform(0.0, 0.5, step=0.1),
            "epochs": IntRange(2, 10, step=2),
            "batch_size": [32, 64, 128],
            "activation": ["tanh", "relu"],
            "momentum": [0, 0.9],  # ints and floats: a float choice
            "head": [None, (128,), (256, 64)],  # not keras-tuner types: encoded
            "shuffle": [True, False],
        }
    )
    space = {p.name: p for p in hp.space}
    lr = space["learning_rate"]
    assert isinstance(lr, keras_tuner.engine.hyperparameters.Float)
    assert (lr.min_value, lr.max_value, lr.sampling) == (1e-4, 1e-1, "log")
    assert (space["dropout"].min_value, space["dropout"].max_value, space["dropout"].step) == (
        0.0, 0.5, 0.1
    )
    assert isinstance(space["epochs"], keras_tuner.engine.hyperparameters.Int)
    epochs = space["epochs"]
    assert (epochs.min_value, epochs.max_value, epochs.step) == (2, 10, 2)
    assert isinstance(space["batch_size"], keras_tuner.engine.hyperparameters.Choice)
    assert space["batch_size"].values == [32, 64, 128]
    assert space["activation"].values == ["tanh", "relu"]
    assert space["momentum"].values == [0.0, 0.9]
    assert set(decoders) == {"head", "shuffle"}
    assert [v for _, v in decoders["head"]] == [None, (128,), (256, 64)]
    assert [v for _, v in decoders["shuffle"]] == [True, False]

    given = keras_tuner.HyperParameters()
    given.Choice("alpha", [0.1, 1.0])
    hp, decoders = build_space(given)
    assert [p.name for p in hp.space] == ["alpha"] and decoders == {}


@pytest.mark.parametrize(
    ("space", "error", "match"),
    [
        ({}, ValueError, "non-empty dict"),
        ({"alpha": []}, ValueError, "empty list"),
        ({"alpha": [1.0, 1.0]}, ValueError, "twice"),
        ({"alpha": 1.0}, TypeError, "set it on the estimator"),
        ({"alpha": LogUniform(0, 1)}, ValueError, "0 < low < high"),
    ],
)
def test_bad_space_is_refused(space, error, match):
    with pytest.raises(error, match=match):
        build_space(space)
