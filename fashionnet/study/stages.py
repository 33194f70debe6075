"""The stages of a study run, each a function of what it needs.

:func:`build_stages` turns a :class:`~fashionnet.study.profiles.StudyProfile`
into the run's stages, binding each stage function to the profile settings
it reads: the data, audit, near-duplicate, label-error, exploration,
preprocessing, tuning and cross-validation stages, one :func:`train_model` stage per
:class:`~fashionnet.study.profiles.ModelPlan` (any registered model, no
per-model code), and the comparison. A stage returns what it measured as a
record (:mod:`fashionnet.study.records`); :mod:`fashionnet.study.runner`
writes it and resumes from it.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fashionnet.datasets import CLASS_NAMES
from fashionnet.progress import ProgressStream
from fashionnet.registry import get_model

from .budget import fit_budget
from .data_quality import dedup_accuracy, near_duplicates, suspected_label_errors
from .profiles import SEED, ModelPlan, StudyProfile
from .records import (
    AuditRecord,
    BackboneRecord,
    ComparisonRecord,
    ComparisonRow,
    CrossValidationRecord,
    DataRecord,
    EvaluationRecord,
    ExplorationRecord,
    FitRecord,
    Fold,
    FoldStats,
    ModelRecord,
    PipelineInput,
    PreprocessingRecord,
    Record,
    SearchRecord,
    Trial,
)
from .workspace import StudyData, StudyFiles

__all__ = ["Stage", "build_stages", "train_model"]

#: The study's mean test accuracy of its LeNet-5 cross-validation folds.
CV_STUDY_ACCURACY = 0.8828
#: How the comparison names the cross-validation.
CV_TITLE = "LeNet-5, k-fold CV (mean test accuracy of the folds)"


@dataclass(frozen=True)
class Stage:
    """One step of the study: a name (its record's), a title and a function.

    ``reads`` names the stages whose records ``run`` uses: when one of them
    runs again, so does this one. A ``budgeted`` stage trains models: its
    ``run`` takes the seconds it may spend (None: no budget; its fits train
    the epochs the profile gives).
    """

    name: str
    title: str
    run: Callable[..., Record]
    reads: tuple[str, ...] = ()
    budgeted: bool = False


# --------------------------------------------------------------------------- data


def describe_data(*, data: StudyData, profile: StudyProfile) -> DataRecord:
    """The data stage: the splits and how many images each part of the run uses."""
    X_train, y_train = data.split("train")
    _, y_test = data.split("test")
    return DataRecord(
        train_images=int(len(y_train)),
        test_images=int(len(y_test)),
        image_height=int(X_train.shape[1]),
        image_width=int(X_train.shape[2]),
        pixels_per_image=int(X_train.shape[1] * X_train.shape[2]),
        n_classes=int(len(np.unique(y_train))),
        class_names=list(CLASS_NAMES),
        dtype=str(X_train.dtype),
        lenet_train_images=len(data.subset("train", profile.train_size)[1]),
        lenet_cv_images=len(data.subset("train", profile.cv_size)[1]),
        lenet_test_images=len(data.subset("test", profile.test_size)[1]),
    )


def audit(*, data: StudyData, files: StudyFiles, audit_size: int | None) -> AuditRecord:
    """The audit stage: :class:`~fashionnet.audit.DataAuditor` on the training rows."""
    from fashionnet.audit import DataAuditor

    X, y = data.subset("train", audit_size)
    start = time.perf_counter()
    report = DataAuditor().fit(X, y).report()
    seconds = time.perf_counter() - start
    files.text("audit.md", report.to_markdown())
    # The audit report's own dict: the checks it ran (a check it did not run is absent).
    return AuditRecord.from_dict(
        {
            **report.to_dict(),
            "class_counts": report.to_dict().get("class_counts") or {},
            "audit_seconds": seconds,
            "summary_text": report.summary(),
        }
    )


def explore(*, data: StudyData, files: StudyFiles) -> ExplorationRecord:
    """The exploration stage: sample images, class balance, pixel statistics."""
    from fashionnet import plotting

    X, y = data.split("train")
    sample_X, _ = data.subset("train", 2000)
    figures = {
        "sample_grid": files.figure(
            plotting.plot_image_grid(X[:50], y[:50], CLASS_NAMES), "sample_grid"
        ),
        "class_balance": files.figure(plotting.plot_class_balance(y, CLASS_NAMES), "class_balance"),
        "pixel_distribution": files.figure(
            plotting.plot_pixel_distribution(sample_X), "pixel_distribution"
        ),
        "correlation_heatmap": files.figure(
            plotting.plot_correlation_heatmap(sample_X), "correlation_heatmap"
        ),
    }
    flat = X.reshape(len(X), -1)
    mean_per_class = {str(c): float(flat[y == c].mean()) for c in np.unique(y)}
    return ExplorationRecord(
        pixel_mean=float(flat.mean()),
        pixel_std=float(flat.std()),
        pixel_min=int(flat.min()),
        pixel_max=int(flat.max()),
        zero_pixel_fraction=float((flat == 0).mean()),
        mean_pixel_by_class=mean_per_class,
        figures=figures,
    )


def show_preprocessing(*, data: StudyData, profile: StudyProfile) -> PreprocessingRecord:
    """The preprocessing stage: each kind of model's input, as a sklearn pipeline."""
    from sklearn.pipeline import make_pipeline

    from fashionnet.preprocessing import ChannelStacker, ImagePadder, ImageResizer, PixelScaler

    X, _ = data.split("train")
    few = X[:8]
    size = profile.preprocessing_size
    pretrained = [p for p in profile.models if get_model(p.model).pretrained]
    pipelines = {"LeNet-5": (make_pipeline(ImagePadder(2), PixelScaler()), profile.train_size)}
    if pretrained:
        sizes = [p.train_size for p in pretrained]
        pipelines[" / ".join(get_model(p.model).display for p in pretrained)] = (
            make_pipeline(ImageResizer((size, size)), ChannelStacker(3), PixelScaler()),
            None if None in sizes else max(sizes),
        )
    rows = []
    for model, (pipeline, n_images) in pipelines.items():
        X_used, _ = data.subset("train", n_images)
        out = pipeline.fit_transform(few)
        per_image = out[0].size * out.dtype.itemsize
        rows.append(
            PipelineInput(
                model=model,
                input_shape=list(out.shape[1:]),
                dtype=str(out.dtype),
                value_min=float(out.min()),
                value_max=float(out.max()),
                steps=" -> ".join(type(s).__name__ for _, s in pipeline.steps),
                images=int(len(X_used)),
                float_copy_mb=per_image * len(X_used) / 2**20,
                uint8_input_mb=X_used.nbytes / 2**20,
            )
        )
    return PreprocessingRecord(inputs=rows)


# --------------------------------------------------------------------------- LeNet-5


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
    from fashionnet.tuning import KerasTunerSearchCV

    X, y = data.subset("train", profile.train_size)
    space = {
        "learning_rate": list(profile.learning_rates),
        "batch_size": list(profile.batch_sizes),
        "epochs": list(profile.epochs),
    }
    bars = ProgressBar("trial", profile.max_trials, progress, profile.run_eagerly)
    trial_budget = fit_budget(seconds, fits=profile.max_trials, overhead=2.0)
    search = KerasTunerSearchCV(
        get_model("lenet5").make(random_state=SEED, callbacks=[bars], time_budget=trial_budget),
        space,
        tuner="random",
        max_trials=profile.max_trials,
        objective="val_accuracy",
        validation_split=0.2,
        early_stopping_patience=profile.early_stopping,
        directory=files.path("tuning/lenet5").parent,
        project_name="lenet5",
        random_state=SEED,
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X, y)
    search_seconds = time.perf_counter() - start
    results = search.cv_results_
    figure = files.figure(search.plot_results(), "tuning_results")
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
        n_trials=int(search.n_trials_),
        best_params=dict(search.best_params_),
        best_val_accuracy=float(search.best_score_),
        trials=trials,
        search_seconds=search_seconds,
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
) -> CrossValidationRecord:
    """The cross-validation stage: the tuned LeNet-5, a fresh clone per fold.

    Within a budget of ``seconds`` each fold's fit gets an equal share as its
    ``time_budget``.
    """
    from fashionnet.callbacks import ProgressBar
    from fashionnet.evaluation import cross_validate_folds
    from fashionnet.plotting import plot_history

    best = _tuning(results).best_params
    X, y = data.subset("train", profile.cv_size)
    X_test, y_test = data.subset("test", profile.test_size)
    bars = ProgressBar("fold", profile.cv_folds, progress, profile.run_eagerly)
    fold_budget = fit_budget(seconds, fits=profile.cv_folds, overhead=3.0)
    estimator = get_model("lenet5").make(
        **best,
        validation_split=0.2,
        early_stopping=profile.early_stopping,
        callbacks=[bars],
        random_state=SEED,
        time_budget=fold_budget,
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
            fit=_fit_record(model),
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
        fold_time_budget=fold_budget,
        n_folds=int(result.n_folds),
        params=best,
        folds=folds,
        summary=summary,
        curves_figure=curves,
    )


