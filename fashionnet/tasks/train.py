"""Train and evaluate: build a registered model, fit it, evaluate it, save it.

The use case that ``fashionnet train`` and the study's model stages share
(:func:`fashionnet.study.stages.train_model`): the command saves the model
and its metrics into a folder; the study keeps the fitted estimator and its
evaluation for its report and writes its own files.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fashionnet._backend import import_keras_quietly
from fashionnet._checks import InvalidParameterError
from fashionnet._io import write_json
from fashionnet._ownership import check_target, json_file_has_key
from fashionnet.evaluation import EvaluationReport, evaluate
from fashionnet.models.persistence import is_saved_classifier
from fashionnet.registry import ModelSpec, get_model

__all__ = ["TrainResult", "build_model", "train_and_evaluate"]


@dataclass
class TrainResult:
    """What :func:`train_and_evaluate` fitted, measured and wrote.

    Attributes
    ----------
    spec : ModelSpec
        The registered model.
    estimator : FashionNetClassifier
        The fitted estimator.
    params : dict
        The parameters given (not the registry's fixed ones).
    train_images : int
        Images the fit saw.
    fit_seconds : float
        Wall-clock seconds of ``fit``.
    evaluation : EvaluationReport
        The evaluation on the test images.
    model_path, metrics_path : Path or None
        The files written (None without ``out``).
    """

    spec: ModelSpec
    estimator: Any
    params: dict
    train_images: int
    fit_seconds: float
    evaluation: EvaluationReport
    model_path: Path | None = None
    metrics_path: Path | None = None

    @property
    def epochs_run(self) -> int:
        """Epochs the fit ran (its history's length)."""
        return int(len(self.estimator.history_))

    def metrics(self) -> dict:
        """The metrics file's content: the model, its parameters, the fit and the evaluation.

        Parameters that are no plain JSON value are written as their ``repr``.
        """
        return {
            "model": self.spec.key,
            "params": {
                k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
                for k, v in self.params.items()
            },
            "train_images": self.train_images,
            "fit_seconds": self.fit_seconds,
            "epochs_run": self.epochs_run,
            **self.evaluation.to_dict(),
        }


def build_model(model: str | ModelSpec, params: Mapping[str, Any] | None = None) -> tuple:
    """The registered model ``model`` and a new estimator of it with ``params``.

    Parameters
    ----------
    model : str or ModelSpec
        A key of :mod:`fashionnet.registry` (``"lenet5"``, ``"vgg16"``...).
    params : mapping, optional
        Estimator parameters.

    Returns
    -------
    (ModelSpec, estimator)

    Raises
    ------
    InvalidParameterError
        An unknown model, or a parameter the estimator does not have or
        that the key fixes. Its values are checked by ``fit``.
    """
    try:
        spec = model if isinstance(model, ModelSpec) else get_model(model)
        import_keras_quietly()  # once the model is known: TensorFlow's start-up stays quiet
        return spec, spec.make(**dict(params or {}))
    except InvalidParameterError:
        raise
    except ValueError as exc:
        raise InvalidParameterError(str(exc)) from None


def _check_outputs(out: Path, key: str) -> tuple[Path, Path]:
    """Refuse files in ``out`` that training would replace but fashionnet did not write."""
    model, metrics = out / f"{key}.keras", out / f"{key}_metrics.json"
    what = "a model saved by fashionnet"
    check_target(model, kind="file", ours=is_saved_classifier, what=what, option=None)
    check_target(
        metrics,
        kind="file",
        ours=lambda p: json_file_has_key(p, "fit_seconds"),
        what="metrics written by fashionnet train",
        option=None,
    )
    return model, metrics


def train_and_evaluate(
    model: str | ModelSpec,
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    params: Mapping[str, Any] | None = None,
    callbacks: Sequence[Any] | None = None,
    class_names: Sequence[str] | None = None,
    out: str | Path | None = None,
) -> TrainResult:
    """Fit a registered model, evaluate it on test images, and save both.

    Parameters
    ----------
    model : str or ModelSpec
        A key of :mod:`fashionnet.registry`.
    X, y : array-like
        Training images and labels.
    X_test, y_test : array-like
        Test images and labels.
    params : mapping, optional
        Estimator parameters (recorded in the metrics).
    callbacks : list of keras callbacks, optional
        Given to the estimator unless ``params`` names ``callbacks``; not
        recorded.
    class_names : sequence of str, optional
        Display names of the labels, for the evaluation and the saved model.
    out : str or Path, optional
        Folder receiving ``<key>.keras`` and ``<key>_metrics.json``; a file
        there that fashionnet did not write is refused before training.

    Returns
    -------
    TrainResult

    Raises
    ------
    InvalidParameterError
        An unknown model or parameter name.
    NotOursError
        A file in ``out`` that fashionnet did not write.

    Examples
    --------
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist, stratified_subset
    >>> from fashionnet.tasks import train_and_evaluate
    >>> X, y = stratified_subset(*load_fashion_mnist("train"), 200, random_state=0)
    >>> X_test, y_test = stratified_subset(*load_fashion_mnist("test"), 100, random_state=0)
    >>> result = train_and_evaluate("lenet5", X, y, X_test, y_test,
    ...                             params={"epochs": 1}, class_names=CLASS_NAMES)
    >>> result.epochs_run, result.evaluation.n_samples
    (1, 100)
    """
    params = dict(params or {})
    spec, estimator = build_model(model, params)
    paths = _check_outputs(Path(out), spec.key) if out is not None else None
    if callbacks is not None and "callbacks" not in params:
        estimator.set_params(callbacks=list(callbacks))
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_seconds = time.perf_counter() - start
    result = TrainResult(
        spec=spec,
        estimator=estimator,
        params=params,
        train_images=int(len(y)),
        fit_seconds=fit_seconds,
        evaluation=evaluate(estimator, X_test, y_test, class_names=class_names),
    )
    if paths is not None:
        result.model_path = estimator.save(paths[0], class_names=class_names)
        result.metrics_path = paths[1]
        write_json(paths[1], result.metrics())
    return result
