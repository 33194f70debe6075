"""fashionnet.plotting.diagnostics: check what is drawn, not only that nothing raised."""

from __future__ import annotations

import matplotlib  # noqa: E402,F401
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure  # noqa: E402

from fashionnet.datasets import CLASS_NAMES  # noqa: E402
from fashionnet.plotting import (  # noqa: E402
    plot_confusion_matrix,
    plot_history,
    plot_tuning_results,
)


def _history(epochs=3, validation=True):
    data = {"loss": np.linspace(1.0, 0.4, epochs), "accuracy": np.linspace(0.6, 0.9, epochs)}
    if validation:
        data["val_loss"] = np.linspace(1.1, 0.5, epochs)
        data["val_accuracy"] = np.linspace(0.55, 0.85, epochs)
    return pd.DataFrame(data)


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
    fig = plot_confusion_matrix(cm, class_names=CLASS_NAMES)
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
        plot_confusion_matrix(np.eye(3), class_names=CLASS_NAMES)
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
