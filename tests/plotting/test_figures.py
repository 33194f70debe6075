"""fashionnet.plotting._figures: no pyplot state, matplotlib on demand."""

from __future__ import annotations

import builtins
import importlib
import sys

import matplotlib  # noqa: E402,F401
import numpy as np
import pandas as pd
import pytest

from fashionnet.plotting import (  # noqa: E402
    plot_image_grid,
)


def _history(epochs=3, validation=True):
    data = {"loss": np.linspace(1.0, 0.4, epochs), "accuracy": np.linspace(0.6, 0.9, epochs)}
    if validation:
        data["val_loss"] = np.linspace(1.1, 0.5, epochs)
        data["val_accuracy"] = np.linspace(0.55, 0.85, epochs)
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- import


#: The package's modules, helpers first (the others import from them).
_SUBMODULES = ("_figures", "gallery", "distributions", "diagnostics")


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

    modules = [sys.modules[f"fashionnet.plotting.{name}"] for name in _SUBMODULES]
    for module in [*modules, plotting]:
        importlib.reload(module)  # the modules themselves import without matplotlib
    with pytest.raises(ImportError, match=r"pip install fashionnet\[plot\]"):
        plotting.plot_history(_history())
    monkeypatch.undo()
    for module in [*modules, plotting]:
        importlib.reload(module)
