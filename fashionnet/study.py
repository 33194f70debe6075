"""The whole Fashion-MNIST study as one resumable run that ends in a report.

:func:`run_study` does what the study did -- load and audit the data, draw
it, prepare each model's input, tune LeNet-5 with keras-tuner's random
search, refit and evaluate the best, cross-validate it, fine-tune VGG16 and
ResNet152V2, compare everything and conclude -- and writes into one
directory:

- ``report.md`` and a self-contained ``report.html`` (figures inline);
- ``metrics.json``: every number the report shows;
- ``figures/*.png``;
- ``models/*.keras`` (fitted models) and their training logs;
- ``stages/*.json``: one record per finished stage.

**Resuming.** Each stage writes its files atomically and then its record.
Running again with the same directory skips every stage that has a record,
so an interrupted run loses only the stage in progress (and the tuning
stage keeps keras-tuner's finished trials even then).

**Profiles** (:data:`PROFILES`) set the scale: ``smoke`` (the whole study
in under a minute, for tests), ``quick`` (under 15 minutes on a 2-core CPU)
and ``full`` (the study's settings: 100 trials, 5 folds, all the data,
48x48x3 transfer inputs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from fashionnet._io import atomic_write, write_json, write_text
from fashionnet.report import Report, format_number, rounded

__all__ = [
    "PROFILES",
    "STAGES",
    "StudyError",
    "StudyProfile",
    "StudyResult",
    "build_report",
    "run_study",
]

#: Version of the stage records; a record of another version is not trusted.
_RECORD_VERSION = 1
_SEED = 0


class StudyError(ValueError):
    """A study cannot run as asked (unknown profile, a directory of another study)."""


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class StudyProfile:
    """The scale of a study run.

    Sizes of ``None`` mean all the data. See :data:`PROFILES` for the three
    predefined profiles.

    Parameters
    ----------
    name : str
        Profile name.
    description : str
        One line on what the profile is for.
    train_size, test_size : int or None
        Training and test images for LeNet-5 (tuning, refit,
        cross-validation); balanced subsets of the real splits.
    audit_size : int or None
        Training rows audited.
    max_trials : int
        Random-search trials.
    learning_rates, batch_sizes, epochs : tuple
        The search space.
    early_stopping : int or None
        Patience in epochs (on the validation loss) in every LeNet-5 fit.
    cv_folds : int
        Folds of the cross-validation.
    transfer_train_size, transfer_test_size : int or None
        Images for the transfer models.
    transfer_input_size : int
        Side of the square RGB input of VGG16 and ResNet152V2.
    transfer_epochs, transfer_batch_size : int
        Training of the transfer models.
    transfer_head : tuple or None
        Their dense head; None is the study's head.
    transfer_weights : {"imagenet", None}
        ``"imagenet"`` tries the ImageNet weights and falls back to random
        ones when they cannot be had; None never tries.
    run_eagerly : bool
        Train and predict eagerly: for a handful of steps, tracing a graph
        (ResNet152V2's 564 layers above all) costs far more than running it.
    save_transfer_models : bool
        Whether the (large) transfer models are saved under ``models/``.
    """

    name: str
    description: str
    train_size: int | None
    test_size: int | None
    audit_size: int | None
    max_trials: int
    learning_rates: tuple = (1e-2, 1e-3, 1e-4)
    batch_sizes: tuple = (32, 64, 128)
    epochs: tuple = (10, 20, 30)
    early_stopping: int | None = 5
    cv_folds: int = 5
    transfer_train_size: int | None = None
    transfer_test_size: int | None = None
    transfer_input_size: int = 48
    transfer_epochs: int = 10
    transfer_batch_size: int = 128
    transfer_head: tuple | None = None
    transfer_weights: str | None = "imagenet"
    run_eagerly: bool = False
    save_transfer_models: bool = True

    def settings(self) -> dict:
        """The profile as plain JSON-serialisable Python."""
        return json.loads(json.dumps(dataclasses.asdict(self)))


#: The study's own settings. Its report lists the learning rates it searched
#: (1.0, 1e-2, 1e-3, 1e-4: 1.0 is dropped here, Adam diverges at once); the
#: batch sizes and epochs it searched are not in the report, so fashionnet
#: searches 32/64/128 and 10/20/30 epochs with the study's early stopping.
FULL = StudyProfile(
    name="full",
    description="the study's settings: 100 trials, 5 folds, all the data, 48x48x3 "
    "transfer inputs (hours on a CPU; use a GPU)",
    train_size=None,
    test_size=None,
    audit_size=None,
    max_trials=100,
)

QUICK = StudyProfile(
    name="quick",
    description="the whole study on reduced data in under 15 minutes on a 2-core CPU",
    train_size=12000,
    test_size=2000,
    audit_size=None,
    max_trials=6,
    batch_sizes=(32, 64),
    epochs=(5, 10),
    early_stopping=2,
    cv_folds=5,
    transfer_train_size=1000,
    transfer_test_size=1000,
    transfer_input_size=48,
    transfer_epochs=2,
    transfer_batch_size=64,
    transfer_head=None,
    transfer_weights="imagenet",
    run_eagerly=False,
    save_transfer_models=True,
)

SMOKE = StudyProfile(
    name="smoke",
    description="every stage end to end on tiny subsets in under a minute (for tests)",
    train_size=300,
    test_size=200,
    audit_size=2000,
    max_trials=2,
    batch_sizes=(64, 128),
    epochs=(1,),
    early_stopping=None,
    cv_folds=2,
    transfer_train_size=64,
    transfer_test_size=100,
    transfer_input_size=32,
    transfer_epochs=1,
    transfer_batch_size=32,
    transfer_head=(16,),
    transfer_weights=None,
    run_eagerly=True,
    save_transfer_models=False,
)

#: The predefined profiles by name.
PROFILES: dict[str, StudyProfile] = {p.name: p for p in (SMOKE, QUICK, FULL)}


# --------------------------------------------------------------------------- progress


class _Progress:
    """Text progress output on a stream: stage lines and one-line bars.

    On a terminal a bar is redrawn in place; elsewhere (a log file, a test)
    each update is a line of its own. tqdm-free on purpose.
    """

    def __init__(self, stream: IO[str] | None) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._open = False

    def line(self, text: str) -> None:
        if self.stream is None:
            return
        self._end_bar()
        self.stream.write(text + "\n")
        self.stream.flush()

    def bar(self, label: str, done: int, total: int, note: str = "") -> None:
        if self.stream is None:
            return
        width = 20
        filled = width if total <= 0 else int(width * min(done, total) / total)
        text = f"  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if note:
            text += f"  {note}"
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:150])
            self._open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _end_bar(self) -> None:
        if self._open and self.stream is not None:
            self.stream.write("\n")
            self._open = False


def _progress_callback(progress: _Progress, unit: str, total_fits: int, eager: bool = False):
    """A Keras callback drawing ``unit k/N | epoch e/E`` bars for a series of fits.

    The callback survives :func:`sklearn.base.clone` and keras-tuner as the
    same object (``__deepcopy__`` returns itself), so one instance counts
    every fit of a search or a cross-validation.
    """
    import keras

    class _Bars(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.fits = 0
            self.epochs = 0

        def __deepcopy__(self, memo: dict) -> _Bars:
            return self

        def set_model(self, model: Any) -> None:
            super().set_model(model)
            if eager:
                model.run_eagerly = True

        def on_train_begin(self, logs: Any = None) -> None:
            self.fits += 1
            self.epochs = int(self.params.get("epochs") or 0)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            logs = logs or {}
            scores = "  ".join(
                f"{k}={logs[k]:.4f}" for k in ("accuracy", "val_accuracy") if k in logs
            )
            fit = min(self.fits, total_fits)
            progress.bar(f"{unit} {fit}/{total_fits} epoch", epoch + 1, self.epochs, scores)

    return _Bars()


# --------------------------------------------------------------------------- context


@dataclass
class _Context:
    profile: StudyProfile
    out: Path
    data_home: Any
    progress: _Progress
    results: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict)

    # ---- data, loaded lazily and cached for the run
    def full(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if kind not in self._cache:
            from fashionnet.datasets import load_fashion_mnist

            self._cache[kind] = load_fashion_mnist(kind, data_home=self.data_home)
        return self._cache[kind]

    def subset(self, kind: str, size: int | None) -> tuple[np.ndarray, np.ndarray]:
        """A balanced, seeded subset of a split (the whole split for None)."""
        X, y = self.full(kind)
        if size is None or size >= len(y):
            return X, y
        key = (kind, size)
        if key not in self._cache:
            from sklearn.model_selection import train_test_split

            idx, _ = train_test_split(
                np.arange(len(y)), train_size=size, stratify=y, random_state=_SEED
            )
            idx.sort()
            self._cache[key] = (X[idx], y[idx])
        return self._cache[key]

    # ---- outputs
    def path(self, *parts: str) -> Path:
        path = self.out.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def save_figure(self, fig: Any, name: str) -> str:
        """Write a matplotlib figure to ``figures/<name>.png`` atomically."""
        relative = f"figures/{name}.png"
        with atomic_write(self.path(relative), "wb") as fh:
            fig.savefig(fh, format="png", dpi=90, bbox_inches="tight")
        return relative

    def save_model(self, estimator: Any, name: str) -> str:
        relative = f"models/{name}.keras"
        # The progress callback is not part of the model (and cannot be saved).
        estimator.set_params(callbacks=None)
        estimator.save(self.path(relative))
        return relative

    def save_history(self, history: Any, name: str) -> str:
        relative = f"models/{name}_history.csv"
        with atomic_write(self.path(relative), "w") as fh:
            history.to_csv(fh, index_label="epoch")
        return relative


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True)
class _Stage:
    name: str
    title: str
    run: Callable[[_Context], dict]


def _stage_data(ctx: _Context) -> dict:
    from fashionnet.datasets import CLASS_NAMES

    X_train, y_train = ctx.full("train")
    X_test, y_test = ctx.full("test")
    p = ctx.profile
    return {
        "train_images": int(len(y_train)),
        "test_images": int(len(y_test)),
        "image_height": int(X_train.shape[1]),
        "image_width": int(X_train.shape[2]),
        "pixels_per_image": int(X_train.shape[1] * X_train.shape[2]),
        "n_classes": int(len(np.unique(y_train))),
        "class_names": list(CLASS_NAMES),
        "dtype": str(X_train.dtype),
        "lenet_train_images": len(ctx.subset("train", p.train_size)[1]),
        "lenet_test_images": len(ctx.subset("test", p.test_size)[1]),
        "transfer_train_images": len(ctx.subset("train", p.transfer_train_size)[1]),
        "transfer_test_images": len(ctx.subset("test", p.transfer_test_size)[1]),
    }


def _stage_audit(ctx: _Context) -> dict:
    from fashionnet.audit import DataAuditor

    X, y = ctx.subset("train", ctx.profile.audit_size)
    start = time.perf_counter()
    report = DataAuditor().fit(X, y).report()
    seconds = time.perf_counter() - start
    write_text(ctx.path("audit.md"), report.to_markdown())
    facts = report.to_dict()
    keep = (
        "n_rows",
        "n_columns",
        "n_null_cells",
        "n_duplicate_rows",
        "n_constant_features",
        "n_redundant_pairs",
        "redundancy_threshold",
        "n_high_cardinality_features",
        "max_unique_values",
        "n_classes",
        "imbalance_ratio",
    )
    metrics = {k: facts[k] for k in keep if k in facts}
    metrics["class_counts"] = facts.get("class_counts") or {}
    metrics["audit_seconds"] = seconds
    metrics["summary_text"] = report.summary()
    return metrics


def _stage_exploration(ctx: _Context) -> dict:
    from fashionnet import plotting

    X, y = ctx.full("train")
    sample_X, sample_y = ctx.subset("train", 2000)
    figures = {
        "sample_grid": ctx.save_figure(plotting.plot_image_grid(X[:50], y[:50]), "sample_grid"),
        "class_balance": ctx.save_figure(plotting.plot_class_balance(y), "class_balance"),
        "pixel_distribution": ctx.save_figure(
            plotting.plot_pixel_distribution(sample_X), "pixel_distribution"
        ),
        "correlation_heatmap": ctx.save_figure(
            plotting.plot_correlation_heatmap(sample_X), "correlation_heatmap"
        ),
    }
    flat = X.reshape(len(X), -1)
    mean_per_class = {str(c): float(flat[y == c].mean()) for c in np.unique(y)}
    return {
        "pixel_mean": float(flat.mean()),
        "pixel_std": float(flat.std()),
        "pixel_min": int(flat.min()),
        "pixel_max": int(flat.max()),
        "zero_pixel_fraction": float((flat == 0).mean()),
        "mean_pixel_by_class": mean_per_class,
        "figures": figures,
    }


def _stage_preprocessing(ctx: _Context) -> dict:
    from sklearn.pipeline import make_pipeline

    from fashionnet.preprocessing import (
        ChannelStacker,
        ImagePadder,
        ImageResizer,
        PixelScaler,
    )

    p = ctx.profile
    X, _ = ctx.full("train")
    few = X[:8]
    size = p.transfer_input_size
    pipelines = {
        "LeNet-5": (
            make_pipeline(ImagePadder(2), PixelScaler()),
            ctx.subset("train", p.train_size),
        ),
        "VGG16 / ResNet152V2": (
            make_pipeline(ImageResizer((size, size)), ChannelStacker(3), PixelScaler()),
            ctx.subset("train", p.transfer_train_size),
        ),
    }
    rows = []
    for model, (pipeline, (X_used, _)) in pipelines.items():
        out = pipeline.fit_transform(few)
        per_image = out[0].size * out.dtype.itemsize
        rows.append(
            {
                "model": model,
                "input_shape": list(out.shape[1:]),
                "dtype": str(out.dtype),
                "value_min": float(out.min()),
                "value_max": float(out.max()),
                "steps": " -> ".join(type(s).__name__ for _, s in pipeline.steps),
                "images": int(len(X_used)),
                "float_copy_mb": per_image * len(X_used) / 2**20,
                "uint8_input_mb": X_used.nbytes / 2**20,
            }
        )
    return {"inputs": rows}


def _lenet(ctx: _Context, **params: Any) -> Any:
    from fashionnet.models import LeNet5Classifier

    return LeNet5Classifier(random_state=_SEED, **params)


def _stage_tuning(ctx: _Context) -> dict:
    from fashionnet.tuning import KerasTunerSearchCV

    p = ctx.profile
    X, y = ctx.subset("train", p.train_size)
    space = {
        "learning_rate": list(p.learning_rates),
        "batch_size": list(p.batch_sizes),
        "epochs": list(p.epochs),
    }
    bars = _progress_callback(ctx.progress, "trial", p.max_trials, eager=p.run_eagerly)
    search = KerasTunerSearchCV(
        _lenet(ctx, callbacks=[bars]),
        space,
        tuner="random",
        max_trials=p.max_trials,
        objective="val_accuracy",
        validation_split=0.2,
        early_stopping_patience=p.early_stopping,
        directory=ctx.path("tuning"),
        project_name="lenet5",
        random_state=_SEED,
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X, y)
    seconds = time.perf_counter() - start
    results = search.cv_results_
    figure = ctx.save_figure(search.plot_results(), "tuning_results")
    with atomic_write(ctx.path("tuning", "cv_results.csv"), "w") as fh:
        results.to_csv(fh, index=False)
    trials = [
        {
            "trial": int(row["trial"]),
            "learning_rate": row["param_learning_rate"],
            "batch_size": row["param_batch_size"],
            "epochs": row["param_epochs"],
            "val_accuracy": row["score"],
            "status": str(row["status"]),
            "seconds": row["duration"],
        }
        for row in results.to_dict(orient="records")
    ]
    return {
        "space": space,
        "n_trials": int(search.n_trials_),
        "best_params": dict(search.best_params_),
        "best_val_accuracy": float(search.best_score_),
        "trials": trials,
        "search_seconds": seconds,
        "figures": {"tuning_results": figure},
    }


def _evaluation_metrics(ctx: _Context, estimator: Any, X: Any, y: Any, name: str) -> dict:
    from fashionnet.evaluation import evaluate
    from fashionnet.plotting import plot_confusion_matrix

    result = evaluate(estimator, X, y)
    figure = ctx.save_figure(
        plot_confusion_matrix(result.confusion_matrix, class_names=result.class_names),
        f"{name}_confusion_matrix",
    )
    facts = result.to_dict()
    for row in facts["report"].values():
        if isinstance(row, dict) and "support" in row:
            row["support"] = int(row["support"])
    return {
        "test_accuracy": facts["accuracy"],
        "test_images": facts["n_samples"],
        "report": facts["report"],
        "confusion_matrix": facts["confusion_matrix"],
        "confusion_figure": figure,
    }


def _history_metrics(history: Any) -> dict:
    last = history.iloc[-1]
    return {
        "epochs_run": int(len(history)),
        **{f"final_{k}": float(last[k]) for k in ("accuracy", "val_accuracy") if k in last},
    }


def _stage_lenet5(ctx: _Context) -> dict:
    from fashionnet.plotting import plot_history

    p = ctx.profile
    best = ctx.results["tuning"]["best_params"]
    X, y = ctx.subset("train", p.train_size)
    X_test, y_test = ctx.subset("test", p.test_size)
    bars = _progress_callback(ctx.progress, "fit", 1, eager=p.run_eagerly)
    clf = _lenet(
        ctx, **best, validation_split=0.2, early_stopping=p.early_stopping, callbacks=[bars]
    )
    start = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - start
    curves = ctx.save_figure(plot_history(clf.history_, title="LeNet-5"), "lenet5_curves")
    metrics = {
        "params": best,
        "train_images": int(len(y)),
        "fit_seconds": fit_time,
        **_history_metrics(clf.history_),
        **_evaluation_metrics(ctx, clf, X_test, y_test, "lenet5"),
        "curves_figure": curves,
    }
    metrics["history_file"] = ctx.save_history(clf.history_, "lenet5")
    metrics["model_file"] = ctx.save_model(clf, "lenet5")
    return metrics


def _stage_cross_validation(ctx: _Context) -> dict:
    from fashionnet.evaluation import cross_validate_folds
    from fashionnet.plotting import plot_history

    p = ctx.profile
    best = ctx.results["tuning"]["best_params"]
    X, y = ctx.subset("train", p.train_size)
    X_test, y_test = ctx.subset("test", p.test_size)
    bars = _progress_callback(ctx.progress, "fold", p.cv_folds, eager=p.run_eagerly)
    estimator = _lenet(
        ctx, **best, validation_split=0.2, early_stopping=p.early_stopping, callbacks=[bars]
    )
    result = cross_validate_folds(
        estimator, X, y, cv=p.cv_folds, X_test=X_test, y_test=y_test, random_state=_SEED
    )
    histories = [h for h in result.histories if h is not None]
    curves = ctx.save_figure(plot_history(histories, title="LeNet-5 per fold"), "cv_fold_curves")
    folds = [
        {
            "fold": int(r["fold"]),
            "val_accuracy": r["val_accuracy"],
            "test_accuracy": r["test_accuracy"],
            "fit_seconds": r["fit_time"],
            "train_images": int(r["n_train"]),
            "val_images": int(r["n_val"]),
        }
        for r in result.folds.to_dict(orient="records")
    ]
    summary = {
        stat: {
            "val_accuracy": float(result.summary.loc[stat, "val_accuracy"]),
            "test_accuracy": float(result.summary.loc[stat, "test_accuracy"]),
        }
        for stat in ("min", "max", "mean", "std")
    }
    return {
        "n_folds": int(result.n_folds),
        "params": best,
        "folds": folds,
        "summary": summary,
        "curves_figure": curves,
    }


def _transfer_stage(backbone: str, display: str) -> Callable[[_Context], dict]:
    def run(ctx: _Context) -> dict:
        from fashionnet.models import TransferClassifier
        from fashionnet.plotting import plot_history

        p = ctx.profile
        X, y = ctx.subset("train", p.transfer_train_size)
        X_test, y_test = ctx.subset("test", p.transfer_test_size)
        bars = _progress_callback(ctx.progress, "fit", 1, eager=p.run_eagerly)

        def make(weights: Any) -> Any:
            return TransferClassifier(
                backbone,
                weights=weights,
                head=None if p.transfer_head is None else tuple(p.transfer_head),
                input_size=p.transfer_input_size,
                epochs=p.transfer_epochs,
                batch_size=p.transfer_batch_size,
                validation_split=0.2,
                random_state=_SEED,
                callbacks=[bars],
            )

        weights_note = (
            "random initialisation (weights=None): this profile does not fetch ImageNet weights"
        )
        weights, weights_error = None, None
        start = time.perf_counter()
        clf = None
        if p.transfer_weights == "imagenet":
            try:
                # Keras prints its download attempt on stdout; keep the run's output clean.
                with contextlib.redirect_stdout(io.StringIO()):
                    clf = make("imagenet").fit(X, y)
                weights, weights_note = "imagenet", "ImageNet weights"
            except OSError as exc:
                weights_error = " ".join(str(exc).split())
                weights_note = (
                    "random initialisation (weights=None): the ImageNet weights could not be "
                    "downloaded (no network?), so these are NOT the numbers of a pre-trained "
                    "backbone"
                )
                ctx.progress.line(f"  {display}: {weights_note}")
                start = time.perf_counter()
        if clf is None:
            clf = make(None).fit(X, y)
        fit_time = time.perf_counter() - start
        curves = ctx.save_figure(plot_history(clf.history_, title=display), f"{backbone}_curves")
        metrics = {
            "backbone": backbone,
            "weights": "imagenet" if weights else "none",
            "weights_note": weights_note,
            "weights_error": weights_error,
            "input_size": p.transfer_input_size,
            "trainable_layers": int(clf.backbone_.trainable_layers),
            "head": list(p.transfer_head) if p.transfer_head else list(clf.backbone_.head),
            "train_images": int(len(y)),
            "fit_seconds": fit_time,
            **_history_metrics(clf.history_),
            **_evaluation_metrics(ctx, clf, X_test, y_test, backbone),
            "curves_figure": curves,
        }
        metrics["history_file"] = ctx.save_history(clf.history_, backbone)
        if p.save_transfer_models:
            metrics["model_file"] = ctx.save_model(clf, backbone)
        return metrics

    return run


#: The study's published test accuracies (its comparison table).
STUDY_ACCURACY = {
    "lenet5": 0.8544,
    "cross_validation": 0.8828,
    "vgg16": 0.9237,
    "resnet152v2": 0.9166,
}

_MODEL_LABELS = {
    "lenet5": "LeNet-5, best hyperparameters",
    "cross_validation": "LeNet-5, k-fold CV (mean test accuracy of the folds)",
    "vgg16": "VGG16 transfer",
    "resnet152v2": "ResNet152V2 transfer",
}


def _stage_comparison(ctx: _Context) -> dict:
    import pandas as pd

    from fashionnet.evaluation import CrossValidationResult, compare_models

    r = ctx.results
    cv_folds = pd.DataFrame(r["cross_validation"]["folds"]).rename(
        columns={"fit_seconds": "fit_time", "train_images": "n_train", "val_images": "n_val"}
    )
    cv = CrossValidationResult(cv_folds, [None] * len(cv_folds))
    entries = {
        _MODEL_LABELS["lenet5"]: r["lenet5"]["test_accuracy"],
        _MODEL_LABELS["cross_validation"]: cv,
        _MODEL_LABELS["vgg16"]: r["vgg16"]["test_accuracy"],
        _MODEL_LABELS["resnet152v2"]: r["resnet152v2"]["test_accuracy"],
    }
    table = compare_models(entries)
    key_of = {label: key for key, label in _MODEL_LABELS.items()}
    rows = []
    for row in table.to_dict(orient="records"):
        key = key_of[row["model"]]
        stage = r[key]
        fit = (
            stage.get("fit_seconds")
            if key != "cross_validation"
            else float(np.mean([f["fit_seconds"] for f in stage["folds"]]))
        )
        rows.append(
            {
                "key": key,
                "model": row["model"],
                "test_accuracy": float(row["test_accuracy"]),
                "cv_mean_val_accuracy": None if pd.isna(row["cv_mean"]) else float(row["cv_mean"]),
                "weights": stage.get("weights", "trained from scratch"),
                "fit_seconds": fit,
                "study_test_accuracy": STUDY_ACCURACY[key],
            }
        )
    return {"rows": rows}


#: The stages, in order.
STAGES: tuple[_Stage, ...] = (
    _Stage("data", "Data", _stage_data),
    _Stage("audit", "Audit", _stage_audit),
    _Stage("exploration", "Exploration figures", _stage_exploration),
    _Stage("preprocessing", "Preprocessing", _stage_preprocessing),
    _Stage("tuning", "Tuning LeNet-5", _stage_tuning),
    _Stage("lenet5", "LeNet-5 refit and evaluation", _stage_lenet5),
    _Stage("cross_validation", "Cross-validation", _stage_cross_validation),
    _Stage("vgg16", "VGG16 transfer learning", _transfer_stage("vgg16", "VGG16")),
    _Stage(
        "resnet152v2",
        "ResNet152V2 transfer learning",
        _transfer_stage("resnet152v2", "ResNet152V2"),
    ),
    _Stage("comparison", "Comparison", _stage_comparison),
)


# --------------------------------------------------------------------------- runner


@dataclass
class StudyResult:
    """What :func:`run_study` produced.

    Attributes
    ----------
    out : pathlib.Path
        The study directory.
    profile : StudyProfile
        The profile used.
    metrics : dict
        The content of ``metrics.json``.
    ran, skipped : list of str
        Stages run now, and stages skipped because an earlier run finished them.
    seconds : float
        Wall time of this run.
    """

    out: Path
    profile: StudyProfile
    metrics: dict
    ran: list[str]
    skipped: list[str]
    seconds: float

    @property
    def report_path(self) -> Path:
        """``report.md``."""
        return self.out / "report.md"


def _resolve_profile(profile: str | StudyProfile) -> StudyProfile:
    if isinstance(profile, StudyProfile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise StudyError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}."
        ) from None


def _check_manifest(out: Path, profile: StudyProfile, restart: bool) -> None:
    manifest = out / "study.json"
    settings = profile.settings()
    if manifest.is_file() and not restart:
        try:
            previous = json.loads(manifest.read_text())
        except (OSError, ValueError):
            previous = None
        if not isinstance(previous, dict) or previous.get("profile") != settings:
            name = previous.get("profile", {}).get("name") if isinstance(previous, dict) else "?"
            raise StudyError(
                f"{out} holds a study run with other settings (profile {name!r}); "
                f"use another --out directory, or --restart to discard it."
            )
    if restart:
        # keras-tuner would resume the old search from its directory: drop it too.
        shutil.rmtree(out / "tuning", ignore_errors=True)
        for record in (out / "stages").glob("*.json"):
            record.unlink()
    write_json(manifest, {"profile": settings, "record_version": _RECORD_VERSION})


def _load_record(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != _RECORD_VERSION:
        return None
    return record


@contextlib.contextmanager
def _quiet_tensorflow() -> Iterator[None]:
    """Silence TensorFlow's start-up and retracing chatter for the run.

    Every fold and trial builds a fresh model, which TensorFlow reports as
    "retracing" warnings; they are expected here and only hide the progress.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def run_study(
    profile: str | StudyProfile = "quick",
    out: str | os.PathLike = "fashionnet-study",
    *,
    data_home: str | os.PathLike | None = None,
    restart: bool = False,
    progress: IO[str] | None = sys.stderr,
) -> StudyResult:
    """Run the study, or finish an interrupted one, and write its report.

    Parameters
    ----------
    profile : {"smoke", "quick", "full"} or StudyProfile, default="quick"
        The scale of the run (see :data:`PROFILES`).
    out : str or path-like, default="fashionnet-study"
        The study directory. Stages already finished there (by a run with
        the same profile) are skipped.
    data_home : str or path-like, optional
        Where Fashion-MNIST is looked for first (see
        :func:`fashionnet.datasets.load_fashion_mnist`).
    restart : bool, default=False
        Discard the finished stages found in ``out`` and run everything.
    progress : text stream or None, default=sys.stderr
        Where stage lines and progress bars go; None is silent.

    Returns
    -------
    StudyResult
        The metrics, the stages run and skipped, the wall time.

    Raises
    ------
    StudyError
        Unknown profile, or ``out`` holds a run with other settings.
    FileNotFoundError
        Fashion-MNIST is not on this machine.

    See Also
    --------
    fashionnet.report.Report : the document the report is built with.

    Examples
    --------
    >>> from fashionnet.study import PROFILES
    >>> sorted(PROFILES)
    ['full', 'quick', 'smoke']
    >>> PROFILES["full"].max_trials, PROFILES["full"].cv_folds
    (100, 5)

    The smoke profile runs every stage in about a minute
    (``run_study("smoke", "out-dir")``); ``fashionnet study --profile quick
    --out DIR`` is the command-line way.
    """
    begin = time.perf_counter()
    prof = _resolve_profile(profile)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise StudyError(f"--out {out} exists and is not a directory.")
    out.mkdir(parents=True, exist_ok=True)
    _check_manifest(out, prof, restart)
    bar = _Progress(progress)
    ctx = _Context(profile=prof, out=out, data_home=data_home, progress=bar)
    ran, skipped = [], []
    timings: dict[str, float] = {}
    with _quiet_tensorflow():
        for i, stage in enumerate(STAGES, start=1):
            record_path = out / "stages" / f"{stage.name}.json"
            record = _load_record(record_path)
            head = f"[{i}/{len(STAGES)}] {stage.title}"
            if record is not None:
                ctx.results[stage.name] = record["metrics"]
                timings[stage.name] = record["seconds"]
                skipped.append(stage.name)
                bar.line(f"{head}: finished earlier, skipped")
                continue
            bar.line(f"{head} ...")
            start = time.perf_counter()
            metrics = json.loads(json.dumps(stage.run(ctx), default=_plain))
            seconds = time.perf_counter() - start
            write_json(
                record_path,
                {
                    "version": _RECORD_VERSION,
                    "stage": stage.name,
                    "profile": prof.name,
                    "seconds": seconds,
                    "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "metrics": metrics,
                },
            )
            ctx.results[stage.name] = metrics
            timings[stage.name] = seconds
            ran.append(stage.name)
            bar.line(f"{head}: done in {seconds:.1f} s")
    metrics = _metrics(ctx, timings)
    write_json(out / "metrics.json", metrics)
    report = build_report(metrics)
    write_text(out / "report.md", report.to_markdown())
    write_text(out / "report.html", report.to_html(out))
    seconds = time.perf_counter() - begin
    bar.line(f"report: {out / 'report.md'} and {out / 'report.html'} ({seconds:.1f} s)")
    return StudyResult(out, prof, metrics, ran, skipped, seconds)


def _plain(obj: Any) -> Any:
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"cannot record {type(obj).__name__} as JSON")


