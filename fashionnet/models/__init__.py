"""Keras image classifiers with the scikit-learn estimator API.

- :class:`LeNet5Classifier` -- the study's LeNet-5, trained from scratch.
- :class:`ResNetClassifier` -- a compact residual CNN trained from scratch,
  past the study's best model.
- :class:`TransferClassifier` -- an ImageNet backbone (VGG16, ResNet152V2 or
  any ``keras.applications`` model) with a dense head, fine-tuned.
- :func:`clear_feature_cache` -- free the features cached for transfer fits.
- :func:`load_model` -- load a classifier saved with ``save(path)``;
  :func:`read_model_info` -- what it needs to be given images.
- ``estimator.export(path, format=...)`` -- ONNX, SavedModel or LiteRT for
  serving (:mod:`fashionnet.models.export`).
- :class:`FashionNetClassifier` -- their base class over scikeras'
  ``KerasClassifier``.

This subpackage imports Keras (and so its backend: TensorFlow unless
``KERAS_BACKEND`` names another) when it is imported; ``import fashionnet``
alone does not. A backend that is not installed fails here, with one line
naming what to install.
"""

import os

from .._backend import import_keras, import_keras_quietly

# TensorFlow >= 2.20 ignores TF_CPP_MIN_LOG_LEVEL for its import-time lines.
# Where it is set (by the user, or inherited by the worker processes that
# `fashionnet study --n-jobs` starts), the level is honoured for them too.
(import_keras_quietly if "TF_CPP_MIN_LOG_LEVEL" in os.environ else import_keras)()

from ._base import FashionNetClassifier  # noqa: E402
from .lenet import LeNet5Classifier  # noqa: E402
from .persistence import DamagedModelError, load_model, read_model_info  # noqa: E402
from .resnet import ResNetClassifier  # noqa: E402
from .transfer import (  # noqa: E402
    BACKBONES,
    Backbone,
    TransferClassifier,
    clear_feature_cache,
    get_backbone,
)

__all__ = [
    "FashionNetClassifier",
    "LeNet5Classifier",
    "ResNetClassifier",
    "TransferClassifier",
    "load_model",
    "read_model_info",
    "DamagedModelError",
    "Backbone",
    "BACKBONES",
    "get_backbone",
    "clear_feature_cache",
]
