"""Estimators and helpers shared by the tuning tests.

The estimators record each fit across clones (clone copies parameters, not
instances), so a test can see which trials really ran, and can be
interrupted (Ctrl-C) or made to fail on cue.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from sklearn.linear_model import RidgeClassifier

import fashionnet

FITS: list[dict] = []
STOP_AT: list[int] = []  # raise KeyboardInterrupt at this fit number
FAIL_ALPHAS: set[float] = set()  # fits with these alphas raise


class RecordingRidge(RidgeClassifier):
    """RidgeClassifier that records each fit and can be interrupted or failed on cue."""

    def fit(self, X, y, sample_weight=None):
        FITS.append(self.get_params())
        if STOP_AT and len(FITS) == STOP_AT[0]:
            raise KeyboardInterrupt
        if self.alpha in FAIL_ALPHAS:
            raise RuntimeError(f"alpha={self.alpha} fails on cue")
        return super().fit(X, y, sample_weight)


class EpochRidge(RecordingRidge):
    """A RidgeClassifier with an ``epochs`` parameter, to watch Hyperband set it."""

    def __init__(self, alpha=1.0, epochs=1):
        super().__init__(alpha=alpha)
        self.epochs = epochs


def reset() -> None:
    FITS.clear()
    STOP_AT.clear()
    FAIL_ALPHAS.clear()


def subprocess_env(**extra: str) -> dict:
    """Environment for a child Python that imports this checkout's fashionnet."""
    root = str(Path(fashionnet.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    return dict(os.environ, PYTHONPATH=path, TF_CPP_MIN_LOG_LEVEL="3", **extra)


def trial_status(path: Path) -> str | None:
    """The status in a trial.json; None while it is not written (or being written)."""
    try:
        return json.loads(path.read_text())["status"]
    except (OSError, ValueError, KeyError):
        return None
