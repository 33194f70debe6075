"""Keras callbacks of fashionnet: :class:`ProgressBar`.

:class:`ProgressBar` is the Keras callback that draws ``unit k/N | epoch
e/E`` bars on a :class:`~fashionnet.progress.ProgressStream` for a series of
fits: a single fit, every trial of a search or every fold of a
cross-validation. It is display only: ``save`` leaves it out
of a saved classifier without a warning.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from ._backend import import_keras
from .progress import ProgressStream

keras = import_keras()

__all__ = ["ProgressBar", "ProgressStream"]


class ProgressBar(keras.callbacks.Callback):
    """A Keras callback drawing one bar per epoch for a series of fits.

    One instance counts every fit it sees: it survives
    :func:`sklearn.base.clone` and keras-tuner's copies as the same object,
    so a search or a cross-validation shows ``trial 3/10`` or ``fold 2/5``.

    Parameters
    ----------
    unit : str, default="fit"
        What one fit is called in the bar (``"fit"``, ``"trial"``, ``"fold"``).
    total_fits : int, default=1
        How many fits the series has.
    stream : ProgressStream, text stream or None, default=sys.stderr
        Where the bars go.
    run_eagerly : bool, default=False
        Make every model it is attached to run eagerly: for a handful of
        steps, tracing a graph costs far more than running it.

    Examples
    --------
    >>> import io
    >>> from fashionnet.callbacks import ProgressBar
    >>> from fashionnet.models import LeNet5Classifier
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> X, y = load_fashion_mnist("test")
    >>> out = io.StringIO()
    >>> clf = LeNet5Classifier(epochs=1, callbacks=[ProgressBar(stream=out)])
    >>> clf = clf.fit(X[:200], y[:200])
    >>> out.getvalue().startswith("  fit 1/1 epoch [####################] 1/1")
    True
    """

    def __init__(
        self,
        unit: str = "fit",
        total_fits: int = 1,
        stream: ProgressStream | IO[str] | None = sys.stderr,
        run_eagerly: bool = False,
    ) -> None:
        super().__init__()
        self.unit = unit
        self.total_fits = int(total_fits)
        self.progress = stream if isinstance(stream, ProgressStream) else ProgressStream(stream)
        self.run_eagerly = run_eagerly
        self.fits = 0
        self.epochs = 0

    def __deepcopy__(self, memo: dict) -> ProgressBar:
        return self

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        if self.run_eagerly:
            model.run_eagerly = True

    def on_train_begin(self, logs: Any = None) -> None:
        self.fits += 1
        self.epochs = int(self.params.get("epochs") or 0)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = logs or {}
        scores = "  ".join(f"{k}={logs[k]:.4f}" for k in ("accuracy", "val_accuracy") if k in logs)
        fit = min(self.fits, self.total_fits)
        self.progress.bar(
            f"{self.unit} {fit}/{self.total_fits} epoch", epoch + 1, self.epochs, scores
        )
