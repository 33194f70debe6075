"""The one base class of fashionnet's Keras estimators.

:class:`FashionNetClassifier` subclasses :class:`scikeras.wrappers.KerasClassifier`
and fixes, in one place, what scikeras 0.13 leaves undone on current
scikit-learn. It overrides these scikeras methods, each for a reason:

- ``__init__``: stores our parameters only, under their own names (scikeras'
  sets a dozen attributes that are not parameters, which ``clone`` and
  ``get_params`` then see).
- ``_get_param_names``, ``set_params`` and ``__repr__``: scikit-learn's
  own, reading the ``__init__`` signature (scikeras reads ``__dict__`` and
  routes ``model__``/``fit__`` prefixes we do not use), so ``clone``,
  ``GridSearchCV`` and ``Pipeline`` see exactly the parameters.
- ``__sklearn_tags__`` (not in scikeras): on scikit-learn >= 1.6 scikeras'
  classifier is not even seen as one (its ``BaseWrapper`` precedes
  ``ClassifierMixin``), so ``cv=5`` would not stratify.
- ``fit``, ``initialize`` and ``partial_fit``: validate the images without
  a float copy (the network scales them), learn input statistics, build a
  fresh seeded network per fit, and keep ``history_`` as a DataFrame. With
  a ``time_budget``, ``fit`` measures the network's step time first and
  trains the epochs that fit (:mod:`fashionnet.models._budget`).
- ``_build_keras_model``: the network is ``_build_network`` of the subclass
  behind one ``keras.Input`` in the layout seen at fit, compiled here.
- ``predict_proba``, ``predict`` and ``score``: the same validation as fit
  (feature names and ``n_features_in_`` through scikit-learn's public
  :func:`sklearn.utils.validation.validate_data`), a large prediction
  batch, labels from ``classes_``. ``predict_proba`` averages the network's
  probabilities over the views of ``_tta_views`` (the image alone unless a
  subclass adds test-time augmentation); ``inference_model`` builds the
  same computation as one Keras graph, which ``export`` writes.

Not in scikeras: ``class_weight``, ``fit(validation_data=...)`` and
``warm_start``, in the methods of the "training options" section.

Subclasses only say how the network is built (``_build_network``) and how the
pixels must be scaled for it (``_pixel_range``); they may change the loss
(``_make_loss``) and the optimizer (``_make_optimizer``, which is told the
number of steps per epoch and the epochs this fit trains, so that schedules
end with the fit).
Every network is built under the estimator's ``dtype_policy`` (mixed
precision) with a float32 output layer, and Keras' global policy is restored
afterwards.
"""

from __future__ import annotations

import contextlib
import json
import math
import numbers
import os
import random
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd
import scipy.sparse
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._backend import tensorboard_callback
from .._checks import check_class_weight, check_sample_weight, check_training_weights
from .._validation import as_pixel_array, check_images, check_labels
from ._budget import (
    BudgetGuard,
    budget_facts,
    known_speed,
    measure_speed,
    plan_epochs,
    remember_speed,
    speed_key,
    stretch_schedule,
    timed_seconds,
)
from .skops_io import network_state, restore_network

__all__ = ["FashionNetClassifier"]

#: The prediction batch size when ``batch_size`` is smaller: prediction keeps
#: no gradients, so larger batches are cheaper and the result is identical.
_PREDICT_BATCH_SIZE = 256

#: Keras dtype policies a classifier may be built under. Pure "bfloat16" or
#: "float16" weights lose the small updates of training, so only the mixed
#: policies (float32 weights, low-precision computation) are offered.
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16", "auto")

#: Parameters of every estimator that a warm start may change: they shape
#: the training (or nothing), not the network.
_TRAINING_PARAMS = frozenset(
    {
        "learning_rate",
        "batch_size",
        "epochs",
        "optimizer",
        "validation_split",
        "early_stopping",
        "callbacks",
        "log_dir",
        "csv_log",
        "random_state",
        "verbose",
        "class_weight",
        "warm_start",
        "time_budget",
    }
)


