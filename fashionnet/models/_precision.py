"""The precision policy a classifier's network is built and run under.

Keras reads its global dtype policy when a layer is created (also inside
``keras.applications`` constructors, which take no dtype argument). An
estimator's ``dtype_policy`` is applied for the building of its network and
for loading a saved one, and Keras' global policy is left as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import keras

from .. import _backend

__all__ = ["DTYPE_POLICIES", "resolve_dtype_policy", "dtype_policy_scope"]

#: Keras dtype policies a classifier may be built under. Pure "bfloat16" or
#: "float16" weights lose the small updates of training, so only the mixed
#: policies (float32 weights, low-precision computation) are offered.
DTYPE_POLICIES = ("float32", "mixed_bfloat16", "mixed_float16", "auto")


def resolve_dtype_policy(name: str | None) -> str | None:
    """The policy a network is built under: ``"auto"`` becomes the device's best.

    Examples
    --------
    >>> from fashionnet.models._precision import resolve_dtype_policy
    >>> resolve_dtype_policy("mixed_float16"), resolve_dtype_policy(None)
    ('mixed_float16', None)
    >>> resolve_dtype_policy("auto") in ("mixed_bfloat16", "float32")
    True
    """
    if name != "auto":
        return name
    # Looked up at each call, so that a test can stand in for the device.
    return "mixed_bfloat16" if _backend.bfloat16_is_native() else "float32"


@contextlib.contextmanager
def dtype_policy_scope(name: str | None) -> Iterator[None]:
    """Make ``name`` Keras' global dtype policy for the block, then restore the previous one.

    Keras' global state is per thread. None leaves the policy as it is.

    Examples
    --------
    >>> import keras
    >>> from fashionnet.models._precision import dtype_policy_scope
    >>> before = keras.config.dtype_policy().name
    >>> with dtype_policy_scope("mixed_bfloat16"):
    ...     keras.config.dtype_policy().name
    'mixed_bfloat16'
    >>> keras.config.dtype_policy().name == before
    True
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
