"""The keras-tuner side of a search: the oracle, and a tuner that runs estimator trials.

:class:`EstimatorTuner` owns a trial: it decodes the trial's
hyperparameters, builds a clone of the estimator with them, fits it, scores
it and reports the metrics to the oracle. What it needs to know about the
search comes in one :class:`TrialPlan`, built by
:class:`~fashionnet.tuning.KerasTunerSearchCV` in ``fit``.

This module imports keras-tuner (and so TensorFlow) when it is imported;
the search imports it on the first ``fit``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import shutil
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras_tuner
import numpy as np
import pandas as pd
from keras_tuner.engine.base_tuner import BaseTuner
from sklearn.base import clone

from fashionnet._io import write_text
from fashionnet._lock import LOCK_NAME
from fashionnet.tuning.resume import fill_gaps, prepare_resume
from fashionnet.tuning.space import decode_values
from fashionnet.tuning.storage import SearchStorageError, as_storage_error

__all__ = ["TrialPlan", "EstimatorTuner", "make_oracle", "run_search", "log_params", "is_worker"]

_ORACLES = {
    "random": keras_tuner.oracles.RandomSearchOracle,
    "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
    "grid": keras_tuner.oracles.GridSearchOracle,
    "hyperband": keras_tuner.oracles.HyperbandOracle,
}


@dataclass(frozen=True)
class TrialPlan:
    """How every trial of one search is built and scored.

    Attributes
    ----------
    estimator : estimator
        Cloned for every fit.
    decoders : mapping
        ``build_space``'s decoding tables.
    objective : str
        The metric a trial reports as its score.
    direction : {"min", "max"}
        Whether lower or higher scores are better.
    history_mode : bool
        Score the best epoch of the estimator's own ``history_`` (the
        estimator holds out ``validation_split`` itself).
    folds : list of (train, test) index arrays, or None
        Cross-validation folds; None scores one stratified held-out split.
    validation_split : float
        The held-out fraction (or the estimator's own ``validation_split``).
    early_stopping_patience : int or None
        Set as the estimator's ``early_stopping`` in every trial.
    split_seed : int
        Seed of the held-out split.
    """

    estimator: Any
    decoders: Mapping[str, list]
    objective: str
    direction: str
    history_mode: bool
    folds: list | None
    validation_split: float
    early_stopping_patience: int | None
    split_seed: int


def is_worker() -> bool:
    """Whether this process is a worker of keras-tuner's distributed mode (not the chief)."""
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


# --------------------------------------------------------------------------- #
# the oracle
# --------------------------------------------------------------------------- #
class _AtomicSave:
    """Writes the oracle's ``oracle.json`` atomically.

    keras-tuner truncates the file and then writes it, so a full disk or a
    kill in between leaves an empty ``oracle.json`` that no rerun can read.
    """

    fashionnet_state_file: Path | None = None

    def save(self) -> None:
        if self.fashionnet_state_file is None:
            return super().save()  # type: ignore[misc]
        _write_state(self.fashionnet_state_file, self.get_state())  # type: ignore[attr-defined]


def _write_state(path: str | os.PathLike, state: dict) -> None:
    """Write keras-tuner's JSON state atomically; a fault names the file."""
    try:
        write_text(path, json.dumps(state))
    except OSError as exc:
        if exc.filename is None:
            exc.filename = os.fspath(path)
        raise


class _ResumableGrid:
    """Rebuilds a grid oracle's place in the grid when it is reloaded.

    keras-tuner's ``GridSearchOracle`` (1.4) does not save the ordered list
    of tried combinations nor its queue of trials to continue from, so a
    resumed grid fails with a ``KeyError`` as soon as a trial ends. Both
    follow from the trials themselves: every trial, in grid order, is a
    place to continue from (the oracle skips those whose next combination
    was tried). This reaches into the oracle's private ``_ordered_ids``,
    ``_populate_next`` and ``_compare``: there is no public way.
    """

    def set_state(self, state: dict) -> None:
        super().set_state(state)  # type: ignore[misc]
        trials = {t: trial for t, trial in self.trials.items() if trial.hyperparameters.values}
        order = sorted(
            trials,
            key=functools.cmp_to_key(
                lambda a, b: self._compare(
                    trials[a].hyperparameters.values, trials[b].hyperparameters.values
                )
            ),
        )
        ordered = type(self._ordered_ids)()
        for trial_id in order:
            ordered.insert(trial_id)
        self._ordered_ids = ordered
        self._populate_next = list(order)


_ATOMIC_CLASSES: dict[type, type] = {}


def make_oracle(
    kind: str,
    state_file: Path,
    *,
    objective: Any,
    hyperparameters: Any,
    seed: int | None,
    max_trials: int | None,
    options: Mapping[str, Any] | None,
    default_epochs: int,
) -> Any:
    """The search's keras-tuner oracle, whose ``save`` writes ``state_file`` atomically.

    Parameters
    ----------
    kind : {"random", "bayesian", "grid", "hyperband"}
    state_file : pathlib.Path
        ``<project>/oracle.json``, where keras-tuner reloads the oracle from.
    objective, hyperparameters, seed, max_trials
        The oracle's arguments (``max_trials`` is not Hyperband's).
    options : mapping or None
        More of the oracle's arguments (``tuner_options``).
    default_epochs : int
        Hyperband's ``max_epochs`` unless ``options`` gives it.
    """
    base = _ORACLES[kind]
    if base not in _ATOMIC_CLASSES:
        mixins = (_AtomicSave, _ResumableGrid) if kind == "grid" else (_AtomicSave,)
        _ATOMIC_CLASSES[base] = type(base.__name__, (*mixins, base), {})
    options = dict(options or {})
    if kind == "hyperband":
        options.setdefault("max_epochs", default_epochs)
    else:
        options["max_trials"] = max_trials
    oracle = _ATOMIC_CLASSES[base](
        objective=objective,
        hyperparameters=hyperparameters,
        allow_new_entries=False,
        tune_new_entries=True,
        seed=seed,
        **options,
    )
    oracle.fashionnet_state_file = Path(state_file)
    return oracle


# --------------------------------------------------------------------------- #
# the tuner
# --------------------------------------------------------------------------- #
class _StorageFault(keras_tuner.errors.FatalError):
    """A file fault inside a trial: stop the search instead of failing the trial."""

    def __init__(self, error: SearchStorageError) -> None:
        super().__init__(str(error))
        self.storage_error = error


class EstimatorTuner(BaseTuner):
    """A keras-tuner tuner whose trial fits and scores a clone of an estimator.

    Parameters
    ----------
    plan : TrialPlan
        How to build and score a trial.
    oracle : keras_tuner.Oracle
        Picks the trials (see :func:`make_oracle`).
    **kwargs
        ``directory``, ``project_name`` and ``overwrite`` of
        :class:`keras_tuner.engine.base_tuner.BaseTuner`.

    Attributes
    ----------
    local_results : list of dict
        ``{"trial_id": ..., <metrics>}`` of every trial this process ran.
    """

    def __init__(self, plan: TrialPlan, oracle: Any, **kwargs: Any) -> None:
        self.plan = plan
        self.local_results: list[dict] = []
        super().__init__(oracle=oracle, hypermodel=None, **kwargs)

    def run_trial(self, trial: Any, X: Any, y: Any, **kwargs: Any) -> dict:
        """Fit and score the trial's estimator; return its metrics."""
        start = time.perf_counter()
        trial_dir = Path(self.get_trial_dir(trial.trial_id))
        params = decode_values(trial.hyperparameters.values, self.plan.decoders)
        try:
            metrics = _fit_and_score(self.plan, params, trial_dir, X, y)
        except Exception as exc:
            # keras-tuner records any error as a failed trial and goes on; a
            # full or read-only disk would fail every trial that follows.
            fault = as_storage_error(exc, self.project_dir)
            if fault is not None:
                raise _StorageFault(fault) from exc
            raise
        metrics["fit_time"] = time.perf_counter() - start
        self.local_results.append({"trial_id": trial.trial_id, **metrics})
        return metrics

    def save(self) -> None:
        """Save the oracle (unless a worker) and this tuner's state file, atomically."""
        if not is_worker():
            self.oracle.save()
        _write_state(os.path.join(self.project_dir, f"{self.tuner_id}.json"), self.get_state())


def run_search(
    plan: TrialPlan,
    oracle: Any,
    *,
    directory: str | os.PathLike,
    project_name: str,
    overwrite: bool,
    max_retries: int,
    verbose: int,
    X: Any,
    y: Any,
) -> EstimatorTuner:
    """Open the project (afresh, or repaired and resumed), run keras-tuner's search.

    A distributed worker only runs trials: the chief prepares the project.

    Returns
    -------
    EstimatorTuner
        Its ``oracle.trials`` hold every trial (on the chief or a lone search).
    """
    project_dir = Path(directory) / project_name
    report = None
    if not is_worker():
        project_dir.mkdir(parents=True, exist_ok=True)
        if overwrite:
            _clear(project_dir)
        report = prepare_resume(
            project_dir,
            tuner_id=os.environ.get("KERASTUNER_TUNER_ID", "tuner0"),
            fresh_state=oracle.get_state(),
            max_retries=max_retries,
        )
        if report.repaired:
            warnings.warn(
                f"repaired the search in {project_dir}: " + "; ".join(report.repaired) + ".",
                RuntimeWarning,
                stacklevel=3,
            )
    # keras-tuner prints; verbose=0 means silent.
    quiet = contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())
    with quiet:
        tuner = EstimatorTuner(
            plan,
            oracle,
            directory=os.fspath(directory),
            project_name=project_name,
            overwrite=False,  # done above, keeping the search's lock
        )
        if report is not None:
            fill_gaps(tuner.oracle, report.gaps, project_dir)
        tuner.search(X, y, verbose=verbose)
    return tuner


