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


# ---------------------------------------------------- hostile weights and validation data
# Each is refused before a single step of training, with a message that names the parameter.


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({c: 0.0 for c in range(10)}, "class_weight gives every image a weight of 0"),
        ({0: float("nan")}, r"class_weight\[0\] must be a weight >= 0; got nan"),
        ({0: float("inf")}, r"class_weight\[0\] must be a weight >= 0; got inf"),
        ({0: "2"}, r"class_weight\[0\] must be a weight >= 0; got '2'"),
    ],
    ids=["all-zero", "nan", "inf", "string"],
)
def test_hostile_class_weights_are_refused_before_training(data, class_weight, match):
    # class_weight 0 for every class used to train nothing (loss 0.0) without a word.
    X, y, _, _ = data
    with mock.patch.object(keras.Model, "fit", side_effect=AssertionError("trained")):
        with pytest.raises(ValueError, match=match):
            LeNet5Classifier(**FAST, class_weight=class_weight).fit(X, y)


def test_class_and_sample_weights_that_multiply_to_zero_are_refused(data):
    X, y, _, _ = data
    y2 = np.where(y == 0, 0, 1)
    sample_weight = np.where(y2 == 0, 1.0, 0.0)  # only class 0 weighs ...
    with pytest.raises(ValueError, match="class_weight and sample_weight together"):
        LeNet5Classifier(**FAST, class_weight={0: 0.0}).fit(X, y2, sample_weight=sample_weight)


@pytest.mark.parametrize(
    ("sample_weight", "error", "match"),
    [
        (np.array(["a"] * 300), TypeError, "sample_weight must hold numbers"),
        (np.full(300, np.nan), ValueError, r"sample_weight must hold finite, non-negative"),
        (-np.ones(300), ValueError, r"sample_weight must hold finite, non-negative"),
        (np.zeros(300), ValueError, "sample_weight is zero for every image"),
        (np.ones(299), ValueError, r"sample_weight.shape == \(299,\), expected \(300,\)"),
    ],
    ids=["strings", "nan", "negative", "all-zero", "short"],
)
def test_hostile_sample_weights_name_sample_weight(data, sample_weight, error, match):
    # Strings used to fail with NumPy's "could not convert string to float", naming nothing.
    X, y, _, _ = data
    for fit in (
        lambda est: est.fit(X, y, sample_weight=sample_weight),
        lambda est: est.partial_fit(X, y, classes=np.unique(y), sample_weight=sample_weight),
    ):
        with pytest.raises(error, match=match):
            fit(LeNet5Classifier(**FAST))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda Xv, yv: (Xv, yv[:50]), ValueError,
         "validation_data: X_val has 100 images but y_val has 50 labels"),
        (lambda Xv, yv: (Xv[:50], yv), ValueError,
         "validation_data: X_val has 50 images but y_val has 100 labels"),
        (lambda Xv, yv: (Xv.astype(str), yv), TypeError, "validation_data: X must hold numbers"),
        (lambda Xv, yv: (Xv, yv.reshape(10, 10)), ValueError, "validation_data: y_val must be 1-d"),
        (lambda Xv, yv: (np.full(Xv.shape, np.nan), yv), ValueError,
         "validation_data: X contains NaN"),
        (lambda Xv, yv: {"X": Xv, "y": yv}, ValueError, r"a pair \(X_val, y_val\)"),
    ],
    ids=["short-y", "short-X", "strings", "2d-y", "nan", "dict"],
)
def test_hostile_validation_data_names_validation_data(data, make, error, match):
    X, y, X_val, y_val = data
    with pytest.raises(error, match=match):
        LeNet5Classifier(**FAST).fit(X, y, validation_data=make(X_val, y_val))


@pytest.mark.parametrize("learning_rate", [float("inf"), float("nan"), -1e-3, 0.0])
def test_learning_rates_that_are_no_rate_are_refused(data, learning_rate):
    X, y, _, _ = data
    with pytest.raises(ValueError, match="learning_rate must be a positive float"):
        LeNet5Classifier(**FAST, learning_rate=learning_rate).fit(X, y)


def test_numpy_scalars_are_numbers_for_every_parameter(data):
    X, y, _, _ = data
    est = LeNet5Classifier(
        activation="relu", pooling="max", random_state=0,
        epochs=np.int64(1), batch_size=np.int32(64), learning_rate=np.float32(1e-3),
        validation_split=np.float64(0.0), class_weight={np.int64(0): np.float32(2.0)},
        time_budget=np.float32(600),
    )
    est.fit(X[:100], y[:100], sample_weight=np.ones(100, np.float16))
    assert est.history_.shape[0] == 1
