"""A budgeted fit's closed loop: re-plan at every epoch's end, and end the schedule there.

A plan made before training, from a few seconds of timed steps, is wrong by
10 to 25 % in both directions (a CPU's boost clock fades, other processes
wake up, validation and callbacks cost more than a step's share). So a
budgeted fit does not keep its first plan: :class:`EpochPlanner`, a Keras
callback, decides again at every epoch's end, from the epochs it has
actually timed (validation, callbacks and all), how many epochs the budget
still affords (up to the estimator's ``epochs``, never beyond), and stops
the training exactly when the plan's last epoch is done.

The learning-rate schedule follows each new plan: :class:`ElasticSchedule`
wraps the schedule the estimator gives for ``epochs`` epochs and lays it
over a total number of steps held in a ``keras.Variable``, which the
callback re-assigns. A new total re-lays only what is left: the remaining
steps go from the schedule's present position to its end, so the rate is
continuous and the last step that runs is the schedule's last (its final
value, e.g. 0 at the end of a cosine). Variables read inside the compiled
train step work on TensorFlow, JAX and PyTorch alike; on JAX a variable must
be part of the optimizer's state to be read live, so the schedule's
variables are tracked by the optimizer while the fit trains
(:func:`elastic_optimizer`) and untracked when it ends (a saved model then
holds the optimizer's usual variables).

Every reading of time goes through the ``clock`` given (``time.perf_counter``
by default), so tests can drive the loop with a simulated clock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras
from keras import ops

from ._budget import GRACE

__all__ = ["ElasticSchedule", "EpochPlanner", "elastic_optimizer"]

#: Steady epochs (after the first, which pays tracing) averaged for the
#: estimate of the next; the last epoch alone counts when it was slower.
_AVERAGED_EPOCHS = 3


@keras.saving.register_keras_serializable(package="fashionnet")
class ElasticSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A learning-rate schedule laid over a number of steps that may change as it runs.

    Parameters
    ----------
    schedule : keras.optimizers.schedules.LearningRateSchedule or dict
        The schedule as given for ``schedule_steps`` steps (or its Keras config).
    schedule_steps : float
        The steps ``schedule`` is written for; its end is its final value.
    total_steps : float
        The steps it is laid over now.
    anchor_step, anchor_position : float, default=0.0
        Where the last re-lay took place: at optimizer step ``anchor_step``
        the schedule stood at ``anchor_position`` (0 at its start, 1 at its
        end); the steps from there to ``total_steps`` cover the rest.

    Examples
    --------
    >>> import keras
    >>> cosine = keras.optimizers.schedules.CosineDecay(0.1, 100)
    >>> elastic = ElasticSchedule(cosine, 100, total_steps=50)
    >>> round(float(elastic(25)), 4)  # half-way through: cosine's half-way rate
    0.05
    >>> elastic.relay(step=25, total_steps=75)  # 50 more steps instead of 25
    >>> round(float(elastic(25)), 4), round(float(elastic(75)), 4)
    (0.05, 0.0)
    """

    def __init__(
        self,
        schedule: Any,
        schedule_steps: float,
        total_steps: float,
        anchor_step: float = 0.0,
        anchor_position: float = 0.0,
    ) -> None:
        if isinstance(schedule, dict):
            schedule = keras.optimizers.schedules.deserialize(schedule)
        self.schedule = schedule
        self.schedule_steps = float(schedule_steps)

        def variable(value: float, name: str) -> keras.Variable:
            return keras.Variable(
                float(value),
                dtype="float32",
                trainable=False,
                name=name,
                aggregation="only_first_replica",
            )

        self.total_steps = variable(total_steps, "elastic_total_steps")
        self.anchor_step = variable(anchor_step, "elastic_anchor_step")
        self.anchor_position = variable(anchor_position, "elastic_anchor_position")

    @property
    def variables(self) -> list[keras.Variable]:
        """The variables the train step reads: total steps and the last re-lay's anchor."""
        return [self.total_steps, self.anchor_step, self.anchor_position]

    def __call__(self, step: Any) -> Any:
        step = ops.cast(step, "float32")
        span = ops.maximum(self.total_steps - self.anchor_step, 1.0)
        position = self.anchor_position + (step - self.anchor_step) * (
            (1.0 - self.anchor_position) / span
        )
        return self.schedule(ops.clip(position, 0.0, 1.0) * self.schedule_steps)

    def position(self, step: float) -> float:
        """Where the schedule stands at optimizer step ``step``: 0 at its start, 1 at its end."""
        total, anchor, at = (float(ops.convert_to_numpy(v)) for v in self.variables)
        span = max(total - anchor, 1.0)
        return min(max(at + (step - anchor) * (1.0 - at) / span, 0.0), 1.0)

    def relay(self, step: float, total_steps: float) -> None:
        """Lay the schedule's rest, from step ``step``, over the steps up to ``total_steps``."""
        at = self.position(step)
        self.anchor_position.assign(at)
        self.anchor_step.assign(float(step))
        self.total_steps.assign(float(total_steps))

    def get_config(self) -> dict[str, Any]:
        total, anchor, at = (float(ops.convert_to_numpy(v)) for v in self.variables)
        return {
            "schedule": keras.optimizers.schedules.serialize(self.schedule),
            "schedule_steps": self.schedule_steps,
            "total_steps": total,
            "anchor_step": anchor,
            "anchor_position": at,
        }


