"""Transfer learning from ``keras.applications`` backbones.

:class:`TransferClassifier` fine-tunes an ImageNet backbone with a dense
head. The backbones are data (:mod:`fashionnet.models.backbones`: the
registry :data:`~fashionnet.models.BACKBONES` and
:func:`~fashionnet.models.get_backbone`), and training on the cached
features of the frozen prefix is :mod:`fashionnet.models._cached_training`;
their public names are importable from here too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keras

from ._base import FashionNetClassifier
from ._cached_training import DEFAULT_CACHE_SIZE, CachedFeaturesMixin, clear_feature_cache
from ._layers import BackbonePreprocess, image_preprocessing
from ._params import TRAINING, Param, anything, declare, is_int, is_real
from .backbones import (
    BACKBONES,
    Backbone,
    _build_backbone,
    _head_layers,
    _valid_head,
    get_backbone,
)

__all__ = ["Backbone", "BACKBONES", "get_backbone", "TransferClassifier", "clear_feature_cache"]


class TransferClassifier(CachedFeaturesMixin, FashionNetClassifier):
    """Fine-tune an ImageNet backbone with a dense head, as a scikit-learn classifier.

    The model's first layers reshape the images, resize them to
    ``input_size`` x ``input_size``, stack the grey channel into three and
    apply the backbone's own ``preprocess_input``; raw uint8 pixels go in,
    nothing is prepared image by image in Python. Then come the backbone
    (``include_top=False``) with all but its last ``trainable_layers``
    layers frozen, a Flatten, the dense head and a softmax output.

    Parameters
    ----------
    backbone : str, default="vgg16"
        ``"vgg16"`` or ``"resnet152v2"`` (the study's, see :data:`BACKBONES`)
        or the name of any other ``keras.applications`` model.
    weights : {"imagenet"}, str, path or None, default="imagenet"
        ``"imagenet"`` downloads the pre-trained weights through Keras and
        caches them in ``~/.keras/models/``; a path loads a local weights
        file of the backbone (``.weights.h5`` or Keras' ``.h5``); None starts
        from random weights.
    trainable_layers : int or None, default=None
        Number of the backbone's last layers that are trained; None uses the
        backbone's default (5 for VGG16, 64 for ResNet152V2, else 0) with
        pre-trained weights, and every layer with ``weights=None`` (frozen
        random layers learn nothing: without weights the network trains
        from scratch); a value at least the backbone's number of layers
        trains all of it.
    head : sequence of int and float or None, default=None
        Dense head between backbone and output: an int adds
        ``Dense(units, activation="relu")``, a float in (0, 1) adds
        ``Dropout(rate)``. None uses the backbone's study head, e.g. for VGG16
        ``(1024, 1024, 1024, 0.5, 512, 512, 0.4, 256, 64, 64, 0.2)``.
    dropout : float or None, default=None
        Sets the rate of every Dropout of the head (0.0 removes them); None
        keeps the rates written in ``head``.
    input_size : int, default=48
        Side of the square images the backbone sees (the study's 48; VGG16
        and ResNet152V2 need at least 32).
    learning_rate : float, LearningRateSchedule or None, default=1e-3
        Learning rate of the optimizer, fixed or as a Keras schedule of the
        training step (e.g. ``CosineDecay``, or its Keras config dict, so that a
        study profile stays plain data); None keeps the optimizer's.
    batch_size : int, default=128
        Images per gradient step.
    epochs : int, default=5
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
    cache_features : {"auto", True, False}, default="auto"
        Train on cached outputs of the frozen part of the backbone. The
        network is cut after its last frozen layer where one tensor carries
        everything after it (VGG16 at the study's depth: after
        ``block4_pool``; ResNet152V2: at the end of the residual block
        before the first trainable layer, ``conv4_block33_out`` for the last
        64 layers, since a cut inside a block would miss its shortcut). The
        images go through the frozen prefix once per fit, batched, and the
        trainable tail and head train on its outputs, with the same seeded
        shuffling and dropout as without the cache. ``"auto"`` caches when
        the prefix is frozen and deterministic and :meth:`fit` (not
        ``partial_fit``) trains; True raises a ``ValueError`` saying why
        when it cannot; False never caches.
    cache_dir : str, path or None, default=None
        Folder of the feature files, kept across fits and processes (a
        later fit on the same images reuses them). None keeps the features
        of this process in memory (memory-mapped temporary files above
        1 GiB, removed when evicted and at exit). Either way the store is
        shared by every estimator of the process, so clones in a search or
        cross-validation reuse it; it is keyed by a fingerprint of the
        frozen weights, the cut, ``input_size``, the input layout, the
        dtype policy and ``cache_dtype``, and one digest per image, so a
        fit on a subset of cached images (a CV fold) takes its rows from
        them and any other change recomputes.
    cache_size : int, default=4 GiB
        Bytes of cached features kept at most (per ``cache_dir``); the
        oldest sets are removed first.
    cache_dtype : {"float32", "float16"}, default="float32"
        Storage type of the cached features; float16 halves their memory
        at a small loss of precision.

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
    input_shape_ : tuple of int
        Layout of one image as passed to fit.
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
    backbone_ : Backbone
        The registry entry used.
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
        The trained network, its preprocessing included (whole, also when
        the tail trained on cached features: they share the layers).
    trainable_layers_ : int
        Number of the backbone's last layers that were trained.
    cache_info_ : dict
        How the last fit used the feature cache: ``used``, ``cut`` (the
        backbone layer the network was cut after), ``event``
        (``"computed"``, ``"reused"`` or ``"loaded"`` from ``cache_dir``),
        ``features_shape``, ``seconds`` (spent computing, loading or
        selecting the features: the whole cost of the frozen part), or the
        ``reason`` it was not used.
    history_ : pandas.DataFrame
        One row per epoch: ``loss``, ``accuracy`` and, with validation data,
        ``val_loss``, ``val_accuracy``.
    fit_worker_ : str
        Where the last ``fit`` ran: ``"dask:<worker address>"`` on a Dask
        worker, else ``"<host>:<process id>"`` (not saved).

    Raises
    ------
    OSError
        At fit, when ``weights="imagenet"`` cannot be downloaded; the message
        names the file to place in ``~/.keras/models/``.

    See Also
    --------
    LeNet5Classifier : The small network trained from scratch.
    get_backbone : The backbone registry.

    Examples
    --------
    Random weights and a small head keep this example fast; use the default
    ``weights="imagenet"`` for real work. With the last 5 layers trainable,
    the frozen blocks 1 to 4 run once and their features are cached.

    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.models import TransferClassifier
    >>> X, y = load_fashion_mnist("test")
    >>> clf = TransferClassifier("vgg16", weights=None, trainable_layers=5, input_size=32,
    ...                          head=(16,), epochs=1, random_state=0).fit(X[:64], y[:64])
    >>> clf.predict_proba(X[:3]).shape
    (3, 10)
    >>> clf.cache_info_["cut"]
    'block4_pool'
    """

    _pixel_range = 255.0
    # In the order of the former checks: backbone first, which input_size and
    # head read. The cache parameters shape the training only.
    _declared_params = declare(
        Param("backbone", lambda name: get_backbone(name) is not None),
        Param(
            "input_size",
            lambda size, backbone: is_int(size) and size >= get_backbone(backbone).min_size,
            lambda backbone: (
                f"an integer >= {get_backbone(backbone).min_size} for {get_backbone(backbone).name}"
            ),
            needs=("backbone",),
        ),
        Param(
            "trainable_layers",
            lambda v: v is None or (is_int(v) and v >= 0),
            "None or an integer >= 0",
        ),
        Param(
            "dropout",
            lambda v: v is None or (is_real(v) and 0 <= v < 1),
            "None or a rate in [0, 1)",
        ),
        Param("head", _valid_head, needs=("backbone", "dropout")),
        Param(
            "cache_features",
            lambda v: v in (True, False, "auto"),
            "'auto', True or False",
            role=TRAINING,
        ),
        Param(
            "cache_size",
            lambda v: is_int(v) and v >= 0,
            "a number of bytes (int >= 0)",
            role=TRAINING,
        ),
        Param(
            "cache_dtype",
            lambda v: v in ("float32", "float16"),
            "'float32' or 'float16'",
            role=TRAINING,
        ),
        Param("cache_dir", anything, "a folder or None", role=TRAINING),
        Param(
            "weights",
            lambda w: w is None or w == "imagenet" or Path(w).is_file(),
            message=(
                "{estimator}: weights={value!r} is neither 'imagenet', None nor an existing "
                "weights file."
            ),
        ),
        base=FashionNetClassifier._declared_params,
    )

    def __init__(
        self,
        backbone: str = "vgg16",
        weights: str | os.PathLike | None = "imagenet",
        trainable_layers: int | None = None,
        head: tuple | list | None = None,
        dropout: float | None = None,
        input_size: int = 48,
        *,
        learning_rate: float | keras.optimizers.schedules.LearningRateSchedule | None = 1e-3,
        batch_size: int = 128,
        epochs: int = 5,
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
        cache_features: bool | str = "auto",
        cache_dir: str | os.PathLike | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        cache_dtype: str = "float32",
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
        self.backbone = backbone
        self.weights = weights
        self.trainable_layers = trainable_layers
        self.head = head
        self.dropout = dropout
        self.input_size = input_size
        self.cache_features = cache_features
        self.cache_dir = cache_dir
        self.cache_size = cache_size
        self.cache_dtype = cache_dtype

    _rebuilt_on_load = ("backbone_",)

    def _restore_fitted(self) -> None:
        self.backbone_ = get_backbone(self.backbone)

    def _backbone_model(self) -> keras.Model:
        """The backbone inside ``model_``, a nested :class:`keras.Model`."""
        return next(layer for layer in self.model_.layers if isinstance(layer, keras.Model))

    def _trainable_depth(self, spec: Backbone, n_layers: int) -> int:
        """How many of the backbone's last layers train.

        Without pre-trained weights a frozen layer holds random numbers, so
        by default every layer trains (training from scratch); an explicit
        ``trainable_layers`` is respected.
        """
        if self.trainable_layers is not None:
            return int(self.trainable_layers)
        return n_layers if self.weights is None else spec.trainable_layers

    def _build_network(self, inputs, n_classes: int):
        spec = get_backbone(self.backbone)
        self.backbone_ = spec
        size = int(self.input_size)
        x = image_preprocessing(
            inputs,
            image_shape=self.image_shape_,
            scale=self._input_scale,
            size=(size, size),
            pad_small=False,
            channels=3,
        )
        x = BackbonePreprocess(spec.module, name="backbone_preprocess")(x)
        base = _build_backbone(spec, size, self.weights)
        n_frozen = max(len(base.layers) - self._trainable_depth(spec, len(base.layers)), 0)
        for layer in base.layers[:n_frozen]:
            layer.trainable = False
        self.trainable_layers_ = len(base.layers) - n_frozen
        x = base(x)
        x = keras.layers.Flatten()(x)
        for item in _head_layers(spec, self.head, self.dropout):
            if isinstance(item, float):
                if item > 0:
                    x = keras.layers.Dropout(item)(x)
            else:
                x = keras.layers.Dense(int(item), activation="relu")(x)
        return self._classes_layer(n_classes)(x)
