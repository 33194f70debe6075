"""The study's stages beyond the study's audit: near-duplicates, label errors, odd images.

:func:`near_duplicates` and :func:`suspected_label_errors` run after the
audit (:func:`fashionnet.study.stages.build_stages` registers them);
:func:`dedup_accuracy` is what the comparison reads from them: each model's
test accuracy without the test images that have a training twin.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from fashionnet.datasets import CLASS_NAMES
from fashionnet.progress import ProgressStream
from fashionnet.registry import get_model

from .budget import fold_budget
from .jobs import IN_PROCESS, StudyJobs
from .profiles import SEED, ModelPlan, StudyProfile
from .records import (
    LabelIssue,
    LabelIssueRecord,
    ModelRecord,
    NearDuplicatePair,
    NearDuplicateRecord,
    Outlier,
)
from .workspace import StudyData, StudyFiles

__all__ = ["near_duplicates", "suspected_label_errors", "dedup_accuracy"]


def _subset_positions(data: StudyData, kind: str, size: int | None) -> np.ndarray:
    """Where the images of ``data.subset(kind, size)`` sit in the whole split."""
    from fashionnet.datasets import stratified_subset

    _, y = data.split(kind)
    return np.asarray(stratified_subset(np.arange(len(y)), y, size, random_state=SEED)[0])


def _pair_rows(pairs: Any, n: int = 10) -> list[NearDuplicatePair]:
    return [
        NearDuplicatePair(
            index=int(r.index),
            other_index=int(r.other_index),
            distance=float(r.distance),
            label=int(r.label),
            other_label=int(r.other_label),
        )
        for r in pairs.head(n).itertuples(index=False)
    ]


def near_duplicates(
    *, data: StudyData, files: StudyFiles, size: int | None
) -> NearDuplicateRecord:
    """The near-duplicate stage: twins within the training split and across the splits.

    Every test image is compared with the training images searched
    (``size``); the test images with a twin are written to
    ``audit/near_duplicates_test_train.csv`` for the comparison's
    de-duplicated test accuracy.
    """
    from fashionnet import plotting
    from fashionnet.audit import NEAR_DUPLICATE_THRESHOLD, DataAuditor

    X_all, _ = data.split("train")
    X, y = data.subset("train", size)
    where = _subset_positions(data, "train", size)
    X_test, y_test = data.split("test")
    auditor = DataAuditor()
    start = time.perf_counter()
    within = auditor.near_duplicates(X, y=y)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    across = auditor.near_duplicates(X_test, X, y=y_test, y_other=y)
    test_seconds = time.perf_counter() - start
    within["index"], within["other_index"] = where[within["index"]], where[within["other_index"]]
    across["other_index"] = where[across["other_index"]]
    relabelled = across[across["label"] != across["other_label"]]
    twins = int(across["index"].nunique())
    figures = {
        "near_duplicate_pairs": files.figure(
            plotting.plot_image_pairs(X_test, X_all, across, n=10, class_names=CLASS_NAMES),
            "near_duplicate_pairs",
        ),
        "near_duplicate_label_pairs": files.figure(
            plotting.plot_image_pairs(X_test, X_all, relabelled, n=10, class_names=CLASS_NAMES),
            "near_duplicate_label_pairs",
        )
        if len(relabelled)
        else None,
    }
    return NearDuplicateRecord(
        threshold=float(NEAR_DUPLICATE_THRESHOLD),
        train_images=int(len(y)),
        test_images=int(len(y_test)),
        train_pairs=int(len(within)),
        train_images_in_pairs=int(np.union1d(within["index"], within["other_index"]).size),
        train_pairs_other_label=int((within["label"] != within["other_label"]).sum()),
        test_train_pairs=int(len(across)),
        test_images_with_twin=twins,
        test_twin_share=twins / len(y_test),
        test_twins_other_label=int(relabelled["index"].nunique()),
        train_seconds=train_seconds,
        test_seconds=test_seconds,
        closest_pairs=_pair_rows(across),
        other_label_pairs=_pair_rows(relabelled),
        train_pairs_file=files.csv(within, "audit/near_duplicates_train.csv"),
        twins_file=files.csv(across, "audit/near_duplicates_test_train.csv"),
        figures={k: v for k, v in figures.items() if v is not None},
    )


def suspected_label_errors(
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    profile: StudyProfile,
    seconds: float | None = None,
    jobs: StudyJobs = IN_PROCESS,
) -> LabelIssueRecord:
    """The label-error stage: out-of-fold LeNet-5 scores, cleanlab's issues, odd images.

    Without cleanlab (the ``audit`` extra) the label errors are left out,
    and the report says so in one line; the outliers need no extra. The
    folds run as ``jobs`` says (one after the other here by default). Within
    a budget of ``seconds`` each fold's fit gets its round's share of it as
    its ``time_budget`` (:func:`~fashionnet.study.budget.fold_budget`; the
    profile's epochs are then the most it trains).
    """
    from fashionnet import plotting
    from fashionnet.audit import class_outliers, odd_images
    from fashionnet.audit.labels import require_cleanlab

    X_all, _ = data.split("train")
    X, y = data.subset("train", profile.label_issue_size)
    where = _subset_positions(data, "train", profile.label_issue_size)
    try:
        require_cleanlab()
    except ImportError as exc:
        record = LabelIssueRecord(label_issues_missing=str(exc))
    else:
        record = _label_issue_facts(X, y, where, X_all, files, progress, profile, seconds, jobs)
    start = time.perf_counter()
    outliers = class_outliers(X, y, random_state=SEED)
    odd = odd_images(X_all)
    record.outlier_seconds = time.perf_counter() - start
    outliers["index"] = where[outliers["index"]]
    figures = {
        "class_outliers": plotting.plot_outliers(X_all, outliers, n=10, class_names=CLASS_NAMES)
    }
    if len(odd):
        figures["odd_images"] = plotting.plot_outliers(X_all, odd, n=10, class_names=CLASS_NAMES)
    kinds = odd["kind"].value_counts()
    saved = {name: files.figure(fig, name) for name, fig in figures.items()}
    record.figures = {**(record.figures or {}), **saved}
    record.top_outliers = [
        Outlier(index=int(r.index), label=int(r.label), score=float(r.score))
        for r in outliers.head(10).itertuples(index=False)
    ]
    record.n_blank = int(kinds.get("nearly blank", 0))
    record.n_saturated = int(kinds.get("nearly saturated", 0))
    record.outliers_file = files.csv(outliers.head(1000), "audit/class_outliers.csv")
    record.odd_images_file = files.csv(odd, "audit/odd_images.csv")
    return record


def _label_issue_facts(
    X: np.ndarray,
    y: np.ndarray,
    where: np.ndarray,
    X_all: np.ndarray,
    files: StudyFiles,
    progress: ProgressStream,
    profile: StudyProfile,
    seconds: float | None,
    jobs: StudyJobs,
) -> LabelIssueRecord:
    """Out-of-fold probabilities of the fast LeNet-5, and cleanlab's suspected label errors."""
    from fashionnet import plotting
    from fashionnet.audit import label_issues, out_of_fold_probabilities
    from fashionnet.callbacks import ProgressBar

    params = dict(profile.label_issue_params)
    folds = profile.label_issue_cv
    bars = ProgressBar("fold", folds, progress, profile.run_eagerly)
    with jobs.backend(folds) as (ran_on, at_once):
        # The outliers, cleanlab and the figures take the rest of the stage's time.
        budget = fold_budget(seconds, folds, at_once, overhead=8.0 + jobs.start_seconds)
        if not jobs.in_process:
            progress.line(f"  {folds} folds, {at_once} at a time, on {ran_on}")
        estimator = get_model("lenet5").make(
            **params, random_state=SEED, callbacks=jobs.callbacks(bars), time_budget=budget
        )
        start = time.perf_counter()
        probs = out_of_fold_probabilities(
            estimator, X, y, cv=folds, random_state=SEED, n_jobs=jobs.n_jobs
        )
    fit_seconds = time.perf_counter() - start
    issues = label_issues(None, X, y, pred_probs=probs)
    issues["index"] = where[issues["index"]]
    figure = plotting.plot_label_issues(X_all, issues, n=10, class_names=CLASS_NAMES)
    return LabelIssueRecord(
        model="fast LeNet-5 (`lenet5`: ReLU, max pooling, standardised pixels)",
        params=params,
        images=int(len(y)),
        cv=int(folds),
        fold_time_budget=budget,
        oof_accuracy=float((np.unique(y)[probs.argmax(axis=1)] == y).mean()),
        n_label_issues=int(len(issues)),
        label_issue_share=len(issues) / len(y),
        fit_seconds=fit_seconds,
        top_label_issues=[
            LabelIssue(
                index=int(r.index),
                given_label=int(r.given_label),
                predicted_label=int(r.predicted_label),
                label_quality=float(r.label_quality),
            )
            for r in issues.head(10).itertuples(index=False)
        ],
        issues_file=files.csv(issues, "audit/label_issues.csv"),
        figures={"label_issues": files.figure(figure, "label_issues")},
        ran_on=ran_on,
    )


def dedup_accuracy(
    plan: ModelPlan, stage: ModelRecord, *, data: StudyData, files: StudyFiles, twins: np.ndarray
) -> float | None:
    """Test accuracy of a model stage without the test images that have a training twin.

    The same figure as :func:`fashionnet.evaluation.compare_models`'
    ``dedup_test_accuracy``, from the stage's saved test predictions.
    """
    import pandas as pd

    if stage.evaluation is None or stage.evaluation.predictions_file is None:
        return None
    _, y_test = data.subset("test", plan.test_size)
    keep = ~np.isin(_subset_positions(data, "test", plan.test_size), twins)
    predicted = pd.read_csv(files.out / stage.evaluation.predictions_file)["prediction"].to_numpy()
    return float((predicted[keep] == np.asarray(y_test)[keep]).mean()) if keep.any() else None
