"""What a profile runs smaller than the study: :func:`reductions`, one row per setting.

The report's "About this run" lists these rows, so that a reader of a quick
or smoke run knows which figures are not the study's.
"""

from __future__ import annotations

from typing import Any

from .profiles import FULL, StudyProfile

__all__ = ["reductions"]

_LABELS = {
    "train_size": "LeNet-5 tuning images",
    "cv_size": "LeNet-5 cross-validation images",
    "budget": "wall-clock budget (seconds)",
    "test_size": "test images",
    "audit_size": "audited training rows",
    "max_trials": "tuning trials",
    "batch_sizes": "batch sizes searched",
    "epochs": "epochs searched",
    "early_stopping": "early-stopping patience",
    "cv_folds": "cross-validation folds",
    "near_duplicate_size": "training images searched for near-duplicates",
    "label_issue_size": "training images scored for label errors",
    "label_issue_cv": "folds of the label-error scores",
}


def reductions(profile: StudyProfile) -> list[dict]:
    """What ``profile`` runs smaller than the study (:data:`FULL`), one row per setting.

    Examples
    --------
    >>> from fashionnet.study.profiles import FULL, QUICK
    >>> from fashionnet.study.reduced import reductions
    >>> reductions(FULL)
    []
    >>> reductions(QUICK)[0]
    {'setting': 'LeNet-5 tuning images', 'full': 'all', 'this_run': 12000}
    """
    full, this = FULL.settings(), profile.settings()
    rows = [
        _row(label, full[key], this[key], key.endswith("_size"))
        for key, label in _LABELS.items()
        if full[key] != this[key]
    ]
    for name in sorted(set(full["label_issue_params"]) | set(this["label_issue_params"])):
        before = full["label_issue_params"].get(name, "default")
        now = this["label_issue_params"].get(name, "default")
        if before != now:
            rows.append(_row(f"label-error LeNet-5: {name}", before, now, False))
    full_plans = {plan["stage"]: plan for plan in full["models"]}
    for plan in this["models"]:
        reference = full_plans.get(plan["stage"])
        if reference is None:
            continue
        for key, what in (("train_size", "training images"), ("test_size", "test images")):
            if reference[key] != plan[key]:
                rows.append(_row(f"{plan['title']}: {what}", reference[key], plan[key], True))
        for name in sorted(set(reference["params"]) | set(plan["params"])):
            # A parameter a plan leaves out is the estimator's default.
            before = reference["params"].get(name, "default")
            now = plan["params"].get(name, "default")
            if before != now:
                rows.append(_row(f"{plan['title']}: {name}", before, now, False))
    return rows


def _row(setting: str, full: Any, this: Any, is_size: bool) -> dict:
    missing = "all" if is_size else "none"
    return {
        "setting": setting,
        "full": missing if full is None else full,
        "this_run": missing if this is None else this,
    }
