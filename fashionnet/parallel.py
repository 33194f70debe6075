"""Many fits at once: the joblib backend that scikit-learn's loops and ours run on.

scikit-learn's searches and cross-validation, and fashionnet's own loops
(:func:`~fashionnet.evaluation.cross_validate_folds`, the out-of-fold fits
of :func:`~fashionnet.audit.label_issues`) hand their fits to joblib. Which
engine runs them is joblib's *active backend*: loky processes on this
machine by default, or the workers of a Dask cluster. :func:`parallel_backend`
activates the right one from the two settings a command takes (``--n-jobs``,
``--scheduler``), and turns a Dask worker that died mid-fit into one clear
error. Each fitted estimator records where it ran (``fit_worker_``,
:func:`fit_location`); what a fit does in a worker process (one model at a
time, its share of the threads, Keras' state cleared between fits) is
:mod:`fashionnet._workers`.

Dask is an extra: ``pip install 'fashionnet[distributed]'``.
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import joblib

from fashionnet._workers import fit_location, in_worker_process, worker_threads

__all__ = [
    "WorkerLostError",
    "check_n_jobs",
    "check_scheduler",
    "fit_location",
    "in_worker_process",
    "parallel_backend",
    "require_distributed",
    "worker_threads",
]

_NEEDS_DISTRIBUTED = (
    "a Dask scheduler needs dask.distributed: pip install 'fashionnet[distributed]'"
)


class WorkerLostError(RuntimeError):
    """A worker process died while it ran a fit, as many times as the scheduler allows.

    Raised by :func:`parallel_backend` in place of Dask's ``KilledWorker``
    (kept as ``__cause__``).
    """


def require_distributed():
    """The :mod:`distributed` module, or one clear ImportError naming the extra.

    Returns
    -------
    module
    """
    try:
        import distributed
    except ImportError:
        raise ImportError(_NEEDS_DISTRIBUTED) from None
    return distributed


def check_n_jobs(n_jobs: Any, name: str = "n_jobs") -> int | None:
    """``n_jobs`` if it is None, a positive number of fits at once, or -1; else ValueError.

    Examples
    --------
    >>> from fashionnet.parallel import check_n_jobs
    >>> check_n_jobs(2), check_n_jobs(-1), check_n_jobs(None)
    (2, -1, None)
    >>> check_n_jobs(0, "--n-jobs")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --n-jobs must be a positive number of fits at once, or -1 for every core ...
    """
    if n_jobs is None:
        return None
    if isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool):
        if n_jobs >= 1 or n_jobs == -1:
            return int(n_jobs)
    raise ValueError(
        f"{name} must be a positive number of fits at once, or -1 for every core (every "
        f"worker of a Dask cluster); got {n_jobs!r}."
    )


#: What ``--scheduler`` looks like.
_ADDRESS_EXAMPLE = "tcp://10.0.0.5:8786 (the address 'dask scheduler' prints)"


def check_scheduler(scheduler: Any, name: str = "scheduler") -> Any:
    """A Dask scheduler's address with its host (``tcp://`` added), a Client, or None.

    Examples
    --------
    >>> from fashionnet.parallel import check_scheduler
    >>> check_scheduler("10.0.0.5:8786"), check_scheduler("tls://node-1:8786")
    ('tcp://10.0.0.5:8786', 'tls://node-1:8786')
    >>> check_scheduler("tcp://:8786", "--scheduler")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --scheduler 'tcp://:8786' names no host; give a running Dask scheduler's ...
    """
    if scheduler is None:
        return None
    if not isinstance(scheduler, str):
        distributed = require_distributed()
        if isinstance(scheduler, distributed.Client):
            return scheduler
        raise TypeError(
            f"{name} must be a Dask scheduler's address such as {_ADDRESS_EXAMPLE}, or a "
            f"distributed.Client; got {type(scheduler).__name__}."
        )
    text = scheduler.strip()
    address = text if "://" in text else f"tcp://{text}"
    parts = urlsplit(address)
    try:
        parts.port  # noqa: B018 (reading it checks it: a number from 0 to 65535)
    except ValueError:
        problem: str | None = "has no valid port"
    else:
        problem = None
    if not parts.hostname:
        problem = "names no host"
    elif parts.path not in ("", "/"):
        problem = "is not a host and a port"
    if problem is not None:
        raise ValueError(
            f"{name} {scheduler!r} {problem}; give a running Dask scheduler's "
            f"address, such as {_ADDRESS_EXAMPLE}."
        )
    return address


def _connect(distributed: Any, scheduler: Any, timeout: float) -> tuple[Any, bool]:
    """A client of ``scheduler`` (an address, or a Client used as it is), and whether we own it."""
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    try:
        return distributed.Client(scheduler, timeout=timeout), True
    except (OSError, TimeoutError) as exc:
        raise OSError(
            f"no Dask scheduler answered at {scheduler!r} within {timeout:g} s ({exc}); start "
            "one with 'dask scheduler' (it prints its address) and workers with "
            "'dask worker ADDRESS --nthreads 1', or leave the scheduler out to run on "
            "this machine."
        ) from exc


def _lost_worker(exc: BaseException) -> WorkerLostError:
    return WorkerLostError(
        "a Dask worker died while running a fit, and the scheduler gave up on that fit "
        f"({type(exc).__name__}: {exc}). The search stopped and recorded nothing of it: "
        "run it again. A worker dies when it runs out of memory (give each worker more "
        "with 'dask worker --memory-limit', or fewer threads: a fit needs one) or when "
        "its process is killed. The scheduler reruns a fit whose worker died on another "
        "worker, at most 'distributed.scheduler.allowed-failures' times (3 by default; "
        "set it in the scheduler's Dask config to allow more)."
    )


def _dask_backend(client: Any) -> Any:
    """joblib's Dask backend on ``client``, with every fit carrying its own arguments.

    joblib's own backend scatters each large argument (the images, a
    fold's indices) once, to one worker, and hands the fits a reference to
    it. When that worker dies, the data die with it: the scheduler cannot
    rerun the fits that need them and cancels them (measured: a search whose
    worker was killed mid-fit then stopped). Here each fit's task holds its
    arguments, so the scheduler can rerun it on any worker; the data travel
    once per fit rather than once per worker (a LeNet-5 fit on 60000 images:
    47 MB for a fit of minutes). And a fit that Dask gives up on reaches
    joblib as an error, where joblib's own backend left the search waiting
    without end.
    """
    from joblib._dask import DaskDistributedBackend

    class _SelfContainedFits(DaskDistributedBackend):
        def start_call(self) -> None:
            super().start_call()
            # joblib scatters an argument only while this mapping exists.
            self.call_data_futures = None

        def stop_call(self) -> None:
            self.call_data_futures = {}
            super().stop_call()

        def submit(self, func: Any, callback: Any = None) -> Any:
            # joblib's backend hands a task that Dask gave up on (KilledWorker)
            # to its future but not to joblib's callback, and joblib waits for
            # the callback: the search hung. The error goes to both here.
            future = super().submit(func, callback)
            if callback is not None:

                def failed(done: Any) -> None:
                    error = done.exception()
                    if error is not None:
                        callback(error)

                future.add_done_callback(failed)
            return future

    return _SelfContainedFits(client=client)


@contextlib.contextmanager
def parallel_backend(
    n_jobs: int | None = None, scheduler: Any = None, *, timeout: float = 30.0
) -> Iterator[str]:
    """Run the fits of every joblib loop inside on this machine or on a Dask cluster.

    Inside the ``with`` block, scikit-learn's searches and
    cross-validation and fashionnet's own loops called with ``n_jobs=None``
    take ``n_jobs`` from here, and run their fits on the backend chosen:

    - ``scheduler=None``: joblib's default backend (loky worker processes on
      this machine), ``n_jobs`` fits at once; None or 1 runs them one after
      the other in this process, as without this context.
    - ``scheduler`` given: the workers of that Dask cluster, through
      Dask's joblib backend; ``n_jobs`` None means every worker
      thread of the cluster. A worker that dies mid-fit has that fit retried
      elsewhere by the scheduler (each fit's task carries its own data, so
      that nothing needed is lost with the worker); when the scheduler gives
      up, :class:`WorkerLostError` says so.

    Parameters
    ----------
    n_jobs : int or None, default=None
        Fits at once: a positive number, or -1 for every core (every Dask
        worker thread).
    scheduler : str, distributed.Client or None, default=None
        A running Dask scheduler's address (``"tcp://10.0.0.5:8786"``; a
        client is opened and closed here) or a client already open (left
        open).
    timeout : float, default=30.0
        Seconds to wait for the scheduler to answer.

    Yields
    ------
    str
        Where the fits run: ``"this process"``, ``"loky (N processes)"`` or
        ``"dask <scheduler address> (N workers)"``, for a report.

    Raises
    ------
    ValueError
        ``n_jobs`` is 0 or not an integer, or ``scheduler`` names no host and port.
    TypeError
        ``scheduler`` is neither an address nor a ``distributed.Client``.
    ImportError
        A scheduler is given and ``dask.distributed`` is not installed.
    OSError
        No scheduler answered at the address.
    WorkerLostError
        A worker died running a fit more often than the scheduler retries.

    See Also
    --------
    fit_location : where one fit ran, as each estimator records it (``fit_worker_``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.parallel import parallel_backend
    >>> X, y = load_fashion_mnist("test")
    >>> X = X[:300].reshape(300, -1) / 255.0
    >>> with parallel_backend(n_jobs=1) as where:
    ...     scores = cross_val_score(LogisticRegression(max_iter=50), X, y[:300], cv=3)
    >>> where, scores.shape
    ('this process', (3,))
    """
    n_jobs = check_n_jobs(n_jobs)
    scheduler = check_scheduler(scheduler)
    if scheduler is None:
        where = "this process" if n_jobs in (None, 1) else f"loky ({n_jobs} processes)"
        with joblib.parallel_config(n_jobs=n_jobs):
            yield where
        return
    distributed = require_distributed()
    client, owned = _connect(distributed, scheduler, timeout)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        where = f"dask {client.scheduler.address} ({n_workers} workers)"
        try:
            with joblib.parallel_config(backend=_dask_backend(client), n_jobs=n_jobs or -1):
                yield where
        except (distributed.KilledWorker, distributed.client.FutureCancelledError) as exc:
            # KilledWorker: the scheduler gave up on a fit; FutureCancelledError:
            # a dead worker held data scattered for the fits (by joblib's own
            # backend, used when a block inside asks for backend="dask").
            raise _lost_worker(exc) from exc
    finally:
        if owned:
            client.close()
