"""Several models in one table, best first (:func:`compare_models`)."""

from __future__ import annotations

import numbers
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fashionnet.evaluation._common import (
    _accuracies,
    _check_xy,
    _json,
    _kept_accuracy,
)
from fashionnet.evaluation.classification import EvaluationReport
from fashionnet.evaluation.cross_validation import CrossValidationResult, cross_validate_folds
from fashionnet.rendering import frame_to_markdown

__all__ = [
    "ComparisonTable",
    "compare_models",
]


def _kept_rows(exclude_test: Any, n_test: int) -> np.ndarray:
    """The test rows that ``exclude_test`` (positions or a boolean mask) leaves in."""
    exclude = np.asarray(exclude_test)
    if exclude.dtype == np.bool_:
        if exclude.shape != (n_test,):
            raise ValueError(
                f"exclude_test as a boolean mask must have one entry per test image ({n_test}); "
                f"got shape {exclude.shape}."
            )
        return ~exclude
    if exclude.size and (
        exclude.dtype.kind not in "iu" or exclude.min() < 0 or exclude.max() >= n_test
    ):
        raise ValueError(
            f"exclude_test must hold positions 0..{n_test - 1} of X_test (or a boolean mask), "
            "e.g. DataAuditor().near_duplicates(X_test, X_train)['index']."
        )
    keep = np.ones(n_test, dtype=bool)
    keep[exclude.astype(np.intp)] = False
    return keep


_COMPARISON_COLUMNS = ["model", "test_accuracy", "cv_mean", "cv_std", "fit_time", "params"]
#: The column ``exclude_test`` adds, after ``test_accuracy``.
_DEDUP_COLUMN = "dedup_test_accuracy"


class ComparisonTable(pd.DataFrame):
    """A :class:`pandas.DataFrame` of models, best first, with a dependency-free ``to_markdown``.

    Columns: ``model``, ``test_accuracy``, ``dedup_test_accuracy`` (only
    when :func:`compare_models` was given ``exclude_test``), ``cv_mean``,
    ``cv_std``, ``fit_time`` (seconds; NaN where unknown) and ``params`` (a
    dict of the parameters that differ from the estimator's defaults). Built
    by :func:`compare_models`. It is a DataFrame in every other respect.
    """

    @property
    def _constructor(self):
        return ComparisonTable

    def to_markdown(self, buf: Any = None, *, floatfmt: str = ".4f", **kwargs: Any) -> str | None:
        """The table as GitHub-flavoured Markdown (no ``tabulate`` needed).

        Parameters
        ----------
        buf : writable buffer, optional
            Where to write; the string is returned when omitted.
        floatfmt : str, default=".4f"
            Format of the floating-point cells.

        Returns
        -------
        str or None
        """
        text = frame_to_markdown(pd.DataFrame(self), floatfmt=floatfmt)
        if buf is None:
            return text
        buf.write(text)
        return None

    def to_json_dict(self) -> list[dict]:
        """Plain JSON-serialisable Python: one dict per row, best first.

        Returns
        -------
        list of dict
        """
        return _json(pd.DataFrame(self))


def _changed_params(estimator: Any) -> dict:
    """Parameters that differ from the class defaults (what makes this model this model)."""
    steps = getattr(estimator, "steps", None)
    if isinstance(steps, list):  # a Pipeline: its steps' own changes, prefixed
        return {
            f"{name}__{key}": value
            for name, step in steps
            if step not in (None, "passthrough")
            for key, value in _changed_params(step).items()
        }
    try:
        params = estimator.get_params(deep=False)
    except AttributeError:
        return {}
    try:
        defaults = type(estimator)().get_params(deep=False)
    except Exception:  # the class needs arguments: show them all
        defaults = {}
    changed = {}
    for key, value in params.items():
        if key in defaults and _same(defaults[key], value):
            continue
        plain = isinstance(value, (int, float, str, bool, type(None)))
        changed[key] = value if plain else repr(value)
    return changed


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) if type(a) is type(b) else False
    except Exception:
        return a is b