def _tuning(results: dict[str, Record]) -> SearchRecord:
    tuning = results["tuning"]
    assert isinstance(tuning, SearchRecord)
    return tuning


# --------------------------------------------------------------------------- any model


def train_model(
    plan: ModelPlan,
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    run_eagerly: bool,
    results: dict[str, Record],
    seconds: float | None = None,
) -> ModelRecord:
    """A model stage: fit ``plan``'s registered model, evaluate it, save it.

    ``plan.params`` (with the tuning stage's best parameters when
    ``plan.tuned``) go to :meth:`fashionnet.registry.ModelSpec.make`;
    within a budget of ``seconds`` the fit gets most of them as its
    ``time_budget`` (the plan's epochs are then the most it trains). A
    pretrained model asked for ``weights="imagenet"`` that cannot get them
    (no network) is trained from random weights instead, or skipped, as
    ``plan.without_weights`` says; its metrics say which.
    """
    from fashionnet.callbacks import ProgressBar
    from fashionnet.plotting import plot_history

    spec = get_model(plan.model)
    params = {**plan.params, **(_tuning(results).best_params if plan.tuned else {})}
    X, y = data.subset("train", plan.train_size)
    X_test, y_test = data.subset("test", plan.test_size)
    bars = ProgressBar("fit", 1, progress, run_eagerly)
    # Evaluating on the test images, drawing and saving take the rest.
    time_budget = fit_budget(seconds, overhead=5.0)

    def fit(*, scratch: bool = False, **override: Any) -> Any:
        if scratch:  # random weights: every layer trains
            override = {**plan.scratch_params, **override}
        fixed = {"random_state": SEED, "callbacks": [bars], "time_budget": time_budget}
        estimator = spec.make(**{**params, **override, **fixed})
        return estimator.fit(X, y)

    weights = _Weights()
    start = time.perf_counter()
    if spec.pretrained:
        clf, weights = _fit_pretrained(
            fit, params.get("weights"), progress, spec.display, plan.without_weights
        )
        start = weights.start or start
        if clf is None:
            return ModelRecord(model=spec.key, title=plan.title, skipped=True, **weights.facts())
    else:
        clf = fit()
    fit_time = time.perf_counter() - start
    curves = files.figure(plot_history(clf.history_, title=plan.title), f"{plan.stage}_curves")
    last = clf.history_.iloc[-1]
    record = ModelRecord(
        model=spec.key,
        title=plan.title,
        **(weights.facts() if spec.pretrained else {}),
        # As fitted: a fallback to random weights changes some of them.
        params=_plain_params({k: clf.get_params()[k] for k in (*params, *plan.scratch_params)}),
        train_images=int(len(y)),
        fit_seconds=fit_time,
        budget_seconds=seconds,
        fit=_fit_record(clf),
        final_accuracy=float(last["accuracy"]) if "accuracy" in last else None,
        final_val_accuracy=float(last["val_accuracy"]) if "val_accuracy" in last else None,
        evaluation=_evaluation(files, clf, X_test, y_test, plan.stage),
        curves_figure=curves,
        backbone=_backbone(clf) if spec.pretrained else None,
    )
    record.history_file = files.history(clf.history_, plan.stage)
    if plan.save_model:
        record.model_file = files.model(clf, plan.stage)
    return record


