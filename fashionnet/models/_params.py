"""Each estimator parameter declared once: what it accepts and what it shapes.

A :class:`Param` holds one parameter's constraint (as scikit-learn's
``_parameter_constraints``), the words of the error that refuses a bad
value, its role in a warm start (``"network"``: it shapes the network, so a
warm start refuses a change; ``"training"``: it shapes the training or the
prediction only) and, where JSON needs help, how a saved model writes and
reads it. Each estimator class lists its parameters in
``_declared_params`` (:func:`declare`); :func:`check_params` reads that list
at ``fit``, :func:`network_params` gives what a warm start compares, and
:mod:`fashionnet.models.persistence` saves the parameters through it.

The parameters every classifier takes are declared here
(:data:`COMMON_PARAMS`); a model's own are declared in its module, beside
its class. The text documenting a shared parameter is the same in every
class's docstring (``tests/models/test_params.py`` checks it).
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from .._checks import check_class_weight
from ..callbacks import ProgressBar
from ._distribution import distribution_from_json, distribution_to_json, valid_distribution
from ._precision import DTYPE_POLICIES

__all__ = [
    "Param",
    "NETWORK",
    "TRAINING",
    "COMMON_PARAMS",
    "declare",
    "check_params",
    "network_params",
    "is_int",
    "is_real",
    "is_bool",
    "anything",
    "learning_rate_value",
]

#: Role of a parameter that shapes the network: a warm start refuses a change.
NETWORK = "network"
#: Role of a parameter that shapes the training or the prediction only.
TRAINING = "training"

_MESSAGE = "{estimator}: {name} must be {expected}; got {got}.{hint}"


def is_int(value: Any) -> bool:
    """An integer, NumPy's included, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value: Any) -> bool:
    """A real number, NumPy's included, but not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_bool(value: Any) -> bool:
    """True or False, NumPy's included."""
    return isinstance(value, (bool, np.bool_))


def anything(value: Any) -> bool:
    """The constraint of a parameter checked where it is used (or not at all)."""
    return True


def learning_rate_value(value: Any) -> Any:
    """A learning rate, with a schedule's Keras config dict deserialised."""
    if isinstance(value, Mapping):
        return keras.optimizers.schedules.deserialize(dict(value))
    # Keras takes a Python float only: np.float32(1e-3) is a rate too.
    return float(value) if is_real(value) else value


@dataclass(frozen=True)
class Param:
    """One parameter of an estimator: its constraint, its error and its roles.

    Parameters
    ----------
    name : str
        The ``__init__`` argument.
    accepts : callable
        ``accepts(value, *needed)`` is True for a valid value; ``needed``
        are the values of the parameters named in ``needs``. A check may
        raise its own ``ValueError`` where the message must point inside
        the value.
    expected : str or callable
        Completes "``<name>`` must be ..."; a callable is given the values
        of ``needs``.
    role : {"network", "training"}, default="network"
        What a warm start may change: ``"training"`` parameters only.
    needs : tuple of str, default=()
        Other parameters the constraint reads (checked before this one).
    error : type, default=ValueError
        The exception that refuses a bad value.
    hint : str, default=""
        A sentence appended to the message.
    shown : callable, default=repr
        How the message shows the refused value.
    message : str or None, default=None
        The whole message, where the usual "must be" does not fit; formatted
        with ``estimator``, ``name``, ``value`` (the value itself),
        ``expected``, ``got`` and ``hint``.
    to_json, from_json : callable or None, default=None
        How a saved model writes the value into JSON and reads it back,
        where JSON alone would change it.
    """

    name: str
    accepts: Callable[..., bool]
    expected: str | Callable[..., str] = ""
    role: str = NETWORK
    needs: tuple[str, ...] = ()
    error: type[Exception] = ValueError
    hint: str = ""
    shown: Callable[[Any], str] = repr
    message: str | None = None
    to_json: Callable[[Any], Any] | None = None
    from_json: Callable[[Any], Any] | None = None

    def refusal(self, estimator: str, value: Any, needed: list) -> Exception | None:
        """The exception refusing ``value`` for an estimator named ``estimator``, or None."""
        if self.accepts(value, *needed):
            return None
        expected = self.expected(*needed) if callable(self.expected) else self.expected
        text = (self.message or _MESSAGE).format(
            estimator=estimator,
            name=self.name,
            value=value,
            expected=expected,
            got=self.shown(value),
            hint=self.hint,
        )
        return self.error(text)


def declare(*params: Param, base: Mapping[str, Param] | None = None) -> dict[str, Param]:
    """The declarations of a class: ``base``'s (its parent's), then ``params``, by name."""
    declared = dict(base or {})
    for param in params:
        declared[param.name] = param
    return declared


def check_params(estimator: Any) -> None:
    """Refuse the first parameter of ``estimator`` that its declaration does not accept.

    Parameters are checked in the order they are declared; a class without
    declarations is not checked.

    Raises
    ------
    ValueError or TypeError
        The declaration's error, naming the estimator, the parameter, what
        it must be and what it got.
    """
    declared: Mapping[str, Param] = getattr(type(estimator), "_declared_params", {})
    values = estimator.get_params(deep=False)
    for param in declared.values():
        if param.name not in values:
            continue
        needed = [values[name] for name in param.needs]
        refusal = param.refusal(type(estimator).__name__, values[param.name], needed)
        if refusal is not None:
            raise refusal