def _is_fitted(estimator: Any) -> bool:
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(estimator)
    except NotFittedError:
        return False
    except TypeError:
        return False
    return True


def _row_for(
    name: str,
    model: Any,
    X_test: Any,
    y_test: Any,
    X_train: Any,
    y_train: Any,
    cv: Any,
    random_state: Any,
    keep: np.ndarray | None = None,
) -> dict:
    row: dict[str, Any] = dict.fromkeys([*_COMPARISON_COLUMNS, _DEDUP_COLUMN], float("nan"))
    row["model"] = str(name)
    row["params"] = {}
    if isinstance(model, EvaluationReport):
        row["test_accuracy"] = model.accuracy
        same_rows = keep is not None and model.y_pred is not None and len(model.y_pred) == len(keep)
        if same_rows:  # a report of these test images: its predictions without the twins
            row[_DEDUP_COLUMN] = _kept_accuracy(model.y_true, model.y_pred, keep)[1]
        return row
    if isinstance(model, CrossValidationResult):
        s = model.summary
        row["test_accuracy"] = s.loc["mean", "test_accuracy"]
        row["cv_mean"], row["cv_std"] = s.loc["mean", "val_accuracy"], s.loc["std", "val_accuracy"]
        row["fit_time"] = s.loc["mean", "fit_time"]
        return row
    if isinstance(model, (numbers.Real, np.floating)) and not isinstance(model, bool):
        row["test_accuracy"] = float(model)
        return row
    if not hasattr(model, "fit") or not hasattr(model, "predict"):
        raise TypeError(
            f"compare_models: {name!r} is a {type(model).__name__}; expected a classifier, an "
            "EvaluationReport, a CrossValidationResult or a test accuracy (float)."
        )
    if cv is not None:
        if X_train is None:
            raise ValueError("cv needs the training data: pass X_train and y_train.")
        result = cross_validate_folds(model, X_train, y_train, cv=cv, random_state=random_state)
        row["cv_mean"] = result.summary.loc["mean", "val_accuracy"]
        row["cv_std"] = result.summary.loc["std", "val_accuracy"]
    if not _is_fitted(model):
        if X_train is None:
            raise ValueError(
                f"compare_models: {name!r} is not fitted; fit it first or pass X_train and y_train."
            )
        from sklearn.base import clone

        model = clone(model)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        row["fit_time"] = time.perf_counter() - start
    else:
        row["fit_time"] = float(getattr(model, "fit_time_", float("nan")))
    # A fitted search: describe its best model, and use its own CV score.
    best = getattr(model, "best_estimator_", None)
    if best is not None:
        row["params"] = dict(getattr(model, "best_params_", {}))
        if cv is None and getattr(model, "cv", None) is not None:
            row["cv_mean"] = float(getattr(model, "best_score_", float("nan")))
    else:
        row["params"] = _changed_params(model)
    if X_test is not None:
        row["test_accuracy"], row[_DEDUP_COLUMN] = _accuracies(model, X_test, y_test, keep)
    return row