@dataclass
class _Weights:
    """Which weights a pretrained model had, and why; when its fit started."""

    weights: str = "none"
    weights_note: str = (
        "random initialisation (weights=None): this profile does not fetch ImageNet weights"
    )
    weights_error: str | None = None
    start: float | None = None

    def facts(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "weights_note": self.weights_note,
            "weights_error": self.weights_error,
        }


def _fit_pretrained(
    fit: Callable, weights: Any, progress: ProgressStream, display: str, without_weights: str
):
    """Fit with ImageNet weights when asked and available, else as ``without_weights`` says.

    Returns the fitted estimator (None when skipped) and the facts of the
    report: which weights, and why.
    """
    facts = _Weights()
    if weights == "imagenet":
        try:
            # Keras prints its download attempt on stdout; keep the run's output clean.
            with contextlib.redirect_stdout(io.StringIO()):
                clf = fit(weights="imagenet")
            facts.weights, facts.weights_note = "imagenet", "ImageNet weights"
            return clf, facts
        except OSError as exc:
            facts.weights_error = " ".join(str(exc).split())
            if without_weights == "skip":
                facts.weights = "missing"
                facts.weights_note = (
                    "not trained: the ImageNet weights could not be downloaded "
                    "(no network?), and this profile does not train the network from scratch "
                    "instead (that takes a GPU; the full profile does)"
                )
                progress.line(f"  {display}: skipped, no ImageNet weights")
                return None, facts
            facts.weights_note = (
                "random initialisation (weights=None): the ImageNet weights could not be "
                "downloaded (no network?), so the network was trained from scratch, every "
                "layer; these are NOT the numbers of a pre-trained backbone"
            )
            progress.line(f"  {display}: {facts.weights_note}")
            facts.start = time.perf_counter()
            return fit(weights=None, scratch=True), facts
    return fit(weights=None), facts