def elastic_optimizer(
    optimizer: keras.optimizers.Optimizer, schedule_steps: int, total_steps: int
) -> tuple[keras.optimizers.Optimizer, ElasticSchedule | None]:
    """A copy of ``optimizer`` whose schedule is an :class:`ElasticSchedule`, tracked by it.

    ``optimizer``'s learning-rate schedule is written for ``schedule_steps``
    steps; the copy lays it over ``total_steps``. An optimizer with a fixed
    rate comes back as it is, with None (there is nothing to lay out).

    Raises
    ------
    ValueError
        The schedule cannot be serialised (a custom class that is not
        registered), so it cannot be copied to follow a budget.
    """
    config = optimizer.get_config()
    learning_rate = config.get("learning_rate")
    if not isinstance(learning_rate, dict):  # a float: a fixed rate
        return optimizer, None
    try:
        schedule = ElasticSchedule(learning_rate, schedule_steps, total_steps)
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"the learning-rate schedule {learning_rate.get('class_name')} cannot be laid "
            f"out over the epochs time_budget chooses ({exc}); register it with "
            "keras.saving.register_keras_serializable, or pass a float learning_rate."
        ) from None
    optimizer = type(optimizer).from_config({**config, "learning_rate": schedule})
    # Part of the optimizer's state, so that a compiled JAX step reads them live.
    for variable in schedule.variables:
        optimizer._track_variable(variable)  # noqa: SLF001 - Keras 3's own tracking hook
    return optimizer, schedule


class EpochPlanner(keras.callbacks.Callback):
    """Re-plan a budgeted fit at every epoch's end, and stop it when the plan is done.

    Keras runs the fit for up to ``max_epochs``; this callback sets
    ``model.stop_training`` at the end of the epoch its plan says is the
    last. At every other epoch's end it times the epochs run so far, counts
    the epochs the seconds left afford (at least one more: a planned last
    epoch always runs, so that the schedule ends), lays the schedule's rest
    over them, and records each change in ``replans``. Only when even that
    one epoch would end more than :data:`~fashionnet.models._budget.GRACE`
    past the budget does it stop at once, and ``cut`` says why.

    Parameters
    ----------
    budget : float
        Seconds for the whole fit.
    started : float
        ``clock()`` at the start of the fit.
    epochs : int
        The epochs planned before training.
    max_epochs : int
        The most epochs to train (the estimator's ``epochs``).
    startup_seconds : float, default=0.0
        Seconds the first epoch pays before its steps (tracing), left out
        of the first epoch's time when it is the only one timed.
    clock : callable, default=time.perf_counter
        Seconds, as a float; a test passes a simulated clock.
    """

    def __init__(
        self,
        budget: float,
        started: float,
        epochs: int,
        max_epochs: int,
        *,
        startup_seconds: float = 0.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__()
        self.budget = float(budget)
        self.started = started
        self.epochs = int(epochs)
        self.max_epochs = int(max_epochs)
        self.startup_seconds = float(startup_seconds)
        self.clock = clock
        self.replans: list[list[int]] = []
        self.epoch_seconds: list[float] = []
        self.cut: str | None = None
        self.landed = False
        self.schedule: ElasticSchedule | None = None
        self.optimizer: keras.optimizers.Optimizer | None = None
        self._mark = started

    def follow(self, optimizer: keras.optimizers.Optimizer, schedule: ElasticSchedule | None):
        """Lay ``schedule`` (of ``optimizer``, the one the fit trains with) after each plan."""
        self.optimizer, self.schedule = optimizer, schedule

    def on_train_begin(self, logs: Any = None) -> None:
        """Start timing the first epoch."""
        self._mark = self.clock()

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        """Time the epoch; stop if it was the plan's last, else plan the rest again."""
        now = self.clock()
        self.epoch_seconds.append(now - self._mark)
        self._mark = now
        done = len(self.epoch_seconds)
        if done >= self.epochs:
            self.landed = True
            self.model.stop_training = True
            return
        estimate = self._epoch_estimate()
        used = now - self.started
        left = self.budget - used
        more = int(left // estimate) if estimate > 0 else self.max_epochs
        if more < 1 and used + estimate > self.budget * (1 + GRACE):
            self.cut = (
                f"stopped after {done} of {self.epochs} planned epochs: one more epoch "
                f"(about {estimate:.1f} s) would end at {used + estimate:.0f} s, past the "
                f"{self.budget:.0f}-s budget and its grace (this machine ran much slower "
                "than measured so far)"
            )
            self.model.stop_training = True
            return
        plan = min(self.max_epochs, done + max(more, 1))
        if plan != self.epochs:
            self._relay(done, plan)

    def _epoch_estimate(self) -> float:
        """Seconds the next epoch will take, from the epochs timed."""
        if len(self.epoch_seconds) == 1:
            return max(self.epoch_seconds[0] - self.startup_seconds, self.epoch_seconds[0] / 2)
        steady = self.epoch_seconds[1:][-_AVERAGED_EPOCHS:]
        return max(sum(steady) / len(steady), steady[-1])

    def _relay(self, done: int, plan: int) -> None:
        self.replans.append([done, plan])
        if self.schedule is not None:
            step = float(ops.convert_to_numpy(self.optimizer.iterations))
            steps_per_epoch = step / done
            self.schedule.relay(step, step + math.ceil((plan - done) * steps_per_epoch))
        self.epochs = plan

    def on_train_end(self, logs: Any = None) -> None:
        """Give the optimizer back its usual variables (a saved model then loads as any)."""
        if self.schedule is not None and self.optimizer is not None:
            for variable in self.schedule.variables:
                self.optimizer._untrack_variable(variable)  # noqa: SLF001
