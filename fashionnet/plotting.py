"""Figures for exploring the data and reading training, evaluation and tuning results.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot's global state, so it is safe in scripts, servers, tests and the
``Agg`` backend: save it with ``fig.savefig(path)`` or show it in a notebook.
Functions that draw one panel accept an ``ax`` to draw into an existing
figure instead.

matplotlib is an optional dependency: install it with
``pip install fashionnet[plot]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._validation import _is_frame, check_images, check_labels
from fashionnet.datasets import CLASS_NAMES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_image_grid",
    "plot_image_pairs",
    "plot_label_issues",
    "plot_outliers",
    "plot_class_balance",
    "plot_pixel_distribution",
    "plot_correlation_heatmap",
    "plot_history",
    "plot_confusion_matrix",
    "plot_tuning_results",
]


def _figure_class() -> type[Figure]:
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching
        raise ImportError(
            "fashionnet.plotting needs matplotlib; install it with `pip install fashionnet[plot]`."
        ) from exc
    return Figure


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """A fresh one-panel figure, or the figure that holds ``ax``."""
    Figure = _figure_class()
    if ax is not None:
        return _root_figure(ax), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _root_figure(ax: Axes) -> Figure:
    """The top-level figure holding ``ax`` (through any subfigures)."""
    try:
        return ax.get_figure(root=True)
    except TypeError:  # matplotlib < 3.10: a (sub)figure's .figure is the root figure
        return ax.figure.figure


def _label_names(classes: np.ndarray, class_names: Sequence[str] | None) -> list[str]:
    """Readable names for label values: ``class_names[label]`` where that makes sense."""
    names = []
    for value in classes:
        if (
            class_names is not None
            and np.issubdtype(np.asarray(value).dtype, np.integer)
            and 0 <= int(value) < len(class_names)
        ):
            names.append(str(class_names[int(value)]))
        else:
            names.append(str(value))
    return names


# --------------------------------------------------------------------------- the data


def plot_image_grid(
    X: Any,
    y: Any = None,
    class_names: Sequence[str] | None = CLASS_NAMES,
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
    class_names : sequence of str, default=CLASS_NAMES
        Names indexed by label value; ``None`` titles panels with the raw label.
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
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_image_grid
    >>> X, y = load_fashion_mnist("test")
    >>> fig = plot_image_grid(X, y, n=20)
    >>> len(fig.axes), fig.axes[0].get_title()
    (20, 'Ankle boot')
    """
    _check_grid(n, ncols)
    images = check_images(X)
    labels = None if y is None else check_labels(y, n_samples=images.shape[0])
    count = min(int(n), images.shape[0])
    titles = None if labels is None else _label_names(labels[:count], class_names)
    return _image_panels(images[:count], titles, ncols)


def _check_grid(n: int, ncols: int) -> None:
    if int(n) < 1 or int(ncols) < 1:
        raise ValueError(f"n and ncols must be at least 1; got n={n}, ncols={ncols}.")


def _show_image(ax: Axes, image: np.ndarray) -> None:
    """One image on an axis without ticks: grey images dark on light, as the study drew them."""
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    vmax = 255 if image.dtype == np.uint8 else 1.0
    if image.ndim == 2:
        ax.imshow(image, cmap="gray_r", vmin=0, vmax=vmax)
    else:
        ax.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
    ax.set_xticks([])
    ax.set_yticks([])


