"""The one base class of fashionnet's Keras estimators: the scikit-learn contract.

:class:`FashionNetClassifier` subclasses :class:`scikeras.wrappers.KerasClassifier`
(the project's users asked for scikeras) and overrides what scikeras 0.13
leaves undone on current scikit-learn: ``__init__`` stores our parameters
only; ``_get_param_names``, ``set_params`` and ``__repr__`` are
scikit-learn's, reading the ``__init__`` signature; ``__sklearn_tags__``
makes it a classifier on scikit-learn >= 1.6; ``fit``, ``partial_fit``,
``initialize``, ``predict_proba``, ``predict`` and ``score`` validate images
without a float copy and build a fresh seeded network per fit. The developer
notes (``docs/developer.rst``) say what we take from scikeras and why.

This module keeps the contract (the parameters, the tags, ``fit``,
``partial_fit``, ``predict``, ``score``, ``save``) and delegates each side
concern to a mixin of its own module, as skorch keeps them in callbacks and
keras-tuner in its Oracle: :mod:`~fashionnet.models._inputs` (images,
labels, weights), :mod:`~fashionnet.models._training` (the Keras run, class
weights, validation data, warm start, seeds),
:mod:`~fashionnet.models._network` (build, compile, optimizer, inference
graph, export), :mod:`~fashionnet.models._budget_plan` (``time_budget``).
Parameters are declared once in :mod:`~fashionnet.models._params`, the
fitted state listed once in :mod:`~fashionnet.models._state`, the dtype
policy applied by :mod:`~fashionnet.models._precision`.

Subclasses say how the network is built (``_build_network``), the pixel
range it wants (``_pixel_range``) and declare their own parameters
(``_declared_params``); they may change the loss (``_make_loss``) and the
optimizer (``_make_optimizer``, told the steps per epoch and the epochs this
fit trains, so that schedules end with the fit).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.metrics import accuracy_score
from sklearn.utils import ClassifierTags
from sklearn.utils.validation import check_is_fitted

from .._validation import check_labels
from .._workers import fit_location, worker_fit
from ._budget_plan import BudgetPlanMixin
from ._distribution import DistributionMixin
from ._inputs import InputsMixin, pixel_moments  # noqa: F401  (importable from here)
from ._network import NetworkMixin
from ._params import COMMON_PARAMS, check_params
from ._precision import DTYPE_POLICIES  # noqa: F401  (importable from here)
from ._training import TrainingMixin, restoring_global_rng
from .persistence import save_model
from .skops_io import NetworkStateMixin

__all__ = ["FashionNetClassifier"]


class FashionNetClassifier(
    InputsMixin,
    TrainingMixin,
    NetworkMixin,
    BudgetPlanMixin,
    DistributionMixin,
    NetworkStateMixin,
    KerasClassifier,
):
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
    learning_rate : float, LearningRateSchedule or None, default=1e-3
        Learning rate of the optimizer, fixed or as a Keras schedule of the
        training step (e.g. ``CosineDecay``, or its Keras config dict, so that a
        study profile stays plain data); None keeps the optimizer's.
    batch_size : int, default=32
        Images per gradient step.
    epochs : int, default=10
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
        File where Keras' ``CSVLogger`` writes one row per epoch.
    random_state : int, numpy.random.RandomState or None, default=None
        Seed of everything random in a fit: the initial weights, the
        shuffling, and dropout or augmentation where the network has them.
        With a fixed seed two fits on the same data give identical predictions.
    verbose : int, default=0
        Keras progress output during ``fit``: 0 silent, 1 progress bar,
        2 one line per epoch.
    dtype_policy : {"float32", "mixed_bfloat16", "mixed_float16", "auto"} or None, default=None
        Mixed precision: the Keras dtype policy the network is built with.
        The mixed policies keep the weights in float32 and compute in
        bfloat16 or float16 (GPUs; the loss is scaled automatically); the
        output layer stays float32, so the probabilities are float32 and sum
        to 1. ``"auto"`` computes in bfloat16 where the device does so in
        hardware (:func:`fashionnet._backend.bfloat16_is_native`: CPUs with
        AVX512_BF16 or AMX on TensorFlow, GPUs from compute capability 8.0),
        in float32 elsewhere. None uses Keras' global policy at fit time,
        float32 unless changed. The global policy is left as it was; saved
        models keep the policy they were built with (``dtype_policy_``).
    distribution : {"data_parallel"}, keras.distribution.Distribution or None, default=None
        The devices one fit trains on, through ``keras.distribution`` (Keras'
        JAX backend only; elsewhere fit refuses it and names the backend to
        use). None trains on one device, as Keras does by default.
        ``"data_parallel"`` is ``keras.distribution.DataParallel`` over every
        local device of the backend (all GPUs, or all CPU devices): the
        weights are replicated, each batch is split across the devices and
        ``batch_size``, the global batch, must be a multiple of their number.
        A ``DataParallel`` or ``ModelParallel`` you built is used as it is.
        It applies to this estimator's ``fit``, ``partial_fit``,
        ``predict`` and loading only: Keras' global distribution is left as
        it was. ``distribution_`` records the devices of the fit; a saved
        model keeps ``"data_parallel"`` (a Distribution you built is saved
        as its description and loads as ``"data_parallel"``; a backend
        without distributions loads it as None, with a warning).
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
        this machine and plans the most epochs, up to ``epochs``, that end
        within the budget; then, at every epoch's end, it plans again from
        the epochs it has timed (validation and callbacks included), and
        lays the rest of the learning-rate schedule over exactly the epochs
        still affordable, so that the schedule ends at the last epoch that
        runs (``epochs_``, ``budget_["replans"]``). Only when even one more
        epoch would end more than 10 % past the budget does training stop
        before its plan, and ``budget_["cut"]`` says so. A budget too short
        for one epoch trains one, with a warning. ``partial_fit`` ignores
        it. None trains ``epochs`` epochs, as without budgets.
    """

    #: Each parameter's constraint and roles (:mod:`fashionnet.models._params`).
    _declared_params = COMMON_PARAMS
    #: Fitted float attributes that ``save`` keeps besides the common ones
    #: (:mod:`fashionnet.models._state`).
    _fitted_scalars: tuple[str, ...] = ()

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
        distribution: Any = None,
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
        self.distribution = distribution
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
        started = self._clock()
        self._check_params()
        seed = self._seed()
        guard = None
        try:
            # In a joblib or Dask worker: one fit at a time, the worker's share of
            # the threads, Keras' state cleared between fits (fashionnet/_workers.py).
            with worker_fit(), self._distributed(fitting=True), restoring_global_rng(seed):
                warm = self.warm_start and self.__sklearn_is_fitted__()
                if warm:
                    X, y, sample_weight = self._setup_warm_start(X, y, sample_weight)
                else:
                    X, y, sample_weight = self._setup(X, y, sample_weight, seed)
                validation = self._check_validation_data(validation_data)
                guard = self._plan_budget(X, y, sample_weight, seed, started, warm, validation)
                self._train(
                    X,
                    y,
                    sample_weight,
                    # With a budget, Keras may run up to ``epochs``: the guard stops it.
                    epochs=self.epochs_ if guard is None else guard.max_epochs,
                    seed=seed,
                    whole_fit=True,
                    validation=validation,
                    guard=guard,
                )
        finally:
            self._budget_loop = None  # a later initialize or partial_fit compiles plainly
        self._record_budget(guard, started)
        self.fit_worker_ = fit_location()
        return self

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
        with self._distributed(fitting=True), restoring_global_rng(seed):
            self._setup(X, y, None, seed)
        return self

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
        with self._distributed(fitting=True):
            return self._partial_fit(X, y, classes, sample_weight, first_call)

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
        with self._distributed(fitting=False):
            proba = self._predict_network(views[0])
            for view in views[1:]:
                proba = proba + self._predict_network(view)
        return proba / len(views) if len(views) > 1 else proba

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
        return save_model(self, path, class_names=class_names, overwrite=overwrite)

    def _check_params(self) -> None:
        """Refuse a bad parameter, as the class declares them (``_declared_params``)."""
        check_params(self)
