"""In-graph preprocessing: the steps a saved model carries with it.

The estimators feed Keras the user's pixels as they are (uint8 or floats, in
the layout seen at fit) and let the first layers of the model reshape, scale,
pad or resize and stack channels. Training therefore never materialises a
float copy of the data set, and a model loaded elsewhere still accepts raw
pixels. Only Keras 3's public API is used (``keras.layers``, ``keras.ops``,
``keras.random``), so the layers run on any backend; the custom layers are
registered with :func:`keras.saving.register_keras_serializable` and load in
safe mode. Training-time augmentation (:func:`augmentation_layers`) is part
of the graph too, and like every Keras augmentation layer it is the identity
when the model runs with ``training=False``, as in ``predict``.
"""

from __future__ import annotations

import math
from typing import Any

import keras

__all__ = [
    "StackChannels",
    "BackbonePreprocess",
    "RandomErasing",
    "augmentation_layers",
    "image_preprocessing",
    "mirror_images",
    "shift_images",
]

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


@keras.saving.register_keras_serializable(package=_PACKAGE)
class RandomErasing(keras.layers.Layer):
    """Random erasing: overwrite a random rectangle of each image with noise, in training only.

    As in Zhong et al., "Random Erasing Data Augmentation" (AAAI 2020): each
    image, with probability ``probability``, gets one rectangle whose area is
    a uniform fraction ``area`` of the image and whose aspect ratio
    (height / width) is log-uniform in ``aspect_ratio``, at a uniform
    position, filled with uniform noise in ``value_range``. With
    ``training=False`` the layer returns its input unchanged.

    ``keras.layers.RandomErasing`` (Keras >= 3.8 only) samples the two side
    ratios independently instead of the paper's area and aspect ratio; this
    layer needs only Keras 3.0's ``keras.ops`` and ``keras.random``.

    Parameters
    ----------
    probability : float, default=0.5
        Chance that an image is erased.
    area : tuple of (float, float), default=(0.02, 0.25)
        Range of the erased fraction of the image.
    aspect_ratio : tuple of (float, float), default=(0.3, 3.3)
        Range of the rectangle's height / width.
    value_range : tuple of (float, float), default=(0.0, 1.0)
        Range of the noise that fills the rectangle (the pixels' range).
    seed : int or None, default=None
        Seed of the layer's random generator.
    """

    def __init__(
        self,
        probability: float = 0.5,
        area: tuple[float, float] = (0.02, 0.25),
        aspect_ratio: tuple[float, float] = (0.3, 3.3),
        value_range: tuple[float, float] = (0.0, 1.0),
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.probability = float(probability)
        self.area = tuple(float(a) for a in area)
        self.aspect_ratio = tuple(float(r) for r in aspect_ratio)
        self.value_range = tuple(float(v) for v in value_range)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training or self.probability <= 0:
            return inputs
        ops = keras.ops
        height, width = inputs.shape[-3], inputs.shape[-2]
        n = ops.shape(inputs)[0]

        def uniform(low=0.0, high=1.0):
            return keras.random.uniform((n,), low, high, seed=self.seed_generator)

        area = uniform(*self.area) * (height * width)
        ratio = ops.exp(uniform(*(math.log(r) for r in self.aspect_ratio)))
        box_h = ops.minimum(ops.sqrt(area * ratio), float(height))
        box_w = ops.minimum(ops.sqrt(area / ratio), float(width))
        top = uniform() * (height - box_h)
        left = uniform() * (width - box_w)
        erase = uniform() < self.probability
        rows = ops.arange(height, dtype="float32")[None, :, None]
        cols = ops.arange(width, dtype="float32")[None, None, :]

        def column(v):
            return v[:, None, None]

        inside = (
            (rows >= column(top))
            & (rows < column(top + box_h))
            & (cols >= column(left))
            & (cols < column(left + box_w))
            & column(erase)
        )
        noise = keras.random.uniform(
            ops.shape(inputs), *self.value_range, dtype=inputs.dtype, seed=self.seed_generator
        )
        return ops.where(inside[..., None], noise, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "probability": self.probability,
            "area": self.area,
            "aspect_ratio": self.aspect_ratio,
            "value_range": self.value_range,
            "seed": self.seed,
        }


def augmentation_layers(
    *, shift: float = 0.1, erasing: float = 0.5, interpolation: str = "nearest"
) -> list[keras.layers.Layer]:
    """Training-time augmentation of grey images in 0..1: flip, shift, erase.

    Parameters
    ----------
    shift : float, default=0.1
        Largest shift, as a fraction of the height and of the width; the
        uncovered border is background (0).
    erasing : float, default=0.5
        Probability of :class:`RandomErasing`; 0 leaves it out.
    interpolation : {"nearest", "bilinear"}, default="nearest"
        How a shift reads the pixels: ``"nearest"`` moves them by whole
        pixels, so a shifted image is as sharp as the images predicted on
        (and as the whole-pixel views of test-time augmentation); Keras'
        default ``"bilinear"`` blurs the fractional shifts.

    Returns
    -------
    list of keras.layers.Layer
        Horizontal :class:`keras.layers.RandomFlip`,
        :class:`keras.layers.RandomTranslation`, then :class:`RandomErasing`.
        Each is the identity with ``training=False``.
    """
    layers = [
        keras.layers.RandomFlip("horizontal", name="flip"),
        keras.layers.RandomTranslation(
            shift,
            shift,
            fill_mode="constant",
            fill_value=0.0,
            interpolation=interpolation,
            name="shift",
        ),
    ]
    if erasing > 0:
        layers.append(RandomErasing(erasing, name="erase"))
    return layers


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
    augmentation: list[keras.layers.Layer] | None = None,
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
    augmentation : list of keras.layers.Layer or None, default=None
        Training-time augmentation (e.g. :func:`augmentation_layers`),
        applied to the scaled, padded or resized images before
        standardisation, so that their fill values are the pixels' own.

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
    for layer in augmentation or ():
        x = layer(x)
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


def mirror_images(x, image_shape: tuple[int, int, int]):
    """Left-right mirror images of a batch ``x`` in any layout of ``image_shape`` images.

    Written with ``keras.ops``, so ``x`` may be a NumPy array (the result is
    a backend tensor) or a symbolic Keras tensor (the mirror becomes part of
    a model's graph, as in an exported model).

    Parameters
    ----------
    x : array or KerasTensor
        A batch ``(n, *layout)`` whose rows hold ``prod(image_shape)`` pixels.
    image_shape : tuple of int
        ``(H, W, C)`` of one image.

    Returns
    -------
    tensor
        The mirrored batch, in the layout of ``x``.
    """
    layout = tuple(x.shape[1:])
    images = keras.ops.reshape(x, (-1, *image_shape))
    return keras.ops.reshape(keras.ops.flip(images, axis=2), (-1, *layout))


def shift_images(x, image_shape: tuple[int, int, int], rows: int, cols: int):
    """Images of a batch ``x`` moved by whole pixels, the uncovered border set to 0.

    The test-time twin of the training shifts of :func:`augmentation_layers`
    (whose uncovered border is 0 too). Written with ``keras.ops``, as
    :func:`mirror_images`.

    Parameters
    ----------
    x : array or KerasTensor
        A batch ``(n, *layout)`` whose rows hold ``prod(image_shape)`` pixels.
    image_shape : tuple of int
        ``(H, W, C)`` of one image.
    rows, cols : int
        Pixels to move the content down (negative: up) and right (negative:
        left); each smaller than the image's side.

    Returns
    -------
    tensor
        The shifted batch, in the layout and pixel type of ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.models._layers import shift_images
    >>> image = np.arange(1, 10, dtype="uint8").reshape(1, 3, 3)
    >>> np.asarray(shift_images(image, (3, 3, 1), 1, -1))[0]
    array([[0, 0, 0],
           [2, 3, 0],
           [5, 6, 0]], dtype=uint8)
    """
    height, width, _ = image_shape
    if not (abs(rows) < height and abs(cols) < width):
        raise ValueError(
            f"a shift of ({rows}, {cols}) pixels leaves nothing of a {height} x {width} image; "
            "shift by less than its side."
        )
    layout = tuple(x.shape[1:])
    images = keras.ops.reshape(x, (-1, *image_shape))
    padding = [
        [0, 0],
        [max(rows, 0), max(-rows, 0)],
        [max(cols, 0), max(-cols, 0)],
        [0, 0],
    ]
    padded = keras.ops.pad(images, padding)
    top, left = max(-rows, 0), max(-cols, 0)
    shifted = padded[:, top : top + height, left : left + width, :]
    return keras.ops.reshape(shifted, (-1, *layout))
