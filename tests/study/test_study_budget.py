"""The run's budget shared out from the time actually left when each stage starts."""

from __future__ import annotations

import pytest

from fashionnet.study.budget import RunBudget


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_stages(budget: RunBudget, clock: Clock, takes: dict[str, float | None]) -> dict:
    """Run stub stages in order: each takes its seconds, or its whole share (None)."""
    pending = list(takes)
    given = {}
    for stage, seconds in takes.items():
        given[stage] = budget.allot(stage, pending)
        spent = given[stage] if seconds is None else seconds
        clock.now += spent
        budget.spend(stage, spent)
        pending.remove(stage)
    return given


def test_a_stage_that_ends_early_gives_its_time_to_the_stages_after_it():
    clock = Clock()
    budget = RunBudget(100.0, {"a": 1.0, "b": 1.0, "c": 2.0}, reserve=10.0, clock=clock)
    given = run_stages(budget, clock, {"a": 10.0, "b": None, "c": None})
    # "a" was given a quarter of 90 s and used 10: "b" gets a third of the 80 left.
    assert given["a"] == pytest.approx(22.5)
    assert given["b"] == pytest.approx(80 / 3)
    # "c" gets all that is left after the reserve, not the half of 90 a fixed plan gave.
    assert given["c"] == pytest.approx(100 - 10 - 10 - 80 / 3) and given["c"] > 45
    assert budget.left_at_start == pytest.approx({"a": 100.0, "b": 90.0, "c": 100 - 10 - 80 / 3})
    assert budget.used == pytest.approx({"a": 10.0, "b": 80 / 3, "c": given["c"]})
    assert budget.left() == pytest.approx(10.0)  # the reserve, kept for what follows


def test_a_stage_that_overruns_takes_time_from_the_stages_after_it():
    clock = Clock()
    budget = RunBudget(100.0, {"a": 1.0, "b": 1.0}, clock=clock)
    given = run_stages(budget, clock, {"a": 80.0, "b": None})
    assert given == pytest.approx({"a": 50.0, "b": 20.0})
    assert clock.now == pytest.approx(100.0)
    # Nothing left: the next stage gets 0 (its fits then train one epoch each).
    assert budget.allot("c", pending=["c"]) == 0.0


def test_the_budget_starts_on_its_clock():
    clock = Clock()
    clock.now = 5.0
    budget = RunBudget(60.0, {"a": 1.0}, clock=clock)
    clock.now = 20.0
    assert budget.started == 5.0 and budget.left() == pytest.approx(45.0)


def test_folds_run_at_once_share_the_stages_time_by_rounds_not_by_folds():
    from fashionnet.study.budget import fit_budget, fold_budget

    # One at a time: each fold a fifth of the time, as before issue 28.
    assert fold_budget(100.0, folds=5, overhead=5.0) == fit_budget(100.0, fits=5, overhead=5.0)
    # Two at a time: 5 folds in 3 rounds; eight at a time: 1 round of 5.
    assert fold_budget(100.0, folds=5, at_once=2, overhead=5.0) == pytest.approx(30.0)
    assert fold_budget(100.0, folds=5, at_once=8, overhead=5.0) == pytest.approx(90.0)
    assert fold_budget(None, folds=5, at_once=2) is None
