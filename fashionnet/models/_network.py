"""The network of a classifier: building, compiling, and computing probabilities.

:class:`NetworkMixin` builds a fresh network behind one ``keras.Input`` in
the layout seen at fit, under the estimator's precision policy
(:mod:`fashionnet.models._precision`), and compiles it with the loss and an
optimizer whose learning-rate schedule ends with the fit. Subclasses say
how the network is built (``_build_network``) and what pixel range it wants
(``_pixel_range``); they may change the loss (``_make_loss``), the optimizer
(``_make_optimizer``) and the views test-time augmentation averages
(``_tta_views``). :meth:`NetworkMixin.inference_model` is the same
computation as prediction, as one Keras graph, which ``export`` writes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._budget import stretch_schedule
from ._budget_loop import elastic_optimizer
from ._distribution import predict_evenly
from ._params import learning_rate_value, network_params
from ._precision import dtype_policy_scope, resolve_dtype_policy
from ._training import private_keras_seeds
from .export import export_model

__all__ = ["NetworkMixin"]

#: The prediction batch size when ``batch_size`` is smaller: prediction keeps
#: no gradients, so larger batches are cheaper and the result is identical.
_PREDICT_BATCH_SIZE = 256


class NetworkMixin:
    """Build, compile and run a classifier's Keras network (``model_``)."""

    #: Pixel range the network wants: 1.0 for 0..1, 255.0 for 0..255.
    _pixel_range: float = 1.0

    def _new_network(self, n_samples: int, seed: int | None) -> None:
        """Build a fresh network, seeded, for a fit of ``epochs_`` epochs of ``n_samples``.

        Every fit that starts from new weights comes here (``fit``,
        ``initialize``, the first ``partial_fit``, and a time budget's fit
        once its epochs are chosen): the same seed gives the same weights.
        It records the parameters the network was built with (what a warm
        start compares) and starts an empty ``history_``.
        """
        if seed is not None:
            keras.utils.set_random_seed(seed)
        # Initializers' seeds from a generator no other thread draws from.
        with private_keras_seeds(seed):
            self.model_ = self._build_keras_model(n_samples)
        self._built_with = network_params(self)
        self.history_ = pd.DataFrame()

    def _build_keras_model(self, n_samples: int) -> keras.Model:
        with dtype_policy_scope(resolve_dtype_policy(self.dtype_policy)):
            self.dtype_policy_ = keras.config.dtype_policy().name
            inputs = keras.Input(shape=self.input_shape_, dtype=self.input_dtype_, name="pixels")
            outputs = self._build_network(inputs, self.n_classes_)
            # Built under the policy, the model scales the loss of mixed_float16.
            model = keras.Model(inputs, outputs, name=type(self).__name__)
            self._compile(model, n_samples)
        return model

    def _compile(self, model: keras.Model, n_samples: int) -> None:
        """Compile ``model`` with a fresh optimizer for ``epochs_`` epochs of ``n_samples``."""
        with dtype_policy_scope(self.dtype_policy_):
            model.compile(
                optimizer=self._fit_optimizer(n_samples),
                loss=self._make_loss(),
                metrics=["accuracy"],
            )

    def _fit_optimizer(self, n_samples: int):
        """The optimizer of this fit of ``n_samples`` images.

        Without a time budget, ``_make_optimizer``'s for ``epochs_`` epochs.
        During a budgeted fit (``_budget_loop`` set), the schedule given for
        ``epochs`` epochs, laid over the ``epochs_`` planned and then over
        each new plan the loop makes (:mod:`fashionnet.models._budget_loop`).
        """
        steps = self._steps_per_epoch(n_samples)
        loop = getattr(self, "_budget_loop", None)
        if loop is None:
            return self._make_optimizer(steps, self.epochs_)
        optimizer, schedule = elastic_optimizer(
            self._make_optimizer(steps, self.epochs), steps * self.epochs, steps * self.epochs_
        )
        loop.follow(optimizer, schedule)
        return optimizer

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
        learning_rate = learning_rate_value(self.learning_rate)
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
        self,
        path: str | os.PathLike,
        format: str = "onnx",
        *,
        class_names: Any = None,
        overwrite: bool = False,
        **kwargs: Any,
    ):
        """Write the fitted classifier for serving: ONNX, TensorFlow SavedModel or LiteRT.

        The exported model is :meth:`inference_model`: it takes what
        :meth:`predict_proba` takes (uint8 images in the layout seen at fit,
        its preprocessing in the graph) and gives the same probabilities,
        test-time augmentation included. Keras 3's ``Model.export`` writes
        it; the file is written atomically. An ONNX file also holds, in its
        metadata, what :func:`~fashionnet.models.read_model_info` reads from
        a saved ``.keras`` file (the class labels and names, the image shape,
        the input layout and pixel type, ``background_``; format
        ``fashionnet.onnx/1``), so that ``fashionnet predict --model
        MODEL.onnx`` prepares image files as for the ``.keras`` file, on
        onnxruntime alone, in a fraction of a second. A mixed-precision network (see
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
        class_names : sequence of str or None, default=None
            Display names of ``classes_``, in their order, kept in an ONNX
            file's metadata as :meth:`save` keeps them (None: the labels as
            text).
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
            An unknown ``format``, or ``class_names`` not one name per class.
        FileExistsError
            ``path`` holds something fashionnet did not write (the message
            names it and the way out).
        """
        return export_model(
            self, path, format, class_names=class_names, overwrite=overwrite, **kwargs
        )

    def _predict_network(self, X: np.ndarray) -> np.ndarray:
        """The network's probabilities for validated images, in inference mode."""
        batch_size = max(self.batch_size, _PREDICT_BATCH_SIZE)
        if X.shape[0] <= batch_size:
            # One batch: a direct call skips tracing a predict function.
            return keras.ops.convert_to_numpy(self.model_(X, training=False))
        return predict_evenly(self.model_, X, batch_size)