def _image_panels(
    images: np.ndarray, titles: Sequence[str] | None, ncols: int, height: float = 1.35
) -> Figure:
    """A grid of images, ``ncols`` a row, each with its title."""
    count = len(images)
    ncols = max(1, min(int(ncols), count))
    nrows = max(1, math.ceil(count / ncols))
    Figure = _figure_class()
    fig = Figure(figsize=(1.2 * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i >= count:
            fig.delaxes(ax)
            continue
        _show_image(ax, images[i])
        if titles is not None:
            ax.set_title(titles[i], fontsize=7 if "\n" in titles[i] else 8)
    return fig


def _rows_of(table: Any, columns: Sequence[str], name: str) -> Any:
    """The first rows of an audit table, checked for the columns a figure reads."""
    missing = [c for c in columns if c not in getattr(table, "columns", ())]
    if missing:
        raise ValueError(
            f"{name} must be a DataFrame with columns {list(columns)} (as fashionnet.audit "
            f"returns it); missing {missing}."
        )
    return table


def _name(label: Any, class_names: Sequence[str] | None) -> str:
    return _label_names(np.asarray([label]), class_names)[0]


def plot_image_pairs(
    X: Any,
    X_other: Any,
    pairs: Any,
    n: int = 10,
    ncols: int = 10,
    names: tuple[str, str] = ("test", "train"),
    class_names: Sequence[str] | None = CLASS_NAMES,
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
    class_names : sequence of str, default=CLASS_NAMES
        Names indexed by label value.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per pair: ``X[index]`` titled with its side, position and
        class; below it ``X_other[other_index]`` with the distance.

    Examples
    --------
    >>> from fashionnet.audit import DataAuditor
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_image_pairs
    >>> X, y = load_fashion_mnist("test")
    >>> pairs = DataAuditor().near_duplicates(X[:2000], y=y[:2000])
    >>> fig = plot_image_pairs(X[:2000], None, pairs, n=4, names=("test", "test"))
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
    class_names: Sequence[str] | None = CLASS_NAMES,
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
    class_names : sequence of str, default=CLASS_NAMES

    Returns
    -------
    matplotlib.figure.Figure
        One axis per image, titled with its position, its given class and
        the class the out-of-fold model predicts.

    Examples
    --------
    >>> import pandas as pd
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.plotting import plot_label_issues
    >>> X, _ = load_fashion_mnist("test")
    >>> issues = pd.DataFrame({"index": [3, 8], "given_label": [1, 5],
    ...                        "predicted_label": [3, 7], "label_quality": [0.01, 0.02]})
    >>> plot_label_issues(X, issues).axes[0].get_title()
    '3\\ngiven Trouser\\nmodel Dress'
    """
    _check_grid(n, ncols)
    images = check_images(X)
    columns = ("index", "given_label", "predicted_label")
    table = _rows_of(issues, columns, "issues").head(int(n))
    titles = [
        f"{int(i)}\ngiven {_name(g, class_names)}\nmodel {_name(p, class_names)}"
        for i, g, p in zip(table["index"], table["given_label"], table["predicted_label"],
                           strict=True)
    ]
    return _image_panels(images[table["index"].to_numpy(dtype=np.intp)], titles, ncols, 1.6)


def plot_outliers(
    X: Any,
    outliers: Any,
    n: int = 20,
    ncols: int = 10,
    class_names: Sequence[str] | None = CLASS_NAMES,
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
    class_names : sequence of str, default=CLASS_NAMES

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


def plot_class_balance(
    y: Any, class_names: Sequence[str] | None = CLASS_NAMES, ax: Axes | None = None
) -> Figure:
    """Bar chart of how many images each class has (the study's count plot).

    Parameters
    ----------
    y : array-like of shape (n_images,)
        Labels.
    class_names : sequence of str, default=CLASS_NAMES
        Names indexed by label value, used as tick labels.
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
    from fashionnet.audit import correlation_matrix

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


# --------------------------------------------------------------------------- training


_HISTORY_PANELS = (("accuracy", "Accuracy"), ("loss", "Loss"))


def _as_history(history: Any, index: int) -> dict[str, np.ndarray]:
    """Columns of one training history as float arrays, from a frame, dict or keras History."""
    if hasattr(history, "history") and isinstance(history.history, Mapping):
        history = history.history  # a keras.callbacks.History
    if _is_frame(history):
        columns = {str(c): history[c].to_numpy(dtype=float) for c in history.columns}
    elif isinstance(history, Mapping):
        columns = {str(k): np.asarray(v, dtype=float).ravel() for k, v in history.items()}
    else:
        raise TypeError(
            f"history {index} is a {type(history).__name__}; expected a DataFrame or dict with "
            "columns loss, accuracy (optionally val_loss, val_accuracy), e.g. clf.history_, "
            "or a list of them (one per fold)."
        )
    if not any(key in columns for key in ("loss", "accuracy", "val_loss", "val_accuracy")):
        raise ValueError(
            f"history {index} has columns {sorted(columns)[:6]}; expected loss and accuracy "
            "(optionally val_loss, val_accuracy)."
        )
    return columns


def plot_history(history: Any, title: str | None = None) -> Figure:
    """Learning curves: accuracy and loss per epoch, training and validation.

    Parameters
    ----------
    history : DataFrame, dict, keras History, or a list of them
        One training history (e.g. ``clf.history_``) with columns ``loss``
        and ``accuracy`` and, when there was validation data, ``val_loss``
        and ``val_accuracy``. A list (one history per cross-validation fold)
        draws one row of panels per fold.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes per history, accuracy on the left and loss on the right,
        each with a "train" line and, where recorded, a "validation" line.

    Raises
    ------
    TypeError
        ``history`` is not a frame, dict or History (or a list of them).
    ValueError
        A history has none of the expected columns, or the list is empty.

    See Also
    --------
    fashionnet.evaluation.cross_validate_folds : returns one history per fold.

    Examples
    --------
    >>> from fashionnet.plotting import plot_history
    >>> history = {"loss": [0.9, 0.5, 0.4], "accuracy": [0.7, 0.8, 0.85],
    ...            "val_loss": [0.6, 0.5, 0.5], "val_accuracy": [0.78, 0.82, 0.83]}
    >>> fig = plot_history(history, title="LeNet-5")
    >>> [ax.get_title() for ax in fig.axes]
    ['Accuracy', 'Loss']
    >>> len(plot_history([history, history]).axes)
    4
    """
    histories = list(history) if isinstance(history, (list, tuple)) else [history]
    if not histories:
        raise ValueError("history is an empty list; pass at least one training history.")
    columns = [_as_history(h, i) for i, h in enumerate(histories)]
    Figure = _figure_class()
    fig = Figure(figsize=(10, 3.2 * len(columns)), layout="constrained")
    axes = fig.subplots(len(columns), 2, squeeze=False)
    for row, cols in enumerate(columns):
        prefix = f"Fold {row + 1}: " if len(columns) > 1 else ""
        for ax, (key, label) in zip(axes[row], _HISTORY_PANELS, strict=True):
            drawn = False
            for name, legend, style in ((key, "train", "-o"), (f"val_{key}", "validation", "--s")):
                if name in cols and cols[name].size:
                    epochs = np.arange(1, cols[name].size + 1)
                    ax.plot(epochs, cols[name], style, markersize=3, label=legend)
                    drawn = True
            ax.set_title(prefix + label)
            ax.set_xlabel("epoch")
            ax.set_ylabel(key)
            if drawn:
                ax.legend(fontsize=8)
            else:
                ax.text(
                    0.5, 0.5, f"no {key} recorded", ha="center", va="center", transform=ax.transAxes
                )
    if title:
        fig.suptitle(title)
    return fig


# --------------------------------------------------------------------------- evaluation


def plot_confusion_matrix(
    cm: Any,
    class_names: Sequence[str] | None = CLASS_NAMES,
    normalize: bool = False,
    ax: Axes | None = None,
) -> Figure:
    """Draw a confusion matrix with one annotated cell per (true, predicted) pair.

    Parameters
    ----------
    cm : array-like of shape (n_classes, n_classes)
        Counts, rows = true class, columns = predicted class (as
        :func:`sklearn.metrics.confusion_matrix` returns). An object with a
        ``confusion_matrix`` attribute (an evaluation report) works too.
    class_names : sequence of str, default=CLASS_NAMES
        One name per row; ``None`` numbers the classes.
    normalize : bool, default=False
        Divide each row by its total, so the diagonal is the recall per class.
    ax : matplotlib.axes.Axes, optional
        Draw into this axis instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        ``cm`` is not square, holds negative or non-finite values, or its size
        differs from the number of class names.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix(np.array([[8, 2], [1, 9]]), class_names=["a", "b"],
    ...                             normalize=True)
    >>> [t.get_text() for t in fig.axes[0].texts]
    ['0.80', '0.20', '0.10', '0.90']
    """
    if hasattr(cm, "confusion_matrix"):
        cm = cm.confusion_matrix
    matrix = np.asarray(cm, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(
            f"cm must be a square (n_classes, n_classes) matrix; got shape {matrix.shape}."
        )
    if not np.isfinite(matrix).all() or (matrix < 0).any():
        raise ValueError("cm must hold non-negative finite counts.")
    size = matrix.shape[0]
    if class_names is None:
        names = [str(i) for i in range(size)]
    else:
        names = [str(c) for c in class_names]
        if len(names) != size:
            raise ValueError(
                f"cm is {size}x{size} but {len(names)} class names were given; pass one name "
                "per class (or class_names=None)."
            )
    if normalize:
        totals = matrix.sum(axis=1, keepdims=True)
        matrix = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    fig, ax = _figure_and_axes(ax, (1.0 + 0.7 * size, 0.8 + 0.6 * size))
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1 if normalize else None)
    threshold = (matrix.max() or 1) / 2
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{value:.0f}"
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > threshold else "black",
        )
    ticks = np.arange(size)
    ax.set_xticks(ticks, names, rotation=45, ha="right")
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("Confusion matrix" + (" (normalised by true class)" if normalize else ""))
    _root_figure(ax).colorbar(image, ax=ax, shrink=0.8)
    return fig


# --------------------------------------------------------------------------- tuning


def plot_tuning_results(
    cv_results: Any, ax: Axes | None = None, *, greater_is_better: bool = True
) -> Figure:
    """Score of every tuning trial and the best score so far.

    Parameters
    ----------
    cv_results : pandas.DataFrame or dict
        One row per trial with columns ``trial`` and ``score`` (NaN for a
        trial that produced none) and optionally ``status``
        (e.g. ``KerasTunerSearchCV.cv_results_``). Trials whose status is not
        ``COMPLETED`` or whose score is missing are marked on the x axis.
    ax : matplotlib.axes.Axes, optional
        Draw into this axis instead of a new figure.
    greater_is_better : bool, default=True
        Whether the running best is the maximum (accuracy) or the minimum (loss).

    Returns
    -------
    matplotlib.figure.Figure
        One axis with the trials' scores as points and the running best as a step line.

    Raises
    ------
    ValueError
        ``trial`` or ``score`` is missing, or there are no trials.

    Examples
    --------
    >>> import pandas as pd
    >>> from fashionnet.plotting import plot_tuning_results
    >>> results = pd.DataFrame({"trial": [0, 1, 2, 3], "score": [0.80, 0.86, float("nan"), 0.84],
    ...                         "status": ["COMPLETED", "COMPLETED", "FAILED", "COMPLETED"]})
    >>> fig = plot_tuning_results(results)
    >>> best = fig.axes[0].get_lines()[0]
    >>> best.get_label(), best.get_ydata().tolist()
    ('best so far', [0.8, 0.86, 0.86, 0.86])
    """
    import pandas as pd

    frame = cv_results if _is_frame(cv_results) else pd.DataFrame(cv_results)
    missing = [c for c in ("trial", "score") if c not in frame.columns]
    if missing:
        raise ValueError(
            f"cv_results lacks column(s) {missing}; expected one row per trial with "
            "'trial', 'score' and optionally 'status' (as KerasTunerSearchCV.cv_results_)."
        )
    if len(frame) == 0:
        raise ValueError("cv_results has no trials to plot.")
    trials = np.arange(len(frame)) if frame["trial"].dtype == object else frame["trial"].to_numpy()
    scores = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(scores)
    if "status" in frame.columns:
        status = frame["status"].astype(str).str.upper().to_numpy()
        ok &= (status == "COMPLETED") | (status == "NAN")
    accumulate = np.fmax.accumulate if greater_is_better else np.fmin.accumulate
    best = accumulate(np.where(ok, scores, np.nan))
    fig, ax = _figure_and_axes(ax, (8, 4))
    ax.step(trials, best, where="post", color="tab:orange", label="best so far")
    ax.plot(trials[ok], scores[ok], "o", color="tab:blue", label="trial score")
    if (~ok).any():
        floor = np.nanmin(scores[ok]) if ok.any() else 0.0
        ax.plot(
            trials[~ok],
            np.full((~ok).sum(), floor),
            "x",
            color="tab:red",
            label=f"failed / no score ({int((~ok).sum())})",
        )
    ax.set_xlabel("trial")
    ax.set_ylabel("score")
    ax.set_title(f"Tuning results ({int(ok.sum())} of {len(frame)} trials scored)")
    ax.legend(fontsize=8)
    return fig
