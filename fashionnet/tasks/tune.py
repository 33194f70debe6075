"""Tune LeNet-5: the keras-tuner random search of its learning rate, batch size and epochs.

The use case that ``fashionnet tune`` and the study's tuning stage
(:func:`fashionnet.study.stages.tune_lenet`) share: one
:class:`~fashionnet.tuning.KerasTunerSearchCV` over a LeNet-5 from the
registry, resumable from its directory.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fashionnet._backend import import_keras_quietly
from fashionnet._io import atomic_write
from fashionnet.registry import get_model
from fashionnet.tuning import KerasTunerSearchCV

__all__ = ["TuneResult", "tune_lenet"]

#: The project (sub-folder of the search's directory) of the LeNet-5 search.
PROJECT = "lenet5"


@dataclass
class TuneResult:
    """What :func:`tune_lenet` searched and found.

    Attributes
    ----------
    search : KerasTunerSearchCV
        The fitted search (not refitted).
    space : dict
        The values searched, by parameter.
    seconds : float
        Wall-clock seconds of the search (trials reloaded from the
        directory take none).
    results_path : Path or None
        Where the trials table was written.
    """

    search: KerasTunerSearchCV
    space: dict
    seconds: float
    results_path: Path | None = None

    @property
    def results(self) -> Any:
        """One row per trial (:attr:`KerasTunerSearchCV.cv_results_`)."""
        return self.search.cv_results_

    @property
    def best_params(self) -> dict:
        """The best trial's parameters."""
        return dict(self.search.best_params_)

    @property
    def best_score(self) -> float:
        """The best trial's validation accuracy."""
        return float(self.search.best_score_)

    @property
    def n_trials(self) -> int:
        """Trials run or reloaded."""
        return int(self.search.n_trials_)

    @property
    def n_failed_trials(self) -> int:
        """Trials that failed."""
        return int(self.search.n_failed_trials_)


def tune_lenet(
    X: Any,
    y: Any,
    *,
    space: Mapping[str, Sequence[Any]],
    max_trials: int,
    directory: str | Path,
    early_stopping_patience: int | None = None,
    overwrite: bool = False,
    callbacks: Sequence[Any] | None = None,
    time_budget: float | None = None,
    random_state: int = 0,
    results_file: str | Path | None = None,
) -> TuneResult:
    """Random search (keras-tuner) over LeNet-5's parameters, resumable from ``directory``.

    Parameters
    ----------
    X, y : array-like
        Training images and labels; each trial holds out 20 % of them and
        is scored by its validation accuracy.
    space : mapping
        Values to search, by LeNet-5 parameter, e.g.
        ``{"learning_rate": [1e-2, 1e-3], "batch_size": [64], "epochs": [5]}``.
    max_trials : int
        Trials to run.
    directory : str or Path
        The search's folder; its project ``lenet5`` holds the trials, and a
        search run again with the same folder reloads the finished ones.
    early_stopping_patience : int or None, default=None
        Epochs without improvement before a trial stops.
    overwrite : bool, default=False
        Start afresh, discarding the trials in ``directory``.
    callbacks : list of keras callbacks, optional
        Given to every trial's LeNet-5 (progress bars).
    time_budget : float or None, default=None
        Seconds each trial's fit may take (its ``time_budget``).
    random_state : int, default=0
        Seed of the search and of each trial's LeNet-5.
    results_file : str or Path, optional
        Where to write the trials table as CSV.

    Returns
    -------
    TuneResult

    Examples
    --------
    >>> import tempfile
    >>> from fashionnet.datasets import load_fashion_mnist, stratified_subset
    >>> from fashionnet.tasks import tune_lenet
    >>> X, y = stratified_subset(*load_fashion_mnist("train"), 200, random_state=0)
    >>> result = tune_lenet(X, y, space={"learning_rate": [1e-3], "batch_size": [64],
    ...                                  "epochs": [1]}, max_trials=1,
    ...                     directory=tempfile.mkdtemp())
    >>> result.n_trials, sorted(result.best_params)
    (1, ['batch_size', 'epochs', 'learning_rate'])
    """
    import_keras_quietly()
    estimator = get_model("lenet5").make(
        random_state=random_state, callbacks=list(callbacks or []), time_budget=time_budget
    )
    search = KerasTunerSearchCV(
        estimator,
        {name: list(values) for name, values in space.items()},
        tuner="random",
        max_trials=max_trials,
        objective="val_accuracy",
        validation_split=0.2,
        early_stopping_patience=early_stopping_patience,
        directory=directory,
        project_name=PROJECT,
        overwrite=overwrite,
        random_state=random_state,
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X, y)
    result = TuneResult(
        search=search,
        space={name: list(values) for name, values in space.items()},
        seconds=time.perf_counter() - start,
    )
    if results_file is not None:
        result.results_path = Path(results_file)
        with atomic_write(result.results_path, "w") as fh:
            result.results.to_csv(fh, index=False)
    return result
