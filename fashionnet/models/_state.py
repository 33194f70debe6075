"""The fitted state of a classifier, listed once.

Everything a fit learns besides the network's weights is an attribute
ending in ``_``. :data:`FITTED_STATE` lists those of every classifier, with
the key each has in a saved model's JSON and how it is written and read;
a class adds its own floats in ``_fitted_scalars`` (``pixel_mean_``...).
:func:`fitted_state` and :func:`restore_fitted_state` are the only writer
and reader, used by :mod:`fashionnet.models.persistence`; a refit reads
:func:`fitted_attributes` to forget what the previous fit learned.

The JSON layout is the saved format ``fashionnet.models/1``: a key missing
from an older file takes the default written here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Fitted", "FITTED_STATE", "fitted_attributes", "fitted_state", "restore_fitted_state"]


@dataclass(frozen=True)
class Fitted:
    """One fitted attribute and its place in a saved model's JSON.

    Parameters
    ----------
    attribute : str
        The estimator's attribute (``"classes_"``).
    write : callable
        ``write(estimator)``: the keys and JSON values that save it (none
        for an attribute derived from others, as ``n_classes_``).
    read : callable
        ``read(fitted, estimator)``: its value, from the saved ``fitted``
        object; a key an older file lacks gets its default here.
    optional : bool, default=False
        Left unset when ``read`` gives None (``feature_names_in_``,
        ``budget_``), as after a fit that did not set it.
    """

    attribute: str
    write: Callable[[Any], dict]
    read: Callable[[dict, Any], Any]
    optional: bool = False


def _write_history(estimator: Any) -> dict:
    history = estimator.history_.reset_index(drop=True)
    return {"history": {col: [float(v) for v in history[col]] for col in history.columns}}


def _read_history(fitted: dict, estimator: Any) -> pd.DataFrame:
    history = pd.DataFrame(fitted["history"])
    history.index.name = "epoch"
    return history


def _read_feature_names(fitted: dict, estimator: Any) -> np.ndarray | None:
    names = fitted.get("feature_names_in")
    return None if names is None else np.asarray(names, dtype=object)


#: The fitted attributes of every classifier, in the order they are saved.
FITTED_STATE: tuple[Fitted, ...] = (
    Fitted(
        "classes_",
        lambda est: {"classes": est.classes_.tolist(), "classes_dtype": est.classes_.dtype.str},
        lambda fitted, est: np.asarray(fitted["classes"], dtype=fitted["classes_dtype"]),
    ),
    Fitted("n_classes_", lambda est: {}, lambda fitted, est: len(fitted["classes"])),
    Fitted(
        "n_features_in_",
        lambda est: {"n_features_in": int(est.n_features_in_)},
        lambda fitted, est: int(fitted["n_features_in"]),
    ),
    Fitted(
        "image_shape_",
        lambda est: {"image_shape": list(est.image_shape_)},
        lambda fitted, est: tuple(fitted["image_shape"]),
    ),
    Fitted(
        "input_shape_",
        lambda est: {"input_shape": list(est.input_shape_)},
        lambda fitted, est: tuple(fitted["input_shape"]),
    ),
    Fitted(
        "input_dtype_",
        lambda est: {"input_dtype": est.input_dtype_},
        lambda fitted, est: fitted["input_dtype"],
    ),
    # Files written before mixed precision existed were float32.
    Fitted(
        "dtype_policy_",
        lambda est: {"dtype_policy": est.dtype_policy_},
        lambda fitted, est: fitted.get("dtype_policy", "float32"),
    ),
    # Files written before distributions were trained on one device.
    Fitted(
        "distribution_",
        lambda est: {"distribution": getattr(est, "distribution_", None)},
        lambda fitted, est: fitted.get("distribution"),
    ),
    # Files written before the background was recorded do not know it.
    Fitted(
        "background_",
        lambda est: {"background": getattr(est, "background_", None)},
        lambda fitted, est: fitted.get("background"),
    ),
    Fitted(
        "feature_names_in_",
        lambda est: {
            "feature_names_in": (
                est.feature_names_in_.tolist() if hasattr(est, "feature_names_in_") else None
            )
        },
        _read_feature_names,
        optional=True,
    ),
    Fitted("history_", _write_history, _read_history),
    # Files written before time budgets planned the epochs they were given.
    Fitted(
        "epochs_",
        lambda est: {"epochs": int(getattr(est, "epochs_", est.epochs))},
        lambda fitted, est: int(fitted.get("epochs", est.epochs)),
    ),
    Fitted(
        "budget_",
        lambda est: {"budget": getattr(est, "budget_", None)},
        lambda fitted, est: None if fitted.get("budget") is None else dict(fitted["budget"]),
        optional=True,
    ),
)


def fitted_attributes(cls: type) -> tuple[str, ...]:
    """The names of the fitted attributes a saved ``cls`` keeps, its own floats included."""
    return tuple(f.attribute for f in FITTED_STATE) + tuple(cls._fitted_scalars)


def fitted_state(estimator: Any) -> dict:
    """The fitted state of ``estimator`` as plain JSON data (the saved ``fitted`` object)."""
    state: dict = {}
    for entry in FITTED_STATE:
        state.update(entry.write(estimator))
    state["scalars"] = {
        name: float(getattr(estimator, name))
        for name in type(estimator)._fitted_scalars
        if hasattr(estimator, name)
    }
    return state


def restore_fitted_state(estimator: Any, fitted: dict) -> None:
    """Set the fitted attributes of ``estimator`` from a saved ``fitted`` object.

    Raises
    ------
    KeyError, TypeError, ValueError
        When ``fitted`` lacks a required key or holds values of the wrong kind.
    """
    for entry in FITTED_STATE:
        value = entry.read(fitted, estimator)
        if value is None and entry.optional:
            continue
        setattr(estimator, entry.attribute, value)
    for name, value in fitted.get("scalars", {}).items():
        if name in type(estimator)._fitted_scalars:
            setattr(estimator, name, float(value))
