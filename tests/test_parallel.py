"""Many fits on a Dask cluster (fashionnet/parallel.py), against the same fits in one process.

A ``LocalCluster`` of two worker processes with one thread each on
127.0.0.1, started by the module's fixture and closed by it, which then
checks that none of its processes is left; the tests that kill a worker
start a cluster of their own, with a watchdog. Marked ``dask``:
dask.distributed is in the test extra; CI sets ``FASHIONNET_REQUIRE_DASK``
so that a missing Dask fails rather than skips.

Equal results, not just equal rankings: every fit is seeded, and a seeded
fit is bit-identical wherever it runs *given the same number of
TensorFlow threads* (its CPU kernels split their sums by thread, and round
accordingly: 1 thread against 2 moved a fold's accuracy by up to 0.125 on
200 images). A worker here trains with one thread, so the serial reference
(``n_jobs=1``) runs in one fresh process started with
``TF_NUM_INTRAOP_THREADS=1`` (:func:`serial`), and the scores must be equal
to the last bit.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time

import cloudpickle
import dask
import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

import fashionnet
from fashionnet.models import LeNet5Classifier
from fashionnet.parallel import WorkerLostError, parallel_backend

pytestmark = [pytest.mark.dask, pytest.mark.slow]

if os.environ.get("FASHIONNET_REQUIRE_DASK"):
    distributed = importlib.import_module("distributed")
else:
    distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

#: Two candidates far apart, so that the best one does not hang on a rounding.
GRID = {"learning_rate": [3e-3, 1e-5]}
GOOD = 0.3  # the better candidate learns: well above chance (0.1)
#: A worker of this module's clusters trains with one thread: so does the reference.
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}
#: Seconds after which a test that kills workers gives up and closes its cluster.
WATCHDOG_S = 120
#: What cv_results_ must hold to the last bit.
SCORES = ("split0_test_score", "split1_test_score", "mean_test_score", "rank_test_score")


def _lenet(**params):
    params = {"activation": "relu", "pooling": "max", "epochs": 2, **params}
    return LeNet5Classifier(batch_size=16, random_state=0, **params)


def _grid():
    return GridSearchCV(_lenet(), GRID, cv=2, refit=False)


def _randomized():
    return RandomizedSearchCV(_lenet(), GRID, n_iter=2, cv=2, refit=False, random_state=0)


def serial_results(X, y) -> dict:
    """Every reference of this module, with ``n_jobs=1`` in this process."""
    from fashionnet.audit import label_issues
    from fashionnet.evaluation import cross_validate_folds

    out = {}
    for name, search in (("grid", _grid()), ("randomized", _randomized())):
        search.fit(X, y)
        out[name] = {"cv_results_": search.cv_results_, "best_params_": search.best_params_}
    out["cross_validate"] = cross_validate(_lenet(), X, y, cv=2)["test_score"]
    out["folds"] = cross_validate_folds(_lenet(), X, y, cv=2).folds
    out["label_issues"] = label_issues(_lenet(), X, y, cv=2)
    return out


def _assert_none_left(me, before: set, started: list) -> None:
    started = [
        p for p in started if p.is_running() and "resource_tracker" not in " ".join(p.cmdline())
    ]
    _, alive = psutil.wait_procs(started, timeout=30)
    # Workers restarted after a kill are children too: none may be left.
    left = [
        p
        for p in me.children(recursive=True)
        # multiprocessing's resource tracker serves this process until it ends.
        if p.pid not in before and "resource_tracker" not in " ".join(p.cmdline())
    ]
    described = [(p.pid, p.cmdline()) for p in alive + left if p.is_running()]
    assert not described, f"Dask processes left running: {described}"


@contextlib.contextmanager
def _cluster(allowed_failures: int | None = None, default: bool = False):
    """Two one-thread worker processes on 127.0.0.1, closed on exit; none may be left.

    A watchdog closes the cluster after ``4 * WATCHDOG_S`` seconds whatever
    the test is waiting for, so that no test can hang on it.
    """
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    # Dask's statistical profiler keeps ~1000 cycles of stack samples per
    # worker, which grow its RSS by 1 to 2 MiB a fit until full: off here.
    settings = {"distributed.worker.profile.enabled": False}
    if allowed_failures is not None:
        settings["distributed.scheduler.allowed-failures"] = allowed_failures
    with dask.config.set(settings):
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    client = distributed.Client(local, set_as_default=default)
    started = [p for p in me.children(recursive=True) if p.pid not in before]
    expired = threading.Event()

    def close():
        expired.set()
        client.close()
        local.close()

    watchdog = threading.Timer(4 * WATCHDOG_S, close)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield local, client
    finally:
        watchdog.cancel()
        client.close()
        local.close()
        _assert_none_left(me, before, started)
    assert not expired.is_set(), f"the watchdog closed the cluster after {4 * WATCHDOG_S} s"


@pytest.fixture(scope="module")
def cluster():
    with _cluster(default=True) as (local, client):
        yield local, client


@pytest.fixture(scope="module")
def data(small_train):
    X, y = small_train  # 600 balanced images
    return X[:400], y[:400]


@pytest.fixture(scope="module")
def serial(data, tmp_path_factory):
    """:func:`serial_results` in one fresh process with one TensorFlow thread, as a worker."""
    folder = tmp_path_factory.mktemp("serial")
    inputs, outputs = folder / "data.pkl", folder / "serial.pkl"
    inputs.write_bytes(pickle.dumps(data))
    root = os.path.dirname(os.path.dirname(os.path.abspath(fashionnet.__file__)))
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, os.path.abspath(__file__), str(inputs), str(outputs)],
        env={**os.environ, **ONE_THREAD, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return pickle.loads(outputs.read_bytes())


def _assert_same_search(parallel, serial):
    assert parallel.best_params_ == serial["best_params_"]
    assert parallel.cv_results_["params"] == serial["cv_results_"]["params"]
    for key in SCORES:
        np.testing.assert_array_equal(
            parallel.cv_results_[key], serial["cv_results_"][key], err_msg=key
        )
    assert parallel.cv_results_["mean_test_score"].max() > GOOD


def test_grid_search_on_dask_equals_one_process(cluster, data, serial):
    with joblib.parallel_backend("dask"):
        search = _grid().set_params(n_jobs=-1).fit(*data)
    _assert_same_search(search, serial["grid"])


def test_randomized_search_and_cross_validate_on_dask(cluster, data, serial):
    X, y = data
    with joblib.parallel_backend("dask"):
        parallel = _randomized().set_params(n_jobs=-1).fit(X, y)
        scores = cross_validate(_lenet(), X, y, cv=2, n_jobs=-1)
    _assert_same_search(parallel, serial["randomized"])
    np.testing.assert_array_equal(scores["test_score"], serial["cross_validate"])
    assert (scores["test_score"] > GOOD).all()


def test_our_loops_take_n_jobs_on_the_dask_backend(cluster, data, serial):
    from fashionnet.audit import label_issues
    from fashionnet.evaluation import cross_validate_folds

    local, _ = cluster
    X, y = data
    with parallel_backend(n_jobs=2, scheduler=local.scheduler_address) as where:
        parallel_cv = cross_validate_folds(_lenet(), X, y, cv=2, n_jobs=2)
        parallel_issues = label_issues(_lenet(), X, y, cv=2, n_jobs=2)
    assert where == f"dask {local.scheduler_address} (2 workers)"
    cols = ["n_train", "n_val", "val_accuracy"]
    pd.testing.assert_frame_equal(parallel_cv.folds[cols], serial["folds"][cols])
    assert (parallel_cv.folds["val_accuracy"] > GOOD).all()
    pd.testing.assert_frame_equal(parallel_issues, serial["label_issues"])
    assert 0 < len(parallel_issues) < len(y)
    # The report says where each fit ran: a worker of the cluster, not here.
    workers = set(local.scheduler_info["workers"])
    assert {w.removeprefix("dask:") for w in parallel_cv.folds["worker"]} <= workers
    assert not serial["folds"]["worker"].str.startswith("dask:").any()


def _fit_rss(X, y) -> int:
    """One LeNet-5 fit in this worker; its RSS after it, in bytes."""
    _lenet(epochs=1).fit(X, y)
    return psutil.Process().memory_info().rss


#: RSS a worker may gain from its 3rd fit to its 8th. Measured growth over
#: those 5 fits (400 images, 1 epoch, Dask's profiler off): about 40 MiB
#: before the custom gradients were released between fits (8 MiB a fit, in
#: a plain process too), 0 to 3 MiB after.
RSS_BOUND_MIB = 20


def test_a_workers_memory_stays_flat_across_fits(cluster, data, probe_by_value):
    _, client = cluster
    worker = sorted(client.scheduler_info()["workers"])[0]
    X, y = client.scatter(list(data), workers=[worker])
    rss = [
        client.submit(_fit_rss, X, y, workers=[worker], pure=False).result() / 2**20
        for _ in range(8)
    ]
    growth = rss[-1] - rss[2]
    assert growth < RSS_BOUND_MIB, f"RSS MiB after each fit: {[round(v) for v in rss]}"


def _fitting() -> bool:
    """Whether this worker process is inside a fit now (sent to workers by client.run)."""
    from fashionnet import _workers

    return _workers._FIT_LOCK.locked()


def _search_in_thread(client, data, outcome: dict) -> threading.Thread:
    """A grid search on ``client``'s workers in a daemon thread; its result or error in outcome."""

    def run():
        try:
            with parallel_backend(scheduler=client):
                outcome["search"] = _grid().set_params(n_jobs=-1).fit(*data)
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _kill_a_worker_mid_fit(client, search: threading.Thread) -> None:
    """SIGKILL the process of a worker seen inside a fit (``_fitting``)."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + WATCHDOG_S
    while time.monotonic() < deadline and search.is_alive():
        busy = [worker for worker, fitting in client.run(_fitting).items() if fitting]
        if busy:
            os.kill(pids[busy[0]], signal.SIGKILL)
            return
        time.sleep(0.1)
    pytest.fail("no worker was seen inside a fit while the search ran")


@pytest.fixture
def probe_by_value():
    """Send this module's functions to the workers by value: they cannot import it."""
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


