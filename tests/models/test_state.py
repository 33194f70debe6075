"""The fitted state, listed once: what a saved model writes and reads back."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fashionnet.models import LeNet5Classifier
from fashionnet.models._state import (
    FITTED_STATE,
    fitted_attributes,
    fitted_state,
    restore_fitted_state,
)


def fitted_lenet() -> LeNet5Classifier:
    """A LeNet5Classifier with a fitted state but no network (none is needed here)."""
    est = LeNet5Classifier(standardize=True, epochs=3)
    est.classes_ = np.array([3, 5, 7], dtype=np.int64)
    est.n_classes_ = 3
    est.n_features_in_ = 784
    est.image_shape_ = (28, 28, 1)
    est.input_shape_ = (28, 28)
    est.input_dtype_ = "uint8"
    est.dtype_policy_ = "mixed_bfloat16"
    est.distribution_ = {"kind": "DataParallel", "devices": ["gpu:0", "gpu:1"], "mesh_shape": [2]}
    est.background_ = "dark"
    est.history_ = pd.DataFrame({"loss": [1.0, 0.5]}).rename_axis("epoch")
    est.epochs_ = 2
    est.budget_ = {"epochs": 2, "cut": None}
    est.pixel_mean_, est.pixel_std_ = 0.25, 0.5
    return est


def test_the_state_round_trips_through_json():
    est = fitted_lenet()
    state = json.loads(json.dumps(fitted_state(est)))
    loaded = LeNet5Classifier(standardize=True, epochs=3)
    restore_fitted_state(loaded, state)
    for name in fitted_attributes(LeNet5Classifier):
        if not hasattr(est, name):
            assert not hasattr(loaded, name), name
            continue
        mine, theirs = getattr(est, name), getattr(loaded, name)
        if isinstance(mine, pd.DataFrame):
            pd.testing.assert_frame_equal(mine, theirs)
        elif isinstance(mine, np.ndarray):
            np.testing.assert_array_equal(mine, theirs)
            assert mine.dtype == theirs.dtype
        else:
            assert mine == theirs, name
    assert not hasattr(loaded, "feature_names_in_")


def test_the_saved_keys_are_those_of_format_1():
    state = fitted_state(fitted_lenet())
    assert list(state) == [
        "classes",
        "classes_dtype",
        "n_features_in",
        "image_shape",
        "input_shape",
        "input_dtype",
        "dtype_policy",
        "distribution",
        "background",
        "feature_names_in",
        "history",
        "epochs",
        "budget",
        "scalars",
    ]
    assert state["scalars"] == {"pixel_mean_": 0.25, "pixel_std_": 0.5}


def test_an_older_file_gets_the_defaults():
    state = fitted_state(fitted_lenet())
    for key in (
        "dtype_policy",
        "distribution",
        "background",
        "feature_names_in",
        "epochs",
        "budget",
        "scalars",
    ):
        del state[key]
    loaded = LeNet5Classifier(epochs=3)
    restore_fitted_state(loaded, state)
    assert loaded.dtype_policy_ == "float32"
    assert loaded.background_ is None
    assert loaded.distribution_ is None
    assert loaded.epochs_ == 3
    assert not hasattr(loaded, "budget_") and not hasattr(loaded, "pixel_mean_")


def test_a_missing_required_key_is_a_key_error():
    state = fitted_state(fitted_lenet())
    del state["input_shape"]
    with pytest.raises(KeyError):
        restore_fitted_state(LeNet5Classifier(), state)


def test_every_entry_names_a_fitted_attribute():
    assert all(entry.attribute.endswith("_") for entry in FITTED_STATE)
    assert fitted_attributes(LeNet5Classifier)[-2:] == ("pixel_mean_", "pixel_std_")