def _backbone(clf: Any) -> BackboneRecord:
    cache = clf.cache_info_  # the estimator's own dict (fashionnet.models.transfer)
    return BackboneRecord(
        input_size=int(clf.input_size),
        trainable_layers=int(clf.trainable_layers_),
        backbone_layers=len(clf._backbone_model().layers),  # noqa: SLF001
        head=list(clf.head) if clf.head is not None else list(clf.backbone_.head),
        features_cached=bool(cache["used"]),
        cache_note=(
            f"frozen-backbone features cached (cut after {cache['cut']}), computed once"
            if cache["used"]
            else f"features not cached: {cache['reason']}"
        ),
    )


def _fit_record(clf: Any) -> FitRecord:
    """The epochs a fit planned and ran, and what its time budget measured."""
    record = FitRecord(epochs_planned=int(clf.epochs_), epochs_run=int(len(clf.history_)))
    budget = getattr(clf, "budget_", None)  # the estimator's own dict (models/_budget.py)
    if budget is not None:
        record.time_budget = budget["time_budget"]
        record.step_ms = 1000 * budget["step_seconds"]
        record.images_per_second = round(clf.batch_size / budget["step_seconds"])
        record.budget_overrun = budget["overrun"]
        record.budget_cut = budget["cut"]
    return record


