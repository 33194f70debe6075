"""The model stage: fit any registered model, evaluate it, save it, record it.

The fit and the evaluation are the task :func:`fashionnet.tasks.train_and_evaluate`,
which ``fashionnet train`` runs too; this stage adds what the study records:
the weights a pretrained model got, its curves, its test predictions and
confusion matrix, its history and its saved model.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fashionnet.datasets import CLASS_NAMES
from fashionnet.progress import ProgressStream
from fashionnet.registry import get_model

from ..budget import fit_budget
from ..profiles import SEED, ModelPlan
from ..records import (
    BackboneRecord,
    EvaluationRecord,
    FitRecord,
    ModelRecord,
    Record,
    SearchRecord,
)
from ..workspace import StudyData, StudyFiles

if TYPE_CHECKING:
    from fashionnet.tasks.train import TrainResult

__all__ = ["fit_record", "train_model", "tuning"]


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
    from fashionnet.tasks.train import train_and_evaluate

    spec = get_model(plan.model)
    params = {**plan.params, **(tuning(results).best_params if plan.tuned else {})}
    X, y = data.subset("train", plan.train_size)
    X_test, y_test = data.subset("test", plan.test_size)
    bars = ProgressBar("fit", 1, progress, run_eagerly)
    # Evaluating on the test images, drawing and saving take the rest.
    time_budget = fit_budget(seconds, overhead=5.0)

    def fit(*, scratch: bool = False, **override: Any) -> TrainResult:
        if scratch:  # random weights: every layer trains
            override = {**plan.scratch_params, **override}
        fixed = {"random_state": SEED, "callbacks": [bars], "time_budget": time_budget}
        return train_and_evaluate(
            spec,
            X,
            y,
            X_test,
            y_test,
            params={**params, **override, **fixed},
            class_names=CLASS_NAMES,
        )

    weights = _Weights()
    if spec.pretrained:
        trained, weights = _fit_pretrained(
            fit, params.get("weights"), progress, spec.display, plan.without_weights
        )
        if trained is None:
            return ModelRecord(model=spec.key, title=plan.title, skipped=True, **weights.facts())
    else:
        trained = fit()
    clf = trained.estimator
    curves = files.figure(plot_history(clf.history_, title=plan.title), f"{plan.stage}_curves")
    last = clf.history_.iloc[-1]
    record = ModelRecord(
        model=spec.key,
        title=plan.title,
        **(weights.facts() if spec.pretrained else {}),
        # As fitted: a fallback to random weights changes some of them.
        params=_plain_params({k: clf.get_params()[k] for k in (*params, *plan.scratch_params)}),
        train_images=int(len(y)),
        fit_seconds=trained.fit_seconds,
        budget_seconds=seconds,
        fit=fit_record(clf),
        final_accuracy=float(last["accuracy"]) if "accuracy" in last else None,
        final_val_accuracy=float(last["val_accuracy"]) if "val_accuracy" in last else None,
        evaluation=_evaluation(files, trained, plan.stage),
        curves_figure=curves,
        backbone=_backbone(clf) if spec.pretrained else None,
    )
    record.history_file = files.history(clf.history_, plan.stage)
    if plan.save_model:
        record.model_file = files.model(clf, plan.stage)
    return record


@dataclass
class _Weights:
    """Which weights a pretrained model had, and why."""

    weights: str = "none"
    weights_note: str = (
        "random initialisation (weights=None): this profile does not fetch ImageNet weights"
    )
    weights_error: str | None = None

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


def fit_record(clf: Any) -> FitRecord:
    """The epochs a fit planned and ran, where, and what its time budget measured."""
    record = FitRecord(
        epochs_planned=int(clf.epochs_),
        epochs_run=int(len(clf.history_)),
        worker=getattr(clf, "fit_worker_", None),
    )
    budget = getattr(clf, "budget_", None)  # the estimator's own dict (models/_budget.py)
    if budget is not None:
        # epochs_ is what ran; the budget's first plan is what was planned.
        record.epochs_planned = int(budget["epochs"])
        record.replans = [[int(e), int(n)] for e, n in budget.get("replans", [])]
        record.landed = budget.get("landed")
        record.time_budget = budget["time_budget"]
        record.step_ms = 1000 * budget["step_seconds"]
        record.images_per_second = round(clf.batch_size / budget["step_seconds"])
        record.budget_overrun = budget["overrun"]
        record.budget_cut = budget["cut"]
    return record


def _plain_params(params: dict) -> dict:
    """The parameters a report can show: plain values and Keras configs."""
    return {k: v for k, v in params.items() if v is None or isinstance(v, (str, int, float, dict))}


def _evaluation(files: StudyFiles, trained: TrainResult, name: str) -> EvaluationRecord:
    """The evaluation's record; its test predictions and confusion matrix written."""
    import pandas as pd

    from fashionnet.plotting import plot_confusion_matrix

    result = trained.evaluation
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


def tuning(results: dict[str, Record]) -> SearchRecord:
    """The tuning stage's record, from the run's finished records."""
    found = results["tuning"]
    assert isinstance(found, SearchRecord)
    return found
