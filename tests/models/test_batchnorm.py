"""FusedBatchNormalization computes what Keras' BatchNormalization computes."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.models._batchnorm import FusedBatchNormalization


def _pair(**kwargs):
    """Keras' layer and ours, built alike, with the same (non-trivial) weights."""
    keras_bn = keras.layers.BatchNormalization(**kwargs)
    fused = FusedBatchNormalization(**kwargs)
    return keras_bn, fused


def _build_alike(layers, shape, seed=0):
    rng = np.random.default_rng(seed)
    for layer in layers:
        layer.build(shape)
    weights = [rng.normal(1.0, 0.3, w.shape).astype("float32") for w in layers[0].get_weights()]
    weights[-1] = np.abs(weights[-1]) + 0.5  # a moving variance is positive
    for layer in layers:
        layer.set_weights(weights)


@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(2, 16),
    side=st.integers(1, 6),
    channels=st.integers(1, 8),
    loc=st.floats(-5, 5),
    spread=st.floats(0.1, 10),
)
def test_training_and_inference_match_keras(n, side, channels, loc, spread):
    x = np.random.default_rng(n).normal(loc, spread, (n, side, side, channels)).astype("float32")
    keras_bn, fused = _pair(momentum=0.9)
    _build_alike([keras_bn, fused], x.shape)
    # float32 rounding of the moments grows with the mean against the spread.
    atol = 2e-5 * max(1.0, abs(loc) / spread)
    np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), atol=atol)
    np.testing.assert_allclose(fused.moving_mean, keras_bn.moving_mean, rtol=1e-5, atol=1e-6)
    expected = keras_bn.moving_variance.numpy()
    if keras.backend.backend() == "tensorflow":
        # The fused kernel feeds the unbiased batch variance into the moving one.
        pixels = n * side * side
        batch_var = x.var(axis=(0, 1, 2))
        expected = expected + 0.1 * (batch_var * pixels / max(pixels - 1, 1) - batch_var)
    np.testing.assert_allclose(fused.moving_variance, expected, rtol=1e-4, atol=1e-5)
    fused.moving_variance.assign(keras_bn.moving_variance)
    np.testing.assert_allclose(fused(x, training=False), keras_bn(x, training=False), atol=atol)


def test_one_training_step_matches_keras():
    """Gradients through the fused kernel: one SGD step moves every weight as Keras' does."""
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, (32, 5, 5, 3)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 4, 32), 4)

    def model(bn):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((5, 5, 3))
        h = keras.layers.Conv2D(6, 3, padding="same", use_bias=False)(inputs)
        h = bn(h)
        h = keras.layers.ReLU()(h)
        h = keras.layers.GlobalAveragePooling2D()(h)
        m = keras.Model(inputs, keras.layers.Dense(4, activation="softmax")(h))
        m.compile(keras.optimizers.SGD(0.5), "categorical_crossentropy")
        return m

    ours, theirs = model(FusedBatchNormalization()), model(keras.layers.BatchNormalization())
    theirs.set_weights(ours.get_weights())
    for _ in range(3):
        loss_ours = ours.train_on_batch(x, y)
        loss_theirs = theirs.train_on_batch(x, y)
    np.testing.assert_allclose(loss_ours, loss_theirs, rtol=1e-4)
    for a, b in zip(ours.trainable_weights, theirs.trainable_weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=a.path)


def test_mixed_precision_output_dtype_and_values():
    x = np.random.default_rng(1).normal(0.5, 2.0, (16, 4, 4, 5)).astype("float32")
    keras_bn, fused = _pair(dtype="mixed_bfloat16")
    _build_alike([keras_bn, fused], x.shape)
    out, ref = fused(x, training=True), keras_bn(x, training=True)
    assert keras.backend.standardize_dtype(out.dtype) == "bfloat16"
    np.testing.assert_allclose(
        np.asarray(keras.ops.cast(out, "float32")),
        np.asarray(keras.ops.cast(ref, "float32")),
        atol=0.05,
    )


@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"center": False, "scale": False}])
def test_other_axes_and_no_affine_match_keras(kwargs):
    x = np.random.default_rng(2).normal(1.0, 2.0, (8, 3, 4, 4)).astype("float32")
    keras_bn, fused = _pair(**kwargs)
    _build_alike([keras_bn, fused], x.shape)
    np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True), atol=2e-5)
    fused.moving_variance.assign(keras_bn.moving_variance)  # unbiased against biased
    np.testing.assert_allclose(fused(x, training=False), keras_bn(x, training=False), atol=2e-5)


def test_saved_model_loads_in_safe_mode(tmp_path):
    inputs = keras.Input((4, 4, 2))
    model = keras.Model(inputs, FusedBatchNormalization(momentum=0.8, name="bn")(inputs))
    x = np.random.default_rng(3).normal(size=(8, 4, 4, 2)).astype("float32")
    model(x, training=True)
    path = tmp_path / "bn.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded.get_layer("bn")) is FusedBatchNormalization
    assert loaded.get_layer("bn").momentum == pytest.approx(0.8)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
