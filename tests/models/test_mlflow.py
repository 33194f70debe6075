"""MLflow's scikit-learn flavour stores a fitted classifier with skops (models/skops_io.py).

Marked ``mlflow``: CI installs the ``mlflow`` extra and runs these in a step
of their own (.ci/run), where ``FASHIONNET_REQUIRE_MLFLOW`` makes a missing
MLflow fail rather than skip. The tracking store is a SQLite file in a
temporary folder: no server.
"""

from __future__ import annotations

import importlib
import os

import numpy as np
import pytest

from fashionnet.models import LeNet5Classifier
from fashionnet.models.skops_io import trusted_types

pytestmark = pytest.mark.mlflow

if os.environ.get("FASHIONNET_REQUIRE_MLFLOW"):
    mlflow = importlib.import_module("mlflow")
else:
    mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def experiment(tmp_path, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return mlflow.create_experiment("fashionnet", artifact_location=(tmp_path / "a").as_uri())


@pytest.fixture(scope="module")
def lenet(small_train):
    X, y = small_train
    return LeNet5Classifier(epochs=1, random_state=0).fit(X[:300], y[:300])


def test_log_and_load_model_predict_the_same(experiment, lenet, small_test):
    import mlflow.sklearn

    X_test, _ = small_test  # 200 images
    with mlflow.start_run(experiment_id=experiment):
        info = mlflow.sklearn.log_model(lenet, name="model", skops_trusted_types=trusted_types())
    loaded = mlflow.sklearn.load_model(info.model_uri)
    assert type(loaded) is LeNet5Classifier
    difference = np.abs(loaded.predict_proba(X_test) - lenet.predict_proba(X_test)).max()
    assert difference <= 1e-6
    np.testing.assert_array_equal(loaded.predict(X_test), lenet.predict(X_test))
    flavour = mlflow.models.get_model_info(info.model_uri).flavors["sklearn"]
    assert flavour["serialization_format"] == "skops"
    # The generic pyfunc flavour serves flat rows, as a table of pixels.
    served = mlflow.pyfunc.load_model(info.model_uri).predict(X_test.reshape(200, 784))
    np.testing.assert_array_equal(np.asarray(served), lenet.predict(X_test))


def test_defaults_refuse_an_untrusted_type_and_say_which(experiment, lenet):
    # skops trusts no third-party class by default, and MLflow's default
    # skops_trusted_types is None: log_model must be told to trust ours.
    import mlflow.sklearn

    with mlflow.start_run(experiment_id=experiment):
        with pytest.raises(mlflow.exceptions.MlflowException, match="LeNet5Classifier"):
            mlflow.sklearn.log_model(lenet, name="model")
