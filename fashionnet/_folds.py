"""The cross-validation splitter that a ``cv`` argument stands for.

:func:`check_folds` is shared by :mod:`fashionnet.evaluation` (which
re-exports it, its public home) and :mod:`fashionnet.audit.labels`: it lives
in this leaf module so that the audit does not import the evaluation, which
sits above it (see ``tests/test_layers.py``).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

__all__ = ["check_folds"]

_CV_KINDS = (
    "cv must be None, a number of folds, a splitter with a split method "
    "(e.g. StratifiedKFold) or a list of (train, val) index pairs; got {cv!r}."
)


def check_folds(cv: Any = None, y: Any = None, *, random_state: int | None = 0) -> Any:
    """The cross-validation splitter that ``cv`` stands for, with stratified shuffled defaults.

    Like :func:`sklearn.model_selection.check_cv`, except that a number of
    folds gives *shuffled* stratified folds, seeded by ``random_state``, as
    the study used them.

    Parameters
    ----------
    cv : None, int, splitter or iterable, default=None
        ``None``: 5 folds; an int: that many
        ``StratifiedKFold(cv, shuffle=True, random_state=random_state)``
        folds; a splitter (anything with ``split``) or a list of
        ``(train_index, val_index)`` pairs: used as given.
    y : array-like, optional
        The labels, passed on to :func:`~sklearn.model_selection.check_cv`.
    random_state : int or None, default=0
        Seed of the folds built from ``None`` or an int.

    Returns
    -------
    splitter
        An object with ``split(X, y)`` and ``get_n_splits()``.

    Raises
    ------
    ValueError
        ``cv`` is a number below 2.
    TypeError
        ``cv`` is none of the above, or a list with something other than pairs.

    Examples
    --------
    >>> from fashionnet.evaluation import check_folds
    >>> check_folds(3, random_state=7)
    StratifiedKFold(n_splits=3, random_state=7, shuffle=True)
    >>> check_folds([([0, 1], [2]), ([1, 2], [0])]).get_n_splits()
    2
    """
    from sklearn.model_selection import StratifiedKFold, check_cv

    if cv is None:
        cv = 5
    if isinstance(cv, numbers.Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds; got {cv}.")
        return StratifiedKFold(int(cv), shuffle=True, random_state=random_state)
    if isinstance(cv, (bool, str, bytes)) or not (hasattr(cv, "split") or isinstance(cv, Iterable)):
        raise TypeError(_CV_KINDS.format(cv=cv))
    if not hasattr(cv, "split"):
        cv = list(cv)
        if not all(isinstance(pair, (tuple, list)) and len(pair) == 2 for pair in cv):
            raise TypeError(_CV_KINDS.format(cv=cv))
    return check_cv(cv, y, classifier=True)
