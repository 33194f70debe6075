"""The search's parameters: checked before any trial, and turned into what trials need.

Every check names the parameter, the value it got and what it expects; all
of them run in ``fit`` before anything is written or trained.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "TUNERS",
    "HELD_OUT_OBJECTIVES",
    "check_params",
    "check_names",
    "oracle_seed",
    "make_objective",
    "make_splitter",
]

#: keras-tuner's oracles, by the name ``tuner`` takes.
TUNERS = ("random", "hyperband", "bayesian", "grid")
#: Estimator parameters the search sets on every trial (they cannot be searched).
MANAGED = ("validation_split", "csv_log", "log_dir")
#: Objectives that can be computed from predictions on held-out images.
HELD_OUT_OBJECTIVES = ("val_accuracy", "val_loss")


def check_params(search: Any) -> None:
    """Refuse bad parameter values before any work, with the value and what was expected."""
    if search.tuner not in TUNERS:
        raise ValueError(f"tuner must be one of {TUNERS}; got {search.tuner!r}.")
    if search.max_trials is not None and (
        not isinstance(search.max_trials, numbers.Integral) or search.max_trials < 1
    ):
        raise ValueError(f"max_trials must be a positive int or None; got {search.max_trials!r}.")
    if search.max_trials is None and search.tuner in ("random", "bayesian"):
        raise ValueError(f"tuner={search.tuner!r} needs max_trials (a positive int).")
    split = search.validation_split
    if not (isinstance(split, numbers.Real) and 0 < split < 1):
        raise ValueError(
            f"validation_split must be a fraction in (0, 1); got {search.validation_split!r}."
        )
    if search.early_stopping_patience is not None and (
        not isinstance(search.early_stopping_patience, numbers.Integral)
        or search.early_stopping_patience < 0
    ):
        raise ValueError(
            "early_stopping_patience must be a non-negative int or None; got "
            f"{search.early_stopping_patience!r}."
        )
    if (
        not isinstance(search.max_retries, numbers.Integral)
        or isinstance(search.max_retries, bool)
        or search.max_retries < 0
    ):
        raise ValueError(f"max_retries must be a non-negative int; got {search.max_retries!r}.")
    if search.random_state is not None and not isinstance(search.random_state, numbers.Integral):
        raise TypeError(f"random_state must be an int or None; got {search.random_state!r}.")
    if not hasattr(search.estimator, "set_params") or not hasattr(search.estimator, "fit"):
        raise TypeError(
            f"estimator must be a scikit-learn estimator; got {type(search.estimator).__name__}."
        )


def check_names(search: Any, hp: Any) -> None:
    """Every searched name must be a parameter the estimator accepts."""
    names = [p.name for p in hp.space]
    managed = [n for n in names if n in MANAGED]
    if managed:
        raise ValueError(
            f"param_space searches {managed}, which the search sets itself on every trial "
            "(validation_split from the search's validation_split, logs under directory)."
        )
    if "early_stopping" in names and search.early_stopping_patience is not None:
        raise ValueError(
            "param_space searches early_stopping while early_stopping_patience is set; "
            "use one or the other."
        )
    if "epochs" in names and search.tuner == "hyperband":
        raise ValueError(
            "Hyperband chooses the epochs itself: remove 'epochs' from param_space and "
            "set tuner_options={'max_epochs': ...}."
        )
    valid = set(search.estimator.get_params(deep=True))
    unknown = [n for n in names if n not in valid and "__" not in n]
    if unknown:
        raise ValueError(
            f"{type(search.estimator).__name__} has no parameter(s) {unknown}; "
            f"valid names: {sorted(valid)}."
        )


def oracle_seed(random_state: int | None) -> int | None:
    """The oracle's seed for ``random_state`` (keras-tuner takes 0 as "no seed")."""
    if random_state is None:
        return None
    return int(np.random.RandomState(random_state).randint(1, 2**31 - 1))


def make_objective(objective: Any) -> Any:
    """``objective`` as a ``keras_tuner.Objective``: names with loss or error are minimised."""
    import keras_tuner

    if isinstance(objective, keras_tuner.Objective):
        return objective
    if not isinstance(objective, str):
        raise TypeError(
            "objective must be a metric name or a keras_tuner.Objective; "
            f"got {objective!r}."
        )
    direction = "min" if ("loss" in objective or "error" in objective) else "max"
    return keras_tuner.Objective(objective, direction)


def make_splitter(cv: Any, random_state: int | None, y: np.ndarray) -> Any:
    """The cross-validation splitter for ``cv`` (None: no cross-validation)."""
    from sklearn.model_selection import StratifiedKFold, check_cv

    if cv is None:
        return None
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds; got {cv}.")
        # check_cv(k) would give unshuffled folds; the search's are shuffled and seeded.
        seed = 0 if random_state is None else random_state
        return StratifiedKFold(int(cv), shuffle=True, random_state=seed)
    if isinstance(cv, (str, bytes, bool)) or not (
        hasattr(cv, "split") or isinstance(cv, Iterable)
    ):
        raise TypeError(
            "cv must be None, an int, a splitter with split() or an iterable of "
            f"(train, test) index arrays; got {cv!r}."
        )
    return check_cv(cv, y, classifier=True)