def _clear(project_dir: Path) -> None:
    """Empty ``project_dir`` for ``overwrite=True``, keeping the lock that guards it."""
    for child in project_dir.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def log_params(estimator: Any, log_dir: Path) -> dict:
    """The estimator's ``csv_log`` and ``log_dir`` under ``log_dir``, where it has them."""
    params = estimator.get_params()
    out = {}
    if "csv_log" in params:
        out["csv_log"] = os.fspath(log_dir / "log.csv")
    if "log_dir" in params:
        out["log_dir"] = os.fspath(log_dir / "tb")
    return out


# --------------------------------------------------------------------------- #
# one trial
# --------------------------------------------------------------------------- #
def _fit_and_score(plan: TrialPlan, params: dict, trial_dir: Path, X: Any, y: np.ndarray) -> dict:
    from sklearn.model_selection import train_test_split
    from sklearn.utils import _safe_indexing

    if plan.history_mode:
        estimator = _trial_estimator(plan, params, trial_dir, plan.validation_split)
        estimator.fit(X, y)
        return _best_epoch(estimator, plan)
    if plan.folds is None:
        train, val = train_test_split(
            np.arange(len(y)), test_size=plan.validation_split, stratify=y,
            random_state=plan.split_seed,
        )
        folds = [(train, val)]
    else:
        folds = plan.folds
    inner_split = plan.validation_split if plan.early_stopping_patience is not None else 0.0
    scores = []
    for k, (train, val) in enumerate(folds):
        log_dir = trial_dir / f"fold{k}" if plan.folds is not None else trial_dir
        estimator = _trial_estimator(plan, params, log_dir, inner_split)
        estimator.fit(_safe_indexing(X, train), y[train])
        scores.append(_held_out_score(estimator, _safe_indexing(X, val), y[val], plan.objective))
    metrics = {plan.objective: float(np.mean(scores))}
    if plan.folds is not None:
        metrics.update({f"split{k}_{plan.objective}": s for k, s in enumerate(scores)})
    return metrics


