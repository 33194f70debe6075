"""The training run of a classifier: Keras' fit, its callbacks, and the training options.

:class:`TrainingMixin` trains ``model_`` with Keras: the seed of a run and
the Python and NumPy generators it leaves as they were, the callbacks the
parameters ask for (early stopping, TensorBoard, CSV log), the class
weights multiplied into the sample weights, ``validation_data``, and a warm
start that goes on training the fitted network (refused when a parameter
that shaped it has changed: :func:`fashionnet.models._params.network_params`).
Appends every run's epochs to ``history_``.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._backend import tensorboard_callback
from .._checks import check_training_weights
from ._distribution import fit_evenly
from ._params import is_int, network_params

__all__ = ["TrainingMixin", "private_keras_seeds", "restoring_global_rng"]


class TrainingMixin:
    """Run Keras' training of ``model_`` with the estimator's training options."""

    def _seed(self) -> int | None:
        """The seed of this fit, drawn from ``random_state`` (None: unseeded)."""
        if self.random_state is None:
            return None
        if is_int(self.random_state):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _train(
        self,
        X,
        y,
        sample_weight,
        *,
        epochs: int,
        seed: int | None,
        whole_fit: bool,
        validation: tuple | None = None,
        guard: keras.callbacks.Callback | None = None,
    ) -> None:
        """Train ``model_`` for ``epochs`` more epochs; append them to ``history_``."""
        targets = self._one_hot(y)
        has_validation = self.validation_split > 0 or validation is not None
        if self.validation_split > 0 and int(X.shape[0] * self.validation_split) < 1:
            raise ValueError(
                f"validation_split={self.validation_split} of {X.shape[0]} images leaves "
                "no validation image; use more images or a larger validation_split."
            )
        initial_epoch = len(self.history_)
        if seed is not None:
            # Reseed after building so shuffling does not depend on how many
            # random numbers the network's initialisers consumed.
            keras.utils.set_random_seed(seed)
        history = self._fit_keras(
            X,
            targets,
            whole_fit=whole_fit,
            seed=seed,
            sample_weight=sample_weight,
            batch_size=self.batch_size,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            verbose=self.verbose,
            validation_split=self.validation_split,
            shuffle=True,
            callbacks=self._make_callbacks(has_validation) + ([guard] if guard else []),
            **({} if validation is None else {"validation_data": validation}),
        )
        new = pd.DataFrame(history.history)
        new.index = pd.RangeIndex(initial_epoch, initial_epoch + len(new), name="epoch")
        self.history_ = new if self.history_.empty else pd.concat([self.history_, new])

    def _fit_keras(self, X, targets, *, whole_fit: bool, seed: int | None, **fit_kwargs: Any):
        """Run Keras' ``fit`` of ``model_``; return its History.

        ``whole_fit`` tells a fit from start to end (:meth:`fit`) from one
        more epoch (:meth:`partial_fit`); Keras was just seeded with
        ``seed``. Subclasses may train ``model_`` another way (the transfer
        classifier trains its tail on cached features), as long as
        ``model_``'s weights end up trained; they reseed Keras right before
        their own ``fit``, so that shuffling and dropout repeat.
        """
        return fit_evenly(self.model_, X, targets, **fit_kwargs)

    def _make_callbacks(self, has_validation: bool) -> list:
        callbacks = list(self.callbacks or [])
        for callback in callbacks:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks must hold keras.callbacks.Callback instances; got "
                    f"{type(callback).__name__}. Wrap custom logic in a Callback subclass."
                )
        if self.early_stopping is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss" if has_validation else "loss",
                    patience=self.early_stopping,
                    restore_best_weights=True,
                )
            )
        if self.log_dir is not None:
            writer = tensorboard_callback(self.log_dir)
            if writer is not None:  # None: no writer on this backend (warned once)
                callbacks.append(writer)
        if self.csv_log is not None:
            # CSVLogger opens the file as it is; on TensorFlow the TensorBoard
            # callback happened to create a shared parent folder first.
            os.makedirs(os.path.dirname(os.path.abspath(self.csv_log)), exist_ok=True)
            callbacks.append(keras.callbacks.CSVLogger(os.fspath(self.csv_log)))
        return callbacks

    def _one_hot(self, y: np.ndarray) -> np.ndarray:
        return (y[:, None] == self.classes_[None, :]).astype(keras.backend.floatx())

    def _weigh_classes(self, y: np.ndarray, sample_weight: np.ndarray | None):
        """``sample_weight`` times the weight of each image's class (scikit-learn's meaning)."""
        if self.class_weight is None:
            return sample_weight
        index = np.searchsorted(self.classes_, y)
        if isinstance(self.class_weight, str):  # "balanced", checked by _check_params
            counts = np.bincount(index, weights=sample_weight, minlength=self.n_classes_)
            present = counts > 0
            weights = np.ones(self.n_classes_)
            weights[present] = counts.sum() / (present.sum() * counts[present])
        else:
            weights = self._class_weight_vector()
        per_image = weights[index].astype(keras.backend.floatx())
        if sample_weight is None:
            return check_training_weights(per_image, "class_weight")
        return check_training_weights(per_image * sample_weight, "class_weight and sample_weight")

    def _class_weight_vector(self) -> np.ndarray:
        """The ``class_weight`` dict as one weight per entry of ``classes_``."""
        classes = self.classes_.tolist()
        unknown = [key for key in self.class_weight if key not in classes]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown[:5]} that are not classes of y "
                f"{classes[:10]}; give weights for the classes only."
            )
        return np.asarray([float(self.class_weight.get(c, 1.0)) for c in classes])

    def _check_validation_data(self, validation_data: Any) -> tuple | None:
        """``(X_val, one-hot y_val)`` in the fitted layout, or None."""
        if validation_data is None:
            return None
        if self.validation_split > 0:
            raise ValueError(
                f"{type(self).__name__}: pass validation_data or set validation_split "
                f"(now {self.validation_split}), not both."
            )
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError(
                "validation_data must be a pair (X_val, y_val) of images and labels; got "
                f"a {type(validation_data).__name__}"
                + (
                    f" of length {len(validation_data)}."
                    if hasattr(validation_data, "__len__")
                    else "."
                )
            )
        X_val, y_val = validation_data
        try:
            X_val = self._check_X(X_val, reset=False)
            y_val = self._check_y(y_val, X_val.shape[0], names=("X_val", "y_val"))
        except (ValueError, TypeError) as exc:
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"validation_data: {exc}") from None
        unknown = np.setdiff1d(y_val, self.classes_)
        if unknown.size:
            raise ValueError(
                f"validation_data holds classes {unknown[:5].tolist()} that y does not "
                f"({self.classes_.tolist()[:10]})."
            )
        return X_val, self._one_hot(y_val)

    def _setup_warm_start(self, X: Any, y: Any, sample_weight: Any):
        """Validate the data for the fitted network and compile it afresh."""
        X = self._check_X(X, reset=False)
        y = self._check_y(y, X.shape[0])
        classes = np.unique(y)
        if not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start can only be used where y has the same classes as in the "
                f"previous call to fit: previously {self.classes_.tolist()[:10]}, now "
                f"{classes.tolist()[:10]}. Set warm_start=False to build a new network."
            )
        now = network_params(self)
        built_with = getattr(self, "_built_with", None) or now
        changed = sorted(name for name, value in now.items() if built_with.get(name) != value)
        if changed:
            raise ValueError(
                f"warm_start goes on training the fitted network, but {changed} changed "
                "since it was built; set warm_start=False to build a new network, or "
                "restore their values."
            )
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        sample_weight = self._weigh_classes(y, sample_weight)
        self.epochs_ = self.epochs
        self._compile(self.model_, X.shape[0])
        return X, y, sample_weight

    # -------------------------------------------------------------- set-up

    def _setup(self, X: Any, y: Any, sample_weight: Any, seed: int | None):
        """Validate the data, then build a fresh network (seeded)."""
        X = self._check_X(X, reset=True)
        y = self._check_y(y, X.shape[0])
        self.classes_ = np.unique(y)
        if self.classes_.shape[0] < 2:
            raise ValueError(
                f"y holds 1 class ({self.classes_[0]!r}); a classifier needs at least "
                "2 classes to learn from."
            )
        self.n_classes_ = int(self.classes_.shape[0])
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        sample_weight = self._weigh_classes(y, sample_weight)
        self._learn_from_images(X)
        self._new_network(X.shape[0], seed)
        return X, y, sample_weight

    def _learn_from_images(self, X: np.ndarray) -> None:
        """Learn what a fresh network needs from its training images (no random draw)."""
        self._learn_input_statistics(X)
        self.epochs_ = self.epochs
        self._learn_background(X)

    def _partial_fit(self, X, y, classes, sample_weight, first_call: bool):
        """:meth:`partial_fit`'s work, under the estimator's distribution."""
        X = self._check_X(X, reset=first_call)
        y = self._check_y(y, X.shape[0])
        if first_call:
            self.classes_ = np.unique(y if classes is None else classes)
            self.n_classes_ = int(self.classes_.shape[0])
            seed = self._seed()
            with restoring_global_rng(seed):
                self._learn_from_images(X)
                self._new_network(X.shape[0], seed)
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"y holds classes {unknown[:5].tolist()} not in classes_ "
                f"{self.classes_.tolist()}; pass every class with classes= on the first call."
            )
        sample_weight = self._check_sample_weight(sample_weight, X.shape[0])
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit, which sees one "
                "batch at a time: compute the weights once with sklearn.utils.class_weight."
                "compute_class_weight('balanced', classes=classes, y=y) and pass them as a "
                "dict, class_weight=dict(zip(classes, weights))."
            )
        sample_weight = self._weigh_classes(y, sample_weight)
        self._train(X, y, sample_weight, epochs=1, seed=None, whole_fit=False)
        return self


@contextlib.contextmanager
def restoring_global_rng(seed: int | None) -> Iterator[None]:
    """Leave Python's and NumPy's global generators as they were after seeding Keras.

    ``keras.utils.set_random_seed`` seeds them too; a fit should not change
    what ``np.random`` draws next in the user's program.
    """
    if seed is None:
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002


@contextlib.contextmanager
def private_keras_seeds(seed: int | None) -> Iterator[None]:
    """Keras' unseeded initializers draw their seeds from ``random.Random(seed)``.

    Keras gives every initializer built without a seed one drawn from
    Python's global generator (``random.randint`` in
    ``keras.src.random.seed_generator``), which ``keras.utils.set_random_seed``
    seeds. Another thread of the process may draw from that generator
    meanwhile: a Dask worker's event loop does, and the same seed then gave
    other initial weights now and then (measured in a worker under load:
    fold accuracies 0.575 and 0.48 where a serial fit gave 0.615 and 0.39).
    A generator of our own, seeded as ``set_random_seed`` seeds the global
    one, gives exactly the draws of an undisturbed serial fit, whatever other
    threads do. The swap is module-wide while a network is built: a Keras
    model built in another thread at that moment draws from it too.
    """
    module = sys.modules.get("keras.src.random.seed_generator")
    if seed is None or module is None or not hasattr(module, "python_random"):
        yield
        return
    shared = module.python_random
    module.python_random = random.Random(seed)
    try:
        yield
    finally:
        module.python_random = shared
