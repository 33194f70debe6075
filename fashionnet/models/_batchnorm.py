"""Batch normalisation in one fused operation on TensorFlow.

Keras 3's :class:`keras.layers.BatchNormalization` computes the batch's
moments and the normalisation as a chain of separate operations (casts to
float32 and back under a mixed policy, a mean, a variance, a scale and a
shift, each with its gradient). On a CPU these element-wise passes over the
large early activations cost more than the convolutions around them: the
compact ResNet trained 1.6 times as many images a second with TensorFlow's
fused kernel (``FusedBatchNormV3``) in their place (about 3350 against
2070 images/s on 2 cores; ``benchmarks/bench_fit.py --accuracy --model
resnet`` gives the fit's figures).

:class:`FusedBatchNormalization` is that layer with its TensorFlow path
swapped for the fused operation (``tf.compat.v1.nn.fused_batch_norm``, the
public entry point of the same kernel that Keras 2 used). Everything else is
Keras' own: its weights, its configuration, its behaviour on JAX and
PyTorch, with a mask, with renormalisation or synchronised statistics, or
on any axis but the last, where the layer simply calls Keras'
implementation.
"""

from __future__ import annotations

import keras

__all__ = ["FusedBatchNormalization"]


@keras.saving.register_keras_serializable(package="fashionnet")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """:class:`keras.layers.BatchNormalization` computed by TensorFlow's fused kernel.

    Same parameters, weights and saved configuration as Keras' layer; on
    TensorFlow, with channels last, training normalises with the batch's
    moments and updates the moving statistics in one operation, and
    inference uses the moving statistics in one operation. Two differences
    from Keras' arithmetic, both as in Keras 2: the batch variance that
    enters the moving variance is the unbiased one (divided by ``n - 1``,
    ``n`` being the batch's pixels per channel, at least a thousand in the
    compact ResNet), and a float16 or bfloat16 input is normalised with
    float32 statistics inside the kernel instead of being cast to float32
    first. The output has the layer's compute dtype, as Keras'.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.models._batchnorm import FusedBatchNormalization
    >>> layer = FusedBatchNormalization(momentum=0.9)
    >>> x = np.random.default_rng(0).normal(3.0, 2.0, (64, 4, 4, 8)).astype("float32")
    >>> y = np.asarray(layer(x, training=True))
    >>> bool(abs(y.mean()) < 1e-3 and abs(y.std() - 1) < 1e-2)
    True
    """

    def _fused(self, inputs, mask) -> bool:
        """Whether TensorFlow's fused kernel computes this call (else Keras' own code)."""
        return (
            keras.backend.backend() == "tensorflow"
            and mask is None
            and not getattr(self, "renorm", False)
            and not getattr(self, "synchronized", False)
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
        )

    def call(self, inputs, training=None, mask=None):
        if not self._fused(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        ops = keras.ops
        channels = inputs.shape[-1]
        scale = ops.cast(self.gamma, "float32") if self.scale else ops.ones((channels,))
        offset = ops.cast(self.beta, "float32") if self.center else ops.zeros((channels,))
        # Training normalises with the batch's moments and returns the moving
        # averages updated by ``1 - momentum``; inference uses the moving ones.
        learning = bool(training and self.trainable)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs,
            scale,
            offset,
            mean=self.moving_mean,
            variance=self.moving_variance,
            epsilon=self.epsilon,
            is_training=learning,
            exponential_avg_factor=1.0 - self.momentum if learning else 1.0,
        )
        if learning:
            self.moving_mean.assign(mean)
            self.moving_variance.assign(variance)
        return ops.cast(outputs, self.compute_dtype)
