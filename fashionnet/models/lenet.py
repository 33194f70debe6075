"""LeNet-5 as a scikit-learn classifier: the study's network by default."""

from __future__ import annotations

import os
from typing import Any

import keras
import numpy as np

from ._base import FashionNetClassifier
from ._inputs import pixel_moments
from ._layers import image_preprocessing
from ._params import Param, declare, is_bool

__all__ = ["LeNet5Classifier"]

_POOLING = {"avg": keras.layers.AveragePooling2D, "max": keras.layers.MaxPooling2D}

#: LeNet-5 reads 32 x 32 images; Fashion-MNIST's 28 x 28 get a 2-pixel border.
INPUT_SIZE = 32


def _is_activation(name: Any) -> bool:
    try:
        keras.activations.get(name)
    except (ValueError, TypeError):
        return False
    return True


class LeNet5Classifier(FashionNetClassifier):
    """LeNet-5 convolutional network with the scikit-learn estimator API.

    By default exactly the study's network: a 32 x 32 x 1 input (28 x 28
    images get a 2-pixel zero border), Conv2D(6, 5, tanh),
    AveragePooling2D(2), sigmoid, Conv2D(16, 5, tanh), AveragePooling2D(2),
    sigmoid, Conv2D(120, 5, tanh), Flatten, Dense(84, tanh) and a softmax
    output, trained with Adam on categorical cross-entropy (labels are one-hot
    encoded by the estimator). The padding and the scaling of uint8 pixels
    to 0..1 are the first layers of the model.

    Parameters
    ----------
    activation : str, default="tanh"
        Activation of the convolutions and of the hidden dense layer
        (any Keras activation name, e.g. ``"relu"`` for a modern LeNet).
    pooling : {"avg", "max"}, default="avg"
        ``"avg"`` is LeNet-5's subsampling, average pooling followed by a
        sigmoid, as in the study; ``"max"`` is plain max pooling.
    standardize : bool, default=False
        False scales pixels to 0..1, as the study did. True then shifts and
        divides them by the mean and standard deviation of the training
        pixels (``pixel_mean_``, ``pixel_std_``, learned in ``fit``; by
        ``partial_fit`` from its first batch), as LeNet-5's paper normalised
        its inputs to mean 0 and variance 1, "which accelerates learning".
        The 2-pixel border keeps the background's value. Needed for SGD to
        train the study's network well (see the user guide's recipe).
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

    Attributes
    ----------
    classes_ : numpy.ndarray of shape (n_classes,)
        The class labels seen during fit.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Pixels per image (784 for Fashion-MNIST).
    image_shape_ : tuple of int
        ``(H, W, C)`` of the training images.
    pixel_mean_, pixel_std_ : float
        Mean and standard deviation of the training pixels scaled to 0..1;
        only with ``standardize=True``.
    input_shape_ : tuple of int
        Layout of one image as passed to fit, which the model's input takes.
    input_dtype_ : {"uint8", "float32"}
        Kind of pixels the model was fitted on.
    epochs_ : int
        Epochs of this fit: ``epochs`` (``len(history_)`` is fewer when
        early stopping ended it), or with ``time_budget`` the epochs it ran.
    budget_ : dict
        With ``time_budget`` only: the measured step time, the start-up and
        epoch estimates, the first plan (``epochs``), each re-plan
        (``replans``: ``[epoch, new total]``), the epochs run, the seconds of
        each epoch timed, the fit's seconds (the budget used), ``landed``
        (the schedule ended at the last epoch run) and ``cut`` (why training
        stopped before its plan, or None).
    feature_names_in_ : numpy.ndarray of str
        Column names, when fitted on a DataFrame.
    background_ : {"dark", "light"} or None
        The ground of most training images (Fashion-MNIST's is dark), which
        ``fashionnet predict`` brings other images to; None for feature
        strips.
    dtype_policy_ : str
        Name of the dtype policy the network was built with.
    distribution_ : dict or None
        The devices the fit trained on: the distribution's ``kind``
        (``"DataParallel"``), ``devices``, ``mesh_shape``, ``axis_names``
        and ``backend``; None for one device (``distribution=None``).
    model_ : keras.Model
        The trained network, its preprocessing included.
    history_ : pandas.DataFrame
        One row per epoch: ``loss``, ``accuracy`` and, with validation data,
        ``val_loss``, ``val_accuracy``.
    fit_worker_ : str
        Where the last ``fit`` ran: ``"dask:<worker address>"`` on a Dask
        worker, else ``"<host>:<process id>"`` (not saved).

    See Also
    --------
    TransferClassifier : Fine-tune an ImageNet backbone instead.
    fashionnet.models.load_model : Load a classifier written by :meth:`save`.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.models import LeNet5Classifier
    >>> X, y = load_fashion_mnist("train")
    >>> clf = LeNet5Classifier(epochs=1, random_state=0).fit(X[:1000], y[:1000])
    >>> clf.predict(X[1000:1005]).shape
    (5,)
    >>> list(clf.history_.columns)
    ['accuracy', 'loss']
    """

    _fitted_scalars = ("pixel_mean_", "pixel_std_")
    _declared_params = declare(
        Param(
            "activation",
            _is_activation,
            message=(
                "{estimator}: activation={value!r} is not a Keras activation; use e.g. 'tanh', "
                "'relu' or 'elu'."
            ),
        ),
        Param("pooling", lambda v: v in _POOLING, "'avg' or 'max'"),
        Param("standardize", is_bool, "True or False"),
        base=FashionNetClassifier._declared_params,
    )

    def __init__(
        self,
        *,
        activation: str = "tanh",
        pooling: str = "avg",
        standardize: bool = False,
        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = 1e-3,
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
        super().__init__(
            learning_rate=learning_rate,
            batch_size=batch_size,
            epochs=epochs,
            optimizer=optimizer,
            validation_split=validation_split,
            early_stopping=early_stopping,
            callbacks=callbacks,
            log_dir=log_dir,
            csv_log=csv_log,
            random_state=random_state,
            verbose=verbose,
            dtype_policy=dtype_policy,
            distribution=distribution,
            class_weight=class_weight,
            warm_start=warm_start,
            time_budget=time_budget,
        )
        self.activation = activation
        self.pooling = pooling
        self.standardize = standardize

    def _learn_input_statistics(self, X: np.ndarray) -> None:
        for name in self._fitted_scalars:  # a refit must not keep stale moments
            self.__dict__.pop(name, None)
        if self.standardize:
            mean, std = pixel_moments(X)
            self.pixel_mean_ = mean * self._input_scale
            # Constant images have no spread to divide by (as StandardScaler).
            self.pixel_std_ = std * self._input_scale if std > 0 else 1.0

    def _build_network(self, inputs, n_classes: int):
        x = image_preprocessing(
            inputs,
            image_shape=self.image_shape_,
            scale=self._input_scale,
            size=(INPUT_SIZE, INPUT_SIZE),
            pad_small=True,
            standardize=(self.pixel_mean_, self.pixel_std_) if self.standardize else None,
        )
        pool = _POOLING[self.pooling]
        act = self.activation
        for filters in (6, 16):
            x = keras.layers.Conv2D(filters, 5, activation=act)(x)
            x = pool(2)(x)
            if self.pooling == "avg":
                x = keras.layers.Activation("sigmoid")(x)
        x = keras.layers.Conv2D(120, 5, activation=act)(x)
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(84, activation=act)(x)
        return self._classes_layer(n_classes)(x)
