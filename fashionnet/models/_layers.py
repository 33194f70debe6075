"""In-graph preprocessing: the steps a saved model carries with it.

The estimators feed Keras the user's pixels as they are (uint8 or floats, in
the layout seen at fit) and let the first layers of the model reshape, scale,
pad or resize and stack channels. Training therefore never materialises a
float copy of the data set, and a model loaded elsewhere still accepts raw
pixels. Only Keras 3's public API is used (``keras.layers``, ``keras.ops``),
so the layers run on any backend; the two custom layers are registered with
:func:`keras.saving.register_keras_serializable` and load in safe mode.
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["StackChannels", "BackbonePreprocess", "image_preprocessing"]

_PACKAGE = "fashionnet"


@keras.saving.register_keras_serializable(package=_PACKAGE)
class StackChannels(keras.layers.Layer):
    """Repeat a single grey channel into ``channels`` identical channels.

    Parameters
    ----------
    channels : int, default=3
        Number of output channels. Inputs with that many channels already
        pass through unchanged.
    """

    def __init__(self, channels: int = 3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels = int(channels)

    def call(self, inputs):
        if inputs.shape[-1] == self.channels:
            return inputs
        return keras.ops.repeat(inputs, self.channels, axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.channels)

    def get_config(self) -> dict:
        return {**super().get_config(), "channels": self.channels}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class BackbonePreprocess(keras.layers.Layer):
    """Apply a ``keras.applications`` module's ``preprocess_input`` in the graph.

    Parameters
    ----------
    module : str
        Name of the submodule of :mod:`keras.applications` whose
        ``preprocess_input`` is applied, e.g. ``"vgg16"`` or ``"resnet_v2"``.
        Inputs are expected in 0..255, as that function wants them.
    """

    def __init__(self, module: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.module = str(module)
        self._preprocess = _preprocess_function(self.module)

    def call(self, inputs):
        return self._preprocess(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "module": self.module}


def _preprocess_function(module: str):
    # Only names of keras.applications submodules are accepted, so a config
    # loaded in safe mode cannot point this layer at arbitrary code.
    submodule = getattr(keras.applications, module, None)
    function = getattr(submodule, "preprocess_input", None)
    if not module.isidentifier() or function is None:
        raise ValueError(
            f"{module!r} is not a keras.applications module with a preprocess_input "
            "function (e.g. 'vgg16', 'resnet_v2', 'mobilenet_v2')."
        )
    return function


def image_preprocessing(
    inputs,
    *,
    image_shape: tuple[int, int, int],
    scale: float,
    size: tuple[int, int],
    pad_small: bool,
    channels: int | None = None,
    standardize: tuple[float, float] | None = None,
):
    """Chain the preprocessing layers from raw model inputs to network inputs.

    Parameters
    ----------
    inputs : KerasTensor
        The model input, in the layout the estimator was fitted on.
    image_shape : tuple of int
        ``(H, W, C)`` of one image.
    scale : float
        Factor applied after casting to float (1/255 maps uint8 to 0..1).
    size : tuple of int
        ``(height, width)`` the network expects.
    pad_small : bool
        Zero-pad images no larger than ``size`` on both sides (LeNet-5's
        28 -> 32 border) instead of resizing them. Larger images are resized.
    channels : int or None, default=None
        Stack a grey channel into this many channels (3 for ImageNet
        backbones); None keeps the channels as they are.
    standardize : tuple of (float, float) or None, default=None
        ``(mean, std)`` of the scaled training pixels: after padding (so the
        border keeps the background's value) the pixels become
        ``(x - mean) / std``. None leaves them scaled only.

    Returns
    -------
    KerasTensor
        The preprocessed batch, float32 of shape ``(n, *size, C)``.
    """
    height, width, _ = image_shape
    x = inputs
    if tuple(x.shape[1:]) != tuple(image_shape):
        x = keras.layers.Reshape(image_shape, name="to_image")(x)
    x = keras.layers.Rescaling(scale, name="scale")(x)
    if (height, width) != tuple(size):
        if pad_small and height <= size[0] and width <= size[1]:
            top, left = (size[0] - height) // 2, (size[1] - width) // 2
            padding = ((top, size[0] - height - top), (left, size[1] - width - left))
            x = keras.layers.ZeroPadding2D(padding, name="pad")(x)
        else:
            x = keras.layers.Resizing(*size, interpolation="bilinear", name="resize")(x)
    if standardize is not None:
        mean, std = standardize
        x = keras.layers.Rescaling(1.0 / std, offset=-mean / std, name="standardize")(x)
    if channels is not None and image_shape[2] != channels:
        if image_shape[2] != 1:
            raise ValueError(
                f"cannot turn {image_shape[2]}-channel images into {channels} channels; "
                f"pass grey images (1 channel) or images with {channels} channels."
            )
        x = StackChannels(channels, name="stack_channels")(x)
    return x
