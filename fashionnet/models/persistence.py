"""Save and load fitted classifiers without pickle.

A saved classifier is one ``.keras`` file: Keras' native zip format (the
network with its preprocessing layers, weights and optimizer state), with
one more member, ``fashionnet.json``, holding the estimator's class,
parameters and fitted state (``classes_``, input layout, ``history_``).
:func:`keras.saving.load_model` still opens the file as a plain Keras model;
:func:`load_model` gives back the scikit-learn estimator. Loading runs Keras
in safe mode and only ever builds fashionnet's own estimator classes, so a
saved file cannot execute code.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._io import atomic_write

__all__ = ["save_model", "load_model"]

#: Member of the .keras zip that holds the estimator's state.
STATE_MEMBER = "fashionnet.json"
FORMAT = "fashionnet.models/1"


def _estimator_classes() -> dict[str, type]:
    from .lenet import LeNet5Classifier
    from .resnet import ResNetClassifier
    from .transfer import TransferClassifier

    return {
        cls.__name__: cls for cls in (LeNet5Classifier, TransferClassifier, ResNetClassifier)
    }


def save_model(estimator: Any, path: str | os.PathLike) -> Path:
    """Write a fitted classifier to ``path`` (a ``.keras`` file), atomically.

    Parameters
    ----------
    estimator : LeNet5Classifier or TransferClassifier
        A fitted classifier.
    path : str or path-like
        Destination; must end in ``.keras``.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        When ``path`` does not end in ``.keras``.
    sklearn.exceptions.NotFittedError
        When the estimator is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(
            f"save to a .keras file (Keras' native format); got {str(path)!r}. "
            f"Try {str(path.with_suffix('.keras'))!r}."
        )
    state = _state(estimator)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".fashionnet-save-") as tmp:
        staged = Path(tmp) / "model.keras"
        estimator.model_.save(staged)
        with zipfile.ZipFile(staged, "a") as archive:
            archive.writestr(STATE_MEMBER, json.dumps(state, indent=2))
        with atomic_write(path, "wb") as fh, open(staged, "rb") as src:
            while chunk := src.read(1 << 20):
                fh.write(chunk)
    return path


def load_model(path: str | os.PathLike) -> Any:
    """Load a classifier saved with ``save(path)``.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file written by ``LeNet5Classifier.save`` or
        ``TransferClassifier.save``.

    Returns
    -------
    LeNet5Classifier or TransferClassifier
        The fitted estimator, ready to ``predict`` (its ``callbacks`` are not
        saved and come back as None).

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        When the file is not a classifier saved by fashionnet.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.models import LeNet5Classifier, load_model
    >>> X, y = load_fashion_mnist("test")
    >>> clf = LeNet5Classifier(epochs=1, random_state=0).fit(X[:500], y[:500])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = clf.save(pathlib.Path(tmp) / "lenet.keras")
    ...     loaded = load_model(path)
    >>> bool(np.array_equal(loaded.predict(X[:50]), clf.predict(X[:50])))
    True
    """
    import keras

    from . import _layers  # noqa: F401  (registers the custom layers)
    from ._base import _dtype_policy

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {str(path)!r}.")
    try:
        with zipfile.ZipFile(path) as archive:
            state = json.loads(archive.read(STATE_MEMBER))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a classifier saved by fashionnet (no {STATE_MEMBER}); "
            "a plain Keras model loads with keras.saving.load_model."
        ) from exc
    classes = _estimator_classes()
    if state.get("format") != FORMAT or state.get("estimator") not in classes:
        raise ValueError(
            f"{str(path)!r} holds an unsupported state (format {state.get('format')!r}, "
            f"estimator {state.get('estimator')!r})."
        )
    cls = classes[state["estimator"]]
    allowed = set(cls._get_param_names())
    estimator = cls(**{k: v for k, v in state["params"].items() if k in allowed})
    fitted = state["fitted"]
    estimator.classes_ = np.asarray(fitted["classes"], dtype=fitted["classes_dtype"])
    estimator.n_classes_ = int(estimator.classes_.shape[0])
    estimator.n_features_in_ = int(fitted["n_features_in"])
    estimator.image_shape_ = tuple(fitted["image_shape"])
    estimator.input_shape_ = tuple(fitted["input_shape"])
    estimator.input_dtype_ = fitted["input_dtype"]
    if fitted.get("feature_names_in") is not None:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in"], dtype=object)
    for name, value in fitted.get("scalars", {}).items():
        if name in cls._fitted_scalars:
            setattr(estimator, name, float(value))
    # Files written before mixed precision existed were float32.
    estimator.dtype_policy_ = fitted.get("dtype_policy", "float32")
    history = pd.DataFrame(fitted["history"])
    history.index.name = "epoch"
    estimator.history_ = history
    if hasattr(cls, "_restore_fitted"):
        estimator._restore_fitted()
    # Under its policy, the model is compiled as it was saved (mixed_float16
    # wraps the optimizer in loss scaling, whose state the file holds).
    with _dtype_policy(estimator.dtype_policy_):
        estimator.model_ = keras.saving.load_model(path, safe_mode=True)
    return estimator


def _state(estimator: Any) -> dict:
    params, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, tuple):
            value = list(value)
        if _is_json(value):
            params[name] = value
        else:
            dropped.append(name)
    if dropped:
        warnings.warn(
            f"parameters {dropped} of {type(estimator).__name__} are Python objects and are "
            "not saved; they load as their defaults. Set them again with set_params.",
            UserWarning,
            stacklevel=3,
        )
    history = estimator.history_.reset_index(drop=True)
    return {
        "format": FORMAT,
        "estimator": type(estimator).__name__,
        "fashionnet_version": _version(),
        "params": params,
        "fitted": {
            "classes": estimator.classes_.tolist(),
            "classes_dtype": estimator.classes_.dtype.str,
            "n_features_in": int(estimator.n_features_in_),
            "image_shape": list(estimator.image_shape_),
            "input_shape": list(estimator.input_shape_),
            "input_dtype": estimator.input_dtype_,
            "dtype_policy": estimator.dtype_policy_,
            "feature_names_in": (
                estimator.feature_names_in_.tolist()
                if hasattr(estimator, "feature_names_in_")
                else None
            ),
            "history": {col: [float(v) for v in history[col]] for col in history.columns},
            "scalars": {
                name: float(getattr(estimator, name))
                for name in estimator._fitted_scalars
                if hasattr(estimator, name)
            },
        },
    }


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _version() -> str:
    from .. import __version__

    return __version__
