"""Fixtures of the task tests: one tiny real LeNet-5, trained once and shared."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="package")
def trained(small_train, small_test, tmp_path_factory):
    """``train_and_evaluate`` of LeNet-5 (1 epoch, 300 images), saved into a folder."""
    from fashionnet.datasets import CLASS_NAMES
    from fashionnet.tasks import train_and_evaluate

    X, y = small_train
    X_test, y_test = small_test
    out = tmp_path_factory.mktemp("trained")
    return train_and_evaluate(
        "lenet5",
        X[:300],
        y[:300],
        X_test[:100],
        y_test[:100],
        params={"epochs": 1, "batch_size": 64, "activation": "relu", "pooling": "max"},
        class_names=CLASS_NAMES,
        out=out,
    )
