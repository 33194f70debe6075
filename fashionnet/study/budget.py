"""A study run's wall-clock budget, shared out among its training stages.

``fashionnet study --budget 15m`` promises an end time, not a number of
epochs: machines of one kind differ two to three times in speed, so a
profile sized in epochs cannot keep a time promise. :class:`RunBudget`
gives each training stage, when it starts, its share of the time that is
left (the profile's :attr:`~fashionnet.study.StudyProfile.budget_shares`
among the budgeted stages still to run, after the reserve the later
unbudgeted stages need), and the stage hands its estimators that many
seconds as ``time_budget``: each fit times its own steps on this machine and
trains the epochs that fit (:mod:`fashionnet.models._budget`). Time a stage
does not use (a model skipped for want of its weights, a fit that ended
early) flows to the stages after it; the last one gets what is left.

:func:`parse_duration` reads the command line's ``--budget`` (``15m``,
``900s``, ``1h``, ``1h30m``, or plain seconds).
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["RunBudget", "fit_budget", "fold_budget", "parse_duration"]

_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([hms])")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``"15m"``, ``"900s"``, ``"1h"`` or ``"1h30m"``.

    A plain number is seconds. Anything else, zero or a negative value
    raises :class:`ValueError` naming the accepted forms.

    Parameters
    ----------
    text : str
        The duration.

    Returns
    -------
    float
        Seconds, > 0.

    Examples
    --------
    >>> parse_duration("15m"), parse_duration("900s"), parse_duration("1h30m")
    (900.0, 900.0, 5400.0)
    >>> parse_duration("90")
    90.0
    """
    value = str(text).strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION.findall(value)
        consumed = "".join(_DURATION.sub("", value).split())
        if not parts or consumed or len({unit for _, unit in parts}) != len(parts):
            seconds = math.nan
        else:
            seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in parts)
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(
            f"{text!r} is not a duration; give seconds or hours, minutes and "
            "seconds, e.g. 900, 900s, 15m, 1h or 1h30m."
        )
    return seconds


@dataclass
class RunBudget:
    """The seconds a run may take, and how they are shared out.

    Parameters
    ----------
    seconds : float
        The whole run's wall-clock budget.
    shares : mapping of str to float
        Relative share of each budgeted stage, by stage name.
    reserve : float, default=0.0
        Seconds kept for the unbudgeted stages after the budgeted ones
        (the comparison, the report).
    started : float
        ``clock()`` when the run began.
    clock : callable, default=time.perf_counter
        Seconds, as a float (a test passes a simulated clock).

    Attributes
    ----------
    allotted : dict of str to float
        Seconds given to each stage when it started (its plan).
    left_at_start : dict of str to float
        Seconds left of the run's budget when each stage started.
    used : dict of str to float
        Seconds each stage took (what :meth:`spend` was told).

    Examples
    --------
    >>> budget = RunBudget(100.0, {"a": 1.0, "b": 3.0}, reserve=20.0, started=0.0)
    >>> budget.allot("a", pending=["a", "b"], now=0.0)
    20.0
    >>> budget.allot("b", pending=["b"], now=30.0)  # "a" took 30 s: "b" gets the rest
    50.0
    """

    seconds: float
    shares: Mapping[str, float]
    reserve: float = 0.0
    started: float | None = None
    clock: Callable[[], float] = field(default=time.perf_counter, repr=False, compare=False)
    allotted: dict[str, float] = field(default_factory=dict)
    left_at_start: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the run began."""
        return (self.clock() if now is None else now) - self.started

    def left(self, now: float | None = None) -> float:
        """Seconds left of the budget (negative once it is overrun)."""
        return self.seconds - self.elapsed(now)

    def allot(self, stage: str, pending: Iterable[str], now: float | None = None) -> float:
        """Seconds for ``stage``, starting now, out of what is left.

        Parameters
        ----------
        stage : str
            The budgeted stage that starts.
        pending : iterable of str
            The budgeted stages still to run in this run, ``stage`` among them.
        now : float, optional
            ``clock()``; the current time by default.

        Returns
        -------
        float
            ``stage``'s share of the seconds left after the reserve; 0 when
            nothing is left (its estimators then train one epoch each).
        """
        weights = {name: self.shares[name] for name in pending if name in self.shares}
        weights.setdefault(stage, self.shares.get(stage, 0.0))
        total = sum(weights.values())
        left = self.left(now)
        available = max(left - self.reserve, 0.0)
        seconds = available * weights[stage] / total if total > 0 else 0.0
        self.allotted[stage] = seconds
        self.left_at_start[stage] = left
        return seconds

    def spend(self, stage: str, seconds: float) -> None:
        """Note that ``stage`` took ``seconds``: the next :meth:`allot` shares out what is left."""
        self.used[stage] = float(seconds)


def fit_budget(seconds: float | None, fits: int = 1, overhead: float = 0.0) -> float | None:
    """The ``time_budget`` of each of ``fits`` fits that share a stage's ``seconds``.

    The stage keeps 5 % and ``overhead`` seconds (evaluating, drawing,
    saving) for what it does besides the fits. None stays None (no budget).

    Examples
    --------
    >>> fit_budget(100.0, fits=4, overhead=5.0)
    22.5
    >>> fit_budget(None) is None
    True
    """
    if seconds is None:
        return None
    # A budget of (almost) nothing still trains one epoch per fit.
    return max((seconds * 0.95 - overhead) / fits, 0.01)


def fold_budget(
    seconds: float | None, folds: int, at_once: int = 1, overhead: float = 0.0
) -> float | None:
    """The ``time_budget`` of each of ``folds`` fits run ``at_once`` at a time in ``seconds``.

    Folds fitted N at a time (``--n-jobs N``) finish in ``ceil(folds / N)``
    rounds, each about one fit long: each fit gets the stage's time over the
    rounds, not over the folds (its share of the cores is slower per step,
    which the fit measures itself when it plans its epochs). One at a time,
    this is :func:`fit_budget` over the folds.

    Examples
    --------
    >>> fold_budget(100.0, folds=4, overhead=5.0)  # one at a time: 4 rounds
    22.5
    >>> fold_budget(100.0, folds=4, at_once=2, overhead=5.0)  # 2 rounds of 2 fits
    45.0
    >>> fold_budget(100.0, folds=3, at_once=8, overhead=5.0)  # 1 round of 3
    90.0
    """
    rounds = math.ceil(folds / max(1, min(int(at_once), folds)))
    return fit_budget(seconds, fits=rounds, overhead=overhead)
