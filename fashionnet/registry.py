"""The models fashionnet knows, by key: one registry for the whole package.

The ``fashionnet train --model`` choices, the class lookup of
:func:`fashionnet.models.load_model`, the study's model stages and the
lazy top-level exports of :mod:`fashionnet` all read :func:`registered_models`.
An entry names its estimator class as ``"module:Class"`` text, so this module
(and ``import fashionnet``, the CLI's ``--help``) never imports Keras: the
class is imported when a model is first made or loaded.

Adding a model is one module under :mod:`fashionnet.models` and one
:func:`register_model` call below (the docs' developer notes show both).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "ModelSpec",
    "register_model",
    "get_model",
    "registered_models",
    "estimator_classes",
]


@dataclass(frozen=True)
class ModelSpec:
    """One registered model: its key, its estimator and what the study knows of it.

    Parameters
    ----------
    key : str
        The name users type: ``fashionnet train --model KEY``, study stage
        names, ``metrics.json`` keys. Lower case letters and digits.
    display : str
        Human name in reports (``"LeNet-5"``).
    estimator : str
        ``"module:Class"`` of the scikit-learn estimator class.
    params : Mapping, default={}
        Constructor arguments fixed by the key (``{"backbone": "vgg16"}``):
        users cannot override them with ``--param``.
    summary : str, default=""
        One sentence on the architecture, for reports and ``--help``.
    pretrained : bool, default=False
        Whether the model starts from ImageNet weights (its ``weights``
        parameter); reports compare such models with those trained from
        scratch.
    study_accuracy : float or None, default=None
        The study's published test accuracy of this model; None for models
        beyond the study.
    """

    key: str
    display: str
    estimator: str
    params: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    pretrained: bool = False
    study_accuracy: float | None = None

    def __post_init__(self) -> None:
        if not (self.key.isalnum() and self.key == self.key.lower()):
            raise ValueError(f"model key {self.key!r} must be lower-case letters and digits.")
        module, _, name = self.estimator.partition(":")
        if not (module and name.isidentifier()):
            raise ValueError(f"estimator {self.estimator!r} must read 'package.module:Class'.")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    @property
    def module(self) -> str:
        """The module that defines the estimator class."""
        return self.estimator.partition(":")[0]

    @property
    def class_name(self) -> str:
        """The estimator class's name."""
        return self.estimator.partition(":")[2]

    def load(self) -> type:
        """Import and return the estimator class."""
        return getattr(importlib.import_module(self.module), self.class_name)

    def parameter_names(self) -> list[str]:
        """The estimator parameters a user may set (the key's fixed ones left out)."""
        return sorted(set(self.load()._get_param_names()) - set(self.params))

    def check_params(self, params: Mapping[str, Any]) -> None:
        """Refuse, naming it, a parameter the estimator lacks or the key fixes.

        Raises
        ------
        ValueError
            ``"bad parameter 'name': ..."`` with the valid names.
        """
        for name in params:
            if name in self.params:
                raise ValueError(
                    f"bad parameter {name!r}: the model {self.key!r} fixes "
                    f"{name}={self.params[name]!r}; pick another model instead."
                )
            if name not in self.parameter_names():
                raise ValueError(
                    f"bad parameter {name!r}: {self.class_name} has no such parameter; "
                    f"valid names: {', '.join(self.parameter_names())}."
                )

    def make(self, **params: Any) -> Any:
        """A new estimator with the key's fixed parameters and ``params``.

        Raises
        ------
        ValueError
            When ``params`` names a parameter the estimator does not have,
            or one the key fixes.

        Examples
        --------
        >>> from fashionnet.registry import get_model
        >>> get_model("vgg16").make(epochs=2).get_params()["backbone"]
        'vgg16'
        """
        self.check_params(params)
        return self.load()(**self.params, **params)


_REGISTRY: dict[str, ModelSpec] = {}


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry; its key must be new.

    Parameters
    ----------
    spec : ModelSpec
        The entry.

    Returns
    -------
    ModelSpec
        ``spec``, registered.
    """
    if spec.key in _REGISTRY:
        raise ValueError(f"a model is already registered as {spec.key!r}.")
    _REGISTRY[spec.key] = spec
    return spec


def registered_models() -> tuple[ModelSpec, ...]:
    """Every registered model, in registration order.

    Examples
    --------
    >>> from fashionnet.registry import registered_models
    >>> [spec.key for spec in registered_models()][:3]
    ['lenet5', 'vgg16', 'resnet152v2']
    """
    return tuple(_REGISTRY.values())


def get_model(key: str) -> ModelSpec:
    """The registered model called ``key`` (case, ``-`` and ``_`` ignored).

    Raises
    ------
    ValueError
        For an unknown key; the message lists the known ones.

    Examples
    --------
    >>> from fashionnet.registry import get_model
    >>> get_model("LeNet-5").display
    'LeNet-5'
    """
    normal = str(key).lower().replace("-", "").replace("_", "")
    if normal not in _REGISTRY:
        raise ValueError(f"unknown model {key!r}; choose one of {', '.join(_REGISTRY)}.")
    return _REGISTRY[normal]


def estimator_classes() -> dict[str, type]:
    """The registered estimator classes by class name (imports them)."""
    return {spec.class_name: spec.load() for spec in registered_models()}


register_model(
    ModelSpec(
        key="lenet5",
        display="LeNet-5",
        estimator="fashionnet.models.lenet:LeNet5Classifier",
        summary="32x32x1 input; Conv2D(6, 5, tanh), AveragePooling2D(2), sigmoid, "
        "Conv2D(16, 5, tanh), AveragePooling2D(2), sigmoid, Conv2D(120, 5, tanh), Flatten, "
        "Dense(84, tanh), Dense(10, softmax); trained from scratch.",
        study_accuracy=0.8544,
    )
)
register_model(
    ModelSpec(
        key="vgg16",
        display="VGG16",
        estimator="fashionnet.models.transfer:TransferClassifier",
        params={"backbone": "vgg16"},
        summary="VGG16 backbone (keras.applications) with the study's dense head, fine-tuned.",
        pretrained=True,
        study_accuracy=0.9237,
    )
)
register_model(
    ModelSpec(
        key="resnet152v2",
        display="ResNet152V2",
        estimator="fashionnet.models.transfer:TransferClassifier",
        params={"backbone": "resnet152v2"},
        summary="ResNet152V2 backbone (keras.applications) with the study's dense head, "
        "fine-tuned.",
        pretrained=True,
        study_accuracy=0.9166,
    )
)
register_model(
    ModelSpec(
        key="resnet",
        display="Compact ResNet",
        estimator="fashionnet.models.resnet:ResNetClassifier",
        summary="a compact residual CNN (ResNet-9 layout) for 28x28 grey images, trained "
        "from scratch with in-graph augmentation, label smoothing, weight decay and a "
        "warm-up plus cosine learning-rate schedule; beyond the study.",
    )
)
