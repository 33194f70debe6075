"""A fit within a time budget: time the network's steps, choose the epochs, re-plan.

:class:`BudgetPlanMixin` is the estimator's side of ``time_budget``; the
arithmetic lives in the pure functions of :mod:`fashionnet.models._budget`
(the measured speed, the first plan, the facts recorded in ``budget_``), the
closed loop in :mod:`fashionnet.models._budget_loop` (the
:class:`~fashionnet.models._budget_loop.EpochPlanner` callback that plans
again at every epoch's end, and the schedule that follows its plans).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ._budget import (
    budget_facts,
    known_speed,
    measure_speed,
    plan_epochs,
    remember_speed,
    speed_key,
    timed_seconds,
)
from ._budget_loop import EpochPlanner

__all__ = ["BudgetPlanMixin"]


class BudgetPlanMixin:
    """Plan a budgeted fit: ``epochs_`` and ``budget_`` from the network's measured speed."""

    #: The clock of a budgeted fit (seconds, as a float); a test sets a simulated one.
    _clock = staticmethod(time.perf_counter)

    def _plan_budget(
        self, X, y, sample_weight, seed: int | None, started: float, warm: bool, validation
    ) -> EpochPlanner | None:
        """With a ``time_budget``: plan the fit, and return the callback that re-plans it."""
        self._budget_loop = None
        if self.time_budget is None:
            return None
        self._plan_within_budget(
            X, y, sample_weight, seed, started, warm=warm, validation=validation
        )
        return self._budget_loop

    def _record_budget(self, loop: EpochPlanner | None, started: float) -> None:
        """Add what the budgeted fit that began at ``started`` did to ``budget_``."""
        self._budget_loop = None
        if loop is None:
            return
        epochs_run = len(self.history_) - self.budget_["initial_epoch"]
        self.epochs_ = epochs_run
        self.budget_.update(
            fit_seconds=self._clock() - started,
            epochs_run=epochs_run,
            replans=[list(r) for r in loop.replans],
            landed=loop.landed,
            timed_epoch_seconds=[float(s) for s in loop.epoch_seconds],
            cut=loop.cut,
        )

    def _plan_within_budget(
        self,
        X,
        y,
        sample_weight,
        seed: int | None,
        started: float,
        *,
        warm: bool,
        validation: tuple | None,
    ) -> None:
        """Time the network's steps, set ``epochs_``, and set the network up for them.

        A fresh network is built again from the seed (so the fit is the fit of
        ``epochs=epochs_``); a warm-started one gets its weights back and a
        fresh optimizer for the chosen epochs.
        """
        clock = self._clock
        build_seconds = clock() - started
        targets = self._one_hot(y)
        n_fit = X.shape[0] - int(X.shape[0] * self.validation_split)
        self._before_timing(X)

        def run_steps(n_steps: int) -> float:
            n = min(n_steps * self.batch_size, n_fit)
            begin = clock()
            self._fit_keras(
                X[:n],
                targets[:n],
                whole_fit=True,
                seed=None,
                sample_weight=None if sample_weight is None else sample_weight[:n],
                batch_size=self.batch_size,
                epochs=1,
                verbose=0,
                shuffle=False,
            )
            return clock() - begin

        key = speed_key(self.model_, self.batch_size, self.distribution_)
        speed = known_speed(key)
        measured = speed is None
        if measured:  # the first fit of this network in this process: time it
            weights = self.model_.get_weights() if warm else None
            speed = measure_speed(
                run_steps,
                self._steps_per_epoch(X.shape[0]),
                timed_seconds(float(self.time_budget)),
                clock,
            )
            remember_speed(key, speed)
        n_val = X.shape[0] - n_fit if validation is None else len(validation[1])
        plan = plan_epochs(
            float(self.time_budget),
            elapsed=clock() - started,
            rebuild_seconds=build_seconds,
            speed=speed,
            steps_per_epoch=self._steps_per_epoch(X.shape[0]),
            validation_steps=math.ceil(n_val / self.batch_size),
            max_epochs=self.epochs,
        )
        if plan["overrun"]:
            warnings.warn(
                f"{type(self).__name__}: time_budget={self.time_budget} s is too short for one "
                f"epoch on this machine (about {plan['expected_seconds']:.0f} s for the fit "
                "with one); training one epoch.",
                UserWarning,
                stacklevel=3,
            )
        self.epochs_ = plan["epochs"]
        self.budget_ = budget_facts(
            float(self.time_budget), speed, plan, self.epochs, measured=measured
        )
        self.budget_["initial_epoch"] = len(self.history_) if warm else 0
        self._budget_loop = EpochPlanner(
            float(self.time_budget),
            started,
            self.epochs_,
            self.epochs,
            startup_seconds=speed.startup_seconds,
            clock=clock,
        )
        if warm:
            if weights is not None:
                self.model_.set_weights(weights)
            self._compile(self.model_, X.shape[0])
            return
        # The same network as a fit with epochs=epochs_: same seed, fresh weights.
        self._new_network(X.shape[0], seed)

    def _before_timing(self, X: np.ndarray) -> None:
        """Work a fit does once on all of ``X`` before its steps, done before they are timed."""
