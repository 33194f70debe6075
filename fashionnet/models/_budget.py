"""Time budgets: the epochs that fit in a number of seconds, measured on this machine.

``FashionNetClassifier(time_budget=600)`` trains for the number of epochs
that ends its ``fit`` within 600 seconds here, whatever this machine's
speed: fit first times a few training steps of the network it built
(:func:`measure_speed`), chooses the epochs from that (:func:`plan_epochs`),
then builds the network again from the same seed and trains it, with its
learning-rate schedule laid out over those epochs. That first plan is only
a start: at every epoch's end the fit plans again from the epochs it has
timed, and the schedule follows
(:mod:`fashionnet.models._budget_loop`), so that it always ends at the last
epoch that runs.

The anchors are FLAML's ``time_budget`` and auto-sklearn's
``time_left_for_this_task``: a budget in seconds of wall time, not a number
of iterations, so that a script or a study ends on time on a slow machine
and a fast one alike.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import keras

__all__ = [
    "Speed",
    "measure_speed",
    "speed_key",
    "known_speed",
    "remember_speed",
    "plan_epochs",
    "stretch_schedule",
    "GRACE",
    "MARGIN",
    "timed_seconds",
]

#: How far past its budget a fit may run before
#: :class:`~fashionnet.models._budget_loop.EpochPlanner` cuts its remaining
#: epochs (the planned last epoch is where a decaying learning rate pays
#: off, so a small overrun is cheaper than losing it).
GRACE = 0.10
#: The share of a budget :func:`plan_epochs` leaves unplanned: a few seconds
#: of timed steps run faster than hundreds of seconds of training (a CPU's
#: boost clock fades, other processes wake up; seen: 10 to 17 % on the
#: 2-core development machines), and a fit cut short ends its schedule early.
MARGIN = 0.10
#: Seconds of timed training steps the measurement aims at, as a share of
#: the budget, within bounds: long enough for a steady figure, short
#: against the budget.
_TIMED_SHARE, _TIMED_MIN, _TIMED_MAX = 0.01, 0.5, 5.0
#: A validation step (forward only, no gradients) against a training step.
_VALIDATION_STEP_COST = 0.35


@dataclass(frozen=True)
class Speed:
    """What :func:`measure_speed` measured.

    Attributes
    ----------
    step_seconds : float
        Seconds of one training step (a batch, forward and backward) once
        the step is compiled.
    startup_seconds : float
        Seconds a fresh fit spends before its steps (tracing or compiling
        the step, setting up the data), paid once per fit.
    probe_seconds : float
        Wall time of the measurement itself.
    timed_steps : int
        Steps the figure was measured on.
    """

    step_seconds: float
    startup_seconds: float
    probe_seconds: float
    timed_steps: int


def measure_speed(
    run_steps: Callable[[int], float],
    max_steps: int,
    timed_seconds: float = 1.0,
    clock: Callable[[], float] = time.perf_counter,
) -> Speed:
    """Time training steps of a network through ``run_steps``.

    Parameters
    ----------
    run_steps : callable
        ``run_steps(n)`` trains the network for ``n`` steps in one Keras
        ``fit`` call and returns its wall time. The first call pays the
        compilation; the step time is the difference of two later calls of
        different lengths divided by their difference in steps, so the
        fixed cost of a ``fit`` call cancels out.
    max_steps : int
        Most steps a call may take (the steps of one epoch).
    timed_seconds : float, default=1.0
        About how many seconds of steps the longer call times.
    clock : callable, default=time.perf_counter
        The clock ``run_steps`` times with (a test's simulated one).

    Returns
    -------
    Speed
    """
    begin = clock()
    first = run_steps(1)
    short = min(2, max_steps)
    t_short = run_steps(short)
    # A first guess (it includes a call's fixed cost, so it errs long) sizes
    # the timed call to about timed_seconds.
    guess = max(t_short / short, 1e-6)
    long = min(max_steps, short + max(3, math.ceil(timed_seconds / guess)))
    if long <= short:  # an epoch of one or two steps: time it whole
        step = max(t_short / short, 1e-9)
        timed = short
    else:
        t_long = run_steps(long)
        step = (t_long - t_short) / (long - short)
        if step <= 0:  # noise larger than the difference: the upper bound
            step = t_long / long
        timed = long
    startup = max(first - step, t_short - short * step, 0.0)
    return Speed(step, startup, clock() - begin, timed)


#: Speeds measured in this process, by :func:`speed_key`: the trials of a
#: search and the folds of a cross-validation train one architecture many
#: times, and measure it once.
_SPEEDS: dict[str, Speed] = {}
_MAX_SPEEDS = 64


def speed_key(model: keras.Model, batch_size: int, devices: dict | None = None) -> str:
    """What a step's time depends on: the backend, the layers (names aside), the batch, the devices.

    ``devices`` describes the distribution the steps run under (None: one device).
    """
    layers = [
        (type(layer).__name__, {k: v for k, v in layer.get_config().items() if k != "name"})
        for layer in model.layers
    ]
    text = json.dumps(
        [keras.config.backend(), layers, [tuple(model.input.shape)], batch_size]
        + ([] if devices is None else [devices]),
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def known_speed(key: str) -> Speed | None:
    """The speed measured for ``key`` earlier in this process, if any."""
    return _SPEEDS.get(key)


def remember_speed(key: str, speed: Speed) -> None:
    """Keep ``speed`` for later fits of the same network (the most recent 64)."""
    _SPEEDS.pop(key, None)
    _SPEEDS[key] = speed
    while len(_SPEEDS) > _MAX_SPEEDS:
        _SPEEDS.pop(next(iter(_SPEEDS)))


def plan_epochs(
    budget: float,
    *,
    elapsed: float,
    rebuild_seconds: float,
    speed: Speed,
    steps_per_epoch: int,
    validation_steps: int,
    max_epochs: int,
) -> dict[str, Any]:
    """The epochs that end a fit within ``budget`` seconds.

    Parameters
    ----------
    budget : float
        Seconds for the whole fit.
    elapsed : float
        Seconds the fit has already spent (validation, building, measuring).
    rebuild_seconds : float
        Seconds building the network again will take.
    speed : Speed
        The measured step time and start-up cost.
    steps_per_epoch : int
        Training steps of one epoch.
    validation_steps : int
        Validation batches evaluated after every epoch (of ``batch_size``
        images, as Keras' ``fit`` does).
    max_epochs : int
        The most epochs to train (the estimator's ``epochs``).

    The epochs are planned to end :data:`MARGIN` short of the budget.

    Returns
    -------
    dict
        ``epochs`` (at least 1), ``epoch_seconds`` (the estimate),
        ``expected_seconds`` (of the whole fit) and ``overrun`` (True when
        even one epoch does not fit).
    """
    epoch = speed.step_seconds * (steps_per_epoch + _VALIDATION_STEP_COST * validation_steps)
    # The network is built again, and pays its start-up again, before training.
    fixed = elapsed + rebuild_seconds + speed.startup_seconds
    left = budget * (1 - MARGIN) - fixed
    fits = int(left // epoch) if epoch > 0 else max_epochs
    epochs = max(1, min(max_epochs, fits))
    return {
        "epochs": epochs,
        "epoch_seconds": epoch,
        "expected_seconds": fixed + epochs * epoch,
        "overrun": fits < 1,
    }


def stretch_schedule(schedule: Any, factor: float) -> Any:
    """A copy of a Keras learning-rate schedule whose step counts are scaled by ``factor``.

    A schedule given for ``epochs`` epochs (``CosineDecay(0.05, 30 * 1875)``
    for 30) is laid out over the epochs a time budget chose: its
    ``decay_steps``, ``first_decay_steps``, ``warmup_steps`` and
    ``boundaries`` are multiplied by ``factor`` (chosen / planned epochs),
    so it still ends where it would have ended.

    Parameters
    ----------
    schedule : keras.optimizers.schedules.LearningRateSchedule
        A schedule Keras can serialise.
    factor : float
        Ratio of the chosen to the planned number of steps.

    Returns
    -------
    keras.optimizers.schedules.LearningRateSchedule
        The stretched copy, or ``schedule`` itself when ``factor`` is 1.

    Raises
    ------
    ValueError
        The schedule cannot be serialised (a custom class that is not
        registered), so it cannot follow the chosen epochs.

    Examples
    --------
    >>> import keras
    >>> from fashionnet.models._budget import stretch_schedule
    >>> half = stretch_schedule(keras.optimizers.schedules.CosineDecay(0.1, 1000), 0.5)
    >>> half.decay_steps
    500
    """
    if factor == 1:
        return schedule
    try:
        config = keras.optimizers.schedules.serialize(schedule)
        inner = dict(config["config"])
        for key in ("decay_steps", "first_decay_steps", "warmup_steps"):
            if isinstance(inner.get(key), (int, float)) and inner[key]:
                inner[key] = max(1, round(inner[key] * factor))
        if isinstance(inner.get("boundaries"), list):
            inner["boundaries"] = [max(1, round(b * factor)) for b in inner["boundaries"]]
        return keras.optimizers.schedules.deserialize({**config, "config": inner})
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"the learning-rate schedule {type(schedule).__name__} cannot be laid out over "
            f"the epochs time_budget chose ({exc}); register it with "
            "keras.saving.register_keras_serializable, or pass a float learning_rate."
        ) from None


def timed_seconds(budget: float) -> float:
    """Seconds of steps to time for a fit of ``budget`` seconds: 1 %, within 0.5 to 5 s."""
    return min(max(budget * _TIMED_SHARE, _TIMED_MIN), _TIMED_MAX)


def budget_facts(
    budget: float, speed: Speed, plan: dict, max_epochs: int, *, measured: bool
) -> dict[str, Any]:
    """The ``budget_`` attribute of a fit: what was measured and decided.

    ``measured`` tells a speed timed by this fit from one an earlier fit of
    the same network in this process timed.
    """
    return {
        "time_budget": float(budget),
        **asdict(speed),
        "measured_now": bool(measured),
        "epoch_seconds": plan["epoch_seconds"],
        "max_epochs": int(max_epochs),
        "epochs": int(plan["epochs"]),
        "expected_seconds": plan["expected_seconds"],
        "overrun": bool(plan["overrun"]),
    }
