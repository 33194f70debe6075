"""One fitted classifier on labelled images: :func:`evaluate` and its
:class:`EvaluationReport` (accuracy, per-class report, confusion matrix).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fashionnet import plotting
from fashionnet.evaluation._common import (
    _check_fitted_classifier,
    _check_xy,
    _json,
    _label_names,
)
from fashionnet.rendering import frame_to_markdown

__all__ = [
    "EvaluationReport",
    "evaluate",
]


#: Rows of a classification report that are averages, not classes.
_AVERAGE_ROWS = ("macro avg", "weighted avg")


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
        return plotting.plot_confusion_matrix(
            self.confusion_matrix, class_names=self.class_names, normalize=normalize, ax=ax
        )


def evaluate(
    estimator: Any,
    X: Any,
    y: Any,
    class_names: Sequence[str] | None = None,
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
    class_names : sequence of str or None, default=None
        Names of the classes (for Fashion-MNIST,
        :data:`fashionnet.datasets.CLASS_NAMES`). Integer labels are looked
        up in it (``class_names[label]``); other labels are matched by
        position in sorted order. ``None`` names each class by its label, as
        :func:`sklearn.metrics.classification_report` does.

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
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.evaluation import evaluate
    >>> X, y = load_fashion_mnist("test")
    >>> X = X.reshape(len(X), -1) / 255.0
    >>> clf = RidgeClassifier().fit(X[:2000], y[:2000])
    >>> report = evaluate(clf, X[2000:4000], y[2000:4000], class_names=CLASS_NAMES)
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
