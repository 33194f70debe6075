"""Cross-validation: a fresh clone per stratified fold, each fold model also
scored on a separate test set (:func:`cross_validate_folds`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from fashionnet import plotting
from fashionnet._folds import check_folds
from fashionnet.evaluation._common import (
    _accuracy,
    _check_xy,
    _json,
)
from fashionnet.rendering import frame_to_markdown

__all__ = [
    "CrossValidationResult",
    "cross_validate_folds",
    "check_folds",
]


_FOLD_METRICS = ("val_accuracy", "test_accuracy", "fit_time")


class CrossValidationResult:
    """Per-fold scores of a cross-validation, with their summary.

    Built by :func:`cross_validate_folds`; not meant to be created by hand.

    Parameters
    ----------
    folds : pandas.DataFrame
        One row per fold: ``fold`` (1, 2, ...), ``val_accuracy`` (on the
        held-out fold), ``test_accuracy`` (on the separate test set, NaN
        without one), ``fit_time`` (seconds), ``n_train``, ``n_val``,
        ``worker`` (where the fold was fitted: the estimator's
        ``fit_worker_``, None for an estimator that records none).
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
        return plotting.plot_history(histories, title=title)


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
    n_jobs: int | None = None,
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

    With ``n_jobs`` the folds run in parallel on the active joblib backend:
    loky processes by default, the workers of a Dask cluster inside
    ``joblib.parallel_backend("dask")`` or
    :func:`fashionnet.parallel.parallel_backend`. Each fold is the same fit
    as with ``n_jobs=None``, so the scores are the same for a seeded
    estimator (``random_state``).

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
    n_jobs : int or None, default=None
        Folds fitted at once, as in scikit-learn: None is 1 unless inside a
        :func:`joblib.parallel_config` context, -1 is every worker of the
        backend.

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
        n_jobs=n_jobs,
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
            "worker": [getattr(m, "fit_worker_", None) for m in models],
        }
    )
    histories = [_history_frame(m) for m in models]
    return CrossValidationResult(folds, histories, models if return_estimators else None)
