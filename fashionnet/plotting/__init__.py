"""Figures for exploring the data and reading training, evaluation and tuning results.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot's global state, so it is safe in scripts, servers, tests and the
``Agg`` backend: save it with ``fig.savefig(path)`` or show it in a notebook.
Functions that draw one panel accept an ``ax`` to draw into an existing
figure instead.

matplotlib is an optional dependency: install it with
``pip install fashionnet[plot]``.

The figures live in one module per subject, all importable from here:
:mod:`~fashionnet.plotting.gallery` (images), :mod:`~fashionnet.plotting.distributions`
(the data's distributions) and :mod:`~fashionnet.plotting.diagnostics` (training,
evaluation and tuning results).
"""

from __future__ import annotations

from fashionnet.plotting.diagnostics import (
    plot_confusion_matrix,
    plot_history,
    plot_tuning_results,
)
from fashionnet.plotting.distributions import (
    plot_class_balance,
    plot_correlation_heatmap,
    plot_pixel_distribution,
)
from fashionnet.plotting.gallery import (
    plot_image_grid,
    plot_image_pairs,
    plot_label_issues,
    plot_outliers,
)

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
