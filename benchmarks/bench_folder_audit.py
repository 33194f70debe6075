"""Audit a folder of 20,000 colour images of mixed sizes: time of each check, files per second.

The folder is written first from real Fashion-MNIST training images, tinted
with a random colour and resized to 28, 36, 48 or 64 px (bicubic), a fifth
of them as JPEG, with 20 planted files of every kind
(tests/audit/folder_plants.py). Then, each in a fresh child process so that
its peak RSS (``ru_maxrss``) is its own:

1. the audit with every check but the label issues
   (``FolderAuditor().fit(folder)``), its stages timed;
2. the label-issue stage alone under ``--budget`` seconds (LeNet-5 out of
   fold, cleanlab), against its budget.

Bounds from issue 29: the audit in at most 2 minutes of a 2-core machine
and under 2 GB; the label stage within its budget. Run niced on a shared
machine, under the team's CPU lock::

    flock /tmp/fashionnet-cpu.lock nice python benchmarks/bench_folder_audit.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "audit"))
from _harness import in_child, machine_line, peak_rss_bytes  # noqa: E402


def audit(folder: str, label_issues: bool, budget: float) -> dict:
    from fashionnet.audit import FolderAuditor

    started = time.perf_counter()
    auditor = FolderAuditor(label_issues=label_issues, budget=budget).fit(folder)
    return {
        "seconds": time.perf_counter() - started,
        "timings": auditor.timings_,
        "files": auditor.facts_["files"],
        "flagged": dict(zip(auditor.summary_["issue"], auditor.summary_["files"], strict=True)),
        "label stage": auditor.facts_.get("label stage"),
        "peak_rss": peak_rss_bytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--budget", type=float, default=60.0, help="label stage (s)")
    parser.add_argument("--no-labels", action="store_true", help="skip the label stage")
    args = parser.parse_args()
    from folder_plants import write_folder

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    idx = np.random.default_rng(0).choice(len(X), args.files, replace=False)
    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        planted = write_folder(Path(tmp), X[idx], y[idx], per_kind=20, jpeg_share=0.2)
        n = sum(len(v) for v in planted.values())
        print(f"wrote {n} files in {time.perf_counter() - started:.1f} s")
        result = in_child(audit, tmp, False, args.budget)
        print(
            f"\naudit, every check but label issues: {result['seconds']:.1f} s "
            f"({result['files'] / result['seconds']:.0f} files/s overall), "
            f"peak RSS {result['peak_rss'] / 2**20:.0f} MiB"
        )
        for stage, seconds in result["timings"].items():
            print(f"  {stage:18s} {seconds:7.2f} s")
        read = result["timings"]["read and reduce"]
        print(f"  reading: {result['files'] / read:.0f} files/s")
        print("  flagged:", ", ".join(f"{k} {v}" for k, v in result["flagged"].items()))
        if not args.no_labels:
            labels = in_child(audit, tmp, True, args.budget)
            stage = labels["label stage"]
            print(
                f"\nlabel-issue stage: {labels['timings']['label issues']:.1f} s "
                f"(out-of-fold fits {stage['seconds']:.1f} s) against a budget of "
                f"{args.budget:g} s; {labels['flagged'].get('label_issue')} files flagged; "
                f"peak RSS {labels['peak_rss'] / 2**20:.0f} MiB"
            )
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"\nload average at the end: {load}")


if __name__ == "__main__":
    main()