# --------------------------------------------------------------------------- metrics


def _reductions(profile: StudyProfile) -> list[dict]:
    """What this profile runs smaller than the study (``full``)."""
    labels = {
        "train_size": "LeNet-5 training images",
        "test_size": "test images",
        "audit_size": "audited training rows",
        "max_trials": "tuning trials",
        "batch_sizes": "batch sizes searched",
        "epochs": "epochs searched",
        "early_stopping": "early-stopping patience",
        "cv_folds": "cross-validation folds",
        "transfer_train_size": "transfer-learning training images",
        "transfer_test_size": "transfer-learning test images",
        "transfer_input_size": "transfer input side (pixels)",
        "transfer_epochs": "transfer-learning epochs",
        "transfer_batch_size": "transfer-learning batch size",
        "transfer_head": "transfer head",
        "transfer_weights": "transfer weights",
    }
    rows = []
    full, this = FULL.settings(), profile.settings()
    for key, label in labels.items():
        if full[key] != this[key]:
            missing = "all" if key.endswith("_size") else "none"
            rows.append(
                {
                    "setting": label,
                    "full": missing if full[key] is None else full[key],
                    "this_run": missing if this[key] is None else this[key],
                }
            )
    return rows


def _metrics(ctx: _Context, timings: dict[str, float]) -> dict:
    """``metrics.json``: the numbers of every stage, rounded as the report shows them."""
    r = ctx.results
    drop = {"summary_text", "figures", "curves_figure", "confusion_figure"}
    keep = {
        name: {k: v for k, v in r[name].items() if k not in drop and not k.endswith("_file")}
        for name in r
    }
    keep["profile"] = {
        "name": ctx.profile.name,
        "reductions": _reductions(ctx.profile),
    }
    keep["stage_seconds"] = dict(timings)
    keep["conclusion"] = _conclusion_facts(r)
    return rounded(_round_by_unit(keep))


