"""Fixtures of the evaluation tests: flattened slices of the real data, a ridge
classifier, and one real LeNet-5 cross-validation shared by the test modules."""

from __future__ import annotations

import pytest
from sklearn.linear_model import RidgeClassifier

from fashionnet.evaluation import (
    cross_validate_folds,
)


def _flat(X):
    return X.reshape(len(X), -1) / 255.0


@pytest.fixture(scope="session")
def flat_train(small_train):
    X, y = small_train
    return _flat(X), y


@pytest.fixture(scope="session")
def flat_test(small_test):
    X, y = small_test
    return _flat(X), y


@pytest.fixture(scope="module")
def ridge(flat_train):
    return RidgeClassifier(alpha=10.0).fit(*flat_train)


@pytest.fixture(scope="session")
def lenet_cv(small_train, small_test):
    """A real LeNet-5 cross-validation: 2 folds of 150 images, 1 epoch, fold models kept."""
    from fashionnet.models import LeNet5Classifier

    X, y = small_train
    X_test, y_test = small_test
    return cross_validate_folds(
        LeNet5Classifier(epochs=1, validation_split=0.2, random_state=0),
        X[:300],
        y[:300],
        cv=2,
        X_test=X_test[:100],
        y_test=y_test[:100],
        return_estimators=True,
    )
