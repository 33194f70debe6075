"""The comparison stage: every model and the cross-validation, best first."""

from __future__ import annotations

from typing import Any

import numpy as np

from fashionnet.registry import get_model

from ..data_quality import dedup_accuracy
from ..profiles import StudyProfile
from ..records import ComparisonRecord, ComparisonRow, CrossValidationRecord, ModelRecord, Record
from ..workspace import StudyData, StudyFiles

__all__ = ["CV_STUDY_ACCURACY", "CV_TITLE", "compare"]

#: The study's mean test accuracy of its LeNet-5 cross-validation folds.
CV_STUDY_ACCURACY = 0.8828
#: How the comparison names the cross-validation.
CV_TITLE = "LeNet-5, k-fold CV (mean test accuracy of the folds)"


def compare(
    *, profile: StudyProfile, results: dict[str, Record], data: StudyData, files: StudyFiles
) -> ComparisonRecord:
    """The comparison stage: every model and the cross-validation, best first.

    Each model is also scored without the test images that have a near-twin
    in the training set (the near-duplicate stage's), from its saved test
    predictions: the de-duplicated test accuracy.
    """
    import pandas as pd

    from fashionnet.evaluation import CrossValidationResult, compare_models

    near = results.get("near_duplicates")
    twins_file = getattr(near, "twins_file", None)
    twins = (
        pd.read_csv(files.out / twins_file)["index"].to_numpy() if twins_file else np.empty(0, int)
    )

    cv_stage = results["cross_validation"]
    assert isinstance(cv_stage, CrossValidationRecord)
    cv_folds = pd.DataFrame(
        {
            "fold": [f.fold for f in cv_stage.folds],
            "val_accuracy": [f.val_accuracy for f in cv_stage.folds],
            "test_accuracy": [f.test_accuracy for f in cv_stage.folds],
            "fit_time": [f.fit_seconds for f in cv_stage.folds],
            "n_train": [f.train_images for f in cv_stage.folds],
            "n_val": [f.val_images for f in cv_stage.folds],
        }
    )
    entries: dict[str, Any] = {}
    rows_of: dict[str, ComparisonRow] = {}
    skipped = []
    for plan in profile.models:
        stage = results[plan.stage]
        assert isinstance(stage, ModelRecord)
        if stage.skipped:
            skipped.append(plan.title)
            continue
        assert stage.evaluation is not None
        entries[plan.title] = stage.evaluation.test_accuracy
        rows_of[plan.title] = ComparisonRow(
            key=plan.stage,
            model=plan.title,
            test_accuracy=stage.evaluation.test_accuracy,
            dedup_test_accuracy=dedup_accuracy(plan, stage, data=data, files=files, twins=twins)
            if twins_file
            else None,
            cv_mean_val_accuracy=None,
            weights=stage.weights or "trained from scratch",
            fit_seconds=stage.fit_seconds,
            study_test_accuracy=get_model(plan.model).study_accuracy,
        )
        if plan.tuned:
            entries[CV_TITLE] = CrossValidationResult(cv_folds, [None] * len(cv_folds))
            rows_of[CV_TITLE] = ComparisonRow(
                key="cross_validation",
                model=CV_TITLE,
                test_accuracy=float("nan"),
                dedup_test_accuracy=None,  # the folds' test predictions are not kept
                cv_mean_val_accuracy=None,
                weights="trained from scratch",
                fit_seconds=float(np.mean([f.fit_seconds for f in cv_stage.folds])),
                study_test_accuracy=CV_STUDY_ACCURACY,
            )
    rows = []
    for row in compare_models(entries).itertuples(index=False):
        extra = rows_of[row.model]
        extra.test_accuracy = float(row.test_accuracy)
        extra.cv_mean_val_accuracy = None if pd.isna(row.cv_mean) else float(row.cv_mean)
        rows.append(extra)
    return ComparisonRecord(rows=rows, skipped=skipped)
