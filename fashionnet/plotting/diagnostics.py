"""Figures of what a model learned: training curves, the confusion matrix, a
search's results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from fashionnet._validation import _is_frame
from fashionnet.plotting._figures import (
    _figure_and_axes,
    _figure_class,
    _root_figure,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_history",
    "plot_confusion_matrix",
    "plot_tuning_results",
]


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
    class_names: Sequence[str] | None = None,
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
    class_names : sequence of str or None, default=None
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
