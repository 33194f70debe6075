"""keras-tuner searches as scikit-learn estimators.

:class:`KerasTunerSearchCV` searches any parameter of any scikit-learn
estimator (learning rate, batch size, epochs, but also model parameters such
as ``activation``) with a keras-tuner oracle -- random search, Hyperband,
Bayesian optimisation or a grid -- and then behaves like
:class:`~sklearn.model_selection.RandomizedSearchCV`: ``best_params_``,
``best_score_``, ``best_estimator_``, ``cv_results_``, ``predict``.

The search space is written the scikit-learn way. A list of values becomes a
``hp.Choice``; continuous ranges use the small specifications below; a
:class:`keras_tuner.HyperParameters` object is used as it is::

    {"learning_rate": LogUniform(1e-4, 1e-1),   # hp.Float(sampling="log")
     "batch_size": [32, 64, 128],               # hp.Choice
     "epochs": IntRange(2, 10),                 # hp.Int
     "activation": ["tanh", "relu"]}            # any estimator parameter

Because keras-tuner's oracle does the bookkeeping, a search is resumable
(start it again with the same ``directory`` and ``project_name``) and runs in
keras-tuner's distributed mode (a chief and workers, set through the
``KERASTUNER_*`` environment variables) without any change to the code.

keras-tuner (and so TensorFlow) is imported on the first ``fit``, not when
this module is imported.
"""

from __future__ import annotations

import contextlib
import io
import numbers
import os
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if

from fashionnet._validation import check_labels

__all__ = ["KerasTunerSearchCV", "LogUniform", "Uniform", "IntRange", "build_space"]

#: Estimator parameters the search sets on every trial (they cannot be searched).
_MANAGED = ("validation_split", "csv_log", "log_dir")
#: Objectives that can be computed from predictions on held-out images.
_HELD_OUT_OBJECTIVES = ("val_accuracy", "val_loss")
_TUNERS = ("random", "hyperband", "bayesian", "grid")


