"""The base class: tags, inputs, determinism, history, callbacks, errors."""

from __future__ import annotations

import re

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, check_cv

from fashionnet.models import FashionNetClassifier, LeNet5Classifier

# Modern LeNet: learns a 300-image slice in one or two epochs.
FAST = dict(activation="relu", pooling="max", epochs=1, random_state=0)


@pytest.fixture(scope="module")
def slice300(small_train):
    X, y = small_train
    return X[:300], y[:300]


@pytest.fixture(scope="module")
def fitted(slice300):
    return LeNet5Classifier(**FAST).fit(*slice300)


def test_is_a_classifier_and_cv_stratifies():
    est = LeNet5Classifier()
    assert isinstance(est, FashionNetClassifier)
    assert is_classifier(est)
    y = np.repeat(np.arange(10), 10)
    assert isinstance(check_cv(5, y, classifier=is_classifier(est)), StratifiedKFold)
    tags = est.__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert tags.target_tags.required
    assert not tags.input_tags.allow_nan and not tags.input_tags.sparse


def test_init_stores_parameters_only():
    est = LeNet5Classifier(learning_rate=0.01, epochs=3, callbacks=None)
    assert est.get_params()["learning_rate"] == 0.01
    assert set(vars(est)) == set(est.get_params())
    assert repr(est) == "LeNet5Classifier(epochs=3, learning_rate=0.01)"
    assert clone(est).get_params() == est.get_params()


def test_fit_sets_learned_attributes(fitted, slice300):
    X, y = slice300
    assert fitted.n_features_in_ == 784
    assert fitted.image_shape_ == (28, 28, 1)
    np.testing.assert_array_equal(fitted.classes_, np.arange(10))
    assert isinstance(fitted.model_, keras.Model)
    assert isinstance(fitted.history_, pd.DataFrame)
    assert list(fitted.history_.columns) == ["accuracy", "loss"]
    assert len(fitted.history_) == 1
    proba = fitted.predict_proba(X[:20])
    assert proba.shape == (20, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert fitted.predict(X[:20]).dtype == fitted.classes_.dtype
    assert 0 <= fitted.score(X, y) <= 1


def test_random_state_gives_identical_predictions(slice300):
    X, y = slice300
    a = LeNet5Classifier(**FAST).fit(X, y)
    b = LeNet5Classifier(**FAST).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X[:50]), b.predict_proba(X[:50]))
    c = LeNet5Classifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.predict_proba(X[:50]), c.predict_proba(X[:50]))


def test_layouts_are_equivalent(slice300, fitted):
    X, y = slice300
    expected = fitted.predict_proba(X[:30])
    np.testing.assert_array_equal(fitted.predict_proba(X[:30].reshape(30, 784)), expected)
    np.testing.assert_array_equal(fitted.predict_proba(X[:30, :, :, None]), expected)
    flat = LeNet5Classifier(**FAST).fit(X.reshape(len(X), 784), y)
    assert flat.model_.input.shape[1:] == (784,)
    # Another network (its input layer reshapes), trained alike: equal to float32
    # precision, not bit for bit (kernels may sum in another order).
    np.testing.assert_allclose(flat.predict_proba(X[:30]), expected, atol=1e-6)


def test_training_never_copies_pixels_to_float(fitted, slice300):
    X, _ = slice300
    fed = fitted._check_X(X, reset=False)
    assert fed.dtype == np.uint8
    assert np.shares_memory(fed, X)
    assert fitted.model_.input.dtype == "uint8"
    first_layers = [layer.name for layer in fitted.model_.layers[:4]]
    assert first_layers == ["pixels", "to_image", "scale", "pad"]


def test_float_input_is_used_as_scaled(slice300):
    X, y = slice300
    Xf = X.astype(np.float32) / 255
    a = LeNet5Classifier(**FAST).fit(X, y)
    b = LeNet5Classifier(**FAST).fit(Xf, y)
    assert b.input_dtype_ == "float32"
    np.testing.assert_allclose(a.predict_proba(X[:20]), b.predict_proba(Xf[:20]), atol=1e-4)
    with pytest.raises(ValueError, match="fitted on uint8 pixels"):
        a.predict(Xf[:5])


def test_grey_levels_as_floats_are_refused_at_fit_and_predict(slice300, fashion_test):
    # The study's frame cast to float holds grey levels 0..255: read as 0..1 it
    # trained a different model without a word. Now fit and predict refuse it
    # before any training, and the message gives both fixes.
    from fashionnet.datasets import to_frame
    from fashionnet.preprocessing import PixelScaler

    X, y = slice300
    frame = to_frame(X, y).drop(columns="label").astype(float)
    for fix in ("X.astype(np.uint8)", "PixelScaler", "X / 255"):
        with pytest.raises(ValueError, match=re.escape(fix)):
            LeNet5Classifier(**FAST).fit(frame, y)
    scaled = PixelScaler().fit_transform(frame)
    est = LeNet5Classifier(**FAST).initialize(scaled[:20], y[:20])
    fed = est._check_X(scaled, reset=False)
    assert np.shares_memory(fed, scaled), "the range check makes no copy"
    test_images = fashion_test[0][:10].astype(np.float32)
    with pytest.raises(ValueError, match="look like grey levels 0..255"):
        est.predict(test_images)
    assert est.predict(test_images / 255).shape == (10,)
    standardized = test_images / 255
    standardized[0, 0, 0] = -0.1
    with pytest.raises(ValueError, match=r"from -0.1 to .* uint8 grey levels 0..255, or floats"):
        est.predict(standardized)