def compare_models(
    models: Mapping[str, Any],
    X_test: Any = None,
    y_test: Any = None,
    *,
    X_train: Any = None,
    y_train: Any = None,
    cv: Any = None,
    random_state: int | None = 0,
    exclude_test: Any = None,
) -> ComparisonTable:
    """Compare models in one table, best test accuracy first.

    Each entry may be a fitted classifier (scored on ``X_test``), an unfitted
    one (a clone is fitted on ``X_train`` and timed), a fitted
    :class:`~fashionnet.tuning.KerasTunerSearchCV` (its best model and
    parameters), an :class:`EvaluationReport`, a
    :class:`CrossValidationResult` (its mean test accuracy, as the study
    reported its CV model, and its validation mean and std), or a plain
    test accuracy (a float, e.g. a figure quoted from a paper).

    Parameters
    ----------
    models : mapping of str to model or result
        Display name -> entry, in any of the forms above.
    X_test, y_test : array-like, optional
        The test set every classifier is scored on.
    X_train, y_train : array-like, optional
        Training data for unfitted classifiers and for ``cv``.
    cv : int, splitter or None, default=None
        When given, also cross-validate each classifier on ``X_train``
        (see :func:`cross_validate_folds`) for the ``cv_mean`` and ``cv_std``
        columns.
    random_state : int or None, default=0
        Seed of the folds built from an int ``cv``.
    exclude_test : array-like of int or bool, optional
        Test images to leave out of a second score, the
        ``dedup_test_accuracy`` column: positions in ``X_test`` (or a
        boolean mask), typically those with a near-twin in the training set,
        ``DataAuditor().near_duplicates(X_test, X_train)["index"]``. How far
        a model drops without them says how much of its score is memory.
        Computed for classifiers and for :class:`EvaluationReport` entries
        of the same test images; NaN for the others.

    Returns
    -------
    ComparisonTable
        A DataFrame with columns ``model``, ``test_accuracy``,
        (``dedup_test_accuracy``), ``cv_mean``, ``cv_std``, ``fit_time``,
        ``params``, sorted by test accuracy (then CV mean) from best to
        worst; ``to_markdown()`` renders it.

    Raises
    ------
    ValueError
        Empty ``models``, mismatched lengths, or an unfitted classifier
        without training data.
    TypeError
        An entry of an unsupported type.

    See Also
    --------
    evaluate, cross_validate_folds

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.evaluation import compare_models
    >>> X, y = load_fashion_mnist("test")
    >>> X = X.reshape(len(X), -1) / 255.0
    >>> table = compare_models(
    ...     {"ridge": RidgeClassifier(), "majority": DummyClassifier(),
    ...      "LeNet-5 (study)": 0.8544},
    ...     X[1000:2000], y[1000:2000], X_train=X[:1000], y_train=y[:1000])
    >>> table["model"].tolist()
    ['LeNet-5 (study)', 'ridge', 'majority']
    >>> print(table.to_markdown().splitlines()[0])
    | model | test_accuracy | cv_mean | cv_std | fit_time | params |

    Without the test images that have a near-twin among the training images:

    >>> from fashionnet.audit import DataAuditor
    >>> twins = DataAuditor().near_duplicates(X[1000:2000], X[:1000])["index"]
    >>> table = compare_models({"ridge": RidgeClassifier().fit(X[:1000], y[:1000])},
    ...                        X[1000:2000], y[1000:2000], exclude_test=twins)
    >>> list(table.columns[:3]), len(twins) > 0
    (['model', 'test_accuracy', 'dedup_test_accuracy'], True)
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError(
            "models must be a non-empty mapping of display name -> model, e.g. "
            "{'LeNet-5': LeNet5Classifier(), 'VGG16': TransferClassifier()}."
        )
    if (X_test is None) != (y_test is None):
        raise ValueError("pass both X_test and y_test, or neither.")
    if (X_train is None) != (y_train is None):
        raise ValueError("pass both X_train and y_train, or neither.")
    if X_test is not None:
        y_test = _check_xy(X_test, y_test, name="_test")
    if X_train is not None:
        y_train = _check_xy(X_train, y_train, name="_train")
    keep = None
    if exclude_test is not None:
        if X_test is None:
            raise ValueError("exclude_test names rows of X_test: pass X_test and y_test too.")
        keep = _kept_rows(exclude_test, len(y_test))
    rows = [
        _row_for(name, model, X_test, y_test, X_train, y_train, cv, random_state, keep)
        for name, model in models.items()
    ]
    columns = list(_COMPARISON_COLUMNS)
    if keep is not None:
        columns.insert(2, _DEDUP_COLUMN)
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(
        ["test_accuracy", "cv_mean"], ascending=False, na_position="last", kind="stable"
    ).reset_index(drop=True)
    return ComparisonTable(frame)
