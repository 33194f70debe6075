"""Suspected label errors: images a model that never saw them confidently calls otherwise.

:func:`out_of_fold_probabilities` scores every image with a clone of the
estimator fitted on the other folds (:func:`sklearn.model_selection.cross_val_predict`),
so no image is judged by a model that learned its label. :func:`label_issues`
hands those probabilities to cleanlab's confident learning
(:func:`cleanlab.filter.find_label_issues`), the standard method, rather than
writing it again: it estimates how often each class is mislabelled as each
other one and flags that many of the least confident images per pair.
cleanlab is an optional extra: ``pip install 'fashionnet[audit]'``.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._checks import check_n_folds, check_probabilities
from fashionnet._folds import check_folds
from fashionnet._validation import check_labels

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["out_of_fold_probabilities", "label_issues", "require_cleanlab"]

_NEEDS_CLEANLAB = "label_issues needs cleanlab: pip install 'fashionnet[audit]'"


def require_cleanlab():
    """cleanlab's ``find_label_issues`` and ``get_label_quality_scores``, or one clear ImportError.

    Call it before any long work that ends in :func:`label_issues`.
    """
    try:
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores
    except ImportError:
        raise ImportError(_NEEDS_CLEANLAB) from None
    return find_label_issues, get_label_quality_scores


def out_of_fold_probabilities(
    estimator: Any,
    X: Any,
    y: Any,
    cv: Any = 5,
    *,
    random_state: int | None = 0,
    n_jobs: int | None = None,
) -> np.ndarray:
    """Predicted class probabilities of every image from a model that never saw it.

    Parameters
    ----------
    estimator : classifier
        Any scikit-learn classifier with ``predict_proba`` (a fashionnet
        estimator, a pipeline); cloned and fitted once per fold.
    X : array-like
        The images, in a layout ``estimator`` accepts.
    y : array-like of shape (n_samples,)
        The labels as given.
    cv : int, splitter or iterable, default=5
        Folds, as for :func:`fashionnet.evaluation.check_folds` (an int is
        shuffled stratified folds seeded by ``random_state``).
    random_state : int or None, default=0
        Seed of the folds built from an int.
    n_jobs : int or None, default=None
        Folds fitted at once on the active joblib backend (loky processes,
        or a Dask cluster inside ``joblib.parallel_backend("dask")``), as in
        scikit-learn: None is 1, -1 every worker. The same fits, so the same
        probabilities for a seeded estimator.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_classes)
        Columns in sorted label order (``np.unique(y)``).

    Examples
    --------
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from fashionnet.audit import out_of_fold_probabilities
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test")
    >>> X = X[:500].reshape(500, -1)
    >>> probs = out_of_fold_probabilities(KNeighborsClassifier(10), X, y[:500], cv=3)
    >>> probs.shape, bool(((probs.argmax(axis=1) == y[:500]).mean() > 0.6))
    ((500, 10), True)
    """
    from sklearn.model_selection import cross_val_predict

    if not hasattr(estimator, "predict_proba"):
        raise TypeError(
            f"out_of_fold_probabilities needs a classifier with predict_proba; "
            f"{type(estimator).__name__} has none."
        )
    labels = check_labels(y, n_samples=len(X))
    if isinstance(cv, numbers.Integral) or isinstance(cv, float):
        check_n_folds(cv, labels)  # before any fold is fitted
    folds = check_folds(cv, labels, random_state=random_state)
    return cross_val_predict(
        estimator, X, labels, cv=folds, method="predict_proba", n_jobs=n_jobs
    )


def label_issues(
    estimator: Any,
    X: Any,
    y: Any,
    cv: Any = 5,
    *,
    pred_probs: Any = None,
    random_state: int | None = 0,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Images whose label is probably wrong, worst first.

    Parameters
    ----------
    estimator : classifier or None
        Scores the images by cross-validation
        (:func:`out_of_fold_probabilities`). None when ``pred_probs`` is given.
    X : array-like
        The images.
    y : array-like of shape (n_samples,)
        The labels as given.
    cv : int, splitter or iterable, default=5
        Folds of the out-of-fold probabilities.
    pred_probs : array-like of shape (n_samples, n_classes), optional
        Out-of-fold probabilities already computed (columns in sorted label
        order); no model is fitted.
    random_state : int or None, default=0
        Seed of the folds.
    n_jobs : int or None, default=None
        Out-of-fold fits run at once on the active joblib backend (see
        :func:`out_of_fold_probabilities`).

    Returns
    -------
    pandas.DataFrame
        One row per flagged image, lowest label quality first: ``index``
        (position in ``X``), ``given_label``, ``predicted_label`` (the most
        probable class out of fold) and ``label_quality`` (the out-of-fold
        probability of the given label, cleanlab's self-confidence: 0 is
        surely wrong, 1 surely right). Flagged by
        :func:`cleanlab.filter.find_label_issues` (``prune_by_noise_rate``).

    Raises
    ------
    ImportError
        cleanlab is not installed (``pip install 'fashionnet[audit]'``).
    ValueError
        ``pred_probs`` of the wrong shape, with NaN or infinite rows, values
        outside [0, 1] or rows that do not sum to 1 (the message names the
        rows); too many folds for the smallest class; or neither
        ``pred_probs`` nor an estimator.

    See Also
    --------
    class_outliers : images least like their class, whatever their label.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.audit import label_issues
    >>> probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.95, 0.05]])
    >>> label_issues(None, np.zeros((5, 784)), [0, 0, 1, 1, 1], pred_probs=probs)
       index  given_label  predicted_label  label_quality
    0      4            1                0           0.05
    """
    import pandas as pd

    find_label_issues, get_label_quality_scores = require_cleanlab()
    labels = check_labels(y, n_samples=len(X))
    classes, codes = np.unique(labels, return_inverse=True)
    if pred_probs is None:
        if estimator is None:
            raise ValueError("label_issues needs an estimator to score the images, or pred_probs.")
        pred_probs = out_of_fold_probabilities(
            estimator, X, labels, cv, random_state=random_state, n_jobs=n_jobs
        )
        probs = check_probabilities(
            pred_probs, len(labels), len(classes), name="the out-of-fold probabilities"
        )
    else:
        probs = check_probabilities(pred_probs, len(labels), len(classes))
    flagged = find_label_issues(
        codes, probs, filter_by="prune_by_noise_rate", n_jobs=1, return_indices_ranked_by=None
    )
    quality = get_label_quality_scores(codes, probs, method="self_confidence")
    index = np.flatnonzero(flagged)
    index = index[np.lexsort((index, quality[index]))]
    return pd.DataFrame(
        {
            "index": index,
            "given_label": labels[index],
            "predicted_label": classes[probs[index].argmax(axis=1)],
            "label_quality": quality[index],
        }
    )