class FashionNetClassifier(KerasClassifier):
    """Base class of the Keras image classifiers, a scikit-learn citizen.

    Not used directly: use :class:`~fashionnet.models.LeNet5Classifier` or
    :class:`~fashionnet.models.TransferClassifier`. Subclasses implement
    ``_build_network(inputs, n_classes)``.

    Inputs are images as uint8 grey levels 0..255 (or other integers in that
    range) or floats already scaled to 0..1, in any of the layouts
    ``(n, H*W)``, ``(n, H, W)`` or ``(n, H, W, C)``, or a pixel DataFrame.
    Flat rows with a square number of pixels are square images (784 is
    28 x 28); a row with another number of values ``m`` is read as a
    ``1 x m`` strip, so that generic feature matrices still work. The pixels
    reach Keras as they are: the first layers of the model reshape, cast,
    scale, pad or resize them, so no float copy of the data is ever made.

    Parameters
    ----------
    learning_rate : float, keras.optimizers.schedules.LearningRateSchedule or None
        Learning rate of the optimizer, fixed or as a Keras schedule of the
        training step (e.g. ``CosineDecay``, or its Keras config dict, so that a
        study profile stays plain data); None keeps the optimizer's.
    batch_size : int
        Images per gradient step.
    epochs : int
        Passes over the training data.
    optimizer : str, keras.optimizers.Optimizer or its class, default="adam"
        A Keras optimizer name, class or instance (copied at every fit), or its
        Keras config dict (``{"class_name": "SGD", "config": {"momentum": 0.9}}``).
    validation_split : float, default=0.0
        Fraction of the training images, taken from the end, held out for
        validation at every epoch (Keras' ``validation_split``).
    early_stopping : int or None, default=None
        Patience in epochs. Training stops when the monitored loss
        (``val_loss`` with validation data, else ``loss``) has not improved
        for that many epochs, and the best weights are restored.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Extra Keras callbacks for ``fit``.
    log_dir : str, path or None, default=None
        Directory for TensorBoard logs: Keras' ``TensorBoard`` callback on
        the TensorFlow backend, tensorboardX's writer on JAX and PyTorch;
        where neither is installed they are skipped with one warning.
    csv_log : str, path or None, default=None
        File where a ``keras.callbacks.CSVLogger`` writes one row per epoch.
    random_state : int, numpy.random.RandomState or None, default=None
        Seed of the weights initialisation, dropout and shuffling. With a
        fixed seed two fits on the same data give identical predictions.
    verbose : int, default=0
        Keras progress output during ``fit``: 0 silent, 1 progress bar,
        2 one line per epoch.
    dtype_policy : {"float32", "mixed_bfloat16", "mixed_float16", "auto"} or None, default=None
        Keras dtype policy the network is built with. The mixed policies keep
        the weights in float32 and compute in bfloat16 (CPUs with AVX512_BF16
        or AMX, TPUs, recent GPUs) or float16 (GPUs; the loss is scaled
        automatically); the output layer always computes in float32, so the
        probabilities are float32 and sum to 1. ``"auto"`` is
        ``"mixed_bfloat16"`` where the device computes bfloat16 in hardware
        (:func:`fashionnet._backend.bfloat16_is_native`) and ``"float32"``
        elsewhere. None uses Keras' global policy at fit time (float32 unless
        changed with ``keras.config.set_dtype_policy``). The global policy is
        left as it was, and saved models keep the policy they were built
        with (``dtype_policy_``).
    class_weight : dict, "balanced" or None, default=None
        Weight of each class in the loss, as in scikit-learn: a dict maps a
        class to its weight (classes left out weigh 1); ``"balanced"`` weighs
        each class by ``n_samples / (n_classes * count)``, its count being
        the sum of its ``sample_weight``. Multiplied into ``sample_weight``;
        the validation loss is not weighted.
    warm_start : bool, default=False
        When fitted, :meth:`fit` goes on training the fitted network for
        ``epochs`` more epochs, with a fresh optimizer (and learning-rate
        schedule), appending to ``history_``, as scikit-learn's warm start.
        The classes and the image shape must be those of the first fit, and
        the parameters that shape the network must not have changed (a
        ``ValueError`` names them); False builds a new network at every fit.
    time_budget : float or None, default=None
        Seconds of wall time for the whole ``fit`` (validation, building,
        training). Fit first times a few training steps of the network on
        this machine, then trains the most epochs, up to ``epochs``, that end
        within the budget, with the learning-rate schedule laid out over
        them: the same fit as ``epochs=epochs_``, whatever this machine's
        speed. Should the machine slow down so much that an epoch would end
        more than 10 % past the budget, training stops at the end of the
        epoch before and ``budget_["cut"]`` says so. A budget too short for
        one epoch trains one, with a warning. ``partial_fit`` ignores it.
        None trains ``epochs`` epochs.
    """

    #: Pixel range the network wants: 1.0 for 0..1, 255.0 for 0..255.
    _pixel_range: float = 1.0
    #: Fitted float attributes that ``save`` keeps besides the common ones.
    _fitted_scalars: tuple[str, ...] = ()
    #: Parameters of the subclass that a warm start may change (they shape
    #: training or prediction, not the network); see ``_network_params``.
    _training_params: tuple[str, ...] = ()

    def __init__(
        self,
        *,
        learning_rate: float | None = 1e-3,
        batch_size: int = 32,
        epochs: int = 10,
        optimizer: Any = "adam",
        validation_split: float = 0.0,
        early_stopping: int | None = None,
        callbacks: list | None = None,
        log_dir: str | os.PathLike | None = None,
        csv_log: str | os.PathLike | None = None,
        random_state: Any = None,
        verbose: int = 0,
        dtype_policy: str | None = None,
        class_weight: dict | str | None = None,
        warm_start: bool = False,
        time_budget: float | None = None,
    ) -> None:
        # Deliberately not calling KerasClassifier.__init__: it sets a dozen
        # attributes that are not parameters of ours.
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.optimizer = optimizer
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.callbacks = callbacks
        self.log_dir = log_dir
        self.csv_log = csv_log
        self.random_state = random_state
        self.verbose = verbose
        self.dtype_policy = dtype_policy
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.time_budget = time_budget

    # ------------------------------------------------------------------ #
    # scikit-learn plumbing: parameters, tags, repr
    # ------------------------------------------------------------------ #

    # scikeras reads parameters from the instance's __dict__; scikit-learn
    # reads them from the __init__ signature, which is what clone expects.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    set_params = BaseEstimator.set_params
    __repr__ = BaseEstimator.__repr__

    def __sklearn_tags__(self):
        # BaseWrapper precedes ClassifierMixin in the MRO, so the mixin's
        # tags never apply to a scikeras classifier: set them here.
        from sklearn.utils import ClassifierTags

        tags = BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_class=True, multi_label=False)
        tags.target_tags.required = True
        tags.input_tags.two_d_array = True
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    #: Fitted attributes rebuilt from the parameters on load, not stored.
    _rebuilt_on_load: tuple[str, ...] = ()

    def __getstate__(self) -> dict:
        # The network as a .keras file's bytes, not a Keras object graph: what
        # skops (so MLflow), pickle and deepcopy store (models/skops_io.py).
        return network_state(super().__getstate__(), rebuilt=self._rebuilt_on_load)

    def __setstate__(self, state: dict) -> None:
        with _dtype_policy(state.get("dtype_policy_")):
            super().__setstate__(restore_network(state))
        if self._rebuilt_on_load and hasattr(self, "model_"):
            self._restore_fitted()

    # ------------------------------------------------------------------ #
    # fitting
    # ------------------------------------------------------------------ #

    def fit(
        self, X: Any, y: Any, sample_weight: Any = None, *, validation_data: Any = None
    ) -> FashionNetClassifier:
        """Build a fresh network and train it on ``(X, y)``.

        With ``warm_start=True`` and a fitted network, train that network
        further instead.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images ``(n, 784)``, ``(n, 28, 28)`` or ``(n, H, W, C)``; uint8
            0..255 or floats in 0..1.
        y : array-like of shape (n,)
            Class labels (any hashable values; one-hot encoded internally).
        sample_weight : array-like of shape (n,) or None, default=None
            Weight of each image in the loss (multiplied by ``class_weight``).
        validation_data : tuple (X_val, y_val) or None, default=None
            Images and labels scored at the end of every epoch: ``history_``
            gains ``val_loss`` and ``val_accuracy``, and ``early_stopping``
            monitors ``val_loss``. Instead of ``validation_split``, not with
            it. In a :class:`~sklearn.pipeline.Pipeline`, pass it as
            ``clf__validation_data``; a search passes it to every fit
            unchanged (it is not split into folds).

        Returns
        -------
        self
            The fitted estimator.
        """
        started = time.perf_counter()
        self._check_params()
        seed = self._seed()
        with _restoring_global_rng(seed):
            warm = self.warm_start and self.__sklearn_is_fitted__()
            if warm:
                X, y, sample_weight = self._setup_warm_start(X, y, sample_weight)
            else:
                X, y, sample_weight = self._setup(X, y, sample_weight, seed)
            validation = self._check_validation_data(validation_data)
            guard = None
            if self.time_budget is not None:
                self._plan_within_budget(
                    X, y, sample_weight, seed, started, warm=warm, validation=validation
                )
                guard = BudgetGuard(float(self.time_budget), started, self.epochs_)
            self._train(
                X,
                y,
                sample_weight,
                epochs=self.epochs_,
                seed=seed,
                whole_fit=True,
                validation=validation,
                guard=guard,
            )
        if guard is not None:
            self.budget_.update(
                fit_seconds=time.perf_counter() - started,
                epochs_run=len(self.history_) - self.budget_["initial_epoch"],
                cut=guard.cut,
            )
        return self

    def _plan_within_budget(
        self,
        X,
        y,
        sample_weight,
        seed: int | None,
        started: float,
        *,
        warm: bool,
        validation: tuple | None,
    ) -> None:
        """Time the network's steps, set ``epochs_``, and set the network up for them.

        A fresh network is built again from the seed (so the fit is the fit of
        ``epochs=epochs_``); a warm-started one gets its weights back and a
        fresh optimizer for the chosen epochs.
        """
        build_seconds = time.perf_counter() - started
        targets = self._one_hot(y)
        n_fit = X.shape[0] - int(X.shape[0] * self.validation_split)
        self._before_timing(X)

        def run_steps(n_steps: int) -> float:
            n = min(n_steps * self.batch_size, n_fit)
            begin = time.perf_counter()
            self._fit_keras(
                X[:n],
                targets[:n],
                whole_fit=True,
                seed=None,
                sample_weight=None if sample_weight is None else sample_weight[:n],
                batch_size=self.batch_size,
                epochs=1,
                verbose=0,
                shuffle=False,
            )
            return time.perf_counter() - begin

        key = speed_key(self.model_, self.batch_size)
        speed = known_speed(key)
        measured = speed is None
        if measured:  # the first fit of this network in this process: time it
            weights = self.model_.get_weights() if warm else None
            speed = measure_speed(
                run_steps,
                self._steps_per_epoch(X.shape[0]),
                timed_seconds(float(self.time_budget)),
            )
            remember_speed(key, speed)
        n_val = X.shape[0] - n_fit if validation is None else len(validation[1])
        plan = plan_epochs(
            float(self.time_budget),
            elapsed=time.perf_counter() - started,
            rebuild_seconds=build_seconds,
            speed=speed,
            steps_per_epoch=self._steps_per_epoch(X.shape[0]),
            validation_steps=math.ceil(n_val / self.batch_size),
            max_epochs=self.epochs,
        )
        if plan["overrun"]:
            warnings.warn(
                f"{type(self).__name__}: time_budget={self.time_budget} s is too short for one "
                f"epoch on this machine (about {plan['expected_seconds']:.0f} s for the fit "
                "with one); training one epoch.",
                UserWarning,
                stacklevel=3,
            )
        self.epochs_ = plan["epochs"]
        self.budget_ = budget_facts(
            float(self.time_budget), speed, plan, self.epochs, measured=measured
        )
        self.budget_["initial_epoch"] = len(self.history_) if warm else 0
        if warm:
            if weights is not None:
                self.model_.set_weights(weights)
            self._compile(self.model_, X.shape[0])
            return
        # The same network as a fit with epochs=epochs_: same seed, fresh weights.
        if seed is not None:
            keras.utils.set_random_seed(seed)
        self.model_ = self._build_keras_model(X.shape[0])
        self._built_with = self._network_params()
        self.history_ = pd.DataFrame()

    def _before_timing(self, X: np.ndarray) -> None:
        """Work a fit does once on all of ``X`` before its steps, done before they are timed."""

    def initialize(self, X: Any, y: Any) -> FashionNetClassifier:
        """Build and compile the network for ``(X, y)`` without training it.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images, as for :meth:`fit`.
        y : array-like of shape (n,)
            Class labels.

        Returns
        -------
        self
            The estimator with an untrained ``model_``.
        """
        self._check_params()
        seed = self._seed()
        with _restoring_global_rng(seed):
            self._setup(X, y, None, seed)
        return self

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
        if seed is not None:
            keras.utils.set_random_seed(seed)
        self._learn_input_statistics(X)
        self.epochs_ = self.epochs
        self._learn_background(X)
        self.model_ = self._build_keras_model(X.shape[0])
        self._built_with = self._network_params()
        self.history_ = pd.DataFrame()
        return X, y, sample_weight

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> FashionNetClassifier:
        """Train for one more epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images, as for :meth:`fit`.
        y : array-like of shape (n,)
            Class labels.
        classes : array-like or None, default=None
            All classes, needed on the first call when ``y`` may not show
            them all; ignored afterwards.
        sample_weight : array-like of shape (n,) or None, default=None
            Weight of each image in the loss.

        Returns
        -------
        self
            The estimator, trained one more epoch.
        """
        first_call = not self.__sklearn_is_fitted__()
        if first_call:
            self._check_params()
        X = self._check_X(X, reset=first_call)
        y = self._check_y(y, X.shape[0])
        if first_call:
            self.classes_ = np.unique(y if classes is None else classes)
            self.n_classes_ = int(self.classes_.shape[0])
            seed = self._seed()
            with _restoring_global_rng(seed):
                if seed is not None:
                    keras.utils.set_random_seed(seed)
                self._learn_input_statistics(X)
                self.epochs_ = self.epochs
                self._learn_background(X)
                self.model_ = self._build_keras_model(X.shape[0])
                self._built_with = self._network_params()
            self.history_ = pd.DataFrame()
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
        return self.model_.fit(X, targets, **fit_kwargs)

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

    # ------------------------------------------------------------------ #
    # training options: class weights, validation data, warm start
    # ------------------------------------------------------------------ #

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

    def _network_params(self) -> dict[str, str]:
        """The parameters that shaped ``model_``: all but the training ones."""
        free = _TRAINING_PARAMS.union(self._training_params)
        return {
            name: json.dumps(value, sort_keys=True, default=repr)
            for name, value in self.get_params(deep=False).items()
            if name not in free
        }

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
        built_with = getattr(self, "_built_with", None) or self._network_params()
        changed = sorted(
            name for name, value in self._network_params().items() if built_with.get(name) != value
        )
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

    def _learn_background(self, X: np.ndarray) -> None:
        """``background_``: the ground of most training images, for ``fashionnet predict``."""
        from ..images import is_light_background

        height, width, _ = self.image_shape_
        if min(height, width) < 3:  # feature strips, not images
            self.background_ = None
            return
        images = X.reshape((X.shape[0], *self.image_shape_))
        self.background_ = "light" if is_light_background(images).mean() > 0.5 else "dark"

    # ------------------------------------------------------------------ #
    # building
    # ------------------------------------------------------------------ #

    def _build_keras_model(self, n_samples: int) -> keras.Model:
        with _dtype_policy(_resolve_dtype_policy(self.dtype_policy)):
            self.dtype_policy_ = keras.config.dtype_policy().name
            inputs = keras.Input(shape=self.input_shape_, dtype=self.input_dtype_, name="pixels")
            outputs = self._build_network(inputs, self.n_classes_)
            # Built under the policy, the model scales the loss of mixed_float16.
            model = keras.Model(inputs, outputs, name=type(self).__name__)
            self._compile(model, n_samples)
        return model

    def _compile(self, model: keras.Model, n_samples: int) -> None:
        """Compile ``model`` with a fresh optimizer for ``epochs_`` epochs of ``n_samples``."""
        with _dtype_policy(self.dtype_policy_):
            model.compile(
                optimizer=self._make_optimizer(self._steps_per_epoch(n_samples), self.epochs_),
                loss=self._make_loss(),
                metrics=["accuracy"],
            )

    def _build_network(self, inputs, n_classes: int):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _classes_layer(n_classes: int, **kwargs: Any) -> keras.layers.Layer:
        """The softmax output layer; float32 under any policy, so probabilities sum to 1."""
        return keras.layers.Dense(
            n_classes, activation="softmax", dtype="float32", name="classes", **kwargs
        )

    def _make_loss(self):
        return "categorical_crossentropy"

    def _steps_per_epoch(self, n_samples: int) -> int:
        """Gradient steps in one epoch of ``n_samples`` images, as Keras counts them."""
        n_train = math.ceil(n_samples * (1 - self.validation_split))
        return max(1, math.ceil(n_train / self.batch_size))

    def _learn_input_statistics(self, X: np.ndarray) -> None:
        """Learn what the in-graph preprocessing needs from the training images."""

    @property
    def _input_scale(self) -> float:
        """Factor from the fitted input's pixel range to the network's."""
        if self.input_dtype_ == "uint8":
            return self._pixel_range / 255.0
        return self._pixel_range

    def _make_optimizer(self, steps_per_epoch: int, epochs: int):
        """The optimizer of a fit of ``epochs`` epochs of ``steps_per_epoch`` steps.

        A schedule given as ``learning_rate`` is meant for ``self.epochs``;
        when a time budget chose other epochs it is stretched over them.
        """
        optimizer = self.optimizer
        if isinstance(optimizer, Mapping):  # a Keras config: plain data, e.g. in a profile
            optimizer = keras.optimizers.deserialize(dict(optimizer))
        learning_rate = _learning_rate(self.learning_rate)
        if isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            learning_rate = stretch_schedule(learning_rate, epochs / self.epochs)
        kwargs = {} if learning_rate is None else {"learning_rate": learning_rate}
        if isinstance(optimizer, str):
            try:
                optimizer = type(keras.optimizers.get(optimizer))
            except ValueError:
                raise ValueError(
                    f"optimizer={self.optimizer!r} is not a Keras optimizer name; use e.g. "
                    "'adam', 'sgd', 'rmsprop' or a keras.optimizers.Optimizer."
                ) from None
        if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
            return optimizer(**kwargs)
        if isinstance(optimizer, keras.optimizers.Optimizer):
            # A fresh copy per fit: an optimizer's state belongs to one model.
            return type(optimizer).from_config({**optimizer.get_config(), **kwargs})
        raise TypeError(
            "optimizer must be a Keras optimizer name, class or instance; got "
            f"{type(self.optimizer).__name__}."
        )

    # ------------------------------------------------------------------ #
    # prediction
    # ------------------------------------------------------------------ #

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per entry of ``classes_``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images in any accepted layout with the shape seen at fit.

        Returns
        -------
        numpy.ndarray of shape (n, n_classes)
            Probabilities; each row sums to 1.
        """
        check_is_fitted(self)
        views = self._tta_views(self._check_X(X, reset=False))
        proba = self._predict_network(views[0])
        for view in views[1:]:
            proba = proba + self._predict_network(view)
        return proba / len(views) if len(views) > 1 else proba

    def _tta_views(self, x: Any) -> list:
        """The inputs whose probabilities :meth:`predict_proba` averages (test-time augmentation).

        ``x`` is a batch in the fitted input layout: a validated NumPy array
        at prediction, a symbolic Keras tensor when :meth:`export` builds
        the inference graph, so the views are written with ``keras.ops``.
        The image itself by default; a subclass adds its augmented views
        (``ResNetClassifier``'s mirror image), and both prediction and
        export follow.
        """
        return [x]

    def inference_model(self) -> keras.Model:
        """The Keras model computing :meth:`predict_proba`, test-time augmentation included.

        It takes the inputs ``predict_proba`` takes once validated: images in
        the layout and pixel type seen at fit (uint8 ``(n, 28, 28)`` for
        Fashion-MNIST), and returns the probabilities of ``classes_``. It
        calls ``model_`` in inference mode (``training=False``), so that
        training-time augmentation layers leave no random operation in an
        exported graph. :meth:`export` writes it.

        Returns
        -------
        keras.Model
        """
        check_is_fitted(self)
        return self._inference_graph(self.model_)

    def _inference_graph(self, network: keras.Model) -> keras.Model:
        """:meth:`inference_model` around ``network`` (``model_`` or its float32 twin)."""
        inputs = keras.Input(shape=self.input_shape_, dtype=self.input_dtype_, name="pixels")
        outputs = [network(view, training=False) for view in self._tta_views(inputs)]
        if len(outputs) > 1:
            outputs = [keras.layers.Average(name="tta_average", dtype="float32")(outputs)]
        return keras.Model(inputs, outputs[0], name=f"{network.name}_inference")

    def export(
        self, path: str | os.PathLike, format: str = "onnx", *, overwrite: bool = False,
        **kwargs: Any,
    ):
        """Write the fitted classifier for serving: ONNX, TensorFlow SavedModel or LiteRT.

        The exported model is :meth:`inference_model`: it takes what
        :meth:`predict_proba` takes (uint8 images in the layout seen at fit,
        its preprocessing in the graph) and gives the same probabilities,
        test-time augmentation included. Keras 3's ``Model.export`` writes
        it; the file is written atomically. An ONNX file also holds the
        class labels and ``background_`` in its metadata (``classes`` as a
        JSON list, ``background``). A mixed-precision network (see
        ``dtype_policy``) goes to ONNX as its float32 twin, the same weights
        computing in float32 (:func:`fashionnet.models.export.float32_twin`):
        its probabilities then agree with :meth:`predict_proba`'s to
        bfloat16's rounding (about 1e-2), not to 1e-5.

        Parameters
        ----------
        path : str or path-like
            Destination: a file for ``"onnx"`` (``.onnx``) and ``"litert"``
            (``.tflite``), a folder for ``"tf_saved_model"``. What is there
            is replaced only when fashionnet exported it (or it is empty);
            anything else is refused (see ``overwrite``).
        format : {"onnx", "tf_saved_model", "litert"}, default="onnx"
            ``"onnx"`` needs onnx and tf2onnx (and onnxruntime to serve),
            ``"litert"`` TensorFlow to convert (and ai-edge-litert to serve):
            ``pip install 'fashionnet[export]'``. ``"tf_saved_model"`` and
            ``"litert"`` need TensorFlow installed, on any backend Keras
            exports from.
        overwrite : bool, default=False
            Replace what is at ``path`` even when fashionnet did not write
            it. Never the current folder, one above it or a mount point; a
            link is replaced itself, never its target.
        **kwargs
            Passed to :meth:`keras.Model.export` (``opset_version`` for
            ONNX, converter options for LiteRT).

        Returns
        -------
        pathlib.Path
            The written file or folder.

        Raises
        ------
        ImportError
            A package the format needs is missing; the message names it and
            the extra to install.
        ValueError
            An unknown ``format``.
        FileExistsError
            ``path`` holds something fashionnet did not write (the message
            names it and the way out).
        """
        from .export import export_model

        return export_model(self, path, format, overwrite=overwrite, **kwargs)

    def _predict_network(self, X: np.ndarray) -> np.ndarray:
        """The network's probabilities for validated images, in inference mode."""
        batch_size = max(self.batch_size, _PREDICT_BATCH_SIZE)
        if X.shape[0] <= batch_size:
            # One batch: a direct call skips tracing a predict function.
            return keras.ops.convert_to_numpy(self.model_(X, training=False))
        return self.model_.predict(X, batch_size=batch_size, verbose=0)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each image.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images in any accepted layout with the shape seen at fit.

        Returns
        -------
        numpy.ndarray of shape (n,)
            Labels taken from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``.

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Images.
        y : array-like of shape (n,)
            True labels.
        sample_weight : array-like of shape (n,) or None, default=None
            Weight of each image.

        Returns
        -------
        float
            Fraction of images classified correctly.
        """
        y_pred = self.predict(X)
        y = check_labels(y, n_samples=y_pred.shape[0])
        return float(accuracy_score(y, y_pred, sample_weight=sample_weight))

    def save(self, path: str | os.PathLike, *, class_names: Any = None, overwrite: bool = False):
        """Write the fitted classifier to a ``.keras`` file, without pickle.

        The file is Keras' native format (network, preprocessing layers,
        weights, optimizer state) plus the estimator's parameters and fitted
        state; :func:`fashionnet.models.load_model` reads it back in Keras'
        safe mode. Parameters holding Python objects (``callbacks``, an
        optimizer instance) are not saved.

        Parameters
        ----------
        path : str or path-like
            Destination ending in ``.keras``; written atomically.
        class_names : sequence of str or None, default=None
            Display names of ``classes_``, in their order, kept in the file
            for ``fashionnet predict`` (e.g. ``CLASS_NAMES`` for
            Fashion-MNIST's labels 0..9); None shows the labels themselves.
        overwrite : bool, default=False
            Replace a file at ``path`` that fashionnet did not write; a model
            saved by fashionnet (or an empty file) is replaced without it.

        Returns
        -------
        pathlib.Path
            The written file.

        Raises
        ------
        FileExistsError
            ``path`` holds a file fashionnet did not write (the message
            names it and the way out).
        """
        from .persistence import save_model

        return save_model(self, path, class_names=class_names, overwrite=overwrite)

    # ------------------------------------------------------------------ #
    # validation
    # ------------------------------------------------------------------ #

    def _check_params(self) -> None:
        name = type(self).__name__
        try:
            learning_rate = _learning_rate(self.learning_rate)
        except (ValueError, TypeError, KeyError):
            learning_rate = self.learning_rate  # refused just below
        if learning_rate is not None and not (
            (_is_real(learning_rate) and math.isfinite(learning_rate) and learning_rate > 0)
            or isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule)
        ):
            raise ValueError(
                f"{name}: learning_rate must be a positive float, a "
                "keras.optimizers.schedules.LearningRateSchedule (or its Keras config "
                "dict) or None; "
                f"got {self.learning_rate!r}."
            )
        for param in ("batch_size", "epochs"):
            value = getattr(self, param)
            if not _is_int(value) or value < 1:
                raise ValueError(f"{name}: {param} must be an integer >= 1; got {value!r}.")
        if not (_is_real(self.validation_split) and 0 <= self.validation_split < 1):
            raise ValueError(
                f"{name}: validation_split must be a float in [0, 1); "
                f"got {self.validation_split!r}."
            )
        if self.early_stopping is not None and (
            not _is_int(self.early_stopping) or self.early_stopping < 0
        ):
            raise ValueError(
                f"{name}: early_stopping must be None or a patience in epochs (int >= 0); "
                f"got {self.early_stopping!r}."
            )
        if self.verbose not in (0, 1, 2) or isinstance(self.verbose, bool):
            raise ValueError(f"{name}: verbose must be 0, 1 or 2; got {self.verbose!r}.")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(
                f"{name}: callbacks must be a list of Keras callbacks or None; "
                f"got {type(self.callbacks).__name__}."
            )
        if self.time_budget is not None and not (
            _is_real(self.time_budget) and math.isfinite(self.time_budget) and self.time_budget > 0
        ):
            raise ValueError(
                f"{name}: time_budget must be None or a number of seconds > 0; "
                f"got {self.time_budget!r}."
            )
        if not isinstance(self.warm_start, (bool, np.bool_)):
            raise ValueError(f"{name}: warm_start must be True or False; got {self.warm_start!r}.")
        check_class_weight(self.class_weight, owner=name)
        if self.dtype_policy is not None and self.dtype_policy not in DTYPE_POLICIES:
            raise ValueError(
                f"{name}: dtype_policy must be None or one of {list(DTYPE_POLICIES)}; got "
                f"{self.dtype_policy!r}. Use 'auto' for bfloat16 where the device has it, "
                "'mixed_float16' on GPUs."
            )

    def _seed(self) -> int | None:
        if self.random_state is None:
            return None
        if _is_int(self.random_state):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _check_X(self, X: Any, *, reset: bool) -> np.ndarray:
        """Validate images; return them, without copying, in the fitted layout."""
        # Feature names only: n_features_in_ counts pixels of any layout, set below.
        validate_data(self, X, reset=reset, skip_check_array=True, ensure_2d=False)
        X = _as_numeric_array(X)
        flat = X.ndim == 2
        layout = tuple(int(d) for d in X.shape[1:])
        strip = flat and X.shape[1] > 0 and math.isqrt(X.shape[1]) ** 2 != X.shape[1]
        if strip:
            X = X.reshape(X.shape[0], 1, X.shape[1])
        # Images are pixels: floats must be scaled to [0, 1]. A strip is a generic
        # feature vector, whose floats the network takes as they are.
        X = check_images(X, scaled_floats=not strip)
        image_shape = tuple(int(d) for d in X.shape[1:]) + ((1,) if X.ndim == 3 else ())
        n_features = math.prod(image_shape)
        kind = "uint8" if X.dtype == np.uint8 else "float32"
        if reset:
            self.n_features_in_ = n_features
            self.image_shape_ = image_shape
            self.input_shape_ = layout
            self.input_dtype_ = kind
        name = type(self).__name__
        if n_features != self.n_features_in_:
            raise ValueError(
                f"X has {n_features} features, but {name} is expecting "
                f"{self.n_features_in_} features as input (images of shape "
                f"{self.image_shape_})."
            )
        if image_shape != self.image_shape_ and not flat:
            raise ValueError(
                f"X holds images of shape {image_shape}, but {name} was fitted on "
                f"images of shape {self.image_shape_}."
            )
        if kind != self.input_dtype_:
            fitted = "uint8 pixels 0..255" if self.input_dtype_ == "uint8" else "floats"
            raise ValueError(
                f"{name} was fitted on {fitted} but X holds {X.dtype} values; pass the "
                "same kind of pixels as at fit (scale floats with PixelScaler in a "
                "Pipeline so fit and predict agree)."
            )
        # A reshape of validated pixels: a view, never a copy.
        return X.reshape((X.shape[0], *self.input_shape_))

    def _check_y(self, y: Any, n_samples: int, names: tuple[str, str] = ("X", "y")) -> np.ndarray:
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if not hasattr(y, "columns"):
            y = np.asarray(y)
        if np.ndim(y) == 2 and np.shape(y)[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; "
                "it is used as y.ravel().",
                DataConversionWarning,
                stacklevel=3,
            )
        y = check_labels(y, n_samples=n_samples, x_name=names[0], name=names[1])
        check_classification_targets(y)
        return y

    @staticmethod
    def _check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
        return check_sample_weight(sample_weight, n_samples, dtype=keras.backend.floatx())


def _resolve_dtype_policy(name: str | None) -> str | None:
    """The policy a network is built under: ``"auto"`` becomes the device's best."""
    if name != "auto":
        return name
    from .._backend import bfloat16_is_native

    return "mixed_bfloat16" if bfloat16_is_native() else "float32"


@contextlib.contextmanager
def _dtype_policy(name: str | None) -> Iterator[None]:
    """Make ``name`` Keras' global dtype policy for the block, then restore the previous one.

    Keras reads the global policy when a layer is created (also inside
    ``keras.applications`` constructors, which take no dtype argument), and
    its global state is per thread. None leaves the policy as it is.
    """
    if name is None:
        yield
        return
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


@contextlib.contextmanager
def _restoring_global_rng(seed: int | None) -> Iterator[None]:
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


def _as_numeric_array(X: Any) -> np.ndarray:
    """:func:`as_pixel_array`, plus the refusals scikit-learn users expect."""
    if scipy.sparse.issparse(X):
        raise TypeError(
            "Sparse data was passed, but dense images are required: "
            "use X.toarray() (Fashion-MNIST fits in memory as uint8)."
        )
    if not hasattr(X, "columns"):
        X = np.asarray(X)
        if np.iscomplexobj(X):
            raise ValueError("Complex data not supported: pass real pixel values.")
    if isinstance(X, np.ndarray) and X.dtype == object:
        X = X.astype(np.float64)  # numbers stored as objects; raises on anything else
    X = as_pixel_array(X)
    if X.ndim < 2:
        raise ValueError(
            f"Expected a batch of images, got an array of shape {X.shape}. Reshape your "
            "data with X.reshape(1, -1) if it holds a single image, or "
            "X.reshape(-1, 1) if it holds single-pixel images."
        )
    if X.ndim == 2 and X.shape[1] == 0:
        raise ValueError(
            f"0 feature(s) (shape={X.shape}) while a minimum of 1 is required: X holds no pixels."
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
        )
    return X


def _learning_rate(value: Any) -> Any:
    """A learning rate, with a schedule's Keras config dict deserialised."""
    if isinstance(value, Mapping):
        return keras.optimizers.schedules.deserialize(dict(value))
    # Keras takes a Python float only: np.float32(1e-3) is a rate too.
    return float(value) if _is_real(value) else value


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def pixel_moments(X: np.ndarray, chunk: int = 4096) -> tuple[float, float]:
    """Mean and standard deviation of all pixels, without a float copy of ``X``.

    uint8 images are counted by grey level (exact integer sums, as
    :class:`~fashionnet.audit.DataAuditor` does per column); float images
    are summed in float64 chunks of ``chunk`` images.
    """
    levels = np.arange(256, dtype=np.int64)
    total = sum_ = sum_sq = 0
    for start in range(0, X.shape[0], chunk):
        block = X[start : start + chunk]
        if block.dtype == np.uint8:
            counts = np.bincount(block.reshape(-1), minlength=256)
            total += int(counts.sum())
            sum_ += int(counts @ levels)
            sum_sq += int(counts @ (levels * levels))
        else:
            block = block.astype(np.float64, copy=False)
            total += block.size
            sum_ += float(block.sum())
            sum_sq += float(np.square(block).sum())
    mean = sum_ / total
    return float(mean), float(np.sqrt(max(sum_sq / total - mean * mean, 0.0)))
