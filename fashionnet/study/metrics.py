"""``metrics.json``: every number of a study run, and the facts its conclusion states.

The numbers are rounded as the report shows them (one rule,
:func:`fashionnet.report.rounded`), so each one appears in ``report.md``
character for character.
"""

from __future__ import annotations

import numpy as np

from fashionnet.registry import get_model
from fashionnet.rendering import rounded

from .profiles import StudyProfile
from .records import (
    Conclusion,
    CrossValidationRecord,
    DataRecord,
    ModelRecord,
    NearDuplicateRecord,
    Record,
)
from .reduced import reductions

__all__ = ["study_metrics", "conclusion_facts"]

#: Metrics kept in the stage records but not in ``metrics.json``.
_NOT_NUMBERS = {"summary_text", "figures", "curves_figure", "confusion_figure"}


def study_metrics(
    profile: StudyProfile,
    results: dict[str, Record],
    timings: dict[str, float],
    budget: dict | None = None,
) -> dict:
    """The content of ``metrics.json`` from the finished stages' metrics.

    Parameters
    ----------
    profile : StudyProfile
        The run's profile.
    results : dict of str to Record
        The record of every stage, by stage name.
    timings : dict
        Seconds of every stage, as first run.
    budget : dict or None, default=None
        The run's wall-clock budget: ``seconds``, ``elapsed_seconds``,
        ``allotted_seconds`` (by stage), ``reserve_seconds``; None for a run
        without one.

    Returns
    -------
    dict
        Stage metrics (files and figures left out), the profile's name,
        model stages and reductions, stage timings and the conclusion.
    """
    keep = {
        name: {
            k: v
            for k, v in stage.to_dict().items()
            if k not in _NOT_NUMBERS and not k.endswith("_file")
        }
        for name, stage in results.items()
    }
    keep["profile"] = {
        "name": profile.name,
        "description": profile.description,
        "models": [plan.stage for plan in profile.models],
        "reductions": reductions(profile),
    }
    keep["stage_seconds"] = dict(timings)
    keep["budget"] = budget
    keep["conclusion"] = conclusion_facts(profile, results).to_dict()
    # Seconds and MiB to one decimal, everything else to four.
    return rounded(keep, key_decimals={"seconds": 1, "_mb": 1})


def conclusion_facts(profile: StudyProfile, results: dict[str, Record]) -> Conclusion:
    """What the conclusion says, derived from the numbers (never written beforehand)."""
    rows = results["comparison"].rows  # type: ignore[attr-defined]
    best, worst = rows[0], rows[-1]
    models = {p.stage: results[p.stage] for p in profile.models}
    analysed = models.get(best.key)
    if not isinstance(analysed, ModelRecord) or analysed.evaluation is None:
        # The CV row has no confusion matrix: analyse the best single model.
        analysed = next(
            m for r in rows if isinstance(m := results[r.key], ModelRecord) and m.evaluation
        )
    assert isinstance(analysed, ModelRecord) and analysed.evaluation is not None
    data = results["data"]
    assert isinstance(data, DataRecord)
    names = data.class_names
    cm = np.asarray(analysed.evaluation.confusion_matrix)
    off = cm.copy()
    np.fill_diagonal(off, 0)
    pair = off + off.T
    i, j = np.unravel_index(int(np.argmax(np.triu(pair))), pair.shape)
    report = analysed.evaluation.report  # scikit-learn's classification report, by class
    per_class = {name: report[name]["f1-score"] for name in names if name in report}
    hardest = min(per_class, key=per_class.get)
    published = {s.key: s.study_accuracy for s in map(get_model, (p.model for p in profile.models))}
    study_best = max((a, k) for k, a in published.items() if a is not None)
    facts = Conclusion(
        best_model=best.model,
        best_test_accuracy=best.test_accuracy,
        worst_model=worst.model,
        worst_test_accuracy=worst.test_accuracy,
        spread=best.test_accuracy - worst.test_accuracy,
        analysed_model=analysed.title,
        most_confused_pair=[names[i], names[j]],
        most_confused_count=int(pair[i, j]),
        hardest_class=hardest,
        hardest_class_f1=per_class[hardest],
        study_best_model=get_model(study_best[1]).display,
        study_best_accuracy=study_best[0],
        gap_to_study_best=abs(best.test_accuracy - study_best[0]),
        best_vs_study_best=_direction(best.test_accuracy - study_best[0]),
    )
    near = results.get("near_duplicates")
    if best.dedup_test_accuracy is not None and isinstance(near, NearDuplicateRecord):
        facts.best_dedup_test_accuracy = best.dedup_test_accuracy
        facts.best_dedup_change = best.dedup_test_accuracy - best.test_accuracy
        facts.test_images_with_twin = near.test_images_with_twin
    tuned = next((p for p in profile.models if p.tuned), None)
    pretrained = [
        m
        for p, m in zip(profile.models, models.values(), strict=True)
        if get_model(p.model).pretrained and isinstance(m, ModelRecord) and not m.skipped
    ]
    if tuned is not None:
        single = models[tuned.stage].evaluation.test_accuracy  # type: ignore[attr-defined]
        cv = results["cross_validation"]
        assert isinstance(cv, CrossValidationRecord)
        mean, low, high = (cv.summary[s].test_accuracy for s in ("mean", "min", "max"))
        facts.cv_mean_vs_single_fit = abs(mean - single)
        facts.cv_mean_is = _direction(mean - single)
        facts.cv_test_range = high - low
        if pretrained:
            facts.best_transfer_minus_lenet = (
                max(m.evaluation.test_accuracy for m in pretrained) - single  # type: ignore[union-attr]
            )
    return facts


def _direction(diff: float) -> str:
    diff = rounded(diff)
    return "above" if diff > 0 else "below" if diff < 0 else "equal to"
