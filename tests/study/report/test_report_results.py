"""fashionnet.study.report.results: how a model's section tells the epochs it ran."""

from __future__ import annotations

from fashionnet.study.records.fits import FitRecord
from fashionnet.study.report.results import _epochs


def test_a_fit_without_a_budget_ran_its_planned_epochs():
    assert _epochs(FitRecord(epochs_planned=12, epochs_run=12)) == "12 of 12 planned epoch(s)"


def test_a_budgeted_fit_that_kept_its_plan():
    fit = FitRecord(epochs_planned=30, epochs_run=30, time_budget=164.50775, replans=[])
    assert _epochs(fit) == (
        "30 of 30 planned epoch(s) (the most that fit in its 164.5-s time budget)"
    )


def test_a_re_planned_fit_is_not_said_to_run_more_than_it_planned():
    """It used to read "5 of 4 planned epoch(s)" after a plan of 4 grew to 5."""
    fit = FitRecord(
        epochs_planned=4, epochs_run=5, time_budget=36.99357, replans=[[1, 5]], landed=True
    )
    text = _epochs(fit)
    assert text.startswith("5 epoch(s) (planned 4 at the start, re-planned")
    assert "37.0-s time budget" in text and "of 4 planned" not in text
