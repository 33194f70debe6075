"""Save and load fitted classifiers without pickle.

A saved classifier is one ``.keras`` file: Keras' native zip format (the
network with its preprocessing layers, weights and optimizer state), with
one more member, ``fashionnet.json``, holding the estimator's class,
parameters and fitted state (``classes_``, input layout, ``history_``).
:func:`keras.saving.load_model` still opens the file as a plain Keras model;
:func:`load_model` gives back the scikit-learn estimator. Loading runs Keras
in safe mode and only ever builds fashionnet's own estimator classes, so a
saved file cannot execute code. A file that cannot be loaded -- truncated,
altered, missing a member, holding broken JSON, or not written by
fashionnet -- raises :class:`DamagedModelError`, whatever the damage.

Saving stages the Keras file in a folder beside the destination, named
``.fashionnet-save-<pid>-<random>``; folders left there by a save that was
killed are removed by the next save into the same folder.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from .._io import atomic_write, private_name, remove_stale
from .._ownership import check_target, zip_has_member
from ..registry import estimator_classes
from ._distribution import loading_scope
from ._params import Param, network_params
from ._precision import dtype_policy_scope
from ._state import fitted_state, restore_fitted_state

__all__ = [
    "save_model",
    "load_model",
    "read_model_info",
    "is_saved_classifier",
    "DamagedModelError",
]

#: Member of the .keras zip that holds the estimator's state.
STATE_MEMBER = "fashionnet.json"
FORMAT = "fashionnet.models/1"
#: Members every .keras file written by fashionnet holds (weights: h5 or npz).
_KERAS_MEMBERS = ("metadata.json", "config.json")
_WEIGHTS_MEMBERS = ("model.weights.h5", "model.weights.npz")
_STAGING_PREFIX = ".fashionnet-save-"


class DamagedModelError(ValueError):
    """A ``.keras`` file that :func:`load_model` cannot turn back into a classifier.

    Raised for every kind of damage -- a truncated file, changed bytes (the
    zip's CRC-32 of each member catches them), a missing member, JSON that
    does not parse, a state that does not fit the estimator -- and for a
    file fashionnet did not write (a plain Keras model, another format).
    The message names the file and what is wrong with it; the fix is to
    save the classifier again or restore the file from a copy. A subclass
    of :class:`ValueError`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from fashionnet.models.persistence import DamagedModelError, load_model
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "cut.keras"
    ...     _ = path.write_bytes(b"PK cut short")
    ...     try:
    ...         load_model(path)
    ...     except DamagedModelError as exc:
    ...         print("damaged" in str(exc))
    True
    """


def save_model(
    estimator: Any, path: str | os.PathLike, *, class_names: Any = None, overwrite: bool = False
) -> Path:
    """Write a fitted classifier to ``path`` (a ``.keras`` file), atomically.

    Parameters
    ----------
    estimator : LeNet5Classifier or TransferClassifier
        A fitted classifier.
    path : str or path-like
        Destination; must end in ``.keras``.
    class_names : sequence of str or None, default=None
        Display names of ``estimator.classes_``, in their order (see
        :func:`read_model_info`).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ValueError
        When ``path`` does not end in ``.keras``, or ``class_names`` does not
        name every class.
    sklearn.exceptions.NotFittedError
        When the estimator is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    path = Path(path)
    if path.suffix != ".keras":
        # A folder ('.', 'models/') gets a file inside it as the suggestion.
        folder = not path.name or path.is_dir()
        hint = path / "model.keras" if folder else path.with_suffix(".keras")
        raise ValueError(
            f"save to a .keras file (Keras' native format); got {str(path)!r}. Try {str(hint)!r}."
        )
    state = _state(estimator)
    state["fitted"]["class_names"] = _check_class_names(class_names, estimator.classes_)
    check_target(
        path,
        kind="file",
        ours=is_saved_classifier,
        what="a model saved by fashionnet",
        overwrite=overwrite,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path.parent, _STAGING_PREFIX)
    staging = path.parent / private_name(_STAGING_PREFIX)
    staging.mkdir(mode=0o700)
    try:
        staged = staging / "model.keras"
        estimator.model_.save(staged)
        with zipfile.ZipFile(staged, "a") as archive:
            archive.writestr(STATE_MEMBER, json.dumps(state, indent=2))
        with atomic_write(path, "wb") as fh, open(staged, "rb") as src:
            shutil.copyfileobj(src, fh, 1 << 20)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def is_saved_classifier(path: Path) -> bool:
    """Whether ``path`` is a ``.keras`` zip holding fashionnet's state member (unchecked)."""
    return zip_has_member(Path(path), STATE_MEMBER)


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
    DamagedModelError
        When the file is damaged (truncated, altered, a member missing or
        unreadable) or is not a classifier saved by fashionnet. A
        :class:`ValueError`.

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

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {str(path)!r}.")
    state = _read_state(path)
    try:
        estimator = _restore_estimator(state)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        what = f"its {STATE_MEMBER} does not describe a fitted classifier"
        raise _damaged(path, what, exc) from exc
    try:
        # Safe mode: a config asking for Python code (a Lambda layer) is refused.
        # Under its policy, the model is compiled as it was saved (mixed_float16
        # wraps the optimizer in loss scaling, whose state the file holds).
        # Under its distribution, the variables sit where a fit puts them.
        with dtype_policy_scope(estimator.dtype_policy_), loading_scope(estimator.distribution):
            estimator.model_ = keras.saving.load_model(path, safe_mode=True)
    except (*_ARCHIVE_ERRORS, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _damaged(path, "Keras cannot rebuild the network from it", exc) from exc
    units = estimator.model_.outputs[0].shape[-1]
    if units != estimator.n_classes_:
        what = f"its network has {units} outputs but it stores {estimator.n_classes_} classes"
        raise _damaged(path, what)
    return estimator


def read_model_info(path: str | os.PathLike) -> dict:
    """What a saved classifier needs to be given images, read without building its network.

    Parameters
    ----------
    path : str or path-like
        A ``.keras`` file written by a classifier's ``save``.

    Returns
    -------
    dict
        ``estimator`` (class name), ``classes`` (the labels, as saved),
        ``class_names`` (display names, one per class: those given to
        ``save``, else the labels as text), ``image_shape`` ``(H, W, C)``,
        ``input_shape`` (the fitted layout), ``input_dtype`` (``"uint8"`` or
        ``"float32"``), ``background`` (``"dark"``, ``"light"``, or None
        when unknown) and ``fashionnet_version``.

    Raises
    ------
    FileNotFoundError, DamagedModelError
        As :func:`load_model`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no saved model at {str(path)!r}.")
    state = _read_state(path)
    try:
        fitted = state["fitted"]
        classes = list(fitted["classes"])
        names = fitted.get("class_names") or [str(c) for c in classes]
        return {
            "estimator": str(state["estimator"]),
            "classes": classes,
            "class_names": [str(n) for n in names],
            "image_shape": tuple(int(d) for d in fitted["image_shape"]),
            "input_shape": tuple(int(d) for d in fitted["input_shape"]),
            "input_dtype": str(fitted["input_dtype"]),
            "background": fitted.get("background"),
            "fashionnet_version": state.get("fashionnet_version"),
        }
    except (KeyError, TypeError, ValueError) as exc:
        what = f"its {STATE_MEMBER} does not describe a fitted classifier"
        raise _damaged(path, what, exc) from exc


def _check_class_names(class_names: Any, classes: np.ndarray) -> list[str] | None:
    if class_names is None:
        return None
    if isinstance(class_names, str) or not hasattr(class_names, "__len__"):
        raise ValueError(
            f"class_names must be a sequence of names, one per class; got {class_names!r}."
        )
    names = [str(n) for n in class_names]
    if len(names) != len(classes):
        raise ValueError(
            f"class_names holds {len(names)} names for {len(classes)} classes "
            f"{classes.tolist()[:10]}; give one name per class, in the order of classes_."
        )
    return names


# What reading a damaged archive raises: zipfile.BadZipFile (bad CRC-32, no
# central directory), zlib.error and EOFError (cut deflate data), OSError
# (h5py), ValueError (JSON, UnicodeDecodeError, Keras' own checks).
_ARCHIVE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)


def _damaged(path: Path, what: str, exc: BaseException | None = None) -> DamagedModelError:
    reason = f" ({type(exc).__name__}: {' '.join(str(exc).split())[:300]})" if exc else ""
    return DamagedModelError(
        f"{str(path)!r} is damaged: {what}{reason}. Save the classifier again, or restore "
        "the file from a copy."
    )


def _read_state(path: Path) -> dict:
    """The estimator's state, once the archive is checked: every member's
    CRC-32, the members fashionnet writes, and their JSON."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            bad = archive.testzip()
            if bad is not None:
                raise _damaged(path, f"member {bad!r} fails its CRC-32 check")
            if STATE_MEMBER not in names:
                if "config.json" in names:
                    raise DamagedModelError(
                        f"{str(path)!r} is not a classifier saved by fashionnet (no "
                        f"{STATE_MEMBER}): a plain Keras model, which loads with "
                        "keras.saving.load_model, or a fashionnet file that is damaged."
                    )
                raise _damaged(path, f"{STATE_MEMBER} is missing")
            missing = [m for m in _KERAS_MEMBERS if m not in names]
            if not names.intersection(_WEIGHTS_MEMBERS):
                missing.append(" or ".join(_WEIGHTS_MEMBERS))
            if missing:
                raise _damaged(path, f"member(s) {', '.join(missing)} missing")
            documents = {}
            for name in sorted(n for n in names if n.endswith(".json")):
                try:
                    documents[name] = json.loads(archive.read(name))
                except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
                    raise _damaged(path, f"member {name!r} is not valid JSON", exc) from exc
    except DamagedModelError:
        raise
    except _ARCHIVE_ERRORS as exc:
        raise _damaged(path, "it is not a readable .keras (zip) archive", exc) from exc
    state = documents[STATE_MEMBER]
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise DamagedModelError(
            f"{str(path)!r} holds an unsupported state (format "
            f"{state.get('format') if isinstance(state, dict) else None!r}); it was not "
            f"written by this version of fashionnet ({FORMAT}), or it is damaged."
        )
    _check_class_count(path, state)
    return state


def _check_class_count(path: Path, state: dict) -> None:
    """The stored class names must be one per class: else predictions read past them."""
    fitted = state.get("fitted")
    names = fitted.get("class_names") if isinstance(fitted, dict) else None
    classes = fitted.get("classes") if isinstance(fitted, dict) else None
    if isinstance(names, list) and isinstance(classes, list) and len(names) != len(classes):
        raise _damaged(
            path, f"it stores {len(names)} class names for {len(classes)} classes {classes[:10]}"
        )


def _restore_estimator(state: dict) -> Any:
    """The estimator, with its fitted attributes but no network yet."""
    classes = estimator_classes()
    if state.get("estimator") not in classes:
        raise ValueError(f"unknown estimator {state.get('estimator')!r}")
    cls = classes[state["estimator"]]
    declared = _declared(cls)
    allowed = set(cls._get_param_names())
    params = {}
    for name, value in state["params"].items():
        if name in allowed:
            param = declared.get(name)
            params[name] = (
                value if param is None or param.from_json is None else param.from_json(value)
            )
    estimator = cls(**params)
    restore_fitted_state(estimator, state["fitted"])
    if hasattr(cls, "_restore_fitted"):
        estimator._restore_fitted()
    estimator._built_with = network_params(estimator)  # what a warm start compares
    return estimator


def _state(estimator: Any) -> dict:
    declared = _declared(type(estimator))
    params, dropped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        param = declared.get(name)
        if param is not None and param.to_json is not None:
            value = param.to_json(value)
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
    return {
        "format": FORMAT,
        "estimator": type(estimator).__name__,
        "fashionnet_version": _version(),
        "params": params,
        "fitted": fitted_state(estimator),
    }


def _declared(cls: type) -> dict[str, Param]:
    """The parameter declarations of ``cls`` (:mod:`fashionnet.models._params`)."""
    return dict(getattr(cls, "_declared_params", {}))


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _version() -> str:
    from .. import __version__

    return __version__
