"""The LeNet-5 stages: the tuning search and the cross-validation of the tuned model.

The search is the task :func:`fashionnet.tasks.tune_lenet`, which ``fashionnet
tune`` runs too; this stage gives it the profile's space and budget, and
records what it found.
"""

from __future__ import annotations

from fashionnet.progress import ProgressStream
from fashionnet.registry import get_model

from ..budget import fit_budget, fold_budget
from ..jobs import IN_PROCESS, StudyJobs
from ..profiles import SEED, StudyProfile
from ..records import CrossValidationRecord, Fold, FoldStats, Record, SearchRecord, Trial
from ..workspace import StudyData, StudyFiles
from .training import fit_record, tuning

__all__ = ["cross_validate_lenet", "tune_lenet"]


def tune_lenet(
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    profile: StudyProfile,
    seconds: float | None = None,
) -> SearchRecord:
    """The tuning stage: keras-tuner random search of LeNet-5 (resumes from ``tuning/``).

    Within a budget of ``seconds`` each trial's fit gets an equal share as
    its ``time_budget`` (the searched epochs are then the most it trains).
    """
    from fashionnet.callbacks import ProgressBar
    from fashionnet.tasks import tune as tune_task

    X, y = data.subset("train", profile.train_size)
    space = {
        "learning_rate": list(profile.learning_rates),
        "batch_size": list(profile.batch_sizes),
        "epochs": list(profile.epochs),
    }
    bars = ProgressBar("trial", profile.max_trials, progress, profile.run_eagerly)
    trial_budget = fit_budget(seconds, fits=profile.max_trials, overhead=2.0)
    search = tune_task.tune_lenet(
        X,
        y,
        space=space,
        max_trials=profile.max_trials,
        directory=files.path("tuning/lenet5").parent,
        early_stopping_patience=profile.early_stopping,
        callbacks=[bars],
        time_budget=trial_budget,
        random_state=SEED,
    )
    results = search.results
    figure = files.figure(search.search.plot_results(), "tuning_results")
    files.csv(results, "tuning/cv_results.csv")
    trials = [
        Trial(
            trial=int(row.trial),
            learning_rate=row.param_learning_rate,
            batch_size=row.param_batch_size,
            epochs=row.param_epochs,
            val_accuracy=row.score,
            status=str(row.status),
            seconds=row.duration,
        )
        for row in results.itertuples(index=False)
    ]
    return SearchRecord(
        budget_seconds=seconds,  # the budget it was given; the time it took is below
        trial_time_budget=trial_budget,
        space=space,
        n_trials=search.n_trials,
        best_params=search.best_params,
        best_val_accuracy=search.best_score,
        trials=trials,
        search_seconds=search.seconds,
        figures={"tuning_results": figure},
    )


def cross_validate_lenet(
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    profile: StudyProfile,
    results: dict[str, Record],
    seconds: float | None = None,
    jobs: StudyJobs = IN_PROCESS,
) -> CrossValidationRecord:
    """The cross-validation stage: the tuned LeNet-5, a fresh clone per fold.

    The folds run as ``jobs`` says (one after the other here by default),
    each fit recording where it ran. Within a budget of ``seconds`` each
    fold's fit gets its round's share as its ``time_budget``
    (:func:`~fashionnet.study.budget.fold_budget`: the stage's time over
    the rounds of folds run at once).
    """
    from fashionnet.callbacks import ProgressBar
    from fashionnet.evaluation import cross_validate_folds
    from fashionnet.plotting import plot_history

    best = tuning(results).best_params
    X, y = data.subset("train", profile.cv_size)
    X_test, y_test = data.subset("test", profile.test_size)
    bars = ProgressBar("fold", profile.cv_folds, progress, profile.run_eagerly)
    with jobs.backend(profile.cv_folds) as (where, at_once):
        budget = fold_budget(seconds, profile.cv_folds, at_once, overhead=3.0 + jobs.start_seconds)
        if not jobs.in_process:
            progress.line(f"  {profile.cv_folds} folds, {at_once} at a time, on {where}")
        estimator = get_model("lenet5").make(
            **best,
            validation_split=0.2,
            early_stopping=profile.early_stopping,
            callbacks=jobs.callbacks(bars),
            random_state=SEED,
            time_budget=budget,
        )
        result = cross_validate_folds(
            estimator,
            X,
            y,
            cv=profile.cv_folds,
            X_test=X_test,
            y_test=y_test,
            random_state=SEED,
            return_estimators=True,
            n_jobs=jobs.n_jobs,
        )
    histories = [h for h in result.histories if h is not None]
    curves = files.figure(plot_history(histories, title="LeNet-5 per fold"), "cv_fold_curves")
    folds = [
        Fold(
            fold=int(r.fold),
            val_accuracy=r.val_accuracy,
            test_accuracy=r.test_accuracy,
            fit_seconds=r.fit_time,
            train_images=int(r.n_train),
            val_images=int(r.n_val),
            fit=fit_record(model),
        )
        for r, model in zip(result.folds.itertuples(index=False), result.estimators, strict=True)
    ]
    summary = {
        stat: FoldStats(
            val_accuracy=float(result.summary.loc[stat, "val_accuracy"]),
            test_accuracy=float(result.summary.loc[stat, "test_accuracy"]),
        )
        for stat in ("min", "max", "mean", "std")
    }
    return CrossValidationRecord(
        budget_seconds=seconds,
        fold_time_budget=budget,
        n_folds=int(result.n_folds),
        params=best,
        folds=folds,
        summary=summary,
        curves_figure=curves,
        ran_on=where,
    )
