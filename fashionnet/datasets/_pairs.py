"""The contract every reader's ``(X, y)`` obeys: 3-d images, 1-d labels 0..9, same length.

Shared by the IDX reader (:func:`~fashionnet.datasets.read_idx_pair`) and the
CSV reader (:func:`~fashionnet.datasets.read_csv`), so both refuse a bad pair
with the same message, naming its source.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _check_pair(X: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    if X.ndim != 3:
        raise ValueError(f"{source}: images must be 3-d (n, rows, cols); got shape {X.shape}.")
    if y.ndim != 1:
        raise ValueError(f"{source}: labels must be 1-d; got shape {y.shape}.")
    if len(X) != len(y):
        raise ValueError(
            f"{source}: {len(X)} images but {len(y)} labels; the two files must agree "
            "(is one of them truncated, or from another split?)."
        )
    if y.size and int(y.max()) > 9:
        bad = int(np.flatnonzero(y > 9)[0])
        raise ValueError(
            f"{source}: label {int(y[bad])} at position {bad}; Fashion-MNIST labels are 0..9."
        )
    return X, y
