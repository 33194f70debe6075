"""Random search of LeNet-5's learning rate, batch size and epochs, as in the study.

Run (the closing figure of issue 5: 10 trials on 10000 real images)::

    python examples/tuning_search.py --images 10000 --trials 10

The search lives in ``--directory`` (default ``searches/``): run the same
command again after an interruption and it resumes where it stopped (failed
trials are retried, damaged records repaired); add ``--overwrite`` to start
afresh. A second search into the same directory while one runs is refused
(``LockedError``), and a full or read-only disk stops it with one
``SearchStorageError`` naming the file. TensorBoard logs of every trial::

    tensorboard --logdir searches/lenet5

Distributed, with keras-tuner's chief and workers on this machine::

    python examples/tuning_search.py --images 10000 --trials 10 --workers 2

which starts this script once as ``KERASTUNER_TUNER_ID=chief`` and once per
worker (``tuner0``, ``tuner1``) with ``KERASTUNER_ORACLE_IP=127.0.0.1`` and a
free ``KERASTUNER_ORACLE_PORT``. To spread a search over machines, set those
variables yourself on each machine (same ``--directory`` on a shared disk).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=10000, help="training images used")
    parser.add_argument("--trials", type=int, default=10, help="max_trials")
    parser.add_argument("--tuner", default="random", choices=["random", "hyperband", "bayesian"])
    parser.add_argument("--epochs", type=int, nargs="+", default=[3, 5], help="epochs choices")
    parser.add_argument("--patience", type=int, default=2, help="early stopping patience")
    parser.add_argument("--cv", type=int, default=None, help="score trials by k-fold CV")
    parser.add_argument("--directory", default="searches")
    parser.add_argument("--project", default="lenet5")
    parser.add_argument("--overwrite", action="store_true", help="start afresh")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=0,
                        help="run distributed: a chief and this many workers on 127.0.0.1")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before a distributed run is stopped")
    parser.add_argument("--json", default=None, help="also write the result to this file")
    return parser.parse_args(argv)


def run_search(args) -> dict:
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models import LeNet5Classifier
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    X, y = load_fashion_mnist("train")
    X, y = X[: args.images], y[: args.images]  # the official order is already shuffled
    space = {"learning_rate": LogUniform(1e-4, 1e-1), "batch_size": [32, 64, 128]}
    if args.tuner != "hyperband":
        space["epochs"] = args.epochs
    search = KerasTunerSearchCV(
        LeNet5Classifier(random_state=args.seed, epochs=max(args.epochs)),
        space,
        tuner=args.tuner,
        max_trials=args.trials,
        validation_split=0.2,
        cv=args.cv,
        early_stopping_patience=args.patience,
        directory=args.directory,
        project_name=args.project,
        overwrite=args.overwrite,
        random_state=args.seed,
    )
    start = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - start
    result = {
        "tuner_id": os.environ.get("KERASTUNER_TUNER_ID", "tuner0"),
        "images": int(len(y)),
        "wall_time_s": round(wall, 1),
        "trials_recorded": int(len(search.cv_results_)),
    }
    if getattr(search, "is_worker_", False):
        result["trials_run_here"] = search.cv_results_["trial"].tolist()
        return result
    results = search.cv_results_
    splits = [c for c in results if c.startswith("split")]
    print(results.drop(columns=splits).to_string(index=False))
    result.update(
        best_params={k: (float(v) if isinstance(v, (float, np.floating)) else v)
                     for k, v in search.best_params_.items()},
        best_val_accuracy=round(search.best_score_, 4),
        search_time_s=round(float(results["duration"].sum()), 1),
        refit_time_s=round(search.refit_time_, 1),
        completed=int((results["status"] == "COMPLETED").sum()),
        failed=int(search.n_failed_trials_),  # retried when the same command runs again
        project_dir=str(search.project_dir_),
    )
    return result


def launch_distributed(args) -> dict:
    """Start a chief and ``args.workers`` workers running this script; return the chief's result."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = [a for a in sys.argv[1:]]
    i = argv.index("--workers")
    del argv[i : i + 2]
    processes = {}
    start = time.perf_counter()
    for tuner_id in ["chief", *(f"tuner{k}" for k in range(args.workers))]:
        env = dict(os.environ, KERASTUNER_TUNER_ID=tuner_id, KERASTUNER_ORACLE_IP="127.0.0.1",
                   KERASTUNER_ORACLE_PORT=str(port), TF_CPP_MIN_LOG_LEVEL="3")
        processes[tuner_id] = subprocess.Popen(
            [sys.executable, __file__, *argv], env=env, stdout=subprocess.PIPE, text=True
        )
    outputs = {}
    try:
        for tuner_id, process in processes.items():
            remaining = max(1.0, args.timeout - (time.perf_counter() - start))
            outputs[tuner_id] = process.communicate(timeout=remaining)[0]
    except subprocess.TimeoutExpired:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        raise SystemExit(
            f"distributed search did not finish within {args.timeout:.0f}s"
        ) from None
    results = {}
    for tuner_id, out in outputs.items():
        line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
        if processes[tuner_id].returncode != 0 or line is None:
            raise SystemExit(f"{tuner_id} failed (exit {processes[tuner_id].returncode})")
        results[tuner_id] = json.loads(line[len("RESULT "):])
        if tuner_id == "chief":
            print(out.split("RESULT ")[0], end="")
    chief = results["chief"]
    chief["workers"] = {k: v["trials_run_here"] for k, v in results.items() if k != "chief"}
    chief["total_wall_time_s"] = round(time.perf_counter() - start, 1)
    ran = sorted(t for trials in chief["workers"].values() for t in trials)
    chief["every_trial_once"] = ran == list(range(chief["trials_recorded"]))
    return chief


def main(argv=None) -> None:
    args = parse_args(argv)
    result = launch_distributed(args) if args.workers else run_search(args)
    if args.workers or "KERASTUNER_TUNER_ID" not in os.environ:
        print(json.dumps(result, indent=2))
        if args.json:
            with open(args.json, "w") as fh:
                json.dump(result, fh, indent=2)
    else:  # a process of a distributed run: one line for the launcher
        print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