def _plain_params(params: dict) -> dict:
    """The parameters a report can show: plain values and Keras configs."""
    return {k: v for k, v in params.items() if v is None or isinstance(v, (str, int, float, dict))}


def _evaluation(
    files: StudyFiles, estimator: Any, X: Any, y: Any, name: str
) -> EvaluationRecord:
    import pandas as pd

    from fashionnet.evaluation import evaluate
    from fashionnet.plotting import plot_confusion_matrix

    result = evaluate(estimator, X, y, class_names=CLASS_NAMES)
    predictions = files.csv(
        pd.DataFrame({"prediction": result.y_pred}), f"models/{name}_test_predictions.csv"
    )
    figure = files.figure(
        plot_confusion_matrix(result.confusion_matrix, class_names=result.class_names),
        f"{name}_confusion_matrix",
    )
    report = result.to_dict()["report"]  # JSON values; the support as counts
    for row in report.values():
        if isinstance(row, dict) and "support" in row:
            row["support"] = int(row["support"])
    return EvaluationRecord(
        test_accuracy=result.accuracy,
        test_images=result.n_samples,
        report=report,
        confusion_matrix=result.confusion_matrix.astype(int).tolist(),
        confusion_figure=figure,
        predictions_file=predictions,
    )


# --------------------------------------------------------------------------- comparison


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


# --------------------------------------------------------------------------- the run


def build_stages(
    profile: StudyProfile,
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    results: dict[str, Record],
) -> tuple[Stage, ...]:
    """The stages of a run of ``profile``, in order, each bound to what it reads.

    ``results`` is the run's dict of finished stages' records (the tuned
    model stages and the comparison read it); ``files`` collects the files
    each stage writes.
    """
    tuned_title = next((p.title for p in profile.models if p.tuned), "LeNet-5")
    stages = [
        Stage("data", "Data", lambda: describe_data(data=data, profile=profile)),
        Stage(
            "audit",
            "Audit",
            lambda: audit(data=data, files=files, audit_size=profile.audit_size),
        ),
        Stage(
            "near_duplicates",
            "Near-duplicates and train/test leakage",
            lambda: near_duplicates(data=data, files=files, size=profile.near_duplicate_size),
        ),
        Stage(
            "label_issues",
            "Suspected label errors and odd images",
            lambda seconds=None: suspected_label_errors(
                data=data, files=files, progress=progress, profile=profile, seconds=seconds
            ),
            budgeted=True,
        ),
        Stage("exploration", "Exploration figures", lambda: explore(data=data, files=files)),
        Stage(
            "preprocessing",
            "Preprocessing",
            lambda: show_preprocessing(data=data, profile=profile),
        ),
        Stage(
            "tuning",
            "Tuning LeNet-5",
            lambda seconds=None: tune_lenet(
                data=data, files=files, progress=progress, profile=profile, seconds=seconds
            ),
            budgeted=True,
        ),
    ]
    for plan in profile.models:
        stages.append(
            Stage(
                plan.stage,
                f"{plan.title}: fit and evaluation",
                lambda seconds=None, plan=plan: train_model(
                    plan,
                    data=data,
                    files=files,
                    progress=progress,
                    run_eagerly=profile.run_eagerly,
                    results=results,
                    seconds=seconds,
                ),
                reads=("tuning",) if plan.tuned else (),
                budgeted=True,
            )
        )
        if plan.tuned:
            stages.append(
                Stage(
                    "cross_validation",
                    f"Cross-validation of {tuned_title.split(',')[0]}",
                    lambda seconds=None: cross_validate_lenet(
                        data=data,
                        files=files,
                        progress=progress,
                        profile=profile,
                        results=results,
                        seconds=seconds,
                    ),
                    reads=("tuning",),
                    budgeted=True,
                )
            )
    stages.append(
        Stage(
            "comparison",
            "Comparison",
            lambda: compare(profile=profile, results=results, data=data, files=files),
            reads=tuple(s.name for s in stages),
        )
    )
    return tuple(stages)
