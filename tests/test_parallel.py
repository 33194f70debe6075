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

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_validate

from fashionnet.models import LeNet5Classifier
from fashionnet.parallel import parallel_backend

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
#: thread count. On 200 images and a few dozen steps that rounding moved a
#: fold's accuracy by up to 0.125 (measured; a fit in a fresh process of the
#: same thread count gives bit-identical probabilities). So a fit on a worker
#: is compared with its serial twin by what does not hang on a rounding: the
#: candidates' ranking and the best parameters (the candidates are far apart),
#: and the same folds. Equal scores are issue 28's open point.
GOOD = 0.3  # the better candidate learns: well above chance (0.1) on either side


def _assert_same_search(parallel, serial):
    assert parallel.best_params_ == serial.best_params_
    assert parallel.cv_results_["params"] == serial.cv_results_["params"]
    np.testing.assert_array_equal(
        parallel.cv_results_["rank_test_score"], serial.cv_results_["rank_test_score"]
    )
    for search in (parallel, serial):
        assert search.cv_results_["mean_test_score"].max() > GOOD


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
    assert len(scores["test_score"]) == len(serial_scores) == 2
    assert (scores["test_score"] > GOOD).all() and (serial_scores > GOOD).all()


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
    assert (parallel_cv.folds["val_accuracy"] > GOOD).all()
    assert parallel_issues.columns.tolist() == serial_issues.columns.tolist()
    # Which images are flagged hangs on the fits' rounding (about half of them
    # were the same in our runs), so only the shape of the answer is compared.
    assert 0 < len(parallel_issues) < len(y) and 0 < len(serial_issues) < len(y)
    assert set(parallel_issues["index"]) <= set(range(len(y)))
    # The report says where each fit ran: a worker of the cluster, not here.
    workers = set(local.scheduler_info["workers"])
    assert {w.removeprefix("dask:") for w in parallel_cv.folds["worker"]} <= workers
    assert serial_cv.folds["worker"].str.endswith(f":{os.getpid()}").all()


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
