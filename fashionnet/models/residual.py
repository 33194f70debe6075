"""The compact residual network's architecture, apart from its training recipe.

A plain function of Keras tensors, so that the architecture can be read,
tested and reused apart from the estimator's training recipe
(:mod:`fashionnet.models.resnet`), which builds it behind its in-graph
preprocessing and ahead of its classes layer.
"""

from __future__ import annotations

import keras

from ._batchnorm import FusedBatchNormalization

__all__ = ["residual_network", "l2_penalty"]


def l2_penalty(weight_decay: float):
    """The L2 penalty whose gradient is ``weight_decay * w`` (PyTorch's SGD weight decay)."""
    return keras.regularizers.L2(weight_decay / 2) if weight_decay else None


def residual_network(x, *, width: int = 16, depth: int = 1, weight_decay: float = 0.0):
    """Stack the residual body on preprocessed images; return the pooled features.

    The layout of the "ResNet-9" that Myrtle.ai's DAWNBench entries train
    fast on CIFAR-10, for small grey images: a 3 x 3 stem convolution of
    ``width`` channels at full resolution, then three stages of
    ``2 * width``, ``4 * width`` and ``8 * width`` channels, each a 3 x 3
    convolution and a 2 x 2 max pooling (so the full-resolution work is
    two layers deep and the channels grow where the images are small). The
    first and the last stage go on with ``depth`` residual blocks of two
    3 x 3 convolutions around an identity shortcut; the middle one has none,
    as in ResNet-9 (blocks there cost a fifth more time and gained nothing
    on Fashion-MNIST). Every convolution is followed by batch normalisation
    and ReLU (:class:`~fashionnet.models._batchnorm.FusedBatchNormalization`,
    Keras' layer computed by TensorFlow's fused kernel where it can be,
    1.6 times as fast on a CPU). Global average pooling ends the body. For 28 x 28 images the
    stages run at 14, 7 and 3 pixels.

    Parameters
    ----------
    x : KerasTensor
        Images ``(n, H, W, C)``, standardised.
    width : int, default=16
        Channels of the stem; the stages have 2, 4 and 8 times as many.
    depth : int, default=1
        Residual blocks after the first and after the last stage.
    weight_decay : float, default=0.0
        L2 penalty on the convolution kernels (``weight_decay / 2 * ||w||^2``).

    Returns
    -------
    KerasTensor
        ``(n, 8 * width)`` features.
    """
    regularizer = l2_penalty(weight_decay)

    def conv_bn_relu(x, filters: int, name: str):
        x = keras.layers.Conv2D(
            filters,
            3,
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer=regularizer,
            name=f"{name}_conv",
        )(x)
        x = FusedBatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
        return keras.layers.ReLU(name=f"{name}_relu")(x)

    x = conv_bn_relu(x, width, "stem")
    blocks = {1: depth, 2: 0, 3: depth}  # ResNet-9's: none in the middle stage
    for stage, n_blocks in blocks.items():
        filters = width * 2**stage
        x = conv_bn_relu(x, filters, f"stage{stage}")
        # An odd side loses its last row or column (7 -> 3 costs a tenth less
        # time than 7 -> 4, for the same accuracy); a 1-pixel side stays 1.
        padding = "valid" if min(x.shape[1], x.shape[2]) >= 2 else "same"
        x = keras.layers.MaxPooling2D(2, padding=padding, name=f"stage{stage}_pool")(x)
        for block in range(1, n_blocks + 1):
            name = f"stage{stage}_block{block}"
            y = conv_bn_relu(x, filters, f"{name}a")
            y = conv_bn_relu(y, filters, f"{name}b")
            x = keras.layers.Add(name=f"{name}_add")([x, y])
    return keras.layers.GlobalAveragePooling2D(name="pool")(x)
