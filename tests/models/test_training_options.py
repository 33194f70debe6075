"""class_weight, fit(validation_data=...) and warm_start, on every estimator through the base."""

from __future__ import annotations

from unittest import mock

import keras
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_class_weight

from fashionnet.models import LeNet5Classifier, load_model

# Modern LeNet: learns a small slice in one epoch, in about a second.
FAST = dict(activation="relu", pooling="max", epochs=1, random_state=0)


@pytest.fixture(scope="module")
def data(small_train, small_test):
    (X, y), (X_val, y_val) = small_train, small_test
    return X[:300], y[:300], X_val[:100], y_val[:100]


@pytest.fixture(scope="module")
def plain(data):
    X, y, _, _ = data
    return LeNet5Classifier(**FAST).fit(X, y)


# ---------------------------------------------------------------- class_weight


def test_class_weight_is_a_sample_weight_per_class(data, plain):
    X, y, X_val, _ = data
    weights = {0: 20.0, 6: 5.0}  # classes left out weigh 1
    per_image = np.array([weights.get(c, 1.0) for c in y], dtype=np.float32)
    sample_weight = np.linspace(0.5, 1.5, len(y), dtype=np.float32)
    by_class = LeNet5Classifier(**FAST, class_weight=weights).fit(X, y, sample_weight=sample_weight)
    by_sample = LeNet5Classifier(**FAST).fit(X, y, sample_weight=sample_weight * per_image)
    # The same weights reach the same loss: identical networks.
    np.testing.assert_array_equal(by_class.predict_proba(X_val), by_sample.predict_proba(X_val))
    # And they matter: class 0, weighted 20 times, is predicted more often.
    assert (by_class.predict(X_val) == 0).sum() > (plain.predict(X_val) == 0).sum()


def test_balanced_weights_are_scikit_learns(data):
    _, y, _, _ = data
    y = np.concatenate([y[y == 0], y[y != 0][:90]])  # 30 of class 0 among 120
    est = LeNet5Classifier(class_weight="balanced")
    est.classes_, est.n_classes_ = np.unique(y), 10
    expected = compute_class_weight("balanced", classes=est.classes_, y=y)[y]
    np.testing.assert_allclose(est._weigh_classes(y, None), expected, rtol=1e-6)
    # With sample weights, a class's count is the sum of its weights (scikit-learn >= 1.8).
    sample_weight = np.where(y == 0, 2.0, 1.0).astype(np.float32)
    counts = np.bincount(y, weights=sample_weight)
    balanced = counts.sum() / (10 * counts)
    np.testing.assert_allclose(
        est._weigh_classes(y, sample_weight), balanced[y] * sample_weight, rtol=1e-6
    )


def test_class_weight_mistakes_are_explained(data, plain):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=r"keys \[42\] that are not classes"):
        LeNet5Classifier(**FAST, class_weight={42: 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be None, 'balanced' or a dict"):
        LeNet5Classifier(**FAST, class_weight={0: -1.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight must be"):
        LeNet5Classifier(**FAST, class_weight="uniform").fit(X, y)
    with pytest.raises(ValueError, match="not supported by partial_fit.*compute_class_weight"):
        LeNet5Classifier(**FAST, class_weight="balanced").partial_fit(X, y)


# ---------------------------------------------------------------- validation_data


def test_validation_data_feeds_the_history_and_early_stopping(data):
    X, y, X_val, y_val = data
    with mock.patch.object(
        keras.callbacks, "EarlyStopping", wraps=keras.callbacks.EarlyStopping
    ) as early:
        est = LeNet5Classifier(**FAST, early_stopping=3).fit(X, y, validation_data=(X_val, y_val))
    assert early.call_args.kwargs["monitor"] == "val_loss"
    assert list(est.history_.columns) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # The last epoch's val_accuracy is the network's accuracy on X_val.
    assert est.history_["val_accuracy"].iloc[-1] == pytest.approx(est.score(X_val, y_val))


def test_validation_data_through_a_search_of_a_pipeline(data):
    # A fit parameter of the pipeline's step; the search passes it whole to every fit.
    X, y, X_val, y_val = data
    pipe = Pipeline([("clf", LeNet5Classifier(**FAST))])
    search = GridSearchCV(pipe, {"clf__batch_size": [64]}, cv=2)
    search.fit(X[:200], y[:200], clf__validation_data=(X_val, y_val))
    best = search.best_estimator_["clf"]
    assert best.history_["val_accuracy"].iloc[-1] == pytest.approx(best.score(X_val, y_val))


def test_validation_data_mistakes_are_explained(data):
    X, y, X_val, y_val = data
    with pytest.raises(ValueError, match="validation_data or set validation_split"):
        LeNet5Classifier(**FAST, validation_split=0.2).fit(X, y, validation_data=(X_val, y_val))
    with pytest.raises(ValueError, match=r"a pair \(X_val, y_val\).*length 3"):
        LeNet5Classifier(**FAST).fit(X, y, validation_data=(X_val, y_val, y_val))
    with pytest.raises(ValueError, match="validation_data: .*features"):
        LeNet5Classifier(**FAST).fit(X, y, validation_data=(X_val[:, :20], y_val))
    with pytest.raises(ValueError, match=r"validation_data holds classes \[11\]"):
        LeNet5Classifier(**FAST).fit(X, y, validation_data=(X_val, np.full(len(y_val), 11)))


# ---------------------------------------------------------------- warm_start


def test_warm_start_goes_on_training_the_fitted_network(data, tmp_path):
    X, y, X_val, y_val = data
    est = LeNet5Classifier(**FAST, warm_start=True).fit(X, y)
    network, first_loss = est.model_, est.history_["loss"].iloc[0]
    weights = [w.copy() for w in network.get_weights()]
    est.set_params(learning_rate=5e-4).fit(X, y)  # a training parameter may change
    assert est.model_ is network
    assert list(est.history_.index) == [0, 1]
    assert est.history_["loss"].iloc[1] < first_loss  # it starts from the trained weights
    assert any(
        not np.array_equal(a, b) for a, b in zip(weights, network.get_weights(), strict=True)
    )
    # A loaded model warm-starts too.
    loaded = load_model(est.save(tmp_path / "warm.keras"))
    loaded.fit(X, y)
    assert len(loaded.history_) == 3


def test_warm_start_refuses_other_classes_and_another_network(data, plain):
    # Each refusal comes before anything changes, so the shared fit is left as it was.
    X, y, _, _ = data
    network = plain.model_
    try:
        plain.set_params(warm_start=True)
        with pytest.raises(ValueError, match="same classes as in the previous call"):
            plain.fit(X[y < 5], y[y < 5])
        with pytest.raises(ValueError, match="features"):
            plain.fit(X[:, :20], y)
        with pytest.raises(ValueError, match=r"\['activation'\] changed since it was built"):
            plain.set_params(activation="tanh").fit(X, y)
    finally:
        plain.set_params(warm_start=False, activation="relu")
    assert plain.model_ is network and len(plain.history_) == 1
    with pytest.raises(ValueError, match="warm_start must be True or False"):
        LeNet5Classifier(warm_start="yes").fit(X, y)
