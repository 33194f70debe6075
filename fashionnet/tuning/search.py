"""``KerasTunerSearchCV``: a keras-tuner search as a scikit-learn meta-estimator.

The search checks its parameters (:mod:`.settings`), declares the space
(:mod:`.space`), hands keras-tuner an oracle and an
:class:`~.tuner.EstimatorTuner` that runs the trials (:mod:`.tuner`), guards
its directory (a lock, file faults as :class:`~.storage.SearchStorageError`,
damaged records repaired on resume: :mod:`.storage`, :mod:`.resume`), then
reads the results (:mod:`.results`) and refits the best parameters.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.metaestimators import available_if

from fashionnet._validation import check_labels
from fashionnet.tuning.settings import (
    HELD_OUT_OBJECTIVES,
    check_names,
    check_params,
    make_objective,
    make_splitter,
    oracle_seed,
)
from fashionnet.tuning.space import build_space
from fashionnet.tuning.storage import check_search_folder, search_lock, storage_errors

__all__ = ["KerasTunerSearchCV"]


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
    cv : int, splitter, iterable of splits or None, default=None
        Cross-validate each trial instead of holding out one split. A
        splitter or an iterable of ``(train, test)`` index arrays is used
        as :func:`sklearn.model_selection.check_cv` reads it.
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
        chief wipes the project). That folder must be new, empty or a
        search's own (its ``oracle.json`` or a ``trial_*/trial.json``): a
        folder of other files is refused, with or without ``overwrite``.
    max_retries : int, default=2
        How many times a trial that failed (raised an error) runs again.
        A failed trial is recorded and the search goes on; fitting the same
        search again (resuming) runs each failed trial again, up to
        ``max_retries`` times in all. ``0`` never retries. To retry at once
        instead, pass ``tuner_options={"max_retries_per_trial": k}``.
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
    n_failed_trials_ : int
        How many of them failed (status ``FAILED``, or ``INVALID`` when
        interrupted before a retry); a RuntimeWarning says so too.

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
    re-run, an interrupted trial is run again, failed trials are retried
    (see ``max_retries``), and the search continues up to ``max_trials``.
    Records left empty or truncated by a full disk or a kill are repaired
    first (with a RuntimeWarning): a damaged trial runs again, the others
    are kept. Among trials with equal scores the lowest trial id is the
    best, whether or not the search was interrupted.

    **One search per directory.** While it runs, a search holds a lock file
    (``.fashionnet.lock``) in ``directory/project_name``: a second search
    into it raises :class:`~fashionnet.tuning.LockedError` naming the
    holder's PID; a lock left by a process that died is taken over. A full
    or read-only disk, or a file in the way of a folder, raises
    :class:`~fashionnet.tuning.SearchStorageError` naming the file.

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
        max_retries: int = 2,
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
        self.max_retries = max_retries
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
        raise NotFittedError("this KerasTunerSearchCV is not fitted yet; call fit(X, y) first.")

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
    def _seed(self) -> int | None:
        return oracle_seed(self.random_state)

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
        LockedError
            Another live search is fitting into the same ``directory`` and
            ``project_name``; the message names its PID.
        fashionnet._ownership.NotOursError
            ``directory/project_name`` holds files that are not a search's,
            or is a link (a :class:`FileExistsError`; nothing is written).
        SearchStorageError
            The directory cannot be written or read (full, read-only, a file
            in the way); the message names the file. Trials finished before
            the fault are kept: fit again to resume.
        RuntimeError
            No trial completed (the message quotes the first failure).
        """
        from fashionnet.tuning.tuner import TrialPlan, is_worker, make_oracle, run_search

        check_params(self)
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        y = check_labels(y, n_samples=n)
        hp, self._decoders = build_space(self.param_space)
        check_names(self, hp)
        objective = make_objective(self.objective)
        history_mode = self.cv is None and "validation_split" in self.estimator.get_params()
        if not history_mode and objective.name not in HELD_OUT_OBJECTIVES:
            raise ValueError(
                f"objective {objective.name!r} can only be read from a training history; with "
                f"cv or an estimator without validation_split use one of {HELD_OUT_OBJECTIVES}."
            )
        splitter = make_splitter(self.cv, self.random_state, y)
        self._folds = list(splitter.split(np.zeros(n), y)) if splitter is not None else None
        plan = TrialPlan(
            estimator=self.estimator,
            decoders=self._decoders,
            objective=objective.name,
            direction=objective.direction,
            history_mode=history_mode,
            folds=self._folds,
            validation_split=self.validation_split,
            early_stopping_patience=self.early_stopping_patience,
            split_seed=self._seed() or 0,
        )

        for attr in ("best_estimator_", "best_params_", "best_score_", "is_worker_"):
            self.__dict__.pop(attr, None)
        directory = self.directory
        if directory is None:
            directory = tempfile.mkdtemp(prefix="fashionnet-search-")
        project_dir = Path(directory) / self.project_name
        worker = is_worker()
        if not worker:
            check_search_folder(project_dir)
        # Workers share the chief's project: only the chief (or a lone search) locks it.
        lock = contextlib.nullcontext() if worker else search_lock(project_dir)
        with storage_errors(project_dir), lock:
            oracle = make_oracle(
                self.tuner,
                project_dir / "oracle.json",
                objective=objective,
                hyperparameters=hp,
                seed=self._seed(),
                max_trials=self.max_trials,
                options=self.tuner_options,
                default_epochs=int(self.estimator.get_params().get("epochs", 10)),
            )
            tuner = run_search(
                plan,
                oracle,
                directory=directory,
                project_name=self.project_name,
                overwrite=bool(self.overwrite) and not worker,
                max_retries=self.max_retries,
                verbose=int(self.verbose),
                X=X,
                y=y,
            )
            self.tuner_ = tuner
            self.project_dir_ = project_dir
            from fashionnet.tuning.results import record_results

            record_results(self, tuner, plan, worker=worker)
            if worker:
                return self
            if self.refit:
                self._refit(X, y)
        return self

    def _refit(self, X: Any, y: Any) -> None:
        from fashionnet.tuning.tuner import log_params

        estimator = clone(self.estimator).set_params(**self.best_params_)
        estimator.set_params(**log_params(estimator, self.project_dir_ / "refit"))
        start = time.perf_counter()
        estimator.fit(X, y)
        self.refit_time_ = time.perf_counter() - start
        self.best_estimator_ = estimator

    def __getstate__(self) -> dict:
        # The keras-tuner tuner is rebuilt from `directory`, not pickled.
        state = self.__dict__.copy()
        state.pop("tuner_", None)
        return state

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
