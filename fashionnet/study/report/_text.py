"""Phrases the report's sections share: numbers, labels, parameters, a stage's fit.

Every number goes through :func:`fashionnet.rendering.format_number` (``_fmt``),
the report's one formatting rule.
"""

from __future__ import annotations

from fashionnet.rendering import format_number

from ..records import EvaluationRecord, FitRecord, ModelRecord, StudyMetrics

__all__: list[str] = []  # helpers of the report's sections, not an API

_fmt = format_number


def _labelled(m: StudyMetrics, label: int) -> str:
    """A label with its class name: ``6 Shirt``."""
    return f"{_fmt(label)} {m.data.class_name(str(label))}"


def _params_text(params: dict) -> str:
    """`` Parameters: a=1, b=2.`` (empty for no parameters)."""
    if not params:
        return ""
    return " Parameters: " + ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()) + "."


def _planned(planned: int, ran: int) -> str:
    """The epochs a fit planned, and those it ran when fewer."""
    return _fmt(planned) if planned == ran else f"{_fmt(planned)} (ran {_fmt(ran)})"


def _list(values: list) -> str:
    return ", ".join(_fmt(v) for v in values)


def _evaluation(s: ModelRecord) -> EvaluationRecord:
    """The evaluation of a model stage that was not skipped."""
    assert s.evaluation is not None, f"{s.title} has no evaluation"
    return s.evaluation


def _fit(s: ModelRecord) -> FitRecord:
    """The fit of a model stage that was not skipped."""
    assert s.fit is not None, f"{s.title} has no fit"
    return s.fit