def test_dataframe_input_and_feature_names(fashion_test):
    from fashionnet.datasets import load_fashion_mnist

    frame = load_fashion_mnist("test", as_frame=True).iloc[:200]
    y = frame.pop("label")
    est = LeNet5Classifier(**FAST).fit(frame, y)
    assert est.feature_names_in_[0] == "pixel1"
    X, _ = fashion_test
    np.testing.assert_array_equal(est.predict(frame), est.predict(X[:200]))
    with pytest.raises(ValueError, match="label"):
        est.predict(frame.assign(label=y))


def test_strings_as_labels(slice300):
    from fashionnet.datasets import CLASS_NAMES

    X, y = slice300
    names = np.asarray(CLASS_NAMES)[y]
    est = LeNet5Classifier(**FAST).fit(X, names)
    assert set(est.predict(X[:10])) <= set(CLASS_NAMES)
    assert list(est.classes_) == sorted(CLASS_NAMES)


def test_validation_split_and_early_stopping(slice300):
    X, y = slice300
    est = LeNet5Classifier(
        **{**FAST, "epochs": 30}, validation_split=0.2, early_stopping=0, learning_rate=0.5
    ).fit(X, y)
    assert list(est.history_.columns) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    # patience 0 with a huge learning rate: stops long before 30 epochs
    assert len(est.history_) < 30


def test_callbacks_tensorboard_and_csv(slice300, tmp_path):
    X, y = slice300

    class Count(keras.callbacks.Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            Count.epochs += 1

    est = LeNet5Classifier(
        **{**FAST, "epochs": 2},
        callbacks=[Count()],
        log_dir=tmp_path / "tb",
        csv_log=tmp_path / "log.csv",
    ).fit(X, y)
    assert Count.epochs == 2
    assert any((tmp_path / "tb").rglob("events.out.tfevents.*"))
    logged = pd.read_csv(tmp_path / "log.csv")
    assert list(logged["epoch"]) == [0, 1]
    np.testing.assert_allclose(logged["loss"], est.history_["loss"], rtol=1e-5)


def test_verbose_prints_progress(slice300, capsys):
    X, y = slice300
    LeNet5Classifier(**FAST, verbose=2).fit(X[:100], y[:100])
    assert "loss" in capsys.readouterr().out
    LeNet5Classifier(**FAST).fit(X[:100], y[:100])
    assert capsys.readouterr().out == ""


def test_partial_fit_adds_epochs(slice300):
    X, y = slice300
    est = LeNet5Classifier(**FAST)
    est.partial_fit(X[:100], y[:100], classes=np.arange(10))
    est.partial_fit(X[100:200], y[100:200])
    assert list(est.history_.index) == [0, 1]
    with pytest.raises(ValueError, match="expecting 784 features"):
        est.partial_fit(X[:10, :27, :27], y[:10])


def test_optimizer_forms(slice300):
    X, y = slice300
    for optimizer in ("sgd", keras.optimizers.RMSprop, keras.optimizers.Adam(beta_1=0.8)):
        est = LeNet5Classifier(**FAST, optimizer=optimizer, learning_rate=0.002).fit(X[:64], y[:64])
        assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.002)


def test_learning_rate_schedule(slice300):
    X, y = slice300
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=2)
    est = LeNet5Classifier(**FAST, learning_rate=schedule, batch_size=32).fit(X[:64], y[:64])
    assert int(est.model_.optimizer.iterations) == 2
    # The schedule drives the step size: after 2 steps its cosine has decayed to 0.
    assert float(est.model_.optimizer.learning_rate) == 0.0
    assert clone(est).learning_rate.get_config() == schedule.get_config()


def test_sample_weight(slice300):
    X, y = slice300
    w = np.ones(len(y))
    est = LeNet5Classifier(**FAST).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(
        est.predict_proba(X[:10]), LeNet5Classifier(**FAST).fit(X, y).predict_proba(X[:10])
    )
    with pytest.raises(ValueError, match="one weight per image"):
        LeNet5Classifier(**FAST).fit(X, y, sample_weight=w[:5])


