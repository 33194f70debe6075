"""How long a study run takes, against its budget and this machine's speed.

Two parts, each run of the study in a fresh child process:

``--smoke``
    The smoke study (every stage on tiny subsets, no budget), against one
    plain-Keras epoch of the study's LeNet-5 on the 60000 training images
    timed in the same run: the ratio says how long the smoke study takes
    in units of this machine's speed (target: <= 25 reference epochs, about
    the minute it takes on a quiet 2-core CPU). This is the figure the test
    suite used to assert in seconds.
``--budget DURATION``
    ``fashionnet study --profile quick --budget DURATION`` into a fresh
    folder: wall time against the budget (target: <= 1.10, the 10 % grace),
    the epochs each model got and its test accuracy, read from
    ``metrics.json``. ``--budget 15m`` is the quick profile's own.

Run with ``python benchmarks/bench_study.py --smoke`` (about two minutes) or
``--budget 15m`` (a quarter of an hour).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import in_child, machine_line, reference_epoch

#: Smoke study / plain-Keras reference epoch: the target.
SMOKE_TARGET = 25.0
#: Wall time / budget: the target (the 10 % grace).
BUDGET_TARGET = 1.10


def _smoke_study() -> dict:
    from fashionnet.study import run_study

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        run_study("smoke", Path(tmp) / "smoke", progress=None)
        return {"seconds": time.perf_counter() - start}


def smoke() -> None:
    reference = in_child(reference_epoch)["seconds"]
    study = in_child(_smoke_study)["seconds"]
    ratio = study / reference
    verdict = "met" if ratio <= SMOKE_TARGET else "NOT met"
    print(f"plain-Keras LeNet-5 epoch (60000 images, batch 32): {reference:.1f} s")
    print(
        f"smoke study: {study:.1f} s = {ratio:.1f} reference epochs "
        f"(target <= {SMOKE_TARGET:.0f}: {verdict})"
    )


def budgeted(duration: str) -> None:
    from fashionnet.study.budget import parse_duration

    seconds = parse_duration(duration)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "quick"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "fashionnet", "study", "--profile", "quick", "--budget",
             duration, "--out", str(out), "--quiet"],
            check=True,
        )
        wall = time.perf_counter() - start
        metrics = json.loads((out / "metrics.json").read_text())
    ratio = wall / seconds
    verdict = "met" if ratio <= BUDGET_TARGET else "NOT met"
    print(f"quick study, budget {seconds:.0f} s: {wall:.1f} s wall = {ratio:.2f} of the budget "
          f"(target <= {BUDGET_TARGET:.2f}: {verdict})")
    print(f"{'stage':<20} {'budget s':>9} {'seconds':>8} {'epochs':>8} {'test accuracy':>14}")
    allotted = metrics["budget"]["allotted_seconds"]
    for stage, spent in metrics["stage_seconds"].items():
        facts = metrics.get(stage, {})
        epochs = facts.get("epochs_planned", "")
        accuracy = facts.get("test_accuracy", "")
        if "folds" in facts:
            epochs = "/".join(str(f["epochs_run"]) for f in facts["folds"])
            accuracy = facts["summary"]["mean"]["test_accuracy"]
        print(f"{stage:<20} {allotted.get(stage, ''):>9} {spent:>8} {epochs!s:>8} "
              f"{accuracy!s:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="the smoke study's time")
    parser.add_argument("--budget", metavar="DURATION", help="a quick study within DURATION")
    args = parser.parse_args()
    print(machine_line())
    if args.smoke or not args.budget:
        smoke()
    if args.budget:
        budgeted(args.budget)


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
