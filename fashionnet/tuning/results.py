"""The trials of a search as a table, the failures, and the best trial.

The best trial is chosen here rather than by keras-tuner's
``get_best_trials``, which breaks ties by the order the trials were loaded
from disk: that order changes when a search is interrupted and resumed.
Here the best score wins and, among equal scores, the lowest trial id.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from fashionnet.tuning.resume import trial_order
from fashionnet.tuning.space import decode_values, searched_names

__all__ = [
    "best_trial",
    "failed_trials",
    "read_results",
    "results_frame",
    "local_results_frame",
    "warn_failures",
    "record_results",
]

_FAILED = ("FAILED", "INVALID")


def best_trial(trials: Iterable[Any], direction: str) -> Any | None:
    """The completed trial with the best score; ties go to the lowest trial id.

    Parameters
    ----------
    trials : iterable of keras_tuner.engine.trial.Trial
    direction : {"max", "min"}

    Returns
    -------
    Trial or None
        None when no trial completed with a score.
    """
    sign = -1.0 if direction == "max" else 1.0
    scored = [
        t
        for t in trials
        if t.status == "COMPLETED" and t.score is not None and not math.isnan(t.score)
    ]
    if not scored:
        return None
    return min(scored, key=lambda t: (sign * float(t.score), trial_order(t.trial_id)))


def read_results(
    trials: Iterable[Any],
    *,
    objective: str,
    direction: str,
    names: list[str],
    decoders: Mapping[str, list],
    n_splits: int,
    max_retries: int,
) -> tuple[list, pd.DataFrame, Any]:
    """The trials in id order, ``cv_results_`` and the best trial; warn about failures.

    Raises
    ------
    RuntimeError
        No trial completed (the message quotes the first failure).
    """
    trials = sorted(trials, key=lambda t: trial_order(t.trial_id))
    frame = results_frame(
        trials, objective=objective, names=names, decoders=decoders, n_splits=n_splits
    )
    warn_failures(trials, max_retries)
    best = best_trial(trials, direction)
    if best is None:
        first = next((t.message for t in trials if t.message), None)
        raise RuntimeError(
            f"no trial of the search completed ({len(trials)} recorded)."
            + (f" First failure:\n{first}" if first else "")
        )
    return trials, frame, best


def failed_trials(trials: Iterable[Any]) -> list:
    """The trials that failed (``FAILED``, or ``INVALID`` awaiting a retry)."""
    return [t for t in trials if t.status in _FAILED]


def results_frame(
    trials: list,
    *,
    objective: str,
    names: list[str],
    decoders: Mapping[str, list],
    n_splits: int,
) -> pd.DataFrame:
    """``cv_results_``: one row per trial, in the order given."""
    rows = []
    for trial in trials:
        metrics = trial.metrics
        row = {
            "trial": int(trial.trial_id),
            "score": float("nan") if trial.score is None else float(trial.score),
            "status": str(trial.status),
            "duration": _metric(metrics, "fit_time"),
        }
        params = decode_values(trial.hyperparameters.values, decoders)
        for param in names:
            row[f"param_{param}"] = params.get(param)
        for k in range(n_splits):
            row[f"split{k}_score"] = _metric(metrics, f"split{k}_{objective}")
        rows.append(row)
    columns = (
        ["trial", "score", "status", "duration"]
        + [f"param_{p}" for p in names]
        + [f"split{k}_score" for k in range(n_splits)]
    )
    return pd.DataFrame(rows, columns=columns)


def local_results_frame(results: list[dict], objective: str) -> pd.DataFrame:
    """``cv_results_`` of a distributed worker: the trials it ran."""
    rows = [
        {
            "trial": int(r["trial_id"]),
            "score": r.get(objective, float("nan")),
            "status": "COMPLETED",
            "duration": r.get("fit_time", float("nan")),
        }
        for r in results
    ]
    return pd.DataFrame(rows, columns=["trial", "score", "status", "duration"])


def warn_failures(trials: list, max_retries: int) -> None:
    """One RuntimeWarning counting the failed trials and quoting the first failure."""
    failed = failed_trials(trials)
    if not failed:
        return
    last_line = (failed[0].message or "").strip().splitlines()[-1:] or ["(no message)"]
    again = (
        f" Fitting the search again retries them (at most {max_retries} retries per trial)."
        if max_retries > 0
        else ""
    )
    warnings.warn(
        f"{len(failed)} of {len(trials)} trials failed; first failure: {last_line[0]} "
        f"(full messages in tuner_.oracle.trials[...].message).{again}",
        RuntimeWarning,
        stacklevel=4,  # the caller of KerasTunerSearchCV.fit
    )


def _metric(metrics: Any, name: str) -> float:
    if metrics.exists(name):
        value = metrics.get_last_value(name)
        return float("nan") if value is None else float(value)
    return float("nan")


def record_results(search: Any, tuner: Any, plan: Any, *, worker: bool) -> None:
    """Set a finished search's learned attributes from its tuner's trials.

    A keras-tuner worker knows only its own trials (``is_worker_``,
    ``cv_results_``, ``n_trials_``); the chief, or a lone search, reads every
    trial of the oracle and picks the best (``best_params_``, ``best_score_``,
    ``n_failed_trials_``).
    """
    if worker:
        search.is_worker_ = True
        search.cv_results_ = local_results_frame(tuner.local_results, plan.objective)
        search.n_trials_ = len(search.cv_results_)
        return
    trials, search.cv_results_, best = read_results(
        tuner.oracle.trials.values(),
        objective=plan.objective,
        direction=plan.direction,
        names=searched_names(search.param_space, hyperband=search.tuner == "hyperband"),
        decoders=search._decoders,
        n_splits=len(search._folds) if search._folds is not None else 0,
        max_retries=search.max_retries,
    )
    search.n_trials_ = len(trials)
    search.n_failed_trials_ = len(failed_trials(trials))
    search.best_params_ = decode_values(best.hyperparameters.values, search._decoders)
    search.best_score_ = float(best.score)