def network_params(estimator: Any) -> dict[str, str]:
    """The parameters that shape ``estimator``'s network, as comparable text.

    All but the declared ``"training"`` ones: a parameter a class does not
    declare counts as shaping the network.
    """
    declared: Mapping[str, Param] = getattr(type(estimator), "_declared_params", {})
    return {
        name: json.dumps(value, sort_keys=True, default=repr)
        for name, value in estimator.get_params(deep=False).items()
        if getattr(declared.get(name), "role", NETWORK) != TRAINING
    }


# ---------------------------------------------------------------------- #
# the parameters every classifier takes
# ---------------------------------------------------------------------- #


def _valid_learning_rate(value: Any) -> bool:
    try:
        rate = learning_rate_value(value)
    except (ValueError, TypeError, KeyError):
        return False
    return (
        rate is None
        or (is_real(rate) and math.isfinite(rate) and rate > 0)
        or isinstance(rate, keras.optimizers.schedules.LearningRateSchedule)
    )


def _valid_class_weight(value: Any) -> bool:
    # Raises its own message, which names the class whose weight is refused.
    check_class_weight(value)
    return True


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python number or string it holds."""
    return value.item() if isinstance(value, np.generic) else value


def _key(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _class_weight_to_json(value: Any) -> Any:
    # JSON would turn class 0 into "0": keep the keys' types as pairs.
    if isinstance(value, dict):
        return [[_plain(k), float(w)] for k, w in value.items()]
    return value


def _class_weight_from_json(value: Any) -> Any:
    if isinstance(value, list):  # saved as pairs: JSON keys are text
        return {_key(k): float(w) for k, w in value}
    return value


def _callbacks_to_json(value: Any) -> Any:
    # Progress bars are display only: leave them out without a word.
    if value is None:
        return None
    return [c for c in value if not isinstance(c, ProgressBar)] or None


def _int_at_least(low: int) -> Callable[[Any], bool]:
    return lambda value: is_int(value) and value >= low


#: Parameters of :class:`~fashionnet.models.FashionNetClassifier`, taken by every classifier.
COMMON_PARAMS: dict[str, Param] = declare(
    Param(
        "learning_rate",
        _valid_learning_rate,
        "a positive float, a keras.optimizers.schedules.LearningRateSchedule (or its "
        "Keras config dict) or None",
        role=TRAINING,
    ),
    Param("batch_size", _int_at_least(1), "an integer >= 1", role=TRAINING),
    Param("epochs", _int_at_least(1), "an integer >= 1", role=TRAINING),
    # Checked where the optimizer is made (FashionNetClassifier._make_optimizer),
    # which needs Keras to tell a name from another.
    Param("optimizer", anything, "a Keras optimizer name, class or instance", role=TRAINING),
    Param(
        "validation_split",
        lambda v: is_real(v) and 0 <= v < 1,
        "a float in [0, 1)",
        role=TRAINING,
    ),
    Param(
        "early_stopping",
        lambda v: v is None or (is_int(v) and v >= 0),
        "None or a patience in epochs (int >= 0)",
        role=TRAINING,
    ),
    Param(
        "callbacks",
        lambda v: v is None or isinstance(v, (list, tuple)),
        "a list of Keras callbacks or None",
        role=TRAINING,
        error=TypeError,
        shown=lambda v: type(v).__name__,
        to_json=_callbacks_to_json,
    ),
    Param("log_dir", anything, "a folder or None", role=TRAINING),
    Param("csv_log", anything, "a file or None", role=TRAINING),
    # Read by sklearn.utils.check_random_state, which refuses what it cannot use.
    Param("random_state", anything, "an int, a RandomState or None", role=TRAINING),
    Param(
        "verbose",
        lambda v: v in (0, 1, 2) and not isinstance(v, bool),
        "0, 1 or 2",
        role=TRAINING,
    ),
    Param(
        "dtype_policy",
        lambda v: v is None or v in DTYPE_POLICIES,
        f"None or one of {list(DTYPE_POLICIES)}",
        hint=" Use 'auto' for bfloat16 where the device has it, 'mixed_float16' on GPUs.",
    ),
    # Shapes the network: its variables are laid out on the devices at build.
    Param(
        "distribution",
        valid_distribution,
        "None, 'data_parallel' or a keras.distribution.Distribution (DataParallel, ModelParallel)",
        shown=lambda v: repr(v) if isinstance(v, str) else type(v).__name__,
        to_json=distribution_to_json,
        from_json=distribution_from_json,
    ),
    Param(
        "class_weight",
        _valid_class_weight,
        "None, 'balanced' or a dict from class to a non-negative weight",
        role=TRAINING,
        to_json=_class_weight_to_json,
        from_json=_class_weight_from_json,
    ),
    Param("warm_start", is_bool, "True or False", role=TRAINING),
    Param(
        "time_budget",
        lambda v: v is None or (is_real(v) and math.isfinite(v) and v > 0),
        "None or a number of seconds > 0",
        role=TRAINING,
    ),
)
