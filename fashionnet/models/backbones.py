"""The backbone registry: ``keras.applications`` backbones as data.

Backbones are data, not branches: :data:`~fashionnet.models.BACKBONES` maps
a name to the constructor, the ``keras.applications`` module whose
``preprocess_input`` goes in the graph, the study's head and the number of
trainable layers. Any other ``keras.applications`` model is found by name
(:func:`~fashionnet.models.get_backbone`) with a generic default head. This
module also builds a backbone with the weights asked for (ImageNet, a local
file or none), saying what to do when the ImageNet weights cannot be
downloaded, and reads and checks the dense head that
:class:`~fashionnet.models.TransferClassifier` puts on it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras

from ._params import is_int

__all__ = ["Backbone", "BACKBONES", "get_backbone"]


@dataclass(frozen=True)
class Backbone:
    """How to build, preprocess for and fine-tune one ImageNet backbone.

    Parameters
    ----------
    name : str
        Registry key, lower case (``"vgg16"``).
    constructor : str
        Name of the constructor in :mod:`keras.applications` (``"VGG16"``).
    module : str
        Submodule of :mod:`keras.applications` holding its
        ``preprocess_input`` (``"vgg16"``).
    trainable_layers : int
        How many of the backbone's last layers are fine-tuned by default.
    head : tuple
        Default dense head: an int is a ``Dense(units, "relu")``, a float in
        (0, 1) a ``Dropout(rate)``.
    min_size : int
        Smallest input side the backbone accepts.
    """

    name: str
    constructor: str
    module: str
    trainable_layers: int
    head: tuple
    min_size: int = 32

    def build(self, input_size: int, weights: Any) -> keras.Model:
        """Return the backbone without its top, for ``input_size`` squares."""
        constructor = getattr(keras.applications, self.constructor)
        return constructor(
            include_top=False, weights=weights, input_shape=(input_size, input_size, 3)
        )


#: The study's two backbones, with its heads and trainable layers.
BACKBONES: dict[str, Backbone] = {
    "vgg16": Backbone(
        name="vgg16",
        constructor="VGG16",
        module="vgg16",
        trainable_layers=5,
        head=(1024, 1024, 1024, 0.5, 512, 512, 0.4, 256, 64, 64, 0.2),
    ),
    "resnet152v2": Backbone(
        name="resnet152v2",
        constructor="ResNet152V2",
        module="resnet_v2",
        trainable_layers=64,
        head=(1024, 1024, 1024, 1024, 0.2, 512, 512, 256, 256, 0.2),
    ),
}

#: Head and fine-tuning of backbones the study did not use: train the head only.
_GENERIC_HEAD = (256, 0.2)


def get_backbone(name: str) -> Backbone:
    """Look a backbone up by name, in :data:`BACKBONES` or ``keras.applications``.

    Parameters
    ----------
    name : str
        Case-insensitive: ``"vgg16"``, ``"ResNet152V2"``, ``"mobilenetv2"``...

    Returns
    -------
    Backbone
        The registry entry; for models outside :data:`BACKBONES`, one with a
        ``(256, 0.2)`` head and no trainable backbone layers.

    Raises
    ------
    ValueError
        When no ``keras.applications`` model has that name.

    Examples
    --------
    >>> from fashionnet.models import get_backbone
    >>> get_backbone("VGG16").trainable_layers
    5
    >>> get_backbone("mobilenetv2").module
    'mobilenet_v2'
    """
    if not isinstance(name, str):
        raise TypeError(f"backbone must be a name (str); got {type(name).__name__}.")
    key = name.lower()
    if key in BACKBONES:
        return BACKBONES[key]
    constructors = {
        attr.lower(): attr
        for attr in dir(keras.applications)
        if attr[:1].isupper() and callable(getattr(keras.applications, attr))
    }
    if key not in constructors:
        raise ValueError(
            f"unknown backbone {name!r}; use one of {sorted(BACKBONES)} or any "
            f"keras.applications model: {sorted(constructors)}."
        )
    constructor = constructors[key]
    module = getattr(keras.applications, constructor).__module__.rsplit(".", 1)[-1]
    if not hasattr(getattr(keras.applications, module, None), "preprocess_input"):
        raise ValueError(f"backbone {name!r} has no preprocess_input in keras.applications.")
    return Backbone(
        name=key, constructor=constructor, module=module, trainable_layers=0, head=_GENERIC_HEAD
    )


def _head_layers(spec: Backbone, head: Any, dropout: Any) -> list:
    """The head's items: ``head`` or the backbone's, their rates replaced by ``dropout``."""
    head = spec.head if head is None else head
    if isinstance(head, (str, bytes)) or not hasattr(head, "__iter__"):
        raise ValueError(
            f"TransferClassifier: head must be a sequence such as (256, 0.2, 64); got {head!r}."
        )
    items = list(head)
    if dropout is not None:
        items = [float(dropout) if isinstance(i, float) else i for i in items]
    return items


def _valid_head(head: Any, backbone: str, dropout: Any) -> bool:
    """Accept a head of units and rates; refuse the first bad item, naming it."""
    for item in _head_layers(get_backbone(backbone), head, dropout):
        valid_units = is_int(item) and item >= 1
        valid_rate = isinstance(item, float) and 0 <= item < 1
        if not (valid_units or valid_rate):
            raise ValueError(
                "TransferClassifier: head items must be units (int >= 1) or dropout "
                f"rates (float in [0, 1)); got {item!r} in head={head!r}."
            )
    return True


def _build_backbone(spec: Backbone, size: int, weights: Any) -> keras.Model:
    """The backbone for ``size`` squares, with ImageNet, a file's or random weights."""
    if weights is None:
        return spec.build(size, None)
    if weights == "imagenet":
        try:
            return spec.build(size, "imagenet")
        except Exception as exc:  # Keras raises a bare Exception on fetch failure
            raise OSError(_download_help(spec, exc)) from exc
    base = spec.build(size, None)
    try:
        base.load_weights(os.fspath(weights))
    except Exception as exc:
        raise ValueError(
            f"could not load {spec.name} weights from {os.fspath(weights)!r}: {exc}. The file "
            f"must hold the weights of keras.applications.{spec.constructor}(include_top=False)."
        ) from exc
    return base


def _download_help(spec: Backbone, exc: Exception) -> str:
    """What to do when the ImageNet weights cannot be downloaded: the file and where."""
    urls = re.findall(r"https?://\S+?\.h5", str(exc))
    file_name = urls[0].rsplit("/", 1)[-1] if urls else f"the {spec.name} no-top weights file"
    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"
    where = f" from {urls[0]}" if urls else ""
    return (
        f"could not download the ImageNet weights of {spec.name} ({exc}). Without internet, "
        f"copy {file_name}{where} into {cache}/ (Keras' cache), or pass weights=<path to "
        "a local weights file>, or weights=None to start from random weights."
    )
