"""Many fits at once on this machine: n_jobs=1, joblib's loky at n_jobs=2, a Dask LocalCluster.

Two workloads of LeNet-5 (``activation="relu", pooling="max"``) on a slice
of the real training set: a 3-fold :func:`~fashionnet.evaluation.cross_validate_folds`
and a 4-candidate ``GridSearchCV`` (2 folds each, 8 fits). Each way of
running them gets a fresh spawned child, so that its start-up is counted:

- ``n_jobs=1``: every fit in the child's own process;
- ``loky n_jobs=2``: joblib's default backend, two worker processes;
- ``dask 2 workers``: ``LocalCluster(n_workers=2, threads_per_worker=1)``
  inside :func:`fashionnet.parallel.parallel_backend`, the cluster's start
  included.

Printed: wall seconds, the speed-up over ``n_jobs=1`` (at most 2 on two
cores), the peak RSS of the parent and of each worker, and what the
overhead is made of: starting the workers (process and TensorFlow import),
sending the data, compiling each fit's train step (paid per fit, whatever
the backend). Then the RSS of one Dask worker over 10 fits, with and
without clearing Keras' state between fits (``--rss-only`` runs only that),
and a plain-Keras reference epoch of LeNet-5 (60000 images), to read the
timings by. Timings drift with other processes on the machine: the load
average is printed with them.

Usage: ``python benchmarks/bench_parallel.py [--n-images 10000] [--epochs 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _harness import in_child, machine_line, peak_rss_bytes, reference_epoch  # noqa: E402

CHILDREN = {}

GRID = {"learning_rate": [1e-3, 3e-3], "batch_size": [32, 64]}
MiB = 2**20


def _estimator(epochs: int):
    from fashionnet.models import LeNet5Classifier

    return LeNet5Classifier(activation="relu", pooling="max", epochs=epochs, random_state=0)


def _data(n_images: int):
    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    return X[:n_images], y[:n_images]


def _workloads(X, y, epochs: int) -> dict:
    from sklearn.model_selection import GridSearchCV

    from fashionnet.evaluation import cross_validate_folds

    out = {}
    start = time.perf_counter()
    folds = cross_validate_folds(_estimator(epochs), X, y, cv=3).folds
    out["cv"] = time.perf_counter() - start
    out["cv_accuracy"] = float(folds["val_accuracy"].mean())
    out["cv_workers"] = sorted(set(folds["worker"]))
    start = time.perf_counter()
    search = GridSearchCV(_estimator(epochs), GRID, cv=2, refit=False).fit(X, y)
    out["grid"] = time.perf_counter() - start
    out["grid_best"] = search.best_params_
    return out


def run_serial(n_images: int, epochs: int) -> dict:
    import fashionnet.models  # noqa: F401  (TensorFlow's import outside the timing)

    X, y = _data(n_images)
    out = _workloads(X, y, epochs)
    return {**out, "peak_rss": [peak_rss_bytes()], "parent_rss": peak_rss_bytes()}


def run_loky(n_images: int, epochs: int) -> dict:
    import joblib

    import fashionnet.models  # noqa: F401

    X, y = _data(n_images)
    start = time.perf_counter()
    with joblib.parallel_config(n_jobs=2):
        out = _workloads(X, y, epochs)
        total = time.perf_counter() - start
        pids = joblib.Parallel()(joblib.delayed(_pid_rss)() for _ in range(4))
    return {
        **out,
        "total": total,
        "peak_rss": sorted(dict(pids).values()),
        "parent_rss": peak_rss_bytes(),
    }


def _pid_rss() -> tuple[int, int]:
    time.sleep(0.2)
    return os.getpid(), peak_rss_bytes()


def _import_models() -> float:
    start = time.perf_counter()
    import fashionnet.models  # noqa: F401

    return time.perf_counter() - start


def run_dask(n_images: int, epochs: int) -> dict:
    import logging

    import distributed

    import fashionnet.models  # noqa: F401
    from fashionnet.parallel import parallel_backend

    X, y = _data(n_images)
    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster)
    started = time.perf_counter() - start
    imports = client.run(_import_models)
    sending = time.perf_counter()
    client.scatter([X, y], broadcast=True)
    sent = time.perf_counter() - sending
    with parallel_backend(n_jobs=2, scheduler=client):
        out = _workloads(X, y, epochs)
    total = time.perf_counter() - start
    rss = client.run(peak_rss_bytes)
    client.close()
    cluster.close()
    return {
        **out,
        "total": total,
        "cluster_start": started,
        "worker_import": max(imports.values()),
        "scatter": sent,
        "peak_rss": sorted(rss.values()),
        "parent_rss": peak_rss_bytes(),
    }


def _fit_rss(X, y, clear: bool) -> int:
    import psutil

    import fashionnet._workers as workers

    workers.CLEAR_BETWEEN_FITS = clear
    _estimator(1).fit(X, y)
    return psutil.Process().memory_info().rss


#: (label, clear Keras' state between fits, Dask's statistical profiler on)
RSS_RUNS = (
    ("cleared between fits", True, True),
    ("cleared, Dask's profiler off", True, False),
    ("not cleared (CLEAR_BETWEEN_FITS=False)", False, True),
)


def rss_over_fits(n_fits: int = 10, n_images: int = 2000) -> dict:
    """RSS of one Dask worker after each of ``n_fits`` fits, for each of ``RSS_RUNS``."""
    import logging

    import dask
    import distributed

    X, y = _data(n_images)
    out = {}
    for label, clear, profile in RSS_RUNS:
        with (
            dask.config.set({"distributed.worker.profile.enabled": profile}),
            distributed.LocalCluster(
                n_workers=1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            out[label] = [
                client.submit(_fit_rss, X, y, clear, pure=False).result() / MiB
                for _ in range(n_fits)
            ]
    return out


CHILDREN.update({"n_jobs=1": run_serial, "loky n_jobs=2": run_loky, "dask 2 workers": run_dask})


def _child(name: str, n_images: int, epochs: int) -> dict:
    """``run_*`` in a fresh (not daemonic) process: it may start worker processes."""
    out = subprocess.run(
        [
            sys.executable,
            os.path.abspath(__file__),
            "--child",
            name,
            "--n-images",
            str(n_images),
            "--epochs",
            str(epochs),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rss-only", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](args.n_images, args.epochs), default=str))
        return
    print(machine_line())
    if not args.rss_only:
        # This machine's speed, measured in the same run: the table's times are
        # also given in these units, which travel between machines.
        ref = in_child(reference_epoch)["seconds"]
        print(
            f"Plain-Keras reference epoch of LeNet-5 (60000 images, batch 32): {ref:.1f} s "
            f"(= 1 ref); load average {os.getloadavg()[0]:.1f}"
        )
        X, y = _data(args.n_images)
        blob = len(pickle.dumps((X, y, _estimator(args.epochs)), protocol=5))
        print(
            f"{args.n_images} images, {args.epochs} epochs; data + estimator pickled: "
            f"{blob / MiB:.1f} MiB"
        )
        runs = {}
        for name in CHILDREN:
            start = time.perf_counter()
            runs[name] = _child(name, args.n_images, args.epochs)
            runs[name]["child"] = time.perf_counter() - start
            print(f"  {name}: done, load average {os.getloadavg()[0]:.1f}", flush=True)
        base = runs["n_jobs=1"]
        print(
            "\n| run | 3-fold CV s (refs) | speed-up | 4-candidate grid s (refs) | speed-up | "
            "peak RSS per worker MiB | parent MiB |"
        )
        print("|---|---|---|---|---|---|---|")
        for name, r in runs.items():
            workers = ", ".join(f"{v / MiB:.0f}" for v in r["peak_rss"])
            print(
                f"| {name} | {r['cv']:.1f} ({r['cv'] / ref:.2f}) | {base['cv'] / r['cv']:.2f}x "
                f"| {r['grid']:.1f} ({r['grid'] / ref:.2f}) | {base['grid'] / r['grid']:.2f}x "
                f"| {workers} | {r['parent_rss'] / MiB:.0f} |"
            )
        d = runs["dask 2 workers"]
        work = d["cv"] + d["grid"]
        print(
            f"\nDask overhead, in seconds and as a share of the two workloads' {work:.1f} s: "
            f"cluster start {d['cluster_start']:.1f} s ({d['cluster_start'] / work:.0%}), "
            f"TensorFlow/fashionnet import in a worker {d['worker_import']:.1f} s "
            f"({d['worker_import'] / work:.0%}), sending the data once "
            f"{d['scatter']:.2f} s ({d['scatter'] / work:.1%}; each fit's task carries its "
            "data); the loky workers pay the same import on their first fit, and every fit "
            "compiles its train step wherever it runs."
        )
        print(
            "Same answers: CV accuracy "
            + ", ".join(f"{n} {r['cv_accuracy']:.4f}" for n, r in runs.items())
            + "; grid best "
            + ", ".join(f"{n} {r['grid_best']}" for n, r in runs.items())
        )
        print(
            "Where the CV folds ran: "
            + "; ".join(f"{n}: {r['cv_workers']}" for n, r in runs.items())
        )
    rss = rss_over_fits()
    for label, values in rss.items():
        print(
            f"\nRSS MiB of one Dask worker after each of 10 LeNet-5 fits (2000 images, 1 epoch), "
            f"{label}: {', '.join(f'{v:.0f}' for v in values)}; growth fit 2 -> 10: "
            f"{values[-1] - values[1]:+.0f} MiB"
        )


if __name__ == "__main__":
    main()
