"""Many fits on a Dask cluster (fashionnet/parallel.py), against the same fits in one process.

One ``LocalCluster`` of two worker processes with one thread each on
127.0.0.1, started by the module's fixture and closed by it, which then
checks that none of its processes is left. Marked ``dask``: dask.distributed
is in the test extra; CI sets ``FASHIONNET_REQUIRE_DASK`` so that a missing
Dask fails rather than skips. Every fit is seeded, so a fit on a worker
equals the same fit here.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal

import joblib
import keras
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from fashionnet.models import LeNet5Classifier
from fashionnet.parallel import WorkerLostError, in_worker_process, parallel_backend

pytestmark = [pytest.mark.dask, pytest.mark.slow]

if os.environ.get("FASHIONNET_REQUIRE_DASK"):
    distributed = importlib.import_module("distributed")
else:
    distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

#: Two candidates far apart, so that the best one does not hang on a rounding.
GRID = {"learning_rate": [3e-3, 1e-5]}


def _lenet(**params):
    params = {"activation": "relu", "pooling": "max", "epochs": 2, **params}
    return LeNet5Classifier(batch_size=16, random_state=0, **params)


@pytest.fixture(scope="module")
def cluster():
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(local)
    started = [p for p in me.children(recursive=True) if p.pid not in before]
    try:
        yield local, client
    finally:
        client.close()
        local.close()
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


@pytest.fixture(scope="module")
def data(small_train):
    X, y = small_train  # 600 balanced images
    return X[:400], y[:400]


@pytest.fixture(scope="module")
def serial_grid(data):
    return GridSearchCV(_lenet(), GRID, cv=2, refit=False).fit(*data)


#: A worker trains with its share of the threads (one here) where this process
#: uses every core, and TensorFlow's CPU kernels round differently with another
#: thread count (about 1e-7 on a probability after one fit, measured); over a
#: few dozen steps on 200 images that can move a fold's accuracy by a few
#: images (up to 0.06 seen). The best candidate, far ahead, does not move.
#: Open in issue 28's report: bitwise equality needs equal thread counts.
SPREAD = 0.1


def _assert_same_search(parallel, serial):
    assert parallel.best_params_ == serial.best_params_
    assert parallel.cv_results_["params"] == serial.cv_results_["params"]
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_allclose(
            parallel.cv_results_[key], serial.cv_results_[key], rtol=0, atol=SPREAD
        )


def test_grid_search_on_dask_equals_one_process(cluster, data, serial_grid):
    _, client = cluster
    with joblib.parallel_backend("dask"):
        search = GridSearchCV(_lenet(), GRID, cv=2, refit=False, n_jobs=-1).fit(*data)
    _assert_same_search(search, serial_grid)


def test_randomized_search_and_cross_validate_on_dask(cluster, data):
    X, y = data
    space = {"learning_rate": [3e-3, 1e-5]}
    make = lambda: RandomizedSearchCV(  # noqa: E731
        _lenet(), space, n_iter=2, cv=2, refit=False, random_state=0
    )
    serial = make().fit(X, y)
    with joblib.parallel_backend("dask"):
        parallel = make().set_params(n_jobs=-1).fit(X, y)
        scores = cross_validate(_lenet(), X, y, cv=2, n_jobs=-1)
    _assert_same_search(parallel, serial)
    serial_scores = cross_validate(_lenet(), X, y, cv=2)["test_score"]
    np.testing.assert_allclose(scores["test_score"], serial_scores, rtol=0, atol=SPREAD)


def test_our_loops_take_n_jobs_on_the_dask_backend(cluster, data):
    from fashionnet.audit import label_issues
    from fashionnet.evaluation import cross_validate_folds

    local, _ = cluster
    X, y = data
    serial_cv = cross_validate_folds(_lenet(), X, y, cv=2)
    serial_issues = label_issues(_lenet(), X, y, cv=2)
    with parallel_backend(n_jobs=2, scheduler=local.scheduler_address) as where:
        parallel_cv = cross_validate_folds(_lenet(), X, y, cv=2, n_jobs=2)
        parallel_issues = label_issues(_lenet(), X, y, cv=2, n_jobs=2)
    assert where == f"dask {local.scheduler_address} (2 workers)"
    cols = ["n_train", "n_val"]
    assert parallel_cv.folds[cols].equals(serial_cv.folds[cols])
    np.testing.assert_allclose(
        parallel_cv.folds["val_accuracy"], serial_cv.folds["val_accuracy"], rtol=0, atol=SPREAD
    )
    # Mostly the same images flagged (the fits round differently: SPREAD).
    assert parallel_issues.columns.tolist() == serial_issues.columns.tolist()
    flagged, serial_flagged = set(parallel_issues["index"]), set(serial_issues["index"])
    assert len(flagged & serial_flagged) >= 0.5 * len(flagged | serial_flagged)
    # The report says where each fit ran: a worker of the cluster, not here.
    workers = set(local.scheduler_info["workers"])
    assert {w.removeprefix("dask:") for w in parallel_cv.folds["worker"]} <= workers
    assert serial_cv.folds["worker"].str.endswith(f":{os.getpid()}").all()


class KillOnce(keras.callbacks.Callback):
    """Kills its worker process at the first batch, once (a marker file says it did)."""

    def __init__(self, marker):
        super().__init__()
        self.marker = str(marker)

    def on_train_batch_begin(self, batch, logs=None):
        if in_worker_process() and not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_mid_fit_is_retried_and_counted_once(cluster, data, serial_grid, tmp_path):
    local, _ = cluster
    try:
        with parallel_backend(scheduler=local.scheduler_address):
            search = GridSearchCV(
                _lenet(callbacks=[KillOnce(tmp_path / "killed")]), GRID, cv=2, refit=False
            ).fit(*data)
    except WorkerLostError as exc:
        # The dead worker held the data joblib scattered: the search stops, clearly.
        assert "a Dask worker died while running a fit" in str(exc)
        local.wait_for_workers(2)
        return
    assert (tmp_path / "killed").exists()  # a worker did die mid-fit
    # The fit was retried and every candidate scored once on each split.
    assert search.cv_results_["params"] == serial_grid.cv_results_["params"]
    for key in ("split0_test_score", "split1_test_score"):
        assert np.isfinite(search.cv_results_[key]).all()
    assert search.best_params_ == serial_grid.best_params_
    # The fits the kill did not touch are the serial ones (the retried fit
    # may round differently: see the report of issue 28).
    same = (
        np.abs(
            np.stack([search.cv_results_[k] for k in ("split0_test_score", "split1_test_score")])
            - np.stack(
                [serial_grid.cv_results_[k] for k in ("split0_test_score", "split1_test_score")]
            )
        )
        <= SPREAD
    )
    assert same.sum() >= 3


def test_a_fit_that_keeps_killing_workers_ends_with_a_clear_error(cluster, data, tmp_path):
    local, _ = cluster
    allowed = local.scheduler.allowed_failures
    local.scheduler.allowed_failures = 0  # give up at the first death
    try:
        with pytest.raises(WorkerLostError, match="a Dask worker died while running a fit"):
            with parallel_backend(scheduler=local.scheduler_address):
                GridSearchCV(
                    _lenet(callbacks=[KillOnce(tmp_path / "killed")]),
                    {"learning_rate": [1e-3]},
                    cv=2,
                    refit=False,
                ).fit(*data)
    finally:
        local.scheduler.allowed_failures = allowed
    local.wait_for_workers(2)


def _fit_and_measure(X, y):
    _lenet().fit(X, y)
    return psutil.Process().memory_info().rss


def test_a_workers_memory_does_not_grow_across_fits(cluster, data):
    _, client = cluster
    X, y = data
    worker = sorted(client.scheduler_info()["workers"])[0]
    rss = [
        client.submit(_fit_and_measure, X, y, workers=[worker], pure=False).result()
        for _ in range(10)
    ]
    growth = (rss[-1] - rss[1]) / 2**20
    # Without clearing Keras' state a LeNet-5 fit leaves its graphs behind;
    # the bound is generous: allocator noise, not the fits, may move RSS.
    assert growth < 150, f"RSS grew {growth:.0f} MiB over fits 2..10: {rss}"


def test_refuses_bad_settings():
    with pytest.raises(ValueError, match="n_jobs must be"):
        with parallel_backend(n_jobs=0):
            pass
    with pytest.raises(TypeError, match="scheduler must be"):
        with parallel_backend(scheduler=8786):
            pass
    with pytest.raises(OSError, match="no Dask scheduler answered"):
        with parallel_backend(scheduler="tcp://127.0.0.1:9", timeout=1):
            pass
