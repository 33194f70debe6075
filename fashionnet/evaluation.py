"""Evaluate, cross-validate and compare classifiers.

Three calls replace the study's hand-written loops:

- :func:`evaluate` -- accuracy, the classification report and the confusion
  matrix of a fitted classifier on labelled images;
- :func:`cross_validate_folds` -- a fresh clone of the estimator per
  stratified fold, with each fold's validation accuracy and, as in the study,
  each fold model's accuracy on a separate test set;
- :func:`compare_models` -- one table of models, best first.

Everything here works with any scikit-learn classifier (the fashionnet
estimators, a :class:`~sklearn.pipeline.Pipeline`, a
:class:`~fashionnet.tuning.KerasTunerSearchCV`) and does not import
TensorFlow itself. Every result has ``to_dict()`` (plain JSON-serialisable
Python) and ``to_markdown()``.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from fashionnet._folds import check_folds
from fashionnet._validation import check_labels
from fashionnet.datasets import CLASS_NAMES
from fashionnet.rendering import frame_to_markdown, to_json_value

__all__ = [
    "EvaluationReport",
    "evaluate",
    "CrossValidationResult",
    "cross_validate_folds",
    "check_folds",
    "ComparisonTable",
    "compare_models",
]

#: Rows of a classification report that are averages, not classes.
_AVERAGE_ROWS = ("macro avg", "weighted avg")


# --------------------------------------------------------------------------- #
# Small shared helpers
# --------------------------------------------------------------------------- #
def _json(value: Any) -> Any:
    """Strict JSON values; an object JSON cannot hold (a parameter value) as its repr."""
    return to_json_value(value, default=repr)


def _n_samples(X: Any, name: str = "X") -> int:
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    try:
        return len(X)
    except TypeError:
        raise TypeError(
            f"{name} must be an array, a DataFrame or a list of images; got {type(X).__name__}."
        ) from None


def _check_xy(X: Any, y: Any, name: str = "") -> np.ndarray:
    """Check that ``X`` and ``y`` agree in length; return ``y`` as a 1-d array."""
    n = _n_samples(X, f"X{name}")
    return check_labels(y, n_samples=n, name=f"y{name}")


def _label_names(labels: np.ndarray, class_names: Sequence[str] | None) -> list[str]:
    """Names for ``labels``: looked up by integer label, else matched by position."""
    if class_names is None:
        return [str(label) for label in labels]
    class_names = [str(c) for c in class_names]
    if np.issubdtype(labels.dtype, np.integer) and labels.size and (
        labels.min() >= 0 and labels.max() < len(class_names)
    ):
        return [class_names[int(label)] for label in labels]
    if len(class_names) == len(labels):
        return class_names
    raise ValueError(
        f"class_names has {len(class_names)} names but the labels are {labels.tolist()}: "
        "pass one name per label (in sorted label order), or class_names=None to use "
        "the labels themselves."
    )


def _check_fitted_classifier(estimator: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"expected a fitted classifier with a predict method; got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)


def _plotting():
    from fashionnet import plotting

    return plotting


# --------------------------------------------------------------------------- #
# evaluate
# --------------------------------------------------------------------------- #
class EvaluationReport:
    """Accuracy, classification report and confusion matrix of one classifier.

    Built by :func:`evaluate`; not meant to be created by hand.

    Parameters
    ----------
    accuracy : float
        Fraction of correctly classified images.
    report : dict
        Exactly what :func:`sklearn.metrics.classification_report` returns
        with ``output_dict=True``: one entry per class name with
        ``precision``, ``recall``, ``f1-score`` and ``support``, then
        ``accuracy``, ``macro avg`` and ``weighted avg``.
    confusion_matrix : numpy.ndarray of shape (n_classes, n_classes)
        Counts; row = true class, column = predicted class.
    class_names : list of str
        The names of the rows and columns, in label order.
    labels : list
        The labels themselves, in the same order.
    y_true, y_pred : numpy.ndarray of shape (n_samples,), optional
        The labels and the predictions the report was computed from (set by
        :func:`evaluate`; :func:`compare_models` reads them for its
        de-duplicated test accuracy).

    Attributes
    ----------
    n_samples : int
        Number of evaluated images (the confusion matrix's total).

    See Also
    --------
    evaluate : build the report.
    fashionnet.plotting.plot_confusion_matrix : draw the confusion matrix.
    """

    def __init__(
        self,
        accuracy: float,
        report: dict,
        confusion_matrix: np.ndarray,
        class_names: list[str],
        labels: list,
        y_true: Any = None,
        y_pred: Any = None,
    ) -> None:
        self.y_true = None if y_true is None else np.asarray(y_true)
        self.y_pred = None if y_pred is None else np.asarray(y_pred)
        self.accuracy = float(accuracy)
        self.report = report
        self.confusion_matrix = np.asarray(confusion_matrix)
        self.class_names = list(class_names)
        self.labels = list(labels)
        self.n_samples = int(self.confusion_matrix.sum())

    def __repr__(self) -> str:
        return (
            f"EvaluationReport(accuracy={self.accuracy:.4f}, n_samples={self.n_samples}, "
            f"n_classes={len(self.class_names)})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-class table: one row per class then the macro and weighted averages.

        Returns
        -------
        pandas.DataFrame
            Columns ``precision``, ``recall``, ``f1-score``, ``support``
            (int); index the class names, ``macro avg``, ``weighted avg``.
        """
        rows = [*self.class_names, *(r for r in _AVERAGE_ROWS if r in self.report)]
        frame = pd.DataFrame.from_dict({r: self.report[r] for r in rows}, orient="index")
        frame = frame[["precision", "recall", "f1-score", "support"]]
        frame["support"] = frame["support"].astype(int)
        frame.index.name = "class"
        return frame

    def confusion_frame(self) -> pd.DataFrame:
        """The confusion matrix as a DataFrame labelled with class names (rows: true)."""
        return pd.DataFrame(
            self.confusion_matrix,
            index=pd.Index(self.class_names, name="true"),
            columns=pd.Index(self.class_names, name="predicted"),
        )

    def to_markdown(self, *, confusion_matrix: bool = True, floatfmt: str = ".4f") -> str:
        """The report as Markdown: accuracy, the per-class table and the confusion matrix.

        Parameters
        ----------
        confusion_matrix : bool, default=True
            Whether to append the confusion matrix table.
        floatfmt : str, default=".4f"
            Format of the floating-point cells.

        Returns
        -------
        str
        """
        parts = [
            f"Accuracy: {format(self.accuracy, floatfmt)} ({self.n_samples} images)",
            "",
            frame_to_markdown(self.to_frame(), index=True, floatfmt=floatfmt),
        ]
        if confusion_matrix:
            cm = self.confusion_frame()
            cm.index.name = "true \\ predicted"
            parts += ["", "Confusion matrix (rows: true class, columns: predicted class)", ""]
            parts.append(frame_to_markdown(cm, index=True, floatfmt=floatfmt))
        return "\n".join(parts)

    def to_dict(self) -> dict:
        """Plain JSON-serialisable Python: accuracy, report, confusion matrix, names.

        Returns
        -------
        dict
            Keys ``accuracy``, ``n_samples``, ``class_names``, ``labels``,
            ``report`` and ``confusion_matrix`` (a list of rows).
        """
        return {
            "accuracy": self.accuracy,
            "n_samples": self.n_samples,
            "class_names": list(self.class_names),
            "labels": _json(self.labels),
            "report": _json(self.report),
            "confusion_matrix": self.confusion_matrix.astype(int).tolist(),
        }

    def plot_confusion_matrix(self, *, normalize: bool = False, ax: Any = None):
        """Draw the confusion matrix (needs matplotlib: ``pip install fashionnet[plot]``).

        Returns
        -------
        matplotlib.figure.Figure
        """
        return _plotting().plot_confusion_matrix(
            self.confusion_matrix, class_names=self.class_names, normalize=normalize, ax=ax
        )


def evaluate(
    estimator: Any,
    X: Any,
    y: Any,
    class_names: Sequence[str] | None = CLASS_NAMES,
) -> EvaluationReport:
    """Evaluate a fitted classifier on labelled images.

    Predicts ``X`` once and derives everything from those predictions, so the
    accuracy, the report and the confusion matrix always agree.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``predict`` that has been fitted: a fashionnet
        estimator, a :class:`~sklearn.pipeline.Pipeline`, a search.
    X : array-like or pandas.DataFrame
        The images, in whatever layout ``estimator`` accepts.
    y : array-like of shape (n_samples,)
        The true labels.
    class_names : sequence of str or None, default=CLASS_NAMES
        Names of the classes. Integer labels are looked up in it
        (``class_names[label]``); other labels are matched by position in
        sorted order. ``None`` names each class by its label.

    Returns
    -------
    EvaluationReport
        ``accuracy``, ``report`` (identical to
        ``classification_report(y, estimator.predict(X),
        target_names=names, output_dict=True, zero_division=0)``),
        ``confusion_matrix``, ``class_names``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The estimator has not been fitted.
    ValueError
        ``X`` and ``y`` differ in length, or ``class_names`` does not fit the labels.

    See Also
    --------
    cross_validate_folds : the same estimator over several folds.
    compare_models : several estimators in one table.

    Examples
    --------
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.evaluation import evaluate
    >>> X, y = load_fashion_mnist("test")
    >>> X = X.reshape(len(X), -1) / 255.0
    >>> clf = RidgeClassifier().fit(X[:2000], y[:2000])
    >>> report = evaluate(clf, X[2000:4000], y[2000:4000])
    >>> 0.7 < report.accuracy < 0.9
    True
    >>> report.report["Trouser"]["support"], report.confusion_matrix.shape
    (192.0, (10, 10))
    >>> print(report.to_markdown(confusion_matrix=False).splitlines()[0][:9])
    Accuracy:
    """
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix
    from sklearn.utils.multiclass import unique_labels

    _check_fitted_classifier(estimator)
    y_true = _check_xy(X, y)
    y_pred = np.asarray(estimator.predict(X)).ravel()
    labels = unique_labels(y_true, y_pred)
    names = _label_names(labels, class_names)
    report = classification_report(
        y_true, y_pred, labels=labels, target_names=names, output_dict=True, zero_division=0
    )
    return EvaluationReport(
        accuracy=accuracy_score(y_true, y_pred),
        report=report,
        confusion_matrix=confusion_matrix(y_true, y_pred, labels=labels),
        class_names=names,
        labels=labels.tolist(),
        y_true=y_true,
        y_pred=y_pred,
    )


# --------------------------------------------------------------------------- #
# cross_validate_folds
# --------------------------------------------------------------------------- #
_FOLD_METRICS = ("val_accuracy", "test_accuracy", "fit_time")


class CrossValidationResult:
    """Per-fold scores of a cross-validation, with their summary.

    Built by :func:`cross_validate_folds`; not meant to be created by hand.

    Parameters
    ----------
    folds : pandas.DataFrame
        One row per fold: ``fold`` (1, 2, ...), ``val_accuracy`` (on the
        held-out fold), ``test_accuracy`` (on the separate test set, NaN
        without one), ``fit_time`` (seconds), ``n_train``, ``n_val``.
    histories : list of pandas.DataFrame or None
        Each fold model's training history (its ``history_``), ``None`` for
        estimators that keep none.
    estimators : list or None
        The fitted fold estimators, when asked for.

    Attributes
    ----------
    summary : pandas.DataFrame
        Rows ``min``, ``max``, ``mean``, ``std`` (population standard
        deviation, ``ddof=0``, as scikit-learn's searches report it);
        columns ``val_accuracy``, ``test_accuracy``, ``fit_time``.

    See Also
    --------
    cross_validate_folds : build the result.
    fashionnet.plotting.plot_history : draw the fold histories.
    """

    def __init__(
        self,
        folds: pd.DataFrame,
        histories: list[pd.DataFrame | None],
        estimators: list | None = None,
    ) -> None:
        self.folds = folds
        self.histories = histories
        self.estimators = estimators
        metrics = folds[list(_FOLD_METRICS)]
        self.summary = pd.DataFrame(
            {
                "min": metrics.min(),
                "max": metrics.max(),
                "mean": metrics.mean(),
                "std": metrics.std(ddof=0),
            }
        ).T

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return len(self.folds)

    @property
    def has_test(self) -> bool:
        """Whether each fold model was scored on a separate test set."""
        return bool(self.folds["test_accuracy"].notna().all())

    def __repr__(self) -> str:
        s = self.summary
        text = (
            f"CrossValidationResult(n_folds={self.n_folds}, "
            f"val_accuracy={s.loc['mean', 'val_accuracy']:.4f}"
            f"+/-{s.loc['std', 'val_accuracy']:.4f}"
        )
        if self.has_test:
            text += f", test_accuracy={s.loc['mean', 'test_accuracy']:.4f}"
        return text + ")"

    def to_markdown(self, *, floatfmt: str = ".4f") -> str:
        """The fold table followed by min, max, mean and std rows.

        Returns
        -------
        str
        """
        test = ["test_accuracy"] if self.has_test else []
        columns = ["fold", "val_accuracy", *test, "fit_time"]
        table = self.folds[columns].astype({"fold": object})
        summary = self.summary.reset_index(names="fold")[columns]
        frame = pd.concat([table, summary], ignore_index=True)
        return frame_to_markdown(frame, floatfmt=floatfmt)

    def to_dict(self) -> dict:
        """Plain JSON-serialisable Python: the folds, the summary and the histories.

        Returns
        -------
        dict
            ``n_folds``, ``folds`` (list of row dicts), ``summary``
            (``{"val_accuracy": {"min": ..., "max": ..., "mean": ...,
            "std": ...}, ...}``; NaN becomes None) and ``histories`` (one
            dict of per-epoch lists per fold, or None).
        """
        return {
            "n_folds": self.n_folds,
            "folds": _json(self.folds),
            "summary": _json(self.summary.to_dict()),
            "histories": [
                None if h is None else _json(h.to_dict(orient="list")) for h in self.histories
            ],
        }

    def plot_histories(self, *, title: str | None = None):
        """Training curves, one row of panels per fold (needs ``fashionnet[plot]``).

        Returns
        -------
        matplotlib.figure.Figure
        """
        histories = [h for h in self.histories if h is not None]
        if not histories:
            raise ValueError("the fold estimators kept no training history (no history_).")
        return _plotting().plot_history(histories, title=title)


def _history_frame(estimator: Any) -> pd.DataFrame | None:
    history = getattr(estimator, "history_", None)
    if history is None:
        return None
    return pd.DataFrame(history).reset_index(drop=True)


def cross_validate_folds(
    estimator: Any,
    X: Any,
    y: Any,
    cv: Any = None,
    X_test: Any = None,
    y_test: Any = None,
    random_state: int | None = 0,
    *,
    return_estimators: bool = False,
) -> CrossValidationResult:
    """Fit a fresh clone of ``estimator`` on each fold and score it.

    Unlike the study's loop, which kept training one model object from fold
    to fold (so later folds started from earlier folds' weights), every fold
    here starts from :func:`sklearn.base.clone`: the folds are independent,
    and their validation accuracies equal
    :func:`sklearn.model_selection.cross_val_score` on the same splits. The
    folds are run by :func:`sklearn.model_selection.cross_validate` (which
    also times each ``fit``), so every fold model stays in memory until the
    last fold is done, even with ``return_estimators=False``.

    Parameters
    ----------
    estimator : classifier
        An unfitted (or fitted: it is cloned) scikit-learn classifier.
    X : array-like or pandas.DataFrame
        Training images, in whatever layout ``estimator`` accepts.
    y : array-like of shape (n_samples,)
        Training labels.
    cv : int, splitter or iterable, optional
        ``None`` (default): ``StratifiedKFold(5, shuffle=True,
        random_state=random_state)``; an int: that many stratified shuffled
        folds; a splitter (anything with ``split``) or a list of
        ``(train_index, val_index)`` pairs: used as given (see
        :func:`check_folds`).
    X_test, y_test : array-like, optional
        A separate test set. When given, each fold model is also scored on
        it (``test_accuracy``), as the study did.
    random_state : int or None, default=0
        Seed of the shuffled folds built from ``None`` or an int.
    return_estimators : bool, default=False
        Keep the fitted fold estimators in ``result.estimators``.

    Returns
    -------
    CrossValidationResult
        ``folds`` (one row per fold), ``summary`` (min, max, mean, std),
        ``histories``.

    Raises
    ------
    ValueError
        ``X`` and ``y`` (or ``X_test`` and ``y_test``) differ in length,
        only one of ``X_test`` and ``y_test`` is given, ``cv`` is below 2 or
        gives no folds.
    TypeError
        ``cv`` is of none of the kinds above.

    See Also
    --------
    sklearn.model_selection.cross_val_score : the same validation scores.
    check_folds : the splitter that ``cv`` stands for.
    evaluate : the full report of one fitted model.

    Examples
    --------
    >>> from sklearn.linear_model import RidgeClassifier
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.evaluation import cross_validate_folds
    >>> X, y = load_fashion_mnist("test")
    >>> X = X.reshape(len(X), -1)[:1500] / 255.0
    >>> result = cross_validate_folds(
    ...     RidgeClassifier(), X[:1000], y[:1000], cv=3,
    ...     X_test=X[1000:], y_test=y[1000:1500])
    >>> result.folds.columns.tolist()[:4]
    ['fold', 'val_accuracy', 'test_accuracy', 'fit_time']
    >>> result.summary.index.tolist()
    ['min', 'max', 'mean', 'std']
    >>> bool(0.6 < result.summary.loc["mean", "test_accuracy"] < 0.9)
    True
    """
    from sklearn.model_selection import cross_validate

    y = _check_xy(X, y)
    if (X_test is None) != (y_test is None):
        raise ValueError("pass both X_test and y_test, or neither.")
    if X_test is not None:
        y_test = _check_xy(X_test, y_test, name="_test")
    splits = list(check_folds(cv, y, random_state=random_state).split(np.zeros(len(y)), y))
    if not splits:
        raise ValueError("cv produced no folds.")
    scores = cross_validate(
        estimator,
        X,
        y,
        cv=splits,
        scoring="accuracy",
        error_score="raise",
        return_estimator=True,
        return_indices=True,
    )
    models = scores["estimator"]
    folds = pd.DataFrame(
        {
            "fold": np.arange(1, len(models) + 1),
            "val_accuracy": scores["test_score"],
            "test_accuracy": [_accuracy(m, X_test, y_test) for m in models],
            "fit_time": scores["fit_time"],
            "n_train": [len(index) for index in scores["indices"]["train"]],
            "n_val": [len(index) for index in scores["indices"]["test"]],
        }
    )
    histories = [_history_frame(m) for m in models]
    return CrossValidationResult(folds, histories, models if return_estimators else None)


def _accuracy(model: Any, X: Any, y: Any) -> float:
    """Accuracy of a fitted ``model`` on ``(X, y)``; NaN without data."""
    return _accuracies(model, X, y, None)[0]


def _accuracies(model: Any, X: Any, y: Any, keep: np.ndarray | None) -> tuple[float, float]:
    """Accuracy of a fitted ``model`` on ``(X, y)``, and on the rows ``keep``; NaN without data."""
    if X is None:
        return float("nan"), float("nan")
    predicted = np.asarray(model.predict(X)).ravel()
    return _kept_accuracy(y, predicted, keep)


def _kept_accuracy(y: Any, predicted: np.ndarray, keep: np.ndarray | None) -> tuple[float, float]:
    """Accuracy on all rows, and on the rows ``keep`` (NaN without ``keep``)."""
    hits = np.asarray(y).ravel() == predicted
    kept = float("nan") if keep is None or not keep.any() else float(hits[keep].mean())
    return float(hits.mean()), kept


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


# --------------------------------------------------------------------------- #
# compare_models
# --------------------------------------------------------------------------- #
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
