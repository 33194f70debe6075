"""How the run was made, the report's last section: its profile, what it
reduced against the study, and the time (and budget) of each stage.

These are the run's mechanics, not its findings: the report closes with them
(``## About this run``) so that it opens with what a reader came for.
"""

from __future__ import annotations

from fashionnet.report import Report

from ..records import BudgetFacts, FitRecord, Record, StudyMetrics
from ._text import _fmt, _planned

__all__: list[str] = []  # sections of build_report, not an API


def _section_run(doc: Report, m: StudyMetrics) -> None:
    doc.heading("About this run")
    name = m.profile.name
    doc.paragraph(
        f"Profile `{name}`: {m.profile.description}. "
        f"Reproduce it with `fashionnet study --profile {name} --out DIR`."
    )
    reductions = m.profile.reductions
    if reductions:
        doc.paragraph(
            "This run is smaller than the study. What was reduced (the `full` profile "
            "uses the study's settings):"
        )
        doc.table(
            ["setting", "study (full)", "this run"],
            [[r.setting, r.full, r.this_run] for r in reductions],
        )
    else:
        doc.paragraph("This run uses the study's full settings; nothing was reduced.")
    _where_fits_ran(doc, m)
    if m.budget is None:
        doc.paragraph("Wall time of each stage, in seconds (as first run):")
        doc.table(["stage", "seconds"], [[k, v] for k, v in m.stage_seconds.items()])
        return
    _budget_paragraphs(doc, m, m.budget)


def _where_fits_ran(doc: Report, m: StudyMetrics) -> None:
    """Where the fold fits ran (``--n-jobs``, ``--scheduler``); runs before issue 28 say nothing."""
    lines = []
    for name, what, folds in (
        ("label_issues", "label errors", "cv"),
        ("cross_validation", "cross-validation", "n_folds"),
    ):
        s = m.stages.get(name)
        ran_on = getattr(s, "ran_on", None)
        if ran_on is not None:
            where = "in this process" if ran_on == "this process" else f"on {ran_on}"
            lines.append(f"{what}: {_fmt(getattr(s, folds))} folds {where}")
    if lines:
        doc.paragraph(
            "Where the fits ran (`--n-jobs`, `--scheduler`; every other fit ran in this process):"
        )
        doc.bullets(lines)


def _budget_paragraphs(doc: Report, m: StudyMetrics, budget: BudgetFacts) -> None:
    """The run's time budget: what each stage got, took, trained, and what was cut."""
    doc.paragraph(
        f"**Time budget: {_fmt(budget.seconds)} s** of wall time (`--budget`). Each "
        "training stage got a share of the time left when it started, after "
        f"{_fmt(budget.reserve_seconds)} s kept for the comparison and the report; each "
        "fit timed its own training steps on this machine first and trained the epochs "
        "that fit in its share, its learning-rate schedule laid out over them. The run "
        f"took {_fmt(budget.elapsed_seconds)} s up to writing this report"
        + (
            f", **{_fmt(budget.elapsed_seconds - budget.seconds)} s past its budget**."
            if budget.elapsed_seconds > budget.seconds
            else "."
        )
    )
    rows = []
    allotted = budget.allotted_seconds
    for stage, seconds in m.stage_seconds.items():
        s = m.stages.get(stage)
        rows.append(
            [
                stage,
                allotted.get(stage, ""),
                seconds,
                _epochs_text(s),
                _speed_text(s),
            ]
        )
    doc.paragraph(
        "Budget and wall time of each stage in seconds (as first run), the epochs each "
        "fit planned within its budget (and ran, when fewer), and the training speed "
        "measured on this machine:"
    )
    doc.table(["stage", "budget", "seconds", "epochs", "measured speed"], rows)
    cuts = _cuts(m)
    if cuts:
        doc.paragraph("What the budget cut:")
        doc.bullets(cuts)
    else:
        doc.paragraph("Every fit ended its planned epochs within its budget.")


def _fits(s: Record | None) -> list[tuple[str | None, FitRecord]]:
    """The fits a stage made (a model's, or one per fold), each with its fold number."""
    fit = getattr(s, "fit", None)
    if isinstance(fit, FitRecord):
        return [(None, fit)]
    return [(_fmt(f.fold), f.fit) for f in getattr(s, "folds", None) or []]


def _epochs_text(s: Record | None) -> str:
    fits = _fits(s)
    if fits:
        return ", ".join(_replanned(f) for _, f in fits)
    # Stages of many fits that do not keep each fit's epochs: the budget of each.
    for key, unit in (("trial_time_budget", "trial"), ("fold_time_budget", "fold")):
        if getattr(s, key, None) is not None:
            return f"{getattr(s, key):.1f} s per {unit}"
    return ""


def _speed_text(s: Record | None) -> str:
    return ", ".join(
        f"{f.images_per_second:.0f} images/s ({f.step_ms:.2f} ms a step)"
        for _, f in _fits(s)
        if f.budgeted
    )


def _cuts(m: StudyMetrics) -> list[str]:
    """One line per fit the budget could not give its planned epochs."""
    lines = []
    for stage in m.stage_seconds:
        s = m.stages.get(stage)
        for fold, fit in _fits(s):
            name = getattr(s, "title", stage) if fold is None else f"{stage}, fold {fold}"
            if fit.budget_cut:
                lines.append(f"{name}: {fit.budget_cut}.")
            elif fit.budget_overrun:
                lines.append(
                    f"{name}: its budget of {_fmt(fit.time_budget)} s was too short for one "
                    "epoch on this machine; it trained one."
                )
    return lines


def _replanned(fit: Record) -> str:
    """Planned epochs, the last re-plan of a budgeted fit when it changed them, and those run."""
    text = _planned(fit.epochs_planned, fit.epochs_run)
    if fit.replans and fit.replans[-1][1] != fit.epochs_planned:
        text = f"{_fmt(fit.epochs_planned)} re-planned to {_fmt(fit.replans[-1][1])}"
        text += f" (ran {_fmt(fit.epochs_run)})" if fit.replans[-1][1] != fit.epochs_run else ""
    return text
