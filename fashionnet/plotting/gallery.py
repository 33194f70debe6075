"""Figures of images: a grid of samples, pairs of near-twins, suspected label
errors and outliers, each titled with its label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._validation import check_images, check_labels
from fashionnet.plotting._figures import (
    _check_grid,
    _figure_class,
    _image_panels,
    _label_names,
    _name,
    _rows_of,
    _show_image,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "plot_image_grid",
    "plot_image_pairs",
    "plot_label_issues",
    "plot_outliers",
]


def plot_image_grid(
    X: Any,
    y: Any = None,
    class_names: Sequence[str] | None = None,
    n: int = 50,
    ncols: int = 10,
) -> Figure:
    """Show the first ``n`` images in a grid, each titled with its class.

    Parameters
    ----------
    X : array-like of shape (n_images, 784), (n_images, H, W) or (n_images, H, W, C)
        The images (uint8 0..255 or floats in [0, 1]); a pixel DataFrame works too.
    y : array-like of shape (n_images,), optional
        Labels; each panel is titled ``class_names[label]``.
    class_names : sequence of str or None, default=None
        Names indexed by label value (e.g. :data:`fashionnet.datasets.CLASS_NAMES`);
        ``None`` titles panels with the raw label.
    n : int, default=50
        How many images to show (fewer if ``X`` holds fewer).
    ncols : int, default=10
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One axis per image, without ticks.

    Raises
    ------
    ValueError
        Bad images, labels that do not match ``X``, or ``n``/``ncols`` < 1.

    See Also
    --------
    plot_class_balance : how many images each class has.

    Examples
    --------
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.plotting import plot_image_grid
    >>> X, y = load_fashion_mnist("test")
    >>> fig = plot_image_grid(X, y, CLASS_NAMES, n=20)
    >>> len(fig.axes), fig.axes[0].get_title()
    (20, 'Ankle boot')
    """
    _check_grid(n, ncols)
    images = check_images(X)
    labels = None if y is None else check_labels(y, n_samples=images.shape[0])
    count = min(int(n), images.shape[0])
    titles = None if labels is None else _label_names(labels[:count], class_names)
    return _image_panels(images[:count], titles, ncols)


def plot_image_pairs(
    X: Any,
    X_other: Any,
    pairs: Any,
    n: int = 10,
    ncols: int = 10,
    names: tuple[str, str] = ("test", "train"),
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Show pairs of near-duplicate images, one above the other.

    Parameters
    ----------
    X, X_other : array-like of images
        The two splits the pairs index (``X_other=None``: pairs within ``X``).
    pairs : pandas.DataFrame
        What :meth:`fashionnet.audit.DataAuditor.near_duplicates` returns:
        ``index``, ``other_index``, ``distance`` and, optionally, ``label``
        and ``other_label``. The first ``n`` rows are drawn.
    n : int, default=10
        How many pairs to show.
    ncols : int, default=10
        Pairs per row.
    names : (str, str), default=("test", "train")
        What to call the two sides in the titles.
    class_names : sequence of str or None, default=None
        Names indexed by label value (e.g. :data:`fashionnet.datasets.CLASS_NAMES`);
        ``None`` shows the raw label.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per pair: ``X[index]`` titled with its side, position and
        class; below it ``X_other[other_index]`` with the distance.

    Examples
    --------
    >>> from fashionnet.audit import DataAuditor
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.plotting import plot_image_pairs
    >>> X, y = load_fashion_mnist("test")
    >>> pairs = DataAuditor().near_duplicates(X[:2000], y=y[:2000])
    >>> fig = plot_image_pairs(X[:2000], None, pairs, n=4, names=("test", "test"),
    ...                        class_names=CLASS_NAMES)
    >>> len(fig.axes), fig.axes[0].get_title()
    (8, 'test 1403\\nT-shirt/top')
    """
    _check_grid(n, ncols)
    images = check_images(X)
    other = images if X_other is None else check_images(X_other, name="X_other")
    table = _rows_of(pairs, ("index", "other_index", "distance"), "pairs").head(int(n))
    labelled = "label" in table.columns and "other_label" in table.columns
    count = len(table)
    ncols = max(1, min(int(ncols), count))
    bands = max(1, math.ceil(count / ncols))
    Figure = _figure_class()
    fig = Figure(figsize=(1.2 * ncols, 2.9 * bands), layout="constrained")
    axes = fig.subplots(2 * bands, ncols, squeeze=False)
    for k in range(bands * ncols):
        top, bottom = axes[2 * (k // ncols), k % ncols], axes[2 * (k // ncols) + 1, k % ncols]
        if k >= count:
            fig.delaxes(top)
            fig.delaxes(bottom)
            continue
        i, j = int(table["index"].iloc[k]), int(table["other_index"].iloc[k])
        _show_image(top, images[i])
        _show_image(bottom, other[j])
        first = f"{names[0]} {i}"
        second = f"{names[1]} {j}"
        if labelled:
            first += "\n" + _name(table["label"].iloc[k], class_names)
            second += "\n" + _name(table["other_label"].iloc[k], class_names)
        top.set_title(first, fontsize=7)
        bottom.set_title(second, fontsize=7)
        bottom.set_xlabel(f"d = {float(table['distance'].iloc[k]):.2f}", fontsize=7)
    return fig


def plot_label_issues(
    X: Any,
    issues: Any,
    n: int = 20,
    ncols: int = 10,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Show the images whose label is most probably wrong, with the given and predicted class.

    Parameters
    ----------
    X : array-like of images
        The images ``issues`` indexes.
    issues : pandas.DataFrame
        What :func:`fashionnet.audit.label_issues` returns: ``index``,
        ``given_label``, ``predicted_label``, ``label_quality``; the first
        ``n`` rows are drawn.
    n : int, default=20
    ncols : int, default=10
    class_names : sequence of str or None, default=None
        Names indexed by label value (e.g. :data:`fashionnet.datasets.CLASS_NAMES`);
        ``None`` shows the raw label.

    Returns
    -------
    matplotlib.figure.Figure
        One axis per image, titled with its position, its given class and
        the class the out-of-fold model predicts.

    Examples
    --------
    >>> import pandas as pd
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.plotting import plot_label_issues
    >>> X, _ = load_fashion_mnist("test")
    >>> issues = pd.DataFrame({"index": [3, 8], "given_label": [1, 5],
    ...                        "predicted_label": [3, 7], "label_quality": [0.01, 0.02]})
    >>> plot_label_issues(X, issues, class_names=CLASS_NAMES).axes[0].get_title()
    '3\\ngiven Trouser\\nmodel Dress'
    """
    _check_grid(n, ncols)
    images = check_images(X)
    columns = ("index", "given_label", "predicted_label")
    table = _rows_of(issues, columns, "issues").head(int(n))
    titles = [
        f"{int(i)}\ngiven {_name(g, class_names)}\nmodel {_name(p, class_names)}"
        for i, g, p in zip(
            table["index"], table["given_label"], table["predicted_label"], strict=True
        )
    ]
    return _image_panels(images[table["index"].to_numpy(dtype=np.intp)], titles, ncols, 1.6)


def plot_outliers(
    X: Any,
    outliers: Any,
    n: int = 20,
    ncols: int = 10,
    class_names: Sequence[str] | None = None,
) -> Figure:
    """Show the images least like their class, or the nearly blank and saturated ones.

    Parameters
    ----------
    X : array-like of images
        The images ``outliers`` indexes.
    outliers : pandas.DataFrame
        What :func:`fashionnet.audit.class_outliers` returns (``index``,
        ``label``, ``score``) or :func:`fashionnet.audit.odd_images`
        (``index``, ``kind``); the first ``n`` rows are drawn.
    n : int, default=20
    ncols : int, default=10
    class_names : sequence of str or None, default=None
        Names indexed by label value (e.g. :data:`fashionnet.datasets.CLASS_NAMES`);
        ``None`` shows the raw label.

    Returns
    -------
    matplotlib.figure.Figure
        One axis per image, titled with its position and its class and score
        (or its kind).

    Examples
    --------
    >>> from fashionnet.audit import class_outliers
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_outliers
    >>> X, y = load_fashion_mnist("test")
    >>> fig = plot_outliers(X[:500], class_outliers(X[:500], y[:500]), n=5)
    >>> len(fig.axes)
    5
    """
    _check_grid(n, ncols)
    images = check_images(X)
    table = _rows_of(outliers, ("index",), "outliers").head(int(n))
    if "score" in table.columns and "label" in table.columns:
        titles = [
            f"{int(i)}\n{_name(c, class_names)}\nscore {float(s):.2f}"
            for i, c, s in zip(table["index"], table["label"], table["score"], strict=True)
        ]
    elif "kind" in table.columns:
        titles = [f"{int(i)}\n{k}" for i, k in zip(table["index"], table["kind"], strict=True)]
    else:
        titles = [str(int(i)) for i in table["index"]]
    return _image_panels(images[table["index"].to_numpy(dtype=np.intp)], titles, ncols, 1.6)
