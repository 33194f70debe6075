"""fashionnet.plotting.distributions: check what is drawn, not only that nothing raised."""

from __future__ import annotations

import matplotlib  # noqa: E402,F401
import numpy as np
import pytest
from matplotlib.figure import Figure  # noqa: E402

from fashionnet.datasets import CLASS_NAMES  # noqa: E402
from fashionnet.plotting import (  # noqa: E402
    plot_class_balance,
    plot_correlation_heatmap,
    plot_pixel_distribution,
)


def test_class_balance_bars_match_counts(fashion_train):
    _, y = fashion_train
    fig = plot_class_balance(y, CLASS_NAMES)
    ax = fig.axes[0]
    assert [int(p.get_height()) for p in ax.patches] == [6000] * 10
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_NAMES)
    assert "10 classes" in ax.get_title()


def test_class_balance_imbalanced_into_given_ax():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    out = plot_class_balance(np.array([0, 0, 0, 2]), CLASS_NAMES, ax=ax)
    assert out is fig
    assert [int(p.get_height()) for p in ax.patches] == [3, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == [CLASS_NAMES[0], CLASS_NAMES[2]]


def test_class_balance_ticks_are_the_labels_by_default():
    fig = plot_class_balance(np.array([0, 0, 3]))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "3"]


def test_pixel_distribution_counts_every_pixel(small_train):
    X, _ = small_train
    fig = plot_pixel_distribution(X)
    heights = np.array([p.get_height() for p in fig.axes[0].patches])
    assert heights.size == 256
    assert heights.sum() == X.size
    assert heights[0] == np.count_nonzero(X == 0)
    assert fig.axes[0].get_yscale() == "log"


def test_pixel_distribution_of_floats(small_train):
    X, _ = small_train
    fig = plot_pixel_distribution(X / 255.0)
    heights = np.array([p.get_height() for p in fig.axes[0].patches])
    assert heights.size == 64 and heights.sum() == X.size


def test_correlation_heatmap_of_the_study_frame(small_train):
    from fashionnet.datasets import to_frame

    X, y = small_train
    frame = to_frame(X, y)
    fig = plot_correlation_heatmap(frame, n_features=50)
    ax = fig.axes[0]
    data = ax.images[0].get_array()
    assert data.shape == (50, 50)
    expected = frame.iloc[:, :50].astype(float).corr().to_numpy()
    varying = ~np.isnan(expected)
    np.testing.assert_allclose(data.filled(np.nan)[varying], expected[varying], atol=1e-4)
    # pixel1 is nearly always 0 here: a constant column is masked, not drawn as 0
    assert data.mask[~varying].all()
    assert ax.get_xticklabels()[0].get_text() == "label"
    assert len(fig.axes) == 2  # heatmap + colour bar


def test_correlation_heatmap_of_images(small_train):
    X, _ = small_train
    fig = plot_correlation_heatmap(X, n_features=10)
    assert fig.axes[0].images[0].get_array().shape == (10, 10)
    with pytest.raises(ValueError, match="at least 2"):
        plot_correlation_heatmap(X, n_features=1)
