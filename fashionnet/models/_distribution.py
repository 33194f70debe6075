"""The devices a classifier trains and predicts on: ``keras.distribution``, scoped to one estimator.

An estimator's ``distribution`` is None (one device, Keras' default),
``"data_parallel"`` (:class:`keras.distribution.DataParallel` over every
local device of the backend: each batch split across them, the weights
replicated) or a Keras ``Distribution`` the user built. Keras reads its
distribution from a global (per-thread) setting when variables are created
and when ``fit``/``predict`` place a batch; :func:`distribution_scope` sets
it for one estimator's fit, predict or load and then restores the previous
one, as :mod:`fashionnet.models._precision` does for the dtype policy.

Only Keras' JAX backend trains under ``keras.distribution`` (its TensorFlow
module is a prototype the TensorFlow trainer does not read, PyTorch has
none): elsewhere a fit with a distribution is refused with one line naming
the backend to use.

A sharded batch must split evenly across the devices. :func:`fit_evenly`
and :func:`predict_evenly` pad the last batch with copies of the first
images (weight 0 in training, their predictions dropped), so that any
number of images trains; ``batch_size`` itself must be a multiple of the
number of devices (:func:`check_batch_split`).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

__all__ = [
    "DISTRIBUTIONS",
    "BACKENDS_WITH_DISTRIBUTION",
    "is_distribution",
    "valid_distribution",
    "resolve_distribution",
    "describe_distribution",
    "distribution_scope",
    "loading_scope",
    "data_shards",
    "check_batch_split",
    "fit_evenly",
    "predict_evenly",
    "distribution_to_json",
    "distribution_from_json",
    "DistributionMixin",
]

#: The names ``distribution`` takes besides None and a Distribution instance.
DISTRIBUTIONS = ("data_parallel",)
#: Keras backends whose trainer follows ``keras.distribution``.
BACKENDS_WITH_DISTRIBUTION = ("jax",)


def is_distribution(value: Any) -> bool:
    """Whether ``value`` is a Keras ``Distribution`` (``DataParallel``, ``ModelParallel``...).

    Keras 3 exports the subclasses, not their base, so the test is on what
    a scope needs: a device mesh, a data layout and ``scope()``.
    """
    return all(hasattr(value, name) for name in ("scope", "device_mesh", "get_data_layout"))


def valid_distribution(value: Any) -> bool:
    """The constraint of the ``distribution`` parameter."""
    return (
        value is None
        or (isinstance(value, str) and value in DISTRIBUTIONS)
        or (is_distribution(value))
    )


def _refusal(estimator: str, value: Any) -> ValueError:
    backend = keras.config.backend()
    return ValueError(
        f"{estimator}: distribution={_shown(value)} needs Keras' JAX backend, the one whose "
        f"training follows keras.distribution, but Keras runs on {backend} here; start Python "
        "with KERAS_BACKEND=jax (pip install 'fashionnet[jax]'), or use distribution=None."
    )


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else type(value).__name__


def resolve_distribution(value: Any, estimator: str) -> Any:
    """The Keras ``Distribution`` that ``value`` stands for, or None.

    Raises
    ------
    ValueError
        On a backend whose training ignores ``keras.distribution`` (the
        message names the backend to use).
    """
    if value is None:
        return None
    if keras.config.backend() not in BACKENDS_WITH_DISTRIBUTION:
        raise _refusal(estimator, value)
    if isinstance(value, str):  # "data_parallel", checked by the Param
        return keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    return value


def describe_distribution(distribution: Any) -> dict | None:
    """A plain (JSON) description of ``distribution``: its kind, devices and mesh.

    Examples
    --------
    >>> from fashionnet.models._distribution import describe_distribution
    >>> describe_distribution(None) is None
    True
    """
    if distribution is None:
        return None
    mesh = distribution.device_mesh
    return {
        "kind": type(distribution).__name__,
        "devices": [str(d) for d in np.asarray(mesh.devices).ravel()],
        "mesh_shape": [int(d) for d in mesh.shape],
        "axis_names": [str(a) for a in mesh.axis_names],
        "backend": keras.config.backend(),
    }


@contextlib.contextmanager
def distribution_scope(distribution: Any) -> Iterator[None]:
    """Make ``distribution`` Keras' distribution for the block, then restore the previous one.

    None leaves Keras' setting as it is (one device, unless the user set one).

    Examples
    --------
    >>> import keras
    >>> from fashionnet.models._distribution import distribution_scope
    >>> with distribution_scope(None):
    ...     keras.distribution.distribution() is None
    True
    """
    if distribution is None:
        yield
        return
    with distribution.scope():
        yield


def loading_scope(value: Any) -> contextlib.AbstractContextManager:
    """The scope a saved network is rebuilt in: its variables then sit where a fit puts them.

    Never raises: where the backend has no distribution, the network loads
    on one device (and a fit would say why ``value`` cannot be used).
    """
    if value is None or keras.config.backend() not in BACKENDS_WITH_DISTRIBUTION:
        return contextlib.nullcontext()
    return distribution_scope(resolve_distribution(value, "load"))


def data_shards(distribution: Any) -> int:
    """Into how many parts ``distribution`` splits a batch (1 for None)."""
    if distribution is None:
        return 1
    mesh = distribution.device_mesh
    axes = distribution.get_data_layout((1,)).axes[0]
    if axes is None:
        return 1
    names = (axes,) if isinstance(axes, str) else tuple(axes)
    sizes = dict(zip(mesh.axis_names, mesh.shape, strict=True))
    return math.prod(int(sizes[name]) for name in names)


def check_batch_split(batch_size: int, distribution: Any, estimator: str) -> None:
    """Refuse a ``batch_size`` that does not split evenly over the devices."""
    shards = data_shards(distribution)
    if batch_size % shards:
        good = math.ceil(batch_size / shards) * shards
        raise ValueError(
            f"{estimator}: batch_size={batch_size} does not split evenly over the {shards} "
            f"devices of the distribution (batch_size is the global batch); use a multiple "
            f"of {shards}, e.g. batch_size={good}."
        )


def _padded(arrays: tuple, shards: int, weight: np.ndarray | None) -> tuple:
    """``arrays`` and their weights, with rows appended until their number splits evenly."""
    n = arrays[0].shape[0]
    extra = (-n) % shards
    if extra == 0 and weight is None:
        return (*arrays, None)
    if weight is None:
        weight = np.ones(n, dtype=keras.backend.floatx())
    if extra == 0:
        return (*arrays, weight)
    rows = np.arange(extra) % n
    padded = tuple(np.concatenate([a, a[rows]]) for a in arrays)
    return (*padded, np.concatenate([weight, np.zeros(extra, dtype=weight.dtype)]))


class _BatchEndsInTheMainThread(keras.callbacks.Callback):
    """A callback whose batch-end hooks keep Keras from running them in a thread pool.

    Keras 3 on JAX hands each batch's logs to a thread pool, which converts
    them to NumPy while the next step runs, unless a callback defines a
    batch-end hook. With the logs sharded over several host devices, those
    conversions racing the training step aborted the process ("Fatal Python
    error: Aborted", in 2 of 3 runs of the JAX test job on 2 loaded cores).
    Distributed fits and predictions therefore run their batch ends in order.
    """

    def on_train_batch_end(self, batch, logs=None) -> None:
        pass

    def on_test_batch_end(self, batch, logs=None) -> None:
        pass

    def on_predict_batch_end(self, batch, logs=None) -> None:
        pass


def fit_evenly(model: keras.Model, x: Any, y: Any, **fit_kwargs: Any):
    """``model.fit(x, y, **fit_kwargs)`` with every batch split evenly over the devices.

    Without a distribution (or with one device) it is ``model.fit`` itself.
    Otherwise the validation rows are taken off the end as Keras takes
    them, and the training and validation images are padded to a multiple
    of the number of devices with copies of their first images weighted 0:
    at most ``devices - 1`` images, which add nothing to the weighted loss
    or to the accuracy. Its batch ends run in the main thread
    (:class:`_BatchEndsInTheMainThread`).
    """
    shards = data_shards(keras.distribution.distribution())
    if shards == 1 or not isinstance(x, np.ndarray):
        return model.fit(x, y, **fit_kwargs)
    weight = fit_kwargs.pop("sample_weight", None)
    split = fit_kwargs.pop("validation_split", 0.0) or 0.0
    validation = fit_kwargs.pop("validation_data", None)
    if split > 0:
        split_at = int(math.floor(x.shape[0] * (1.0 - split)))
        val_weight = None if weight is None else weight[split_at:]
        validation = (x[split_at:], y[split_at:], val_weight)
        x, y, weight = x[:split_at], y[:split_at], None if weight is None else weight[:split_at]
    x, y, weight = _padded((x, y), shards, weight)
    if validation is not None:
        val_x, val_y, *val_weight = validation
        validation = _padded((val_x, val_y), shards, val_weight[0] if val_weight else None)
        if validation[2] is None:
            validation = validation[:2]
        fit_kwargs["validation_data"] = validation
    fit_kwargs["callbacks"] = [*(fit_kwargs.get("callbacks") or []), _BatchEndsInTheMainThread()]
    return model.fit(x, y, sample_weight=weight, **fit_kwargs)


def predict_evenly(model: keras.Model, x: np.ndarray, batch_size: int) -> np.ndarray:
    """``model.predict`` in batches split evenly over the devices; one row per image of ``x``."""
    shards = data_shards(keras.distribution.distribution())
    if shards == 1:
        return model.predict(x, batch_size=batch_size, verbose=0)
    n = x.shape[0]
    padded = _padded((x,), shards, None)[0]
    batch = math.ceil(batch_size / shards) * shards
    return model.predict(
        padded, batch_size=batch, verbose=0, callbacks=[_BatchEndsInTheMainThread()]
    )[:n]


def distribution_to_json(value: Any) -> Any:
    """A saved model's ``distribution``: a Distribution object as its description."""
    return describe_distribution(value) if is_distribution(value) else value


def distribution_from_json(value: Any) -> Any:
    """A saved ``distribution`` as this process can use it.

    A saved Distribution (its description) loads as ``"data_parallel"``
    over the devices at hand; where the backend has no distribution, as
    None, with a warning.
    """
    if value is None:
        return None
    if keras.config.backend() not in BACKENDS_WITH_DISTRIBUTION:
        saved = value if isinstance(value, str) else value.get("kind")
        warnings.warn(
            f"the model was saved with distribution={saved!r}, which Keras' "
            f"{keras.config.backend()} backend cannot use: it loads with "
            "distribution=None (one device). Load it under KERAS_BACKEND=jax to train on "
            "several devices.",
            UserWarning,
            stacklevel=4,
        )
        return None
    return "data_parallel"


class DistributionMixin:
    """Run an estimator's fit, predict and load under its ``distribution``."""

    @contextlib.contextmanager
    def _distributed(self, *, fitting: bool) -> Iterator[None]:
        """The block under the estimator's distribution; ``fitting`` records ``distribution_``."""
        name = type(self).__name__
        distribution = resolve_distribution(self.distribution, name)
        if fitting:
            check_batch_split(self.batch_size, distribution, name)
            self.distribution_ = describe_distribution(distribution)
        with distribution_scope(distribution):
            yield
