"""The use cases that the command and the study share, one module each.

==========================  ====================================================
module                      use case
==========================  ====================================================
:mod:`~.tasks.train`        build a registered model, fit, evaluate, save
:mod:`~.tasks.tune`         the keras-tuner search of LeNet-5's parameters
:mod:`~.tasks.predict`      classify image files with a saved model
:mod:`~.tasks.audit`        read a dataset from a path; near-duplicates, label errors
==========================  ====================================================

Each function takes arrays, paths and parameters (never command-line
options) and returns a typed result; the command formats it, the study
records it. This layer sits below the study and the command and above
evaluation and tuning (see ``tests/test_layers.py``).

The names load lazily (PEP 562), so that ``import fashionnet.tasks.audit``
(what ``fashionnet audit`` needs) does not start Keras.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module defining it.
_EXPORTS = {
    "LabelIssueTables": "audit",
    "NearDuplicateTables": "audit",
    "find_label_issues": "audit",
    "find_near_duplicates": "audit",
    "read_dataset": "audit",
    "with_class_names": "audit",
    "Predictions": "predict",
    "image_files": "predict",
    "predict_files": "predict",
    "TrainResult": "train",
    "build_model": "train",
    "train_and_evaluate": "train",
    "TuneResult": "tune",
    "tune_lenet": "tune",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'fashionnet.tasks' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"fashionnet.tasks.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