# --------------------------------------------------------------------------- #
# The space: sklearn-style dicts -> keras_tuner.HyperParameters
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class LogUniform:
    """A float drawn log-uniformly between ``low`` and ``high`` (``hp.Float(sampling="log")``).

    Parameters
    ----------
    low, high : float
        Bounds, ``0 < low < high``.

    Examples
    --------
    >>> from fashionnet.tuning import LogUniform
    >>> LogUniform(1e-4, 1e-1)
    LogUniform(low=0.0001, high=0.1)
    """

    low: float
    high: float

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not (0 < self.low < self.high):
            raise ValueError(f"{name}: LogUniform needs 0 < low < high; got {self}.")
        hp.Float(name, float(self.low), float(self.high), sampling="log")


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly between ``low`` and ``high`` (``hp.Float``).

    Parameters
    ----------
    low, high : float
        Bounds, ``low < high``.
    step : float, optional
        Grid spacing; needed for ``tuner="grid"``.

    Examples
    --------
    >>> from fashionnet.tuning import Uniform
    >>> Uniform(0.0, 0.5, step=0.1)
    Uniform(low=0.0, high=0.5, step=0.1)
    """

    low: float
    high: float
    step: float | None = None

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not self.low < self.high:
            raise ValueError(f"{name}: Uniform needs low < high; got {self}.")
        hp.Float(name, float(self.low), float(self.high), step=self.step)


@dataclass(frozen=True)
class IntRange:
    """An integer between ``low`` and ``high`` inclusive (``hp.Int``).

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``low < high``.
    step : int, default=1
        Spacing of the values.
    sampling : {"linear", "log"}, default="linear"
        How values are drawn.

    Examples
    --------
    >>> from fashionnet.tuning import IntRange
    >>> IntRange(2, 10, step=2)
    IntRange(low=2, high=10, step=2, sampling='linear')
    """

    low: int
    high: int
    step: int = 1
    sampling: str = "linear"

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not self.low < self.high:
            raise ValueError(f"{name}: IntRange needs low < high; got {self}.")
        hp.Int(name, int(self.low), int(self.high), step=int(self.step), sampling=self.sampling)


_SPECS = (LogUniform, Uniform, IntRange)


def _choice(hp: Any, name: str, values: Sequence) -> list | None:
    """Declare ``values`` as an ``hp.Choice``; return the decoding table if values were encoded.

    keras-tuner's ``Choice`` holds values of one type among int, float and
    str. Anything else (booleans, None, tuples, mixed types, objects) is declared
    as the strings ``repr(value)`` and decoded back when a trial runs.
    """
    values = list(values)
    if not values:
        raise ValueError(f"param_space[{name!r}] is an empty list; give at least one value.")
    kinds = {_plain_kind(v) for v in values}
    if kinds == {int, float}:  # [1e-3, 1] is a float choice
        kinds = {float}
    if len(kinds) == 1 and None not in kinds:
        kind = kinds.pop()
        plain = [kind(v) for v in values]
        if len(set(plain)) != len(plain):
            raise ValueError(f"param_space[{name!r}] lists a value twice: {values}.")
        hp.Choice(name, plain)
        return None
    labels = [repr(v) for v in values]
    if len(set(labels)) != len(labels):
        labels = [f"{i}: {label}" for i, label in enumerate(labels)]
    hp.Choice(name, labels)
    return list(zip(labels, values, strict=True))


def _plain_kind(value: Any) -> type | None:
    # keras-tuner turns booleans into 0/1, which strict estimators refuse:
    # booleans are encoded like any other non-plain value.
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (numbers.Integral, np.integer)):
        return int
    if isinstance(value, (numbers.Real, np.floating)):
        return float
    if isinstance(value, str):
        return str
    return None


def build_space(param_space: Any) -> tuple[Any, dict[str, list]]:
    """Translate ``param_space`` into keras-tuner ``HyperParameters``.

    Parameters
    ----------
    param_space : dict or keras_tuner.HyperParameters
        ``{name: list of values | LogUniform | Uniform | IntRange}``, or a
        ``HyperParameters`` object used as it is.

    Returns
    -------
    hp : keras_tuner.HyperParameters
        The declared space.
    decoders : dict
        For each parameter whose values had to be encoded as strings, the
        list of ``(label, value)`` pairs.

    Raises
    ------
    ValueError, TypeError
        An empty space, an empty list, or a value that is neither a list nor
        a range specification.
    """
    import keras_tuner

    if isinstance(param_space, keras_tuner.HyperParameters):
        if not param_space.space:
            raise ValueError("param_space is an empty HyperParameters object; declare some.")
        return param_space.copy(), {}
    if not isinstance(param_space, Mapping) or not param_space:
        raise ValueError(
            "param_space must be a non-empty dict such as {'learning_rate': [1e-2, 1e-3], "
            "'batch_size': [32, 64]} or a keras_tuner.HyperParameters object; "
            f"got {param_space!r}."
        )
    hp = keras_tuner.HyperParameters()
    decoders: dict[str, list] = {}
    for name, spec in param_space.items():
        if not isinstance(name, str):
            raise TypeError(f"param_space keys must be parameter names (str); got {name!r}.")
        if isinstance(spec, _SPECS):
            spec.add_to(hp, name)
        elif isinstance(spec, (list, tuple, np.ndarray, range)):
            table = _choice(hp, name, list(spec))
            if table is not None:
                decoders[name] = table
        else:
            raise TypeError(
                f"param_space[{name!r}] = {spec!r}: expected a list of values or a range "
                "(LogUniform, Uniform, IntRange). To fix a value instead of searching it, "
                f"set it on the estimator, e.g. estimator.set_params({name}={spec!r})."
            )
    return hp, decoders


def _decode(values: Mapping[str, Any], decoders: Mapping[str, list]) -> dict[str, Any]:
    """Estimator parameters of a trial: decoded choices, without keras-tuner's ``tuner/`` keys."""
    params = {}
    for name, value in values.items():
        if name.startswith("tuner/"):
            continue
        if name in decoders:
            value = dict(decoders[name])[value]
        params[name] = value
    if "tuner/epochs" in values:  # Hyperband decides the epochs.
        params["epochs"] = int(values["tuner/epochs"])
    return params


