"""Seeded, class-balanced subsets of a dataset: :func:`~fashionnet.datasets.stratified_subset`."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["stratified_subset"]


def stratified_subset(
    X: Any, y: Any, size: int | None, *, random_state: int | None = 0
) -> tuple[Any, Any]:
    """A class-balanced, seeded subset of ``size`` images, in their original order.

    The rows are chosen by :func:`sklearn.model_selection.train_test_split`
    with ``stratify=y`` (so each class keeps its share, to within one image)
    and returned sorted by position, so the same ``size`` and
    ``random_state`` always give the same images in the same order.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        The images (or any rows), one per label.
    y : array-like of shape (n_samples,)
        The labels.
    size : int or None
        How many images to keep. ``None``, or ``len(y)`` and above, keeps
        all of them: ``X`` and ``y`` are returned as given.
    random_state : int or None, default=0
        Seed of the choice.

    Returns
    -------
    X_sub, y_sub
        The subset, of the same types as ``X`` and ``y`` (``y`` as an array
        when it was a list).

    Raises
    ------
    ValueError
        ``size`` is not a whole number, or is too small or too large to keep
        every class on both sides of the split (at least the number of
        classes, at most ``len(y)`` minus the number of classes), or ``X``
        and ``y`` differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.datasets import load_fashion_mnist, stratified_subset
    >>> X, y = load_fashion_mnist("test")
    >>> X_sub, y_sub = stratified_subset(X, y, 1000)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((1000, 28, 28), [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    >>> stratified_subset(X, y, None)[0] is X
    True
    """
    import numbers

    from sklearn.model_selection import train_test_split

    from fashionnet._validation import check_labels

    n = len(X)
    labels = check_labels(y, n_samples=n)
    if size is not None and (not isinstance(size, numbers.Integral) or isinstance(size, bool)):
        raise ValueError(
            f"size must be a whole number of images (or None for all {n}); got {size!r}."
        )
    if size is None or size >= n:
        return X, y
    n_classes = len(np.unique(labels))
    if not n_classes <= size <= n - n_classes:
        raise ValueError(
            f"size must be between {n_classes} and {n - n_classes} for a stratified subset of "
            f"{n} images in {n_classes} classes (or None, or {n} and above, for all of them); "
            f"got {size}."
        )
    keep, _ = train_test_split(
        np.arange(n), train_size=int(size), stratify=labels, random_state=random_state
    )
    keep.sort()
    rows = X.iloc[keep] if hasattr(X, "iloc") else X[keep]
    return rows, (y.iloc[keep] if hasattr(y, "iloc") else labels[keep])
