"""Where the study's fold fits run: in this process, in N processes, or on a Dask cluster.

Two stages of the study fit one model per fold: the label-error stage (the
out-of-fold probabilities) and the cross-validation. ``run_study(n_jobs=N,
scheduler=ADDRESS)`` (``fashionnet study --n-jobs N --scheduler ADDRESS``)
runs their folds N at a time inside :func:`fashionnet.parallel.parallel_backend`:
loky processes of this machine, or the workers of a running Dask
scheduler. Every other stage stays in this process (one model each, or
keras-tuner's trials one after the other). The default (``n_jobs`` None or
1, no scheduler) is the serial run, fit for fit.

Each fold's fit records where it ran (its estimator's ``fit_worker_``), and
each of the two stages where its folds ran (:class:`StudyJobs.backend`'s
description), for the report. Their time budgets count the folds that run
at once (:func:`fashionnet.study.budget.fold_budget`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import joblib

from fashionnet.parallel import check_n_jobs, check_scheduler, parallel_backend, require_distributed

__all__ = ["IN_PROCESS", "WORKER_START_SECONDS", "StudyJobs"]

#: Seconds a stage keeps for its worker processes to start (each imports
#: TensorFlow before its first fit: about 10 s on 2 busy cores, measured).
WORKER_START_SECONDS = 10.0


@dataclass(frozen=True)
class StudyJobs:
    """Where the folds of the label-error and cross-validation stages run.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Folds fitted at once: None or 1 one after the other in this process
        (with a scheduler: every worker thread of the cluster), N > 1 that
        many, -1 every core (every worker thread).
    scheduler : str, distributed.Client or None, default=None
        A running Dask scheduler (see :func:`fashionnet.parallel.parallel_backend`).

    Examples
    --------
    >>> StudyJobs().in_process, StudyJobs(n_jobs=2).in_process
    (True, False)
    >>> with StudyJobs().backend(folds=3) as (where, at_once):
    ...     where, at_once
    ('this process', 1)
    """

    n_jobs: int | None = None
    scheduler: Any = None

    @classmethod
    def checked(cls, n_jobs: Any = None, scheduler: Any = None) -> StudyJobs:
        """The settings once checked: ValueError, TypeError or ImportError naming the one at fault.

        A scheduler needs ``dask.distributed`` (checked here, before any stage runs).
        """
        jobs = cls(check_n_jobs(n_jobs), check_scheduler(scheduler))
        if jobs.scheduler is not None:
            require_distributed()
        return jobs

    @property
    def in_process(self) -> bool:
        """Whether the folds run one after the other in this process (the serial run)."""
        return self.scheduler is None and self.n_jobs in (None, 1)

    @property
    def start_seconds(self) -> float:
        """Seconds a stage keeps for its workers' start: none in this process."""
        return 0.0 if self.in_process else WORKER_START_SECONDS

    @contextlib.contextmanager
    def backend(self, folds: int) -> Iterator[tuple[str, int]]:
        """The joblib backend of a stage's ``folds`` fits; yields where, and how many at once.

        Where: ``"this process"``, ``"loky (N processes)"`` or ``"dask
        ADDRESS (N workers)"``. At once: at most ``folds``, as many as the
        backend runs together (a Dask cluster's worker threads for -1).
        """
        with parallel_backend(self.n_jobs, self.scheduler) as where:
            at_once = 1 if self.in_process else joblib.effective_n_jobs(self.n_jobs)
            yield where, max(1, min(int(at_once), folds))

    def callbacks(self, bars: Any) -> list:
        """The fold estimators' callbacks: ``bars`` here; a silent copy for other processes.

        A bar drawn in a worker would not reach this process's stream (which
        does not travel to a worker), so there the copy only makes the
        models run eagerly as ``bars`` would.
        """
        if self.in_process:
            return [bars]
        return [type(bars)(bars.unit, bars.total_fits, None, bars.run_eagerly)]


#: The serial run: every fold in this process, one after the other.
IN_PROCESS = StudyJobs()
