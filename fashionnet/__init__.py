"""fashionnet: the Fashion-MNIST study as scikit-learn building blocks on Keras 3.

Importing :mod:`fashionnet` is cheap: TensorFlow and Keras load only when a
model is built. Submodules:

- :mod:`fashionnet.datasets` -- the real Fashion-MNIST (IDX and Kaggle CSV).
- :mod:`fashionnet.audit` -- :class:`~fashionnet.audit.DataAuditor`.
- :mod:`fashionnet.preprocessing` -- reshape, pad, resize, stack, scale.
- :mod:`fashionnet.registry` -- the models fashionnet knows, by key.
- :mod:`fashionnet.models` -- ``LeNet5Classifier`` and ``TransferClassifier``.
- :mod:`fashionnet.tuning` -- keras-tuner searches as sklearn estimators.
- :mod:`fashionnet.evaluation` -- reports, cross-validation, comparison.
- :mod:`fashionnet.plotting` -- figures (needs the ``plot`` extra).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fashionnet.registry import registered_models

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load lazily
    from fashionnet.audit import DataAuditor  # noqa: F401
    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist  # noqa: F401
    from fashionnet.evaluation import compare_models, cross_validate_folds, evaluate  # noqa: F401
    from fashionnet.models import LeNet5Classifier, TransferClassifier, load_model  # noqa: F401
    from fashionnet.tuning import KerasTunerSearchCV  # noqa: F401

__version__ = "0.1.0"

# Public name -> module that defines it, imported on first access (PEP 562).
# The estimator classes come from the model registry (fashionnet.registry).
_LAZY = {
    "CLASS_NAMES": "fashionnet.datasets",
    "load_fashion_mnist": "fashionnet.datasets",
    "DataAuditor": "fashionnet.audit",
    **{spec.class_name: spec.module for spec in registered_models()},
    "load_model": "fashionnet.models",
    "KerasTunerSearchCV": "fashionnet.tuning",
    "evaluate": "fashionnet.evaluation",
    "cross_validate_folds": "fashionnet.evaluation",
    "compare_models": "fashionnet.evaluation",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'fashionnet' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