# --------------------------------------------------------------------------- #
# The keras-tuner Tuner that runs estimator trials
# --------------------------------------------------------------------------- #
def _tuner_class():
    """The ``BaseTuner`` subclass, defined on first use so that importing is cheap."""
    global _EstimatorTuner
    if _EstimatorTuner is not None:
        return _EstimatorTuner
    from keras_tuner.engine.base_tuner import BaseTuner

    class EstimatorTuner(BaseTuner):
        """Runs one trial = fit a clone of the estimator with the trial's parameters."""

        def __init__(self, search: KerasTunerSearchCV, oracle: Any, **kwargs: Any) -> None:
            self._search = search
            self.local_results: list[dict] = []
            super().__init__(oracle=oracle, hypermodel=None, **kwargs)

        def run_trial(self, trial: Any, X: Any, y: Any, **kwargs: Any) -> dict:
            start = time.perf_counter()
            metrics = self._search._run_trial(
                trial.hyperparameters.values, Path(self.get_trial_dir(trial.trial_id)), X, y
            )
            metrics["fit_time"] = time.perf_counter() - start
            self.local_results.append({"trial_id": trial.trial_id, **metrics})
            return metrics

    _EstimatorTuner = EstimatorTuner
    return EstimatorTuner


_EstimatorTuner = None


def _objective_direction(name: str) -> str:
    return "min" if ("loss" in name or "error" in name) else "max"


def _is_worker() -> bool:
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


def _has_estimator_method(name: str):
    def check(self: KerasTunerSearchCV) -> bool:
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, name)
        return hasattr(self.estimator, name)

    return check


class KerasTunerSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Search an estimator's parameters with a keras-tuner oracle.

    Each trial fits a fresh :func:`~sklearn.base.clone` of ``estimator``
    with the trial's parameters and reports a validation score to the
    oracle; after the search the best parameters are refitted on all the
    data. Any estimator parameter can be searched, so the same class tunes
    ``learning_rate`` and ``batch_size`` as well as ``activation`` or a
    transfer model's head.

    How a trial is scored:

    - ``cv=None`` and an estimator with a ``validation_split`` parameter
      (the fashionnet estimators): the estimator holds out
      ``validation_split`` of the data itself and the score is the best
      epoch's ``objective`` in its ``history_``, as keras-tuner scores a
      Keras model;
    - ``cv=None`` and another estimator: a stratified ``validation_split``
      of the data is held out and scored (``val_accuracy`` or ``val_loss``);
    - ``cv=k`` (or a splitter): the mean ``objective`` over the held-out
      folds of ``StratifiedKFold(k, shuffle=True)``; each fold model is a
      fresh clone. With ``early_stopping_patience`` the estimator also keeps
      ``validation_split`` of each training fold to monitor its loss.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn estimator with ``set_params``; cloned for every fit.
    param_space : dict or keras_tuner.HyperParameters
        The space. Keys are parameter names of ``estimator``; values are a
        list of candidate values (``hp.Choice``; any values, e.g.
        ``[None, (128, 64)]``), :class:`LogUniform`, :class:`Uniform` or
        :class:`IntRange`. A ``HyperParameters`` object is used as is.
    tuner : {"random", "hyperband", "bayesian", "grid"}, default="random"
        keras-tuner's oracle: ``RandomSearchOracle``, ``HyperbandOracle``
        (it chooses ``epochs`` itself: each trial sets the estimator's
        ``epochs`` to keras-tuner's ``tuner/epochs``, training from
        scratch), ``BayesianOptimizationOracle`` or ``GridSearchOracle``.
    max_trials : int or None, default=10
        Number of trials; ignored by Hyperband, whose budget is
        ``max_epochs`` and ``factor`` (see ``tuner_options``). ``None`` with
        ``tuner="grid"`` runs the whole grid.
    objective : str or keras_tuner.Objective, default="val_accuracy"
        What a trial maximises (or minimises, for names with ``loss``).
    validation_split : float, default=0.2
        Fraction of the data used to score each trial when ``cv`` is None.
    cv : int, splitter or None, default=None
        Cross-validate each trial instead of holding out one split.
    early_stopping_patience : int or None, default=None
        Passed to the estimator's ``early_stopping`` parameter in every trial.
    directory : str, path or None, default=None
        Where keras-tuner keeps the search: one ``trial_<id>`` folder per
        trial with its ``trial.json``, its CSV log (``log.csv``) and its
        TensorBoard logs (``tb/``), or one ``fold<k>`` subfolder of them per
        fold. ``None`` uses a new temporary directory (no resuming).
    project_name : str, default="fashionnet_search"
        Subfolder of ``directory`` for this search.
    overwrite : bool, default=False
        Start afresh instead of resuming the search found in
        ``directory/project_name`` (ignored on distributed workers: only the
        chief wipes the project).
    random_state : int or None, default=None
        Seeds the oracle, the held-out split and the folds.
    refit : bool, default=True
        Refit the best parameters on all the data as ``best_estimator_``.
    tuner_options : dict or None, default=None
        Extra keyword arguments for the oracle, e.g. ``{"max_epochs": 10,
        "factor": 3}`` for Hyperband or ``{"num_initial_points": 3}`` for
        Bayesian optimisation.
    verbose : int, default=0
        0 silent; 1 keras-tuner's per-trial summary.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best trial (with ``epochs`` for Hyperband).
    best_score_ : float
        Its score (the objective).
    best_estimator_ : estimator
        A clone fitted on all the data with ``best_params_`` (``refit=True``);
        its CSV and TensorBoard logs go under ``<project>/refit/``.
    cv_results_ : pandas.DataFrame
        One row per trial: ``trial`` (int), ``score``, ``status``
        (``COMPLETED``, ``FAILED`` ...), ``duration`` (seconds), a
        ``param_<name>`` column per parameter and, with ``cv``, a
        ``split<k>_score`` column per fold. On a distributed worker: the
        trials this worker ran.
    tuner_ : keras_tuner.engine.base_tuner.BaseTuner
        The keras-tuner tuner; ``tuner_.oracle`` holds every trial. It is
        not pickled with the search (the project directory keeps it).
    project_dir_ : pathlib.Path
        ``directory/project_name``.
    refit_time_ : float
        Seconds spent refitting ``best_estimator_``.
    n_trials_ : int
        Number of trials recorded.

    See Also
    --------
    sklearn.model_selection.RandomizedSearchCV : the same API, in-memory.
    fashionnet.evaluation.cross_validate_folds : cross-validate the winner.
    fashionnet.plotting.plot_tuning_results : score per trial.

    Notes
    -----
    **Resuming.** keras-tuner saves the oracle after every trial. Running
    the same search again with the same ``directory`` and ``project_name``
    (and ``overwrite=False``) reloads it: finished trials are kept and not
    re-run, an interrupted trial is run again, and the search continues up
    to ``max_trials``.

    **Distributed search.** Start the same script in several processes with
    ``KERASTUNER_ORACLE_IP``, ``KERASTUNER_ORACLE_PORT`` and
    ``KERASTUNER_TUNER_ID`` set (``chief`` for one, ``tuner0``, ``tuner1``
    ... for the others). The chief serves the oracle, waits for the workers
    to run every trial, then fills ``cv_results_`` with all of them and
    refits the best; a worker's ``fit`` returns once the oracle has no trial
    left, with the trials it ran in ``cv_results_`` and no ``best_*``.

    Examples
    --------
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.tuning import KerasTunerSearchCV, LogUniform
    >>> X, y = load_fashion_mnist("test")
    >>> X = X[:1000].reshape(1000, -1) / 255.0
    >>> search = KerasTunerSearchCV(
    ...     RidgeClassifier(), {"alpha": LogUniform(1e-2, 1e3)},
    ...     max_trials=3, random_state=0).fit(X, y[:1000])
    >>> len(search.cv_results_), sorted(search.best_params_)
    (3, ['alpha'])
    >>> bool(0.5 < search.best_score_ < 1.0)
    True
    """

    _required_parameters = ("estimator", "param_space")

    def __init__(
        self,
        estimator: Any,
        param_space: Any,
        *,
        tuner: str = "random",
        max_trials: int | None = 10,
        objective: Any = "val_accuracy",
        validation_split: float = 0.2,
        cv: Any = None,
        early_stopping_patience: int | None = None,
        directory: str | os.PathLike | None = None,
        project_name: str = "fashionnet_search",
        overwrite: bool = False,
        random_state: int | None = None,
        refit: bool = True,
        tuner_options: dict | None = None,
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.param_space = param_space
        self.tuner = tuner
        self.max_trials = max_trials
        self.objective = objective
        self.validation_split = validation_split
        self.cv = cv
        self.early_stopping_patience = early_stopping_patience
        self.directory = directory
        self.project_name = project_name
        self.overwrite = overwrite
        self.random_state = random_state
        self.refit = refit
        self.tuner_options = tuner_options
        self.verbose = verbose

    # ------------------------------------------------------------------ #
    # scikit-learn plumbing
    # ------------------------------------------------------------------ #
    def __sklearn_tags__(self):
        from copy import deepcopy

        from sklearn.utils import get_tags

        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = deepcopy(inner.classifier_tags)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        tags.non_deterministic = True
        return tags

    def _check_refitted(self) -> None:
        if hasattr(self, "best_estimator_"):
            return
        if getattr(self, "is_worker_", False):
            raise NotFittedError(
                "this process ran the search as a keras-tuner worker; the chief holds the "
                "results and the refitted model."
            )
        if hasattr(self, "cv_results_"):
            raise NotFittedError(
                "this search was fitted with refit=False: use best_params_ to fit a model."
            )
        raise NotFittedError(
            "this KerasTunerSearchCV is not fitted yet; call fit(X, y) first."
        )

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "best_estimator_")

    def predict(self, X: Any) -> np.ndarray:
        """Predict with ``best_estimator_``.

        Returns
        -------
        numpy.ndarray
        """
        self._check_refitted()
        return self.best_estimator_.predict(X)

    @available_if(_has_estimator_method("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from ``best_estimator_``.

        Returns
        -------
        numpy.ndarray of shape (n_samples, n_classes)
        """
        self._check_refitted()
        return self.best_estimator_.predict_proba(X)

    def score(self, X: Any, y: Any) -> float:
        """``best_estimator_.score(X, y)`` (accuracy for a classifier).

        Returns
        -------
        float
        """
        self._check_refitted()
        return self.best_estimator_.score(X, y)

    @property
    def classes_(self) -> np.ndarray:
        """Classes of ``best_estimator_``."""
        self._check_refitted()
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """Number of input features seen by ``best_estimator_``."""
        self._check_refitted()
        return self.best_estimator_.n_features_in_

    # ------------------------------------------------------------------ #
    # fit
    # ------------------------------------------------------------------ #
    def _check_params(self) -> None:
        if self.tuner not in _TUNERS:
            raise ValueError(f"tuner must be one of {_TUNERS}; got {self.tuner!r}.")
        if self.max_trials is not None and (
            not isinstance(self.max_trials, numbers.Integral) or self.max_trials < 1
        ):
            raise ValueError(f"max_trials must be a positive int or None; got {self.max_trials!r}.")
        if self.max_trials is None and self.tuner in ("random", "bayesian"):
            raise ValueError(f"tuner={self.tuner!r} needs max_trials (a positive int).")
        if not (isinstance(self.validation_split, numbers.Real) and 0 < self.validation_split < 1):
            raise ValueError(
                f"validation_split must be a fraction in (0, 1); got {self.validation_split!r}."
            )
        if self.early_stopping_patience is not None and (
            not isinstance(self.early_stopping_patience, numbers.Integral)
            or self.early_stopping_patience < 0
        ):
            raise ValueError(
                "early_stopping_patience must be a non-negative int or None; got "
                f"{self.early_stopping_patience!r}."
            )
        if self.random_state is not None and not isinstance(self.random_state, numbers.Integral):
            raise TypeError(f"random_state must be an int or None; got {self.random_state!r}.")
        if not hasattr(self.estimator, "set_params") or not hasattr(self.estimator, "fit"):
            raise TypeError(
                f"estimator must be a scikit-learn estimator; got {type(self.estimator).__name__}."
            )

    def _check_names(self, hp: Any) -> None:
        """Every searched name must be a parameter the estimator accepts."""
        names = [p.name for p in hp.space]
        managed = [n for n in names if n in _MANAGED]
        if managed:
            raise ValueError(
                f"param_space searches {managed}, which the search sets itself on every trial "
                "(validation_split from the search's validation_split, logs under directory)."
            )
        if "early_stopping" in names and self.early_stopping_patience is not None:
            raise ValueError(
                "param_space searches early_stopping while early_stopping_patience is set; "
                "use one or the other."
            )
        if "epochs" in names and self.tuner == "hyperband":
            raise ValueError(
                "Hyperband chooses the epochs itself: remove 'epochs' from param_space and "
                "set tuner_options={'max_epochs': ...}."
            )
        valid = set(self.estimator.get_params(deep=True))
        unknown = [n for n in names if n not in valid and "__" not in n]
        if unknown:
            raise ValueError(
                f"{type(self.estimator).__name__} has no parameter(s) {unknown}; "
                f"valid names: {sorted(valid)}."
            )

    def _seed(self) -> int | None:
        # keras-tuner treats a seed of 0 as "no seed", so derive a non-zero one.
        if self.random_state is None:
            return None
        return int(np.random.RandomState(self.random_state).randint(1, 2**31 - 1))

    def _objective(self) -> Any:
        import keras_tuner

        if isinstance(self.objective, keras_tuner.Objective):
            return self.objective
        if not isinstance(self.objective, str):
            raise TypeError(
                "objective must be a metric name or a keras_tuner.Objective; "
                f"got {self.objective!r}."
            )
        return keras_tuner.Objective(self.objective, _objective_direction(self.objective))

    def _make_oracle(self, hp: Any) -> Any:
        import keras_tuner

        options = dict(self.tuner_options or {})
        common = dict(
            objective=self._objective(),
            hyperparameters=hp,
            allow_new_entries=False,
            tune_new_entries=True,
            seed=self._seed(),
        )
        if self.tuner == "hyperband":
            options.setdefault("max_epochs", int(self.estimator.get_params().get("epochs", 10)))
            return keras_tuner.oracles.HyperbandOracle(**common, **options)
        oracle_class = {
            "random": keras_tuner.oracles.RandomSearchOracle,
            "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
            "grid": keras_tuner.oracles.GridSearchOracle,
        }[self.tuner]
        return oracle_class(**common, max_trials=self.max_trials, **options)

    def _splitter(self) -> Any:
        from sklearn.model_selection import StratifiedKFold

        if self.cv is None:
            return None
        seed = 0 if self.random_state is None else self.random_state
        if isinstance(self.cv, numbers.Integral) and not isinstance(self.cv, bool):
            if self.cv < 2:
                raise ValueError(f"cv must be at least 2 folds; got {self.cv}.")
            return StratifiedKFold(int(self.cv), shuffle=True, random_state=seed)
        if hasattr(self.cv, "split"):
            return self.cv
        raise TypeError(f"cv must be None, an int or a splitter with split(); got {self.cv!r}.")

    def fit(self, X: Any, y: Any) -> KerasTunerSearchCV:
        """Run the search, then refit the best parameters on all of ``X``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Training images, in whatever layout ``estimator`` accepts.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self

        Raises
        ------
        ValueError, TypeError
            Bad parameters or an invalid space (raised before any trial).
        RuntimeError
            No trial completed (the message quotes the first failure).
        """
        self._check_params()
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        y = check_labels(y, n_samples=n)
        hp, self._decoders = build_space(self.param_space)
        self._check_names(hp)
        objective = self._objective()
        self._history_mode = self.cv is None and "validation_split" in self.estimator.get_params()
        if not self._history_mode and objective.name not in _HELD_OUT_OBJECTIVES:
            raise ValueError(
                f"objective {objective.name!r} can only be read from a training history; with "
                f"cv or an estimator without validation_split use one of {_HELD_OUT_OBJECTIVES}."
            )
        self._folds = (
            list(self._splitter().split(np.zeros(n), y)) if self.cv is not None else None
        )

        for attr in ("best_estimator_", "best_params_", "best_score_", "is_worker_"):
            self.__dict__.pop(attr, None)
        directory = self.directory
        if directory is None:
            directory = tempfile.mkdtemp(prefix="fashionnet-search-")
        # keras-tuner prints; verbose=0 means silent.
        quiet = (
            contextlib.nullcontext() if self.verbose else contextlib.redirect_stdout(io.StringIO())
        )
        with quiet:
            tuner = _tuner_class()(
                self,
                self._make_oracle(hp),
                directory=os.fspath(directory),
                project_name=self.project_name,
                # Workers share the chief's project: only the chief may wipe it.
                overwrite=bool(self.overwrite) and not _is_worker(),
            )
            if not _is_worker():
                self._check_same_space(tuner.oracle.hyperparameters, hp, directory)
            tuner.search(X, y, verbose=int(self.verbose))
        self.tuner_ = tuner
        self.project_dir_ = Path(directory) / self.project_name

        if _is_worker():
            self.is_worker_ = True
            self.cv_results_ = self._local_results(tuner.local_results)
            self.n_trials_ = len(self.cv_results_)
            return self

        trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
        self.cv_results_ = self._results_frame(trials)
        self.n_trials_ = len(trials)
        self._warn_failures(trials)
        best = tuner.oracle.get_best_trials(1)
        if not best or best[0].status != "COMPLETED":
            first = next((t.message for t in trials if t.message), None)
            raise RuntimeError(
                f"no trial of the search completed ({len(trials)} recorded)."
                + (f" First failure:\n{first}" if first else "")
            )
        self.best_params_ = _decode(best[0].hyperparameters.values, self._decoders)
        self.best_score_ = float(best[0].score)
        if self.refit:
            refit_dir = self.project_dir_ / "refit"
            estimator = clone(self.estimator).set_params(**self.best_params_)
            estimator.set_params(**self._log_params(estimator, refit_dir))
            start = time.perf_counter()
            estimator.fit(X, y)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = estimator
        return self

    def _check_same_space(self, found: Any, wanted: Any, directory: Any) -> None:
        """A resumed project must search the space it was started with."""
        def configs(hp: Any) -> dict:
            return {p.name: p.get_config() for p in hp.space}

        if configs(found) != configs(wanted):
            raise ValueError(
                f"{Path(directory) / self.project_name} holds a search over a different space "
                f"({sorted(configs(found))}); resume it with the same param_space, or pass "
                "overwrite=True or another project_name to start a new search."
            )

    def __getstate__(self) -> dict:
        # The keras-tuner tuner is rebuilt from `directory`, not pickled.
        state = self.__dict__.copy()
        state.pop("tuner_", None)
        return state

    # ------------------------------------------------------------------ #
    # one trial
    # ------------------------------------------------------------------ #
    @staticmethod
    def _log_params(estimator: Any, log_dir: Path) -> dict:
        params = estimator.get_params()
        out = {}
        if "csv_log" in params:
            out["csv_log"] = os.fspath(log_dir / "log.csv")
        if "log_dir" in params:
            out["log_dir"] = os.fspath(log_dir / "tb")
        return out

    def _trial_estimator(self, params: dict, log_dir: Path, validation_split: float) -> Any:
        estimator = clone(self.estimator).set_params(**params)
        own = estimator.get_params()
        managed = self._log_params(estimator, log_dir)
        if "validation_split" in own:
            managed["validation_split"] = validation_split
        if self.early_stopping_patience is not None:
            if "early_stopping" not in own:
                raise ValueError(
                    f"early_stopping_patience is set but {type(estimator).__name__} has no "
                    "early_stopping parameter."
                )
            managed["early_stopping"] = self.early_stopping_patience
        return estimator.set_params(**managed)

    def _run_trial(self, values: Mapping[str, Any], trial_dir: Path, X: Any, y: np.ndarray) -> dict:
        from sklearn.model_selection import train_test_split
        from sklearn.utils import _safe_indexing

        params = _decode(values, self._decoders)
        name = self._objective().name
        if self._history_mode:
            estimator = self._trial_estimator(params, trial_dir, self.validation_split)
            estimator.fit(X, y)
            return self._best_epoch(estimator, name)
        if self._folds is None:
            train, val = train_test_split(
                np.arange(len(y)), test_size=self.validation_split, stratify=y,
                random_state=self._seed() or 0,
            )
            folds = [(train, val)]
        else:
            folds = self._folds
        inner_split = self.validation_split if self.early_stopping_patience is not None else 0.0
        scores = []
        for k, (train, val) in enumerate(folds):
            log_dir = trial_dir / f"fold{k}" if self._folds is not None else trial_dir
            estimator = self._trial_estimator(params, log_dir, inner_split)
            estimator.fit(_safe_indexing(X, train), y[train])
            scores.append(self._held_out_score(estimator, _safe_indexing(X, val), y[val], name))
        metrics = {name: float(np.mean(scores))}
        if self._folds is not None:
            metrics.update({f"split{k}_{name}": s for k, s in enumerate(scores)})
        return metrics

    @staticmethod
    def _held_out_score(estimator: Any, X: Any, y: np.ndarray, name: str) -> float:
        if name == "val_loss":
            from sklearn.metrics import log_loss

            return float(log_loss(y, estimator.predict_proba(X), labels=estimator.classes_))
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(y, np.asarray(estimator.predict(X)).ravel()))

    def _best_epoch(self, estimator: Any, name: str) -> dict:
        from keras_tuner.errors import FatalValueError

        history = getattr(estimator, "history_", None)
        history = pd.DataFrame(history if history is not None else {})
        if name not in history.columns:
            raise FatalValueError(
                f"objective {name!r} is not in the estimator's history_ (columns "
                f"{list(history.columns)}); pick one of those as objective."
            )
        column = history[name].to_numpy(dtype=float)
        pick = np.nanargmin if self._objective().direction == "min" else np.nanargmax
        best = int(pick(column))
        return {
            col: float(history[col].iloc[best])
            for col in history.columns
            if np.issubdtype(history[col].dtype, np.number)
        } | {"best_epoch": float(best + 1)}

    # ------------------------------------------------------------------ #
    # results
    # ------------------------------------------------------------------ #
    def _param_names(self) -> list[str]:
        import keras_tuner

        if isinstance(self.param_space, keras_tuner.HyperParameters):
            names = [p.name for p in self.param_space.space]
        else:
            names = list(self.param_space)
        return names + (["epochs"] if self.tuner == "hyperband" else [])

    def _results_frame(self, trials: list) -> pd.DataFrame:
        name = self._objective().name
        n_splits = len(self._folds) if self._folds is not None else 0
        rows = []
        for trial in trials:
            metrics = trial.metrics
            row = {
                "trial": int(trial.trial_id),
                "score": float("nan") if trial.score is None else float(trial.score),
                "status": str(trial.status),
                "duration": _metric(metrics, "fit_time"),
            }
            params = _decode(trial.hyperparameters.values, self._decoders)
            for param in self._param_names():
                row[f"param_{param}"] = params.get(param)
            for k in range(n_splits):
                row[f"split{k}_score"] = _metric(metrics, f"split{k}_{name}")
            rows.append(row)
        columns = ["trial", "score", "status", "duration"] + [
            f"param_{p}" for p in self._param_names()
        ] + [f"split{k}_score" for k in range(n_splits)]
        return pd.DataFrame(rows, columns=columns)

    def _local_results(self, results: list[dict]) -> pd.DataFrame:
        name = self._objective().name
        rows = [
            {
                "trial": int(r["trial_id"]),
                "score": r.get(name, float("nan")),
                "status": "COMPLETED",
                "duration": r.get("fit_time", float("nan")),
            }
            for r in results
        ]
        return pd.DataFrame(rows, columns=["trial", "score", "status", "duration"])

    @staticmethod
    def _warn_failures(trials: list) -> None:
        failed = [t for t in trials if t.status in ("FAILED", "INVALID")]
        if failed:
            last_line = (failed[0].message or "").strip().splitlines()[-1:] or ["(no message)"]
            warnings.warn(
                f"{len(failed)} of {len(trials)} trials failed; first failure: {last_line[0]} "
                "(full messages in tuner_.oracle.trials[...].message).",
                RuntimeWarning,
                stacklevel=3,
            )

    def plot_results(self, ax: Any = None):
        """Score per trial and the running best (needs ``fashionnet[plot]``).

        Returns
        -------
        matplotlib.figure.Figure
        """
        if not hasattr(self, "cv_results_"):
            raise NotFittedError("call fit before plot_results.")
        from fashionnet.plotting import plot_tuning_results

        return plot_tuning_results(self.cv_results_, ax=ax)


def _metric(metrics: Any, name: str) -> float:
    if metrics.exists(name):
        value = metrics.get_last_value(name)
        return float("nan") if value is None else float(value)
    return float("nan")
