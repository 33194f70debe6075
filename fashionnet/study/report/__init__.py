"""The text of the study report, built from ``metrics.json`` alone.

The report opens with what a reader came for and closes with how the run was
made:

1. ``## Summary of findings`` (:mod:`.summary`): the comparison of every
   model with the study's published figures, the conclusion, the leakage and
   suspected-label-error counts, and the pictures that matter;
2. the details, numbered as the study's sections: ``1. Data`` (with the audit,
   near-duplicates and label errors), ``2. Exploration`` and
   ``3. Preprocessing`` (:mod:`.data`), ``4. Models`` and ``5. Tuning``
   (:mod:`.models`), ``6. Results`` and ``7. Cross-validation``
   (:mod:`.results`);
3. ``## About this run`` (:mod:`.mechanics`): the profile, what it reduced
   against the study, and each stage's time and budget.

Every number in the metrics is shown (formatted with
:func:`fashionnet.report.format_number`), and the report shows no number
that is not in the metrics. The metrics are read as typed records
(:class:`~fashionnet.study.records.StudyMetrics`), by attribute. The model
sections loop over the run's model stages (``metrics.profile.models``), so a
newly registered model gets its section without code here.
"""

from __future__ import annotations

from fashionnet.registry import get_model
from fashionnet.report import Report

from ..records import StudyMetrics
from .data import (
    _section_beyond_audit,
    _section_data,
    _section_exploration,
    _section_preprocessing,
)
from .mechanics import _section_run
from .models import _section_models, _section_tuning
from .results import _section_cross_validation, _section_results
from .summary import _section_summary

__all__ = ["build_report"]

#: The report's sections, in order: findings first, the run's mechanics last.
_SECTIONS = (
    _section_summary,
    _section_data,
    _section_beyond_audit,
    _section_exploration,
    _section_preprocessing,
    _section_models,
    _section_tuning,
    _section_results,
    _section_cross_validation,
    _section_run,
)


def build_report(metrics: dict) -> Report:
    """Build the study report from ``metrics.json``'s content.

    Parameters
    ----------
    metrics : dict
        What :func:`~fashionnet.study.run_study` writes to ``metrics.json``.

    Returns
    -------
    fashionnet.report.Report
        The summary of findings first, then the details (``1. Data`` to
        ``7. Cross-validation``), then ``About this run``.
    """
    m = StudyMetrics.from_dict(metrics)
    names = ", ".join(_model_titles(m))
    doc = Report(f"Fashion-MNIST study: {names} ({m.profile.name} run)")
    for section in _SECTIONS:
        section(doc, m)
    return doc


def _model_titles(m: StudyMetrics) -> list[str]:
    seen: list[str] = []
    for stage in m.models.values():
        display = get_model(stage.model).display
        if display not in seen:
            seen.append(display)
    return seen
