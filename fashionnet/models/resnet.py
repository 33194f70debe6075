"""A compact residual CNN for small grey images, trained from scratch.

:class:`ResNetClassifier` is fashionnet's answer to the study's question
without ImageNet weights: a small residual network whose defaults are a
complete training recipe (in-graph augmentation, label smoothing, weight
decay, SGD with Nesterov momentum, a warm-up and cosine decay tied to
``epochs``, bfloat16 where the processor has it, test-time augmentation over
ten views), chosen for accuracy per second of a CPU.
"""

from __future__ import annotations

import math
import os
from typing import Any

import keras
import numpy as np

from ._base import FashionNetClassifier
from ._inputs import pixel_moments
from ._layers import augmentation_layers, image_preprocessing, mirror_images, shift_images
from ._params import TRAINING, Param, declare, is_bool, is_int, is_real
from .residual import l2_penalty, residual_network

__all__ = ["ResNetClassifier", "residual_network"]

#: The training shifts' range, a fraction of the side, which caps the
#: test-time shifts.
_TRAINING_SHIFT = 0.1


def _unit_interval(value: Any) -> bool:
    return is_real(value) and 0 <= value < 1


class ResNetClassifier(FashionNetClassifier):
    """A compact residual CNN with its training recipe, as a scikit-learn classifier.

    Trained from scratch, no download: the defaults are the recipe that
    reaches 0.945 test accuracy on Fashion-MNIST in its 20 epochs, about 7
    minutes of a 2-core CPU (``benchmarks/bench_fit.py --accuracy --model
    resnet``; the user guide gives the figures), ahead of the study's best
    model (VGG16 with ImageNet weights, 0.9237).

    The model's first layers reshape the images and scale them to 0..1;
    during training only, they flip them left-right and shift them by up to
    10% in whole pixels (``erasing`` adds random erasing); then they standardise the pixels
    with the training set's mean and standard deviation. The network
    (:func:`residual_network`) is a 3 x 3 stem convolution and three stages
    of 2, 4 and 8 times ``width`` channels,
    each a convolution and a 2 x 2 max pooling, with ``depth`` residual
    blocks after the first and the last stage (the layout of ResNet-9),
    batch normalisation (TensorFlow's fused kernel, 1.6 times as fast on a CPU as
    Keras' own layer) and ReLU after every convolution, global average
    pooling and a softmax output. The recipe: categorical
    cross-entropy with label smoothing, L2 weight decay on the kernels, SGD
    with Nesterov momentum and a learning rate that rises linearly to its
    peak over the first ``warmup`` of the steps and decays to 0 along a
    cosine by the end of ``epochs`` (the schedule is built at fit time from
    ``epochs`` and the number of steps per epoch); the network computes in
    bfloat16 where the processor does so in hardware (``dtype_policy``).
    :meth:`predict_proba` averages the probabilities of ten views of each
    image: itself, its mirror image, and both shifted by ``tta_shift``
    pixels four ways (``tta``).

    Parameters
    ----------
    width : int, default=16
        Channels of the stem convolution; the three stages have 2, 4 and 8
        times as many.
    depth : int, default=1
        Residual blocks (two convolutions each) after the first and after the
        last stage; 0 leaves a plain 4-convolution network.
    augment : bool, default=True
        Training-time augmentation in the graph: horizontal flip, shifts of
        up to 10% of the height and width, and random erasing (with
        probability ``erasing``). Inactive at prediction. False trains on
        the images as they are.
    erasing : float, default=0.0
        Probability that an augmented training image gets one rectangle of
        2-25% of its area overwritten with noise (random erasing, see
        :class:`~fashionnet.models._layers.RandomErasing`); 0 leaves it out.
        Only used with ``augment=True``. Random erasing pays off over long
        schedules; within a dozen epochs it costs accuracy (0.9124
        against 0.9220 test accuracy after 4 epochs at 0.5), so the default
        leaves it out.
    tta : bool, default=True
        Test-time augmentation: :meth:`predict_proba` averages the
        probabilities of each image and its left-right mirror, and of both
        moved by ``tta_shift`` pixels up, down, left and right (10 views).
        Only prediction reads it, so ``set_params(tta=False)`` on a fitted
        classifier compares both.
    tta_shift : int, default=2
        Pixels by which the shifted test-time views move the image (the
        uncovered border is 0, as in the training shifts); 0 averages the
        image and its mirror only. A shift is capped at the training
        shifts' 10 % of the side, so images under 10 pixels get no shifted
        views.
    label_smoothing : float, default=0.1
        Weight moved from the true class to a uniform distribution over all
        classes in the loss.
    weight_decay : float, default=5e-4
        L2 penalty on every convolution and dense kernel, with PyTorch's
        convention: ``weight_decay / 2 * ||w||^2`` is added to the loss, so
        the gradient gains ``weight_decay * w``. Batch normalisation
        parameters are not decayed.
    warmup : float, default=0.05
        Fraction of the training steps over which the learning rate rises
        linearly from 0 to ``learning_rate``, before its cosine decay to 0.
    momentum : float, default=0.9
        Nesterov momentum of SGD, when ``optimizer`` is ``"sgd"`` or the SGD
        class (an optimizer instance keeps its own); 0 is plain SGD.
    learning_rate : float, LearningRateSchedule or None, default=0.1
        A float is the peak of the warm-up and cosine schedule; a Keras
        schedule of the training step replaces that schedule; None keeps the
        optimizer's own fixed rate.
    batch_size : int, default=128
        Images per gradient step.
    epochs : int, default=20
        Passes over the training data; the learning-rate schedule reaches 0
        at the end of the last one (``partial_fit`` follows it one epoch per
        call, so calls beyond ``epochs`` no longer learn).
    optimizer : str, keras.optimizers.Optimizer or its class, default="sgd"
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
    dtype_policy : {"float32", "mixed_bfloat16", "mixed_float16", "auto"} or None, default="auto"
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
        The recipe's ``"auto"`` trained 1.1 to 1.5 times faster than float32
        on an AMX CPU at the same accuracy (user guide); ``"float32"`` computes
        alike on every machine.
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
        ``(H, W, C)`` of the training images; the network works at that size.
    pixel_mean_, pixel_std_ : float
        Mean and standard deviation of the training pixels scaled to 0..1,
        which the graph standardises with.
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
    feature_names_in_ : numpy.ndarray of str
        Column names, when fitted on a DataFrame.
    model_ : keras.Model
        The trained network, its preprocessing and augmentation included.
    history_ : pandas.DataFrame
        One row per epoch: ``loss`` (with the weight-decay penalty),
        ``accuracy`` (on augmented images) and, with validation data,
        ``val_loss``, ``val_accuracy``.
    fit_worker_ : str
        Where the last ``fit`` ran: ``"dask:<worker address>"`` on a Dask
        worker, else ``"<host>:<process id>"`` (not saved).

    See Also
    --------
    LeNet5Classifier : The study's small network.
    TransferClassifier : Fine-tune an ImageNet backbone instead.
    fashionnet.models.load_model : Load a classifier written by :meth:`save`.

    Examples
    --------
    A narrow network and a few epochs keep this example fast; the defaults
    train the full recipe.

    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.models.resnet import ResNetClassifier
    >>> X, y = load_fashion_mnist("test")
    >>> clf = ResNetClassifier(width=4, epochs=2, batch_size=32, random_state=0)
    >>> clf = clf.fit(X[:500], y[:500])
    >>> proba = clf.predict_proba(X[500:503])
    >>> proba.shape, str(proba.dtype)
    ((3, 10), 'float32')
    >>> [layer.name for layer in clf.model_.layers[3:6]]
    ['flip', 'shift', 'standardize']
    """

    _fitted_scalars = ("pixel_mean_", "pixel_std_")
    # tta, tta_shift, label_smoothing, warmup and momentum shape the training
    # or the prediction, not the network: a warm start may change them.
    _declared_params = declare(
        Param("width", lambda v: is_int(v) and v >= 1, "an integer >= 1"),
        Param("depth", lambda v: is_int(v) and v >= 0, "an integer >= 0"),
        Param("augment", is_bool, "True or False"),
        Param("erasing", lambda v: is_real(v) and 0 <= v <= 1, "a probability in [0, 1]"),
        Param("tta", is_bool, "True or False", role=TRAINING),
        Param(
            "tta_shift", lambda v: is_int(v) and v >= 0, "an integer >= 0 (pixels)", role=TRAINING
        ),
        Param("label_smoothing", _unit_interval, "a float in [0, 1)", role=TRAINING),
        Param(
            "weight_decay",
            lambda v: is_real(v) and math.isfinite(v) and v >= 0,
            "a finite float >= 0",
        ),
        Param("warmup", _unit_interval, "a float in [0, 1)", role=TRAINING),
        Param("momentum", _unit_interval, "a float in [0, 1)", role=TRAINING),
        base=FashionNetClassifier._declared_params,
    )

    def __init__(
        self,
        *,
        width: int = 16,
        depth: int = 1,
        augment: bool = True,
        erasing: float = 0.0,
        tta: bool = True,
        tta_shift: int = 2,
        label_smoothing: float = 0.1,
        weight_decay: float = 5e-4,
        warmup: float = 0.05,
        momentum: float = 0.9,
        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = 0.1,
        batch_size: int = 128,
        epochs: int = 20,
        optimizer: Any = "sgd",
        validation_split: float = 0.0,
        early_stopping: int | None = None,
        callbacks: list | None = None,
        log_dir: str | os.PathLike | None = None,
        csv_log: str | os.PathLike | None = None,
        random_state: Any = None,
        verbose: int = 0,
        dtype_policy: str | None = "auto",
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
        self.width = width
        self.depth = depth
        self.augment = augment
        self.erasing = erasing
        self.tta = tta
        self.tta_shift = tta_shift
        self.label_smoothing = label_smoothing
        self.weight_decay = weight_decay
        self.warmup = warmup
        self.momentum = momentum

    # ------------------------------------------------------------------ #
    # building
    # ------------------------------------------------------------------ #

    def _learn_input_statistics(self, X: np.ndarray) -> None:
        mean, std = pixel_moments(X)
        self.pixel_mean_ = mean * self._input_scale
        # Constant images have no spread to divide by (as StandardScaler).
        self.pixel_std_ = std * self._input_scale if std > 0 else 1.0

    def _build_network(self, inputs, n_classes: int):
        height, width, _ = self.image_shape_
        x = image_preprocessing(
            inputs,
            image_shape=self.image_shape_,
            scale=self._input_scale,
            size=(height, width),
            pad_small=False,
            standardize=(self.pixel_mean_, self.pixel_std_),
            augmentation=(
                augmentation_layers(shift=_TRAINING_SHIFT, erasing=self.erasing)
                if self.augment
                else None
            ),
        )
        x = residual_network(x, width=self.width, depth=self.depth, weight_decay=self.weight_decay)
        return self._classes_layer(n_classes, kernel_regularizer=l2_penalty(self.weight_decay))(x)

    def _make_loss(self):
        return keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)

    def _make_optimizer(self, steps_per_epoch: int, epochs: int):
        optimizer = super()._make_optimizer(steps_per_epoch, epochs)
        config = optimizer.get_config()
        if is_real(self.learning_rate):
            config["learning_rate"] = self._schedule(steps_per_epoch * epochs)
        if isinstance(optimizer, keras.optimizers.SGD) and not isinstance(
            self.optimizer, keras.optimizers.Optimizer
        ):
            config.update(momentum=self.momentum, nesterov=self.momentum > 0)
        return type(optimizer).from_config(config)

    def _schedule(self, total_steps: int):
        """Linear warm-up over ``warmup`` of the steps, then cosine decay to 0."""
        warmup_steps = int(self.warmup * total_steps)
        if warmup_steps == 0:
            return keras.optimizers.schedules.CosineDecay(self.learning_rate, total_steps)
        return keras.optimizers.schedules.CosineDecay(
            0.0,
            max(total_steps - warmup_steps, 1),
            warmup_target=float(self.learning_rate),
            warmup_steps=warmup_steps,
        )

    # ------------------------------------------------------------------ #
    # prediction
    # ------------------------------------------------------------------ #

    def _tta_views(self, x) -> list:
        """The views ``predict_proba`` averages: with ``tta``, the mirror and the shifted views."""
        if not self.tta:
            return [x]
        images = [x, mirror_images(x, self.image_shape_)]
        return images + [
            shift_images(image, self.image_shape_, rows, cols)
            for image in images
            for rows, cols in self._tta_shifts()
        ]

    def _tta_shifts(self) -> list[tuple[int, int]]:
        """``(rows, cols)`` of the shifted views: ``tta_shift`` each way, within the training's."""
        height, width, _ = self.image_shape_
        rows = min(self.tta_shift, int(_TRAINING_SHIFT * height))
        cols = min(self.tta_shift, int(_TRAINING_SHIFT * width))
        return [
            shift for shift in ((rows, 0), (-rows, 0), (0, cols), (0, -cols)) if shift != (0, 0)
        ]
