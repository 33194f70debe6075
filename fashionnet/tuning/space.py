"""The search space: scikit-learn-style dicts as keras-tuner ``HyperParameters``.

A list of values becomes a ``hp.Choice``; :class:`LogUniform`,
:class:`Uniform` and :class:`IntRange` declare ranges; a
``keras_tuner.HyperParameters`` object is used as it is. Values that
keras-tuner cannot hold (booleans, None, tuples, mixed types) are declared as
labels and decoded back by :func:`decode_values` when a trial runs.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "LogUniform",
    "Uniform",
    "IntRange",
    "build_space",
    "decode_values",
    "searched_names",
]


@dataclass(frozen=True)
class LogUniform:
    """A float drawn log-uniformly between ``low`` and ``high`` (``hp.Float(sampling="log")``).

    Parameters
    ----------
    low, high : float
        Bounds, ``0 < low < high``.

    Examples
    --------
    >>> from fashionnet.tuning import LogUniform
    >>> LogUniform(1e-4, 1e-1)
    LogUniform(low=0.0001, high=0.1)
    """

    low: float
    high: float

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not (0 < self.low < self.high):
            raise ValueError(f"{name}: LogUniform needs 0 < low < high; got {self}.")
        hp.Float(name, float(self.low), float(self.high), sampling="log")


@dataclass(frozen=True)
class Uniform:
    """A float drawn uniformly between ``low`` and ``high`` (``hp.Float``).

    Parameters
    ----------
    low, high : float
        Bounds, ``low < high``.
    step : float, optional
        Grid spacing; needed for ``tuner="grid"``.

    Examples
    --------
    >>> from fashionnet.tuning import Uniform
    >>> Uniform(0.0, 0.5, step=0.1)
    Uniform(low=0.0, high=0.5, step=0.1)
    """

    low: float
    high: float
    step: float | None = None

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not self.low < self.high:
            raise ValueError(f"{name}: Uniform needs low < high; got {self}.")
        hp.Float(name, float(self.low), float(self.high), step=self.step)


@dataclass(frozen=True)
class IntRange:
    """An integer between ``low`` and ``high`` inclusive (``hp.Int``).

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``low < high``.
    step : int, default=1
        Spacing of the values.
    sampling : {"linear", "log"}, default="linear"
        How values are drawn.

    Examples
    --------
    >>> from fashionnet.tuning import IntRange
    >>> IntRange(2, 10, step=2)
    IntRange(low=2, high=10, step=2, sampling='linear')
    """

    low: int
    high: int
    step: int = 1
    sampling: str = "linear"

    def add_to(self, hp: Any, name: str) -> None:
        """Declare this range as ``name`` in the keras-tuner ``hp`` object."""
        if not self.low < self.high:
            raise ValueError(f"{name}: IntRange needs low < high; got {self}.")
        hp.Int(name, int(self.low), int(self.high), step=int(self.step), sampling=self.sampling)


_SPECS = (LogUniform, Uniform, IntRange)


def _choice(hp: Any, name: str, values: Sequence) -> list | None:
    """Declare ``values`` as an ``hp.Choice``; return the decoding table if values were encoded.

    keras-tuner's ``Choice`` holds values of one type among int, float and
    str. Anything else (booleans, None, tuples, mixed types, objects) is declared
    as the strings ``repr(value)`` and decoded back when a trial runs.
    """
    values = list(values)
    if not values:
        raise ValueError(f"param_space[{name!r}] is an empty list; give at least one value.")
    kinds = {_plain_kind(v) for v in values}
    if kinds == {int, float}:  # [1e-3, 1] is a float choice
        kinds = {float}
    if len(kinds) == 1 and None not in kinds:
        kind = kinds.pop()
        plain = [kind(v) for v in values]
        if len(set(plain)) != len(plain):
            raise ValueError(f"param_space[{name!r}] lists a value twice: {values}.")
        hp.Choice(name, plain)
        return None
    labels = [repr(v) for v in values]
    if len(set(labels)) != len(labels):
        labels = [f"{i}: {label}" for i, label in enumerate(labels)]
    hp.Choice(name, labels)
    return list(zip(labels, values, strict=True))


def _plain_kind(value: Any) -> type | None:
    # keras-tuner turns booleans into 0/1, which strict estimators refuse:
    # booleans are encoded like any other non-plain value.
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (numbers.Integral, np.integer)):
        return int
    if isinstance(value, (numbers.Real, np.floating)):
        return float
    if isinstance(value, str):
        return str
    return None


def build_space(param_space: Any) -> tuple[Any, dict[str, list]]:
    """Translate ``param_space`` into keras-tuner ``HyperParameters``.

    Parameters
    ----------
    param_space : dict or keras_tuner.HyperParameters
        ``{name: list of values | LogUniform | Uniform | IntRange}``, or a
        ``HyperParameters`` object used as it is.

    Returns
    -------
    hp : keras_tuner.HyperParameters
        The declared space.
    decoders : dict
        For each parameter whose values had to be encoded as strings, the
        list of ``(label, value)`` pairs.

    Raises
    ------
    ValueError, TypeError
        An empty space, an empty list, or a value that is neither a list nor
        a range specification.
    """
    import keras_tuner

    if isinstance(param_space, keras_tuner.HyperParameters):
        if not param_space.space:
            raise ValueError("param_space is an empty HyperParameters object; declare some.")
        return param_space.copy(), {}
    if not isinstance(param_space, Mapping) or not param_space:
        raise ValueError(
            "param_space must be a non-empty dict such as {'learning_rate': [1e-2, 1e-3], "
            "'batch_size': [32, 64]} or a keras_tuner.HyperParameters object; "
            f"got {param_space!r}."
        )
    hp = keras_tuner.HyperParameters()
    decoders: dict[str, list] = {}
    for name, spec in param_space.items():
        if not isinstance(name, str):
            raise TypeError(f"param_space keys must be parameter names (str); got {name!r}.")
        if isinstance(spec, _SPECS):
            spec.add_to(hp, name)
        elif isinstance(spec, (list, tuple, np.ndarray, range)):
            table = _choice(hp, name, list(spec))
            if table is not None:
                decoders[name] = table
        else:
            raise TypeError(
                f"param_space[{name!r}] = {spec!r}: expected a list of values or a range "
                "(LogUniform, Uniform, IntRange). To fix a value instead of searching it, "
                f"set it on the estimator, e.g. estimator.set_params({name}={spec!r})."
            )
    return hp, decoders


def decode_values(values: Mapping[str, Any], decoders: Mapping[str, list]) -> dict[str, Any]:
    """Estimator parameters of a trial: decoded choices, without keras-tuner's ``tuner/`` keys."""
    params = {}
    for name, value in values.items():
        if name.startswith("tuner/"):
            continue
        if name in decoders:
            value = dict(decoders[name])[value]
        params[name] = value
    if "tuner/epochs" in values:  # Hyperband decides the epochs.
        params["epochs"] = int(values["tuner/epochs"])
    return params


def searched_names(param_space: Any, hyperband: bool = False) -> list[str]:
    """Names of the searched parameters, in the order of ``param_space``.

    ``epochs`` is added for Hyperband, which chooses it itself.
    """
    import keras_tuner

    if isinstance(param_space, keras_tuner.HyperParameters):
        names = [p.name for p in param_space.space]
    else:
        names = list(param_space)
    return names + (["epochs"] if hyperband else [])
