"""Worker hygiene: what a fit does differently in a worker process of joblib or Dask.

scikit-learn's searches and cross-validation send each fit to a joblib
backend: loky processes by default (``n_jobs=2``), the workers of a Dask
cluster inside ``joblib.parallel_backend("dask")``. Such a worker runs many
fits, one after the other, for its whole life; Keras was written for one
model per process. :func:`worker_fit` wraps every estimator's ``fit`` and,
in a worker process only, so that nothing changes in the user's own
process:

- trains **one model at a time** (a process-wide lock: a Dask worker with
  several threads still trains one network at once);
- sets the framework's threads to the **worker's share of the cores**
  (:func:`worker_threads`): both engines already export
  ``OMP_NUM_THREADS`` to their workers (loky: the cores divided by
  ``n_jobs``; Dask's nanny: 1), which BLAS reads but TensorFlow's own
  thread pools do not; so TensorFlow's intra- and inter-op pools (before
  its runtime starts, in the worker's first fit), PyTorch's threads and
  the BLAS/OpenMP pools (:mod:`threadpoolctl`) get the share;
- **clears Keras' global state** before each fit after the first
  (:func:`keras.backend.clear_session`), and on TensorFlow the gradient
  functions that earlier fits' ``tf.custom_gradient`` left in TensorFlow's
  global registry (each holds its traced train step: about 8 MiB a LeNet-5
  fit): the previous fit's model is no longer Keras' business in a worker
  (scikit-learn scores it in the same task, before the next fit starts),
  and a worker's memory would otherwise grow with every fit. The user's
  process is never cleared: it may hold other models, and a global dtype
  policy that ``clear_session`` resets.

Which accelerator a worker sees is decided when the worker starts
(``CUDA_VISIBLE_DEVICES``, Dask worker resources): the recipe is in the
user guide, "Scaling out".

:func:`fit_location` names where a fit ran (the Dask worker's address, or
the host and process id), which each estimator records as ``fit_worker_``.

Nothing here imports Keras, Dask or threadpoolctl at import time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["fit_location", "in_worker_process", "worker_fit", "worker_threads"]

#: One network trains at a time in a worker process.
_FIT_LOCK = threading.Lock()
#: What this process has done: fits started, framework threads set.
_STATE: dict[str, Any] = {"fits": 0, "threads": None, "gradients": None}
#: Clear Keras' global state between fits in a worker (False only to measure
#: the growth without it: benchmarks/bench_parallel.py).
CLEAR_BETWEEN_FITS = True


def _dask_worker() -> Any:
    """The Dask worker running this task, or None (Dask not loaded or not a task)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        return distributed.get_worker()
    except ValueError:
        return None


def in_worker_process() -> bool:
    """Whether this process is a worker that a parallel engine started to run fits.

    A child process of :mod:`multiprocessing` or loky (joblib's default
    backend, a Dask nanny's worker), or a Dask worker running in a process
    with no Dask client of its own (``dask worker --no-nanny``). A Dask
    worker thread inside the user's process (``LocalCluster(processes=False)``)
    is not one.

    Returns
    -------
    bool
    """
    if multiprocessing.parent_process() is not None:
        return True
    if _dask_worker() is None:
        return False
    distributed = sys.modules["distributed"]
    try:
        distributed.default_client()
    except ValueError:
        return True
    return False


def worker_threads() -> int:
    """The threads one fit may use in this worker: its share of the cores.

    A Dask worker's own thread count (``--nthreads``; LocalCluster's
    ``threads_per_worker``), else ``OMP_NUM_THREADS`` as the engine exported
    it (loky: the cores divided by ``n_jobs``), else every core.

    Returns
    -------
    int
        At least 1.
    """
    worker = _dask_worker()
    if worker is not None:
        return max(1, int(worker.state.nthreads))
    try:
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    except (KeyError, ValueError):
        return max(1, os.cpu_count() or 1)


def fit_location() -> str:
    """Where this fit runs: ``"dask:<worker address>"``, else ``"<host>:<pid>"``.

    Returns
    -------
    str
    """
    worker = _dask_worker()
    if worker is not None:
        return f"dask:{worker.address}"
    return f"{socket.gethostname()}:{os.getpid()}"


def _set_framework_threads(n: int) -> None:
    """Size the backend's own thread pools once per process, where it still can."""
    if _STATE["threads"] is not None:
        return
    _STATE["threads"] = n
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(min(n, 2))
        except RuntimeError:
            # The runtime started before the first fit: its pools stay as they
            # are (TF_NUM_INTRAOP_THREADS at the worker's start sets them).
            pass
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(n)


def _custom_gradients() -> dict | None:
    """TensorFlow's registry of gradient functions (name -> entry), or None without it.

    Every ``tf.custom_gradient`` traced in a graph (Keras' train step has
    some) registers its gradient there under a fresh name
    (``"CustomGradient-<n>"``) and never removes it; the entry's closure
    holds the traced step's whole graph, so each fit of a new model leaves
    it behind (measured: about 8 MiB a LeNet-5 fit, which neither
    ``clear_session`` nor ``gc.collect`` nor ``malloc_trim`` gives back).
    """
    if "tensorflow" not in sys.modules:
        return None
    from tensorflow.python.framework import ops as tf_ops

    registry = getattr(getattr(tf_ops, "_gradient_registry", None), "_registry", None)
    return registry if isinstance(registry, dict) else None


def _release_custom_gradients() -> None:
    """Forget the custom gradients registered since the worker's first fit began.

    Only a graph traced by an earlier fit uses them: such a model is no
    longer Keras' business in a worker (see :func:`worker_fit`), and an
    entry is read only while the step that registered it is being traced
    (a retraced step registers its own); a step already traced runs without
    it. Called between fits, under the fit lock, so no trace is under way.
    """
    registry = _custom_gradients()
    if registry is None:
        return
    before = _STATE["gradients"] or frozenset()
    for name in [k for k in registry if k.startswith("CustomGradient-") and k not in before]:
        del registry[name]


def _clear_keras_state() -> None:
    import keras

    _release_custom_gradients()
    keras.backend.clear_session(free_memory=True)


@contextlib.contextmanager
def worker_fit() -> Iterator[None]:
    """The scope of one estimator fit: worker hygiene in a worker, nothing elsewhere.

    In a worker process (:func:`in_worker_process`): one fit at a time,
    the framework's and BLAS' threads set to :func:`worker_threads`, and
    Keras' global state cleared before every fit but the process's first.
    In any other process it only counts the fit.

    Yields
    ------
    None
    """
    if not in_worker_process():
        _STATE["fits"] += 1
        yield
        return
    from threadpoolctl import threadpool_limits

    with _FIT_LOCK:
        n = worker_threads()
        if _STATE["fits"] and CLEAR_BETWEEN_FITS:
            _clear_keras_state()
        elif not _STATE["fits"]:
            registry = _custom_gradients()
            _STATE["gradients"] = frozenset(registry or ())
        _STATE["fits"] += 1
        _set_framework_threads(n)
        with threadpool_limits(limits=n):
            yield