def test_a_fit_whose_worker_is_killed_runs_again_and_counts_once(data, serial, probe_by_value):
    # The scheduler reruns the killed worker's fit on the other worker or on
    # its restart (the nanny's); the scores equal the serial ones: no fit is
    # lost, none counted twice.
    outcome = {}
    with _cluster() as (_, client):
        search = _search_in_thread(client, data, outcome)
        _kill_a_worker_mid_fit(client, search)
        search.join(WATCHDOG_S)
        hung = search.is_alive()
    assert not hung, f"the search did not end within {WATCHDOG_S} s of the kill"
    assert "error" not in outcome, repr(outcome.get("error"))
    _assert_same_search(outcome["search"], serial["grid"])


def test_a_search_past_the_allowed_failures_stops_with_a_clear_error(data, probe_by_value):
    outcome = {}
    with _cluster(allowed_failures=0) as (_, client):
        search = _search_in_thread(client, data, outcome)
        _kill_a_worker_mid_fit(client, search)
        search.join(WATCHDOG_S)
        hung = search.is_alive()
    assert not hung, f"the search did not end within {WATCHDOG_S} s of the kill"
    error = outcome.get("error")
    assert isinstance(error, WorkerLostError), repr(error)
    assert isinstance(error.__cause__, distributed.KilledWorker)
    message = str(error)
    for said in ("worker died while running a fit", "run it again", "allowed-failures"):
        assert said in message


def test_refuses_bad_settings():
    with pytest.raises(ValueError, match="n_jobs must be"):
        with parallel_backend(n_jobs=0):
            pass
    with pytest.raises(TypeError, match="scheduler must be"):
        with parallel_backend(scheduler=8786):
            pass
    # A malformed address is refused at once, not after the connection's timeout.
    with pytest.raises(ValueError, match="'tcp://:8786' names no host"):
        with parallel_backend(scheduler="tcp://:8786"):
            pass
    with pytest.raises(OSError, match="no Dask scheduler answered"):
        with parallel_backend(scheduler="tcp://127.0.0.1:9", timeout=1):
            pass


if __name__ == "__main__":
    # The serial reference (fixture ``serial``): python test_parallel.py DATA.pkl OUT.pkl
    with open(sys.argv[1], "rb") as f:
        X, y = pickle.load(f)
    with open(sys.argv[2], "wb") as f:
        pickle.dump(serial_results(X, y), f)