def _round_by_unit(value: Any, key: str = "") -> Any:
    """Seconds and MiB to one decimal; everything else is left to :func:`rounded`."""
    if isinstance(value, dict):
        unit = key.endswith("seconds")
        return {k: _round_by_unit(v, key if unit else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_round_by_unit(v, key) for v in value]
    if isinstance(value, float) and (key.endswith("seconds") or key.endswith("_mb")):
        return round(value, 1)
    return value


def _conclusion_facts(r: dict) -> dict:
    rows = r["comparison"]["rows"]
    best, worst = rows[0], rows[-1]
    lenet = r["lenet5"]["test_accuracy"]
    transfer = {k: r[k]["test_accuracy"] for k in ("vgg16", "resnet152v2")}
    cm = np.asarray(r["lenet5"]["confusion_matrix"])
    off = cm.copy()
    np.fill_diagonal(off, 0)
    pair = off + off.T
    i, j = np.unravel_index(int(np.argmax(np.triu(pair))), pair.shape)
    names = r["data"]["class_names"]
    per_class = {
        name: r["lenet5"]["report"][name]["f1-score"]
        for name in names
        if name in r["lenet5"]["report"]
    }
    hardest = min(per_class, key=per_class.get)
    cv = r["cross_validation"]["summary"]
    return {
        "best_model": best["model"],
        "best_test_accuracy": best["test_accuracy"],
        "worst_model": worst["model"],
        "worst_test_accuracy": worst["test_accuracy"],
        "spread": best["test_accuracy"] - worst["test_accuracy"],
        "best_transfer_minus_lenet": max(transfer.values()) - lenet,
        "cv_mean_vs_single_fit": abs(cv["mean"]["test_accuracy"] - lenet),
        "cv_mean_is": _direction(cv["mean"]["test_accuracy"] - lenet),
        "cv_test_range": cv["max"]["test_accuracy"] - cv["min"]["test_accuracy"],
        "most_confused_pair": [names[i], names[j]],
        "most_confused_count": int(pair[i, j]),
        "hardest_class": hardest,
        "hardest_class_f1": per_class[hardest],
    }


def _direction(diff: float) -> str:
    diff = rounded(diff)
    return "above" if diff > 0 else "below" if diff < 0 else "equal to"


# --------------------------------------------------------------------------- report


def _fmt(value: Any) -> str:
    return format_number(value)


def build_report(metrics: dict) -> Report:
    """Build the study report from ``metrics.json``'s content.

    Every number in ``metrics`` is shown (formatted with
    :func:`fashionnet.report.format_number`), and the report shows no
    number that is not in ``metrics``.

    Parameters
    ----------
    metrics : dict
        What :func:`run_study` writes to ``metrics.json``.

    Returns
    -------
    fashionnet.report.Report
    """
    m = metrics
    prof = PROFILES.get(m["profile"]["name"])
    name = m["profile"]["name"]
    doc = Report(f"Fashion-MNIST study: LeNet-5, VGG16 and ResNet152V2 ({name} run)")
    _section_run(doc, m, prof)
    _section_data(doc, m)
    _section_exploration(doc, m)
    _section_preprocessing(doc, m)
    _section_models(doc, m)
    _section_tuning(doc, m)
    _section_results(doc, m)
    _section_cross_validation(doc, m)
    _section_comparison(doc, m)
    _section_conclusion(doc, m)
    return doc


def _section_run(doc: Report, m: dict, prof: StudyProfile | None) -> None:
    doc.heading("About this run")
    name = m["profile"]["name"]
    doc.paragraph(
        f"Profile `{name}`"
        + (f": {prof.description}." if prof else ".")
        + f" Reproduce it with `fashionnet study --profile {name} --out DIR`."
    )
    reductions = m["profile"]["reductions"]
    if reductions:
        doc.paragraph(
            "This run is smaller than the study. What was reduced (the `full` profile "
            "uses the study's settings):"
        )
        doc.table(
            ["setting", "study (full)", "this run"],
            [[r["setting"], r["full"], r["this_run"]] for r in reductions],
        )
    else:
        doc.paragraph("This run uses the study's full settings; nothing was reduced.")
    doc.paragraph("Wall time of each stage, in seconds (as first run):")
    doc.table(["stage", "seconds"], [[k, v] for k, v in m["stage_seconds"].items()])


def _section_data(doc: Report, m: dict) -> None:
    d, a = m["data"], m["audit"]
    doc.heading("1. Data")
    doc.paragraph(
        f"Fashion-MNIST: {_fmt(d['train_images'])} training and {_fmt(d['test_images'])} "
        f"test images of {_fmt(d['image_height'])} x {_fmt(d['image_width'])} = "
        f"{_fmt(d['pixels_per_image'])} grey levels ({d['dtype']}), "
        f"{_fmt(d['n_classes'])} classes."
    )
    doc.table(
        ["used for", "training images", "test images"],
        [
            [
                "LeNet-5 (tuning, refit, cross-validation)",
                d["lenet_train_images"],
                d["lenet_test_images"],
            ],
            ["VGG16 and ResNet152V2", d["transfer_train_images"], d["transfer_test_images"]],
        ],
    )
    doc.heading("Audit", level=3)
    doc.paragraph(
        f"`DataAuditor` on {_fmt(a['n_rows'])} training rows x {_fmt(a['n_columns'])} columns "
        f"(label included) took {_fmt(a['audit_seconds'])} s. The full audit is in `audit.md`."
    )
    rows = [
        ["null cells", a.get("n_null_cells")],
        ["duplicated rows", a.get("n_duplicate_rows")],
        ["constant features", a.get("n_constant_features")],
        [
            f"redundant pairs (abs(r) > {_fmt(a.get('redundancy_threshold'))})",
            a.get("n_redundant_pairs"),
        ],
        ["high-cardinality columns", a.get("n_high_cardinality_features")],
        ["most unique values in a column", a.get("max_unique_values")],
        ["classes", a.get("n_classes")],
        ["imbalance ratio (largest / smallest class)", a.get("imbalance_ratio")],
    ]
    doc.table(["check", "found"], [r for r in rows if r[1] is not None])
    counts = a.get("class_counts") or {}
    if counts:
        doc.table(
            ["label", "class", "rows"],
            [[k, _class_name(m, k), v] for k, v in counts.items()],
        )


def _class_name(m: dict, label: str) -> str:
    names = m["data"]["class_names"]
    try:
        return names[int(label)]
    except (ValueError, IndexError):
        return str(label)


def _section_exploration(doc: Report, m: dict) -> None:
    e = m["exploration"]
    doc.heading("2. Exploration")
    doc.paragraph(
        f"Pixels range from {_fmt(e['pixel_min'])} to {_fmt(e['pixel_max'])}, with mean "
        f"{_fmt(e['pixel_mean'])} and standard deviation {_fmt(e['pixel_std'])}; a fraction "
        f"{_fmt(e['zero_pixel_fraction'])} of all pixels is exactly 0 (background), so the "
        "inputs are scaled to 0..1 before training."
    )
    doc.table(
        ["label", "class", "mean pixel"],
        [[k, _class_name(m, k), v] for k, v in e["mean_pixel_by_class"].items()],
    )
    for name, caption in (
        ("sample_grid", "The first 50 training images with their classes"),
        ("class_balance", "Images per class (training split)"),
        ("pixel_distribution", "Distribution of the grey levels"),
        ("correlation_heatmap", "Correlation between pixel columns"),
    ):
        doc.figure(f"figures/{name}.png", caption)


def _section_preprocessing(doc: Report, m: dict) -> None:
    doc.heading("3. Preprocessing")
    doc.paragraph(
        "Each model gets its own input. The models do these steps inside the Keras graph "
        "(the saved model carries them), so training keeps the uint8 images and never "
        "holds a float copy; the table shows the equivalent `fashionnet.preprocessing` "
        "pipeline and the memory a float copy of the inputs would take."
    )
    doc.table(
        [
            "model",
            "steps",
            "input shape",
            "dtype",
            "min",
            "max",
            "images",
            "float copy (MiB)",
            "uint8 images (MiB)",
        ],
        [
            [
                r["model"],
                r["steps"],
                r["input_shape"],
                r["dtype"],
                r["value_min"],
                r["value_max"],
                r["images"],
                r["float_copy_mb"],
                r["uint8_input_mb"],
            ]
            for r in m["preprocessing"]["inputs"]
        ],
    )


def _section_models(doc: Report, m: dict) -> None:
    doc.heading("4. Models")
    v, r = m["vgg16"], m["resnet152v2"]
    doc.bullets(
        [
            "LeNet-5 (`LeNet5Classifier`): 32x32x1 input; Conv2D(6, 5, tanh), "
            "AveragePooling2D(2), sigmoid, Conv2D(16, 5, tanh), AveragePooling2D(2), sigmoid, "
            "Conv2D(120, 5, tanh), Flatten, Dense(84, tanh), Dense(10, softmax); Adam, "
            "categorical cross-entropy; trained from scratch.",
            f"VGG16 (`TransferClassifier('vgg16')`): {_fmt(v['input_size'])}x"
            f"{_fmt(v['input_size'])}x3 input, last {_fmt(v['trainable_layers'])} backbone "
            f"layers trainable, head {_head(v['head'])}; weights: {v['weights_note']}.",
            f"ResNet152V2 (`TransferClassifier('resnet152v2')`): {_fmt(r['input_size'])}x"
            f"{_fmt(r['input_size'])}x3 input, last {_fmt(r['trainable_layers'])} backbone "
            f"layers trainable, head {_head(r['head'])}; weights: {r['weights_note']}.",
        ]
    )


def _head(head: list) -> str:
    return "-".join(
        f"dropout {_fmt(h)}" if isinstance(h, float) and h < 1 else _fmt(h) for h in head
    )


def _section_tuning(doc: Report, m: dict) -> None:
    t = m["tuning"]
    doc.heading("5. Tuning")
    space = t["space"]
    doc.paragraph(
        f"keras-tuner random search (`KerasTunerSearchCV`, {_fmt(t['n_trials'])} trials, "
        f"objective val_accuracy on a 0.2 validation split) over learning rates "
        f"{_list(space['learning_rate'])}, batch sizes {_list(space['batch_size'])} and "
        f"epochs {_list(space['epochs'])}. The study also searched a learning rate of 1.0, "
        f"where Adam diverges; it is left out. The search took {_fmt(t['search_seconds'])} s."
    )
    doc.table(
        ["trial", "learning rate", "batch size", "epochs", "val accuracy", "status", "seconds"],
        [
            [
                x["trial"],
                x["learning_rate"],
                x["batch_size"],
                x["epochs"],
                x["val_accuracy"],
                x["status"],
                x["seconds"],
            ]
            for x in t["trials"]
        ],
    )
    best = t["best_params"]
    doc.paragraph(
        f"Best: learning rate {_fmt(best['learning_rate'])}, batch size "
        f"{_fmt(best['batch_size'])}, epochs {_fmt(best['epochs'])}, validation accuracy "
        f"{_fmt(t['best_val_accuracy'])}."
    )
    doc.figure("figures/tuning_results.png", "Validation accuracy per trial and running best")


def _list(values: list) -> str:
    return ", ".join(_fmt(v) for v in values)


def _classification_table(doc: Report, stage: dict, names: list[str]) -> None:
    rep = stage["report"]
    rows = []
    for key in [*names, "macro avg", "weighted avg"]:
        if key in rep:
            c = rep[key]
            rows.append([key, c["precision"], c["recall"], c["f1-score"], c["support"]])
    doc.table(["class", "precision", "recall", "f1-score", "support"], rows)
    doc.paragraph(f"Accuracy: {_fmt(rep.get('accuracy', stage['test_accuracy']))}.")
    cm = stage["confusion_matrix"]
    doc.paragraph("Confusion matrix (rows: true class, columns: predicted class):")
    doc.table(
        ["true \\ predicted", *[str(i) for i in range(len(cm))]],
        [[names[i], *row] for i, row in enumerate(cm)],
    )


def _section_results(doc: Report, m: dict) -> None:
    names = m["data"]["class_names"]
    doc.heading("6. Results")
    for key, title in (
        ("lenet5", "LeNet-5 with the best hyperparameters"),
        ("vgg16", "VGG16"),
        ("resnet152v2", "ResNet152V2"),
    ):
        s = m[key]
        doc.heading(title, level=3)
        text = (
            f"Trained on {_fmt(s['train_images'])} images (0.2 held out for validation) for "
            f"{_fmt(s['epochs_run'])} epoch(s) in {_fmt(s['fit_seconds'])} s; final training "
            f"accuracy {_fmt(s.get('final_accuracy'))}, validation accuracy "
            f"{_fmt(s.get('final_val_accuracy'))}. Test accuracy on "
            f"{_fmt(s['test_images'])} images: **{_fmt(s['test_accuracy'])}**."
        )
        if key == "lenet5":
            p = s["params"]
            text = (
                f"Hyperparameters: learning rate {_fmt(p['learning_rate'])}, batch size "
                f"{_fmt(p['batch_size'])}, epochs {_fmt(p['epochs'])}. " + text
            )
        else:
            text = f"Weights: **{s['weights_note']}**. " + text
        doc.paragraph(text)
        _classification_table(doc, s, names)
        doc.figure(f"figures/{key}_curves.png", f"{title}: accuracy and loss per epoch")
        doc.figure(f"figures/{key}_confusion_matrix.png", f"{title}: confusion matrix")


def _section_cross_validation(doc: Report, m: dict) -> None:
    cv = m["cross_validation"]
    doc.heading("7. Cross-validation")
    doc.paragraph(
        f"Stratified {_fmt(cv['n_folds'])}-fold cross-validation of LeNet-5 with the best "
        "hyperparameters. Unlike the study, each fold trains a fresh model (the study "
        "kept training one model across folds). Each fold model is scored on its "
        "held-out fold and, as in the study, on the test set."
    )
    rows = [
        [
            f["fold"],
            f["train_images"],
            f["val_images"],
            f["val_accuracy"],
            f["test_accuracy"],
            f["fit_seconds"],
        ]
        for f in cv["folds"]
    ]
    for stat in ("min", "max", "mean", "std"):
        s = cv["summary"][stat]
        rows.append([stat, "", "", s["val_accuracy"], s["test_accuracy"], ""])
    doc.table(
        [
            "fold",
            "training images",
            "held-out images",
            "held-out accuracy",
            "test accuracy",
            "seconds",
        ],
        rows,
    )
    doc.figure("figures/cv_fold_curves.png", "Accuracy and loss per epoch, one row per fold")


def _section_comparison(doc: Report, m: dict) -> None:
    doc.heading("8. Comparison")
    doc.paragraph(
        "Test accuracy of every model, best first, next to the study's published figure "
        "(the study used all 60000 training images; see 'About this run' for what this "
        "run reduced)."
    )
    doc.table(
        [
            "model",
            "test accuracy",
            "CV mean held-out accuracy",
            "weights",
            "fit seconds",
            "study's test accuracy",
        ],
        [
            [
                r["model"],
                r["test_accuracy"],
                r["cv_mean_val_accuracy"],
                _weights_label(r["weights"]),
                r["fit_seconds"],
                r["study_test_accuracy"],
            ]
            for r in m["comparison"]["rows"]
        ],
    )


def _weights_label(weights: str) -> str:
    return {
        "imagenet": "ImageNet",
        "none": "NONE: random initialisation",
    }.get(weights, weights)


def _section_conclusion(doc: Report, m: dict) -> None:
    c = m["conclusion"]
    rows = m["comparison"]["rows"]
    doc.heading("9. Conclusion")
    points = [
        f"Best model in this run: **{c['best_model']}**, test accuracy "
        f"{_fmt(c['best_test_accuracy'])}; the weakest is {c['worst_model']} at "
        f"{_fmt(c['worst_test_accuracy'])}, a spread of {_fmt(c['spread'])}."
    ]
    gain = c["best_transfer_minus_lenet"]
    random_init = [r["model"] for r in rows if r["weights"] == "none"]
    if gain > 0:
        verdict = (
            f"The better transfer model beats the tuned LeNet-5 by {_fmt(gain)} in test "
            "accuracy, as in the study."
        )
    else:
        verdict = (
            f"Neither transfer model beats the tuned LeNet-5 here (best difference "
            f"{_fmt(gain)}), unlike the study."
        )
    if random_init:
        layers = ", ".join(
            f"{_fmt(m[k]['trainable_layers'])} for {name}"
            for k, name in (("vgg16", "VGG16"), ("resnet152v2", "ResNet152V2"))
            if m[k]["weights"] == "none"
        )
        verdict += (
            " The transfer models ran WITHOUT ImageNet weights (random initialisation): "
            "only their last backbone layers (" + layers + ") and the head learned, on "
            "top of frozen random features, so their numbers say nothing about transfer "
            "learning."
        )
    points.append(verdict)
    points.append(
        f"The mean test accuracy of the cross-validation folds is {c['cv_mean_is']} the "
        f"single refit's by {_fmt(c['cv_mean_vs_single_fit'])}; the fold models' test "
        f"accuracies span {_fmt(c['cv_test_range'])}, "
        "a measure of how much one training run varies."
    )
    points.append(
        f"LeNet-5 confuses {c['most_confused_pair'][0]} and {c['most_confused_pair'][1]} most "
        f"often ({_fmt(c['most_confused_count'])} test images either way); its hardest class "
        f"is {c['hardest_class']} (f1-score {_fmt(c['hardest_class_f1'])})."
    )
    if m["profile"]["reductions"]:
        points.append(
            "These numbers come from a reduced run (see 'About this run'); the `full` "
            "profile repeats the study at its scale."
        )
    doc.bullets(points)