def _trial_estimator(plan: TrialPlan, params: dict, log_dir: Path, validation_split: float) -> Any:
    estimator = clone(plan.estimator).set_params(**params)
    own = estimator.get_params()
    managed = log_params(estimator, log_dir)
    if "validation_split" in own:
        managed["validation_split"] = validation_split
    if plan.early_stopping_patience is not None:
        if "early_stopping" not in own:
            raise ValueError(
                f"early_stopping_patience is set but {type(estimator).__name__} has no "
                "early_stopping parameter."
            )
        managed["early_stopping"] = plan.early_stopping_patience
    return estimator.set_params(**managed)


def _held_out_score(estimator: Any, X: Any, y: np.ndarray, name: str) -> float:
    if name == "val_loss":
        from sklearn.metrics import log_loss

        return float(log_loss(y, estimator.predict_proba(X), labels=estimator.classes_))
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y, np.asarray(estimator.predict(X)).ravel()))


def _best_epoch(estimator: Any, plan: TrialPlan) -> dict:
    history = getattr(estimator, "history_", None)
    history = pd.DataFrame(history if history is not None else {})
    if plan.objective not in history.columns:
        raise keras_tuner.errors.FatalValueError(
            f"objective {plan.objective!r} is not in the estimator's history_ (columns "
            f"{list(history.columns)}); pick one of those as objective."
        )
    column = history[plan.objective].to_numpy(dtype=float)
    pick = np.nanargmin if plan.direction == "min" else np.nanargmax
    best = int(pick(column))
    return {
        col: float(history[col].iloc[best])
        for col in history.columns
        if np.issubdtype(history[col].dtype, np.number)
    } | {"best_epoch": float(best + 1)}
