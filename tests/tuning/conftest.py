"""Fixtures of the tuning tests: a small flat slice of the real data, clean recorders."""

from __future__ import annotations

import pytest
import support


@pytest.fixture(scope="session")
def flat_train(small_train):
    """300 real training images as (300, 784) floats in [0, 1], and their labels."""
    X, y = small_train
    return X[:300].reshape(300, -1) / 255.0, y[:300]


@pytest.fixture(autouse=True)
def _reset_recorders():
    support.reset()
    yield
    support.reset()


@pytest.fixture(scope="session")
def lenet_search(small_train, tmp_path_factory):
    """A LeNet-5 search of 3 trials (2 epochs, 400 real images), refitted: shared by tests."""
    from fashionnet.models import LeNet5Classifier
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    directory = tmp_path_factory.mktemp("lenet_search")
    search = KerasTunerSearchCV(
        LeNet5Classifier(epochs=2, random_state=0),
        {
            "learning_rate": LogUniform(1e-4, 1e-2),
            "batch_size": [32, 64],
            "activation": ["tanh", "relu"],  # a model parameter, searched the same way
        },
        max_trials=3,
        early_stopping_patience=1,
        directory=directory,
        project_name="lenet",
        random_state=0,
    )
    X, y = small_train
    return search.fit(X[:400], y[:400])
