"""fashionnet.study.report.mechanics: the stage table's budgets and speeds, rounded."""

from __future__ import annotations

from types import SimpleNamespace

from fashionnet.study.records.fits import FitRecord
from fashionnet.study.report.mechanics import _epochs_text, _speed_text


def test_a_fold_or_trial_budget_reads_to_a_tenth_of_a_second():
    """It read "12.0149 s per fold"."""
    assert _epochs_text(SimpleNamespace(fold_time_budget=12.0149)) == "12.0 s per fold"
    assert _epochs_text(SimpleNamespace(trial_time_budget=5.90281)) == "5.9 s per trial"


def test_a_measured_speed_reads_in_whole_images_and_hundredths_of_a_millisecond():
    """It read "18712 images/s (6.8406 ms a step)"; a rate of 18712.4 is not more exact."""
    fit = FitRecord(
        epochs_planned=30,
        epochs_run=30,
        time_budget=178.1,
        step_ms=6.84064,
        images_per_second=18712.43,
        replans=[],
    )
    assert _speed_text(SimpleNamespace(fit=fit)) == "18712 images/s (6.84 ms a step)"
