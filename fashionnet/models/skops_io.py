"""A fitted classifier's state without the Keras object graph: for skops, MLflow and pickle.

:mod:`skops.io` stores an object it does not know through its
``__getstate__`` and rebuilds it with ``__setstate__``, refusing to load any
type the user has not trusted. A fitted classifier's state used to hold its
Keras network as a live object, whose graph skops walks until
``RecursionError``. :class:`~fashionnet.models.FashionNetClassifier`'s state
now holds the network as the bytes of a ``.keras`` file (Keras' own format,
the one ``save`` writes) and its training history as plain lists; loading
rebuilds the network with :func:`keras.saving.load_model` in safe mode,
which refuses a network that asks for Python code. Pickle, joblib and
:func:`copy.deepcopy` go through the same two methods.

What is stored: every parameter and fitted attribute (``classes_``, the
input layout, ``history_``, ``background_``, ...) and the network with its
weights and optimizer state. What must be trusted: the estimator and
transformer classes of fashionnet that the stored object holds, listed by
:func:`trusted_types`; everything else in a fitted classifier is of types
skops trusts already. Parameters that are Python objects (Keras callbacks,
an optimizer instance) are stored by pickle but not by skops: leave them at
their defaults (None, an optimizer name) on a classifier you store with
skops.

Examples
--------
>>> import io, numpy as np, skops.io as sio
>>> from fashionnet.datasets import load_fashion_mnist
>>> from fashionnet.models import LeNet5Classifier
>>> from fashionnet.models.skops_io import trusted_types
>>> X, y = load_fashion_mnist("test")
>>> clf = LeNet5Classifier(epochs=1, random_state=0).fit(X[:300], y[:300])
>>> data = sio.dumps(clf)
>>> sio.get_untrusted_types(data=data)
['fashionnet.models.lenet.LeNet5Classifier']
>>> loaded = sio.loads(data, trusted=trusted_types())
>>> bool(np.array_equal(loaded.predict(X[:50]), clf.predict(X[:50])))
True
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path
from typing import Any

import keras
import pandas as pd

from .. import preprocessing
from ..registry import estimator_classes
from . import _layers  # noqa: F401  (registers the custom layers that load_model rebuilds)
from ._distribution import distribution_to_json, loading_scope
from ._params import COMMON_PARAMS
from ._precision import dtype_policy_scope

__all__ = ["trusted_types", "NetworkStateMixin"]

#: Keys of the state that replace ``model_`` and ``history_``.
NETWORK_KEY = "_keras_network"
HISTORY_KEY = "_history_lists"


def trusted_types() -> list[str]:
    """The types to trust when loading a fashionnet classifier or pipeline with skops.

    Every registered estimator class and every transformer of
    :mod:`fashionnet.preprocessing`, as skops names them (a transformer
    also by its public path, ``fashionnet.preprocessing.PixelScaler``, the
    name that files written before the package was split into modules
    hold). Pass the list as
    ``trusted=`` to :func:`skops.io.load` (or ``skops_trusted_types=`` to
    ``mlflow.sklearn.log_model``). Trusting them lets a file build these
    objects with the state it holds; their ``__setstate__`` loads the
    network in Keras' safe mode, so a file cannot run code through them.
    Any other type in a file (a function given as a parameter, say) stays
    untrusted, and skops refuses the file until you look at it and trust
    it yourself (:func:`skops.io.get_untrusted_types`).

    Returns
    -------
    list of str
        ``"module.Class"`` names, sorted.

    Examples
    --------
    >>> from fashionnet.models.skops_io import trusted_types
    >>> "fashionnet.models.lenet.LeNet5Classifier" in trusted_types()
    True
    >>> "fashionnet.preprocessing.scaling.PixelScaler" in trusted_types()
    True
    >>> "fashionnet.preprocessing.PixelScaler" in trusted_types()
    True
    """
    classes = list(estimator_classes().values())
    classes += [getattr(preprocessing, name) for name in preprocessing.__all__]
    names = {f"{cls.__module__}.{cls.__qualname__}" for cls in classes if inspect.isclass(cls)}
    # The names of files written when fashionnet.preprocessing was one module.
    names |= {f"{preprocessing.__name__}.{name}" for name in preprocessing.__all__}
    return sorted(names)


def network_state(state: dict, *, rebuilt: tuple[str, ...] = ()) -> dict:
    """``state`` (an estimator's ``__dict__`` copy) with the network and history as plain data.

    ``model_`` becomes the bytes of a ``.keras`` file, ``history_`` a dict
    of lists, and the attributes named in ``rebuilt`` (derived from the
    parameters on load) are left out. An unfitted state comes back as is.
    """
    state = dict(state)
    for name in rebuilt:
        state.pop(name, None)
    if "model_" in state:
        state[NETWORK_KEY] = _network_bytes(state.pop("model_"))
    history = state.pop("history_", None)
    if isinstance(history, pd.DataFrame):
        state[HISTORY_KEY] = {
            "columns": {str(c): history[c].tolist() for c in history.columns},
            "index": history.index.tolist(),
            "index_name": history.index.name,
        }
    elif history is not None:
        state["history_"] = history
    return state


def restore_network(state: dict) -> dict:
    """The inverse of :func:`network_state`: ``model_`` and ``history_`` rebuilt.

    Call it under the dtype policy the network was built with (the
    state's ``dtype_policy_``), so that Keras compiles it as it was saved.
    """
    state = dict(state)
    if NETWORK_KEY in state:
        state["model_"] = _load_network(state.pop(NETWORK_KEY))
    history = state.pop(HISTORY_KEY, None)
    if history is not None:
        index = pd.Index(history["index"], name=history["index_name"])
        state["history_"] = pd.DataFrame(history["columns"], index=index)
    return state


def _network_bytes(model: keras.Model) -> bytes:
    with tempfile.TemporaryDirectory(prefix="fashionnet-state-") as tmp:
        path = Path(tmp) / "network.keras"
        model.save(path)
        return path.read_bytes()


def _load_network(data: Any) -> keras.Model:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(
            f"the stored network must be the bytes of a .keras file; got {type(data).__name__}. "
            "The file was not written by fashionnet, or it is damaged: store the classifier again."
        )
    with tempfile.TemporaryDirectory(prefix="fashionnet-state-") as tmp:
        path = Path(tmp) / "network.keras"
        path.write_bytes(bytes(data))
        # Safe mode: a network that asks for Python code (a Lambda layer) is refused.
        return keras.saving.load_model(path, safe_mode=True)


class NetworkStateMixin:
    """What pickle, deepcopy and skops store of a classifier: its network as ``.keras`` bytes.

    Not scikeras' pickled Keras object graph, which skops cannot walk (it
    recursed until ``RecursionError``): the state holds the network as the
    bytes of a ``.keras`` file, read back in Keras' safe mode under the
    dtype policy it was built with.
    """

    #: Fitted attributes rebuilt from the parameters on load, not stored.
    _rebuilt_on_load: tuple[str, ...] = ()

    def __getstate__(self) -> dict:
        state = network_state(super().__getstate__(), rebuilt=self._rebuilt_on_load)
        # A Distribution holds the backend's devices, which do not pickle:
        # stored as its description, it comes back as "data_parallel".
        state["distribution"] = distribution_to_json(state.get("distribution"))
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if isinstance(state.get("distribution"), dict):
            state["distribution"] = COMMON_PARAMS["distribution"].from_json(state["distribution"])
        with dtype_policy_scope(state.get("dtype_policy_")):
            with loading_scope(state.get("distribution")):
                super().__setstate__(restore_network(state))
        if self._rebuilt_on_load and hasattr(self, "model_"):
            self._restore_fitted()
