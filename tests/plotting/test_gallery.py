"""fashionnet.plotting.gallery: check what is drawn, not only that nothing raised."""

from __future__ import annotations

import matplotlib  # noqa: E402,F401
import numpy as np
import pytest
from matplotlib.figure import Figure  # noqa: E402

from fashionnet.datasets import CLASS_NAMES  # noqa: E402
from fashionnet.plotting import (  # noqa: E402
    plot_image_grid,
)


def test_image_grid_draws_the_images_with_their_class_names(small_train):
    X, y = small_train
    fig = plot_image_grid(X, y, class_names=CLASS_NAMES, n=50, ncols=10)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 50
    for i in (0, 17, 49):
        ax = fig.axes[i]
        assert ax.get_title() == CLASS_NAMES[y[i]]
        np.testing.assert_array_equal(ax.images[0].get_array(), X[i])
        assert ax.get_xticks().size == 0
    # 50 panels in 10 columns: 5 rows
    assert fig.axes[49].get_subplotspec().rowspan.start == 4


def test_image_grid_titles_are_the_labels_by_default(small_train):
    X, y = small_train
    fig = plot_image_grid(X, y, n=3)
    assert [ax.get_title() for ax in fig.axes] == [str(label) for label in y[:3]]


def test_image_grid_flat_rows_fewer_images_and_raw_labels(small_train):
    X, y = small_train
    fig = plot_image_grid(X[:7].reshape(7, 784), y[:7], class_names=None, n=50, ncols=4)
    assert len(fig.axes) == 7
    assert fig.axes[3].get_title() == str(y[3])
    assert fig.axes[0].images[0].get_array().shape == (28, 28)


def test_image_grid_rgb_and_no_labels(small_train):
    X, _ = small_train
    rgb = np.repeat(X[:4, ..., None], 3, axis=-1)
    fig = plot_image_grid(rgb, n=4)
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == ""
    assert fig.axes[0].images[0].get_array().shape == (28, 28, 3)


def test_image_grid_rejects_bad_input(small_train):
    X, y = small_train
    with pytest.raises(ValueError, match="labels"):
        plot_image_grid(X[:5], y[:4])
    with pytest.raises(ValueError, match="at least 1"):
        plot_image_grid(X, y, n=0)
    with pytest.raises(ValueError, match="label"):
        from fashionnet.datasets import to_frame

        plot_image_grid(to_frame(X[:3], y[:3]))