def test_mixed_precision_keeps_float32_probabilities(slice300):
    X, y = slice300
    est = LeNet5Classifier(**FAST, dtype_policy="mixed_bfloat16").fit(X[:100], y[:100])
    assert keras.config.dtype_policy().name == "float32", "the global policy is restored"
    assert est.dtype_policy_ == "mixed_bfloat16"
    convs = [layer for layer in est.model_.layers if isinstance(layer, keras.layers.Conv2D)]
    assert {layer.compute_dtype for layer in convs} == {"bfloat16"}
    assert est.model_.get_layer("classes").compute_dtype == "float32"
    proba = est.predict_proba(X[100:150])
    assert proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize(("native", "expected"), [(True, "mixed_bfloat16"), (False, "float32")])
def test_dtype_policy_auto_is_bfloat16_where_the_device_has_it(
    native, expected, slice300, monkeypatch
):
    from fashionnet import _backend

    monkeypatch.setattr(_backend, "bfloat16_is_native", lambda: native)
    X, y = slice300
    est = LeNet5Classifier(**FAST, dtype_policy="auto").fit(X[:50], y[:50])
    assert est.get_params()["dtype_policy"] == "auto"
    assert est.dtype_policy_ == expected
    assert est.model_.get_layer("classes").compute_dtype == "float32"
    assert keras.config.dtype_policy().name == "float32", "the global policy is restored"


def test_dtype_policy_none_follows_the_global_policy(slice300):
    X, y = slice300
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        est = LeNet5Classifier(**FAST).fit(X[:50], y[:50])
    finally:
        keras.config.set_dtype_policy("float32")
    assert est.dtype_policy_ == "mixed_bfloat16"
    assert est.predict_proba(X[:5]).dtype == np.float32
    assert LeNet5Classifier(**FAST).fit(X[:50], y[:50]).dtype_policy_ == "float32"


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": "fast"}, "LearningRateSchedule"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 1.5}, "epochs"),
        ({"validation_split": 1.0}, "validation_split"),
        ({"early_stopping": -1}, "early_stopping"),
        ({"verbose": 3}, "verbose"),
        ({"optimizer": "nope"}, "optimizer"),
        ({"pooling": "sum"}, "pooling"),
        ({"activation": "nope"}, "activation"),
        ({"dtype_policy": "float16"}, "dtype_policy must be None or one of"),
        ({"time_budget": 0}, "time_budget must be None or a number of seconds > 0"),
        ({"time_budget": float("inf")}, "time_budget"),
        ({"time_budget": "10m"}, "time_budget"),
    ],
)
def test_bad_parameters_fail_clearly_at_fit(params, match, slice300):
    est = LeNet5Classifier(**params)  # no validation in __init__
    with pytest.raises(ValueError, match=match):
        est.fit(*slice300)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.full((4, 784), np.nan), "NaN"),
        (np.full((4, 784), np.inf), "infinite"),
        (np.full((4, 784), 300), "outside 0..255"),
        (np.full((4, 784), 255.0), r"floats from 255 to 255, .* scaled to \[0, 1\]"),
        (np.full((4, 28, 28), -0.5), r"floats from -0.5 to -0.5, .* scaled to \[0, 1\]"),
        (np.zeros((4, 28, 28, 1, 1)), "expected images"),
        (np.zeros(784), "Reshape your data"),
    ],
)
def test_bad_images_fail_clearly(X, match):
    with pytest.raises(ValueError, match=match):
        LeNet5Classifier(**FAST).fit(X, np.arange(len(X)) % 2)


def test_predict_checks_the_fitted_shape(fitted, slice300):
    X, y = slice300
    with pytest.raises(ValueError, match="X has 783 features, but LeNet5Classifier is expecting"):
        fitted.predict(X.reshape(len(X), 784)[:, :783])
    with pytest.raises(ValueError, match="fitted on images of shape"):
        fitted.predict(X.reshape(len(X), 14, 56))
    with pytest.raises(ValueError, match="X has 28 images but y has 27"):
        LeNet5Classifier(**FAST).fit(X[:28], y[:27])
    with pytest.raises(NotFittedError):
        LeNet5Classifier().predict(X[:2])


def test_single_class_and_continuous_targets_are_refused(slice300):
    X, _ = slice300
    with pytest.raises(ValueError, match="1 class"):
        LeNet5Classifier(**FAST).fit(X[:10], np.zeros(10))
    with pytest.raises(ValueError, match="Unknown label type"):
        LeNet5Classifier(**FAST).fit(X[:10], np.linspace(0, 1, 10))


def test_seeded_fit_leaves_numpy_global_generator_alone(slice300):
    X, y = slice300
    # The legacy global generator is what keras.utils.set_random_seed touches.
    np.random.seed(123)  # noqa: NPY002
    expected = np.random.rand(3)  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    LeNet5Classifier(**FAST).fit(X[:50], y[:50])
    np.testing.assert_array_equal(np.random.rand(3), expected)  # noqa: NPY002


def test_initialize_builds_without_training(slice300):
    X, y = slice300
    est = LeNet5Classifier(**FAST).initialize(X[:20], y[:20])
    assert est.history_.empty
    assert est.predict(X[:3]).shape == (3,)
