"""Odd images: those least like their class, and the nearly blank or saturated ones.

:func:`class_outliers` needs no model: it projects the images onto their
leading principal components (:class:`sklearn.decomposition.PCA`) and
scores each by its mean distance to the nearest images of its own class
(:class:`sklearn.neighbors.NearestNeighbors`), relative to what is usual
for that class, so a class of varied images (bags) is not flagged wholesale
against a uniform one (trousers). :func:`odd_images` flags the trivial
images: almost no ink, or almost all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._checks import check_real
from fashionnet._validation import check_images, check_labels

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["class_outliers", "odd_images"]

#: A pixel carries ink from this grey level (10 % of full scale) up.
INK_LEVEL = 26
#: A pixel is saturated from this grey level (90 % of full scale) up.
SATURATED_LEVEL = 230


def _flat_uint8(X: Any) -> np.ndarray:
    """Images as flat uint8 rows (floats in [0, 1] are scaled to grey levels)."""
    images = check_images(X, scaled_floats=True)
    flat = images.reshape(len(images), -1)
    if flat.dtype == np.uint8:
        return flat
    return np.rint(flat * 255).astype(np.uint8)


def class_outliers(
    X: Any,
    y: Any,
    *,
    n_neighbors: int = 10,
    n_components: int = 50,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Every image scored by how unlike its own class it is, most unlike first.

    Parameters
    ----------
    X : array-like of shape (n, 28, 28) or (n, 784)
        The images (uint8, or floats in [0, 1]).
    y : array-like of shape (n,)
        Their labels.
    n_neighbors : int, default=10
        Same-class neighbours whose mean distance is the score.
    n_components : int, default=50
        Principal components the distances are measured in.
    random_state : int or None, default=0
        Seed of the randomised PCA.

    Returns
    -------
    pandas.DataFrame
        One row per image, highest ``score`` first: ``index``, ``label``,
        ``distance`` (mean Euclidean distance, pixels scaled to 0..1, to the
        ``n_neighbors`` nearest images of the same class) and ``score``
        (``distance`` over the median ``distance`` of the class: 1 is a
        typical image of its class, 2 twice as far from its neighbours).

    Examples
    --------
    >>> from fashionnet.audit import class_outliers
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test")
    >>> table = class_outliers(X[:1000], y[:1000])
    >>> list(table.columns), len(table), bool(table["score"].is_monotonic_decreasing)
    (['index', 'label', 'distance', 'score'], 1000, True)
    """
    import pandas as pd
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    flat = _flat_uint8(X)
    labels = check_labels(y, n_samples=len(flat))
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, (int, np.integer)) or (
        n_neighbors < 1
    ):
        raise ValueError(f"n_neighbors must be a whole number >= 1; got {n_neighbors!r}.")
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() <= n_neighbors:
        small = classes[counts.argmin()]
        raise ValueError(
            f"class {small!r} has {counts.min()} images; class_outliers needs more than "
            f"n_neighbors={n_neighbors} per class (lower n_neighbors or pass more images)."
        )
    k = int(min(n_components, flat.shape[1], len(flat)))
    pca = PCA(k, svd_solver="randomized", random_state=random_state)
    features = pca.fit_transform(flat.astype(np.float32) / np.float32(255))
    distance = np.empty(len(flat))
    score = np.empty(len(flat))
    for label in classes:
        rows = np.flatnonzero(labels == label)
        nn = NearestNeighbors(n_neighbors=n_neighbors + 1).fit(features[rows])
        dist, _ = nn.kneighbors(features[rows])
        mean = dist[:, 1:].mean(axis=1)  # the first neighbour is the image itself
        distance[rows] = mean
        score[rows] = mean / np.median(mean)
    order = np.lexsort((np.arange(len(flat)), -score))
    return pd.DataFrame(
        {"index": order, "label": labels[order], "distance": distance[order], "score": score[order]}
    )


def odd_images(X: Any, *, blank: float = 0.05, saturated: float = 0.6) -> pd.DataFrame:
    """Nearly blank and nearly saturated images.

    Parameters
    ----------
    X : array-like of shape (n, 28, 28) or (n, 784)
        The images (uint8, or floats in [0, 1]).
    blank : float, default=0.05
        An image is nearly blank when fewer than this share of its pixels
        carry ink (grey level 26, 10 % of full scale, or more): 39 of 784.
    saturated : float, default=0.6
        An image is nearly saturated when more than this share of its pixels
        are at 90 % of full scale (grey level 230) or more.

    Returns
    -------
    pandas.DataFrame
        One row per flagged image: ``index``, ``kind`` (``"nearly blank"``
        or ``"nearly saturated"``), ``ink`` and ``saturated`` (the shares of
        pixels), the blank ones first (least ink first), then the saturated
        ones (most saturated first).

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.audit import odd_images
    >>> X = np.zeros((3, 28, 28), dtype=np.uint8)
    >>> X[1, 4:24, 4:24] = 120; X[2] = 255
    >>> odd_images(X)
       index              kind  ink  saturated
    0      0      nearly blank  0.0        0.0
    1      2  nearly saturated  1.0        1.0
    """
    import pandas as pd

    for name, share in (("blank", blank), ("saturated", saturated)):
        check_real(share, name, low=0, high=1, what="a share of pixels")
    flat = _flat_uint8(X)
    ink = (flat >= INK_LEVEL).mean(axis=1)
    full = (flat >= SATURATED_LEVEL).mean(axis=1)
    empty = np.flatnonzero(ink < blank)
    empty = empty[np.lexsort((empty, ink[empty]))]
    dense = np.flatnonzero((full > saturated) & ~(ink < blank))
    dense = dense[np.lexsort((dense, -full[dense]))]
    index = np.concatenate([empty, dense])
    return pd.DataFrame(
        {
            "index": index,
            "kind": ["nearly blank"] * len(empty) + ["nearly saturated"] * len(dense),
            "ink": ink[index],
            "saturated": full[index],
        }
    )
