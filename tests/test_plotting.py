"""fashionnet.plotting: check what is drawn, not only that nothing raised."""

from __future__ import annotations

import builtins
import importlib
import sys

import matplotlib  # noqa: E402,F401
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure  # noqa: E402

from fashionnet.datasets import CLASS_NAMES  # noqa: E402
from fashionnet.plotting import (  # noqa: E402
    plot_class_balance,
    plot_confusion_matrix,
    plot_correlation_heatmap,
    plot_history,
    plot_image_grid,
    plot_pixel_distribution,
    plot_tuning_results,
)


def _history(epochs=3, validation=True):
    data = {"loss": np.linspace(1.0, 0.4, epochs), "accuracy": np.linspace(0.6, 0.9, epochs)}
    if validation:
        data["val_loss"] = np.linspace(1.1, 0.5, epochs)
        data["val_accuracy"] = np.linspace(0.55, 0.85, epochs)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- data


def test_image_grid_draws_the_images_with_their_class_names(small_train):
    X, y = small_train
    fig = plot_image_grid(X, y, n=50, ncols=10)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 50
    for i in (0, 17, 49):
        ax = fig.axes[i]
        assert ax.get_title() == CLASS_NAMES[y[i]]
        np.testing.assert_array_equal(ax.images[0].get_array(), X[i])
        assert ax.get_xticks().size == 0
    # 50 panels in 10 columns: 5 rows
    assert fig.axes[49].get_subplotspec().rowspan.start == 4


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


def test_class_balance_bars_match_counts(fashion_train):
    _, y = fashion_train
    fig = plot_class_balance(y)
    ax = fig.axes[0]
    assert [int(p.get_height()) for p in ax.patches] == [6000] * 10
    assert [t.get_text() for t in ax.get_xticklabels()] == list(CLASS_NAMES)
    assert "10 classes" in ax.get_title()


def test_class_balance_imbalanced_into_given_ax():
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    out = plot_class_balance(np.array([0, 0, 0, 2]), ax=ax)
    assert out is fig
    assert [int(p.get_height()) for p in ax.patches] == [3, 1]
    assert [t.get_text() for t in ax.get_xticklabels()] == [CLASS_NAMES[0], CLASS_NAMES[2]]


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


# --------------------------------------------------------------------------- training


def test_history_single_has_accuracy_and_loss_panels():
    history = _history()
    fig = plot_history(history, title="run")
    assert [ax.get_title() for ax in fig.axes] == ["Accuracy", "Loss"]
    acc, loss = fig.axes
    assert [line.get_label() for line in acc.get_lines()] == ["train", "validation"]
    np.testing.assert_allclose(acc.get_lines()[0].get_ydata(), history["accuracy"])
    np.testing.assert_allclose(loss.get_lines()[1].get_ydata(), history["val_loss"])
    np.testing.assert_array_equal(acc.get_lines()[0].get_xdata(), [1, 2, 3])
    assert fig.get_suptitle() == "run"


def test_history_list_is_one_row_per_fold():
    fig = plot_history([_history(), _history(validation=False), _history(5).to_dict("list")])
    assert len(fig.axes) == 6
    assert fig.axes[2].get_title() == "Fold 2: Accuracy"
    assert len(fig.axes[2].get_lines()) == 1  # no validation in fold 2
    assert len(fig.axes[5].get_lines()[0].get_xdata()) == 5


def test_history_accepts_a_keras_history_like_object():
    class History:
        history = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}

    fig = plot_history(History())
    assert len(fig.axes) == 2


def test_history_rejects_bad_input():
    with pytest.raises(ValueError, match="expected loss and accuracy"):
        plot_history({"mse": [1, 2]})
    with pytest.raises(TypeError, match="DataFrame or dict"):
        plot_history(42)
    with pytest.raises(ValueError, match="empty"):
        plot_history([])


# --------------------------------------------------------------------------- evaluation


def test_confusion_matrix_counts_and_normalised():
    cm = np.diag(np.arange(1, 11)) + 1
    fig = plot_confusion_matrix(cm)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 100 and texts[0] == "2" and texts[1] == "1"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(CLASS_NAMES)
    assert ax.get_xlabel() == "predicted class"
    norm = plot_confusion_matrix(cm, normalize=True).axes[0]
    np.testing.assert_allclose(norm.images[0].get_array().sum(axis=1), 1.0)


def test_confusion_matrix_from_report_like_object_and_ax():
    class Report:
        confusion_matrix = np.array([[3, 1], [0, 4]])

    fig = Figure()
    ax = fig.add_subplot()
    assert plot_confusion_matrix(Report(), class_names=["a", "b"], ax=ax) is fig
    np.testing.assert_array_equal(ax.images[0].get_array(), [[3, 1], [0, 4]])


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)))
    with pytest.raises(ValueError, match="class names"):
        plot_confusion_matrix(np.eye(3))
    with pytest.raises(ValueError, match="non-negative"):
        plot_confusion_matrix(-np.eye(2), class_names=None)


# --------------------------------------------------------------------------- tuning


def test_tuning_results_running_best_and_failed_trials():
    results = pd.DataFrame(
        {
            "trial": [0, 1, 2, 3, 4],
            "score": [0.7, np.nan, 0.9, 0.8, 0.95],
            "status": ["COMPLETED", "FAILED", "COMPLETED", "COMPLETED", "INVALID"],
        }
    )
    ax = plot_tuning_results(results).axes[0]
    best, points, failed = ax.get_lines()
    np.testing.assert_allclose(best.get_ydata(), [0.7, 0.7, 0.9, 0.9, 0.9])
    np.testing.assert_allclose(points.get_ydata(), [0.7, 0.9, 0.8])
    np.testing.assert_array_equal(failed.get_xdata(), [1, 4])
    assert "3 of 5" in ax.get_title()


def test_tuning_results_lower_is_better_and_dict_input():
    ax = plot_tuning_results(
        {"trial": [0, 1, 2], "score": [0.5, 0.3, 0.4]}, greater_is_better=False
    ).axes[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.5, 0.3, 0.3])


def test_tuning_results_rejects_missing_columns():
    with pytest.raises(ValueError, match="score"):
        plot_tuning_results(pd.DataFrame({"trial": [0]}))
    with pytest.raises(ValueError, match="no trials"):
        plot_tuning_results(pd.DataFrame({"trial": [], "score": []}))


# --------------------------------------------------------------------------- import


def test_no_pyplot_state_is_used(small_train):
    X, y = small_train
    plot_image_grid(X, y, n=3)
    assert (
        "matplotlib.pyplot" not in sys.modules
        or not __import__("matplotlib.pyplot").pyplot.get_fignums()
    )


def test_missing_matplotlib_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    import fashionnet.plotting as plotting

    importlib.reload(plotting)  # the module itself imports without matplotlib
    with pytest.raises(ImportError, match=r"pip install fashionnet\[plot\]"):
        plotting.plot_history(_history())
    monkeypatch.undo()
    importlib.reload(plotting)
