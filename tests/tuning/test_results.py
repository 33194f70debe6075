"""The best trial: best score first, then the lowest trial id, whatever the order given."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from fashionnet.tuning.results import best_trial


def _trial(trial_id, score, status="COMPLETED"):
    return SimpleNamespace(trial_id=trial_id, score=score, status=status)


@pytest.mark.parametrize(("direction", "winner"), [("max", "3"), ("min", "2")])
def test_ties_go_to_the_lowest_trial_id_in_any_order(direction, winner):
    trials = [
        _trial("10", 0.9), _trial("3", 0.9), _trial("7", 0.9),
        _trial("2", 0.1), _trial("11", 0.1), _trial("0", None, "FAILED"),
        _trial("1", float("nan"), "INVALID"),
    ]
    # keras-tuner's own choice follows the order the trials were loaded in; ids are
    # compared as numbers ("3" before "10").
    for order in itertools.permutations(trials):
        assert best_trial(order, direction).trial_id == winner


def test_no_completed_trial():
    assert best_trial([_trial("0", None, "FAILED")], "max") is None
