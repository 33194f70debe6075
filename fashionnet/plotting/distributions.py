"""Figures of a data set's distributions: class balance, pixel intensities,
correlations between pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._validation import _is_frame, check_images, check_labels
from fashionnet.audit import correlation_matrix
from fashionnet.plotting._figures import (
    _figure_and_axes,
    _label_names,
    _root_figure,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_class_balance",
    "plot_pixel_distribution",
    "plot_correlation_heatmap",
]


def plot_class_balance(
    y: Any, class_names: Sequence[str] | None = None, ax: Axes | None = None
) -> Figure:
    """Bar chart of how many images each class has (the study's count plot).

    Parameters
    ----------
    y : array-like of shape (n_images,)
        Labels.
    class_names : sequence of str or None, default=None
        Names indexed by label value, used as tick labels (e.g.
        :data:`fashionnet.datasets.CLASS_NAMES`); ``None`` shows the raw labels.
    ax : matplotlib.axes.Axes, optional
        Draw into this axis instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per class present in ``y``, in label order, labelled with its count.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_class_balance
    >>> _, y = load_fashion_mnist("test")
    >>> fig = plot_class_balance(y)
    >>> [int(bar.get_height()) for bar in fig.axes[0].patches][:3]
    [1000, 1000, 1000]
    """
    labels = check_labels(y)
    if labels.size == 0:
        raise ValueError("y is empty; there are no classes to count.")
    classes, counts = np.unique(labels, return_counts=True)
    fig, ax = _figure_and_axes(ax, (8, 4))
    names = _label_names(classes, class_names)
    bars = ax.bar(np.arange(len(classes)), counts, color="tab:blue")
    ax.bar_label(bars, labels=[str(c) for c in counts], fontsize=8)
    ax.set_xticks(np.arange(len(classes)), names, rotation=45, ha="right")
    ax.set_ylabel("images")
    ax.set_title(f"Class balance ({len(classes)} classes, {labels.size} images)")
    return fig


def plot_pixel_distribution(X: Any, ax: Axes | None = None) -> Figure:
    """Histogram of pixel intensities over every pixel of every image.

    uint8 images get one bar per grey level 0..255 (exact counts, computed
    with :func:`numpy.bincount`); float images get 64 bins. The count axis is
    logarithmic because Fashion-MNIST is mostly background.

    Parameters
    ----------
    X : array-like of shape (n_images, 784), (n_images, H, W) or (n_images, H, W, C)
        The images; a pixel DataFrame works too.
    ax : matplotlib.axes.Axes, optional
        Draw into this axis instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_pixel_distribution
    >>> X, _ = load_fashion_mnist("test")
    >>> fig = plot_pixel_distribution(X)
    >>> len(fig.axes[0].patches)
    256
    """
    images = check_images(X)
    fig, ax = _figure_and_axes(ax, (7, 4))
    if images.dtype == np.uint8:
        counts = np.bincount(images.reshape(-1), minlength=256)
        ax.bar(np.arange(256), counts, width=1.0, color="tab:gray")
        ax.set_xlim(-0.5, 255.5)
    else:
        counts, edges = np.histogram(images, bins=64)
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="tab:gray")
    if counts.any():
        ax.set_yscale("log")
    ax.set_xlabel("pixel intensity")
    ax.set_ylabel("pixels")
    ax.set_title(f"Pixel intensity distribution ({images.shape[0]} images)")
    return fig


def plot_correlation_heatmap(X: Any, n_features: int = 50, ax: Axes | None = None) -> Figure:
    """Heatmap of the Pearson correlation between the first ``n_features`` columns.

    The study plotted the first 50 columns of its frame this way. Constant
    columns have no correlation and are left blank (NaN), not drawn as 0.

    Parameters
    ----------
    X : pandas.DataFrame or array-like
        A frame (the study's, label column included, or pixels only) whose
        first ``n_features`` columns are used; or images / flat pixel rows,
        whose first ``n_features`` pixels (``pixel1`` ...) are used.
    n_features : int, default=50
        How many leading columns to correlate.
    ax : matplotlib.axes.Axes, optional
        Draw into this axis instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap (values in [-1, 1]) with a colour bar.

    See Also
    --------
    fashionnet.audit.DataAuditor : finds the pairs above a threshold among all columns.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_correlation_heatmap
    >>> frame = load_fashion_mnist("test", as_frame=True)
    >>> fig = plot_correlation_heatmap(frame, n_features=20)
    >>> fig.axes[0].images[0].get_array().shape
    (20, 20)
    """
    if int(n_features) < 2:
        raise ValueError(f"n_features must be at least 2 to correlate; got {n_features}.")
    values, names = _leading_columns(X, int(n_features))
    corr = correlation_matrix(values)
    fig, ax = _figure_and_axes(ax, (9, 8))
    image = ax.imshow(np.ma.masked_invalid(corr), cmap="coolwarm", vmin=-1, vmax=1)
    step = max(1, len(names) // 25)
    ticks = np.arange(0, len(names), step)
    ax.set_xticks(ticks, [names[i] for i in ticks], rotation=90, fontsize=7)
    ax.set_yticks(ticks, [names[i] for i in ticks], fontsize=7)
    ax.set_title(f"Correlation of the first {len(names)} columns")
    _root_figure(ax).colorbar(image, ax=ax, shrink=0.8, label="Pearson r")
    return fig


def _leading_columns(X: Any, n_features: int) -> tuple[np.ndarray, list[str]]:
    if _is_frame(X):
        frame = X.iloc[:, :n_features]
        non_numeric = [
            c for c, dt in frame.dtypes.items() if getattr(dt, "kind", "O") not in "uifb"
        ]
        if non_numeric:
            raise TypeError(
                f"X has non-numeric columns {non_numeric[:5]}; correlation needs numbers. "
                "Drop or convert those columns."
            )
        return frame.to_numpy(dtype=np.float64, na_value=np.nan), [str(c) for c in frame.columns]
    images = check_images(X)
    flat = images.reshape(images.shape[0], -1)[:, :n_features]
    return flat, [f"pixel{i}" for i in range(1, flat.shape[1] + 1)]
