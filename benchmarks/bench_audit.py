"""Audit the real 60000 x 785 training frame: fashionnet's DataAuditor against the pandas way.

The pandas way is the study's: ``isnull().sum()``, ``duplicated()``,
``nunique()`` (cardinality and constant columns) and ``df.corr()`` with the
upper triangle above 0.98, on the frame as ``pd.read_csv`` gives it (int64).
fashionnet audits the frame ``load_fashion_mnist(as_frame=True)`` gives
(uint8), and the same int64 frame.

Every method runs in a fresh child process, so its peak RSS
(``ru_maxrss``) is its own: the figure includes the interpreter, the imports
and the frame itself, which is what a user's process holds. Times are the
median of several runs of the audit alone (loading excluded); the pandas
way takes over a minute, so it runs once unless ``--pandas-repeats`` says
otherwise.

Run::

    python benchmarks/bench_audit.py              # about 2 minutes
    python benchmarks/bench_audit.py --quick      # fashionnet only

Bounds from the issue, checked on the uint8 frame fashionnet loads: median
<= 3 s and peak RSS <= 1 GB. The int64 frame run is shown for comparison.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from _harness import machine_line, run_child, time_runs

TIME_BOUND_S = 3.0
RSS_BOUND_BYTES = 1e9


def _load_frame(dtype: str):
    from fashionnet.datasets import load_fashion_mnist

    frame = load_fashion_mnist("train", as_frame=True, download=False)
    return frame if dtype == "uint8" else frame.astype(dtype)


def _pandas_audit(df) -> dict:
    import numpy as np

    nulls = df.isnull().sum()
    n_duplicates = int(df.duplicated().sum())
    n_unique = df.nunique()
    constant = list(n_unique[n_unique == 1].index)
    corr = df.corr().abs()
    upper = corr.where(np.triu(np.ones(corr.shape, dtype=bool), k=1))
    redundant = [c for c in upper.columns if (upper[c] > 0.98).any()]
    counts = df["label"].value_counts()
    return {
        "n_null_cells": int(nulls.sum()),
        "n_duplicate_rows": n_duplicates,
        "n_constant_features": len(constant),
        "n_redundant": len(redundant),
        "imbalance_ratio": float(counts.max() / counts.min()),
    }


def _fashionnet_audit(df) -> dict:
    from fashionnet.audit import DataAuditor

    data = DataAuditor().fit(df).report().to_dict()
    return {
        k: data[k]
        for k in (
            "n_null_cells",
            "n_duplicate_rows",
            "n_constant_features",
            "n_redundant_pairs",
            "imbalance_ratio",
        )
    }


# The bounds apply to the frame fashionnet loads (uint8); the study's int64 frame,
# which needs narrowing first, is shown for comparison.
INFO_ONLY = {"fashionnet DataAuditor (int64 frame)"}
METHODS = {
    "pandas (int64 frame, the study's way)": ("int64", _pandas_audit),
    "fashionnet DataAuditor (uint8 frame)": ("uint8", _fashionnet_audit),
    "fashionnet DataAuditor (int64 frame)": ("int64", _fashionnet_audit),
}


def child(name: str, repeats: int) -> None:
    dtype, audit = METHODS[name]
    frame = _load_frame(dtype)
    result = time_runs(lambda: audit(frame), repeats, describe=lambda found: {"found": found})
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help="runs of the fashionnet audit")
    parser.add_argument("--pandas-repeats", type=int, default=1, help="runs of the pandas way")
    parser.add_argument("--quick", action="store_true", help="skip the pandas way")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return

    print(machine_line())
    results = {}
    for name in METHODS:
        if args.quick and name.startswith("pandas"):
            continue
        repeats = args.pandas_repeats if name.startswith("pandas") else args.repeats
        print(f"running {name} x{repeats} ...", flush=True)
        results[name] = run_child(__file__, name, repeats)

    print()
    header = (
        f"{'method':42s} {'median s':>9s} {'CPU s':>7s} {'runs':>5s} {'peak RSS GB':>12s} "
        f"{'loaded GB':>10s}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:42s} {statistics.median(r['times']):9.2f} {statistics.median(r['cpu']):7.2f} "
            f"{len(r['times']):5d} "
            f"{r['peak_rss'] / 1e9:12.2f} {r['rss_loaded'] / 1e9:10.2f}"
        )
    print()
    for name, r in results.items():
        print(f"{name}: found {r['found']}")
    pandas_name = next((n for n in results if n.startswith("pandas")), None)
    ok = True
    for name, r in results.items():
        if name == pandas_name:
            continue
        median = statistics.median(r["times"])
        line = f"{name}: {median:.2f} s (bound {TIME_BOUND_S} s), peak {r['peak_rss'] / 1e9:.2f} GB"
        line += f" (bound {RSS_BOUND_BYTES / 1e9:.0f} GB)"
        if pandas_name:
            base = results[pandas_name]
            line += (
                f"; {statistics.median(base['times']) / median:.0f}x faster, "
                f"{base['peak_rss'] / r['peak_rss']:.1f}x less peak memory than pandas"
            )
        print(line)
        within = median <= TIME_BOUND_S and r["peak_rss"] <= RSS_BOUND_BYTES
        if name not in INFO_ONLY:
            ok &= within
    print("within bounds" if ok else "OUT OF BOUNDS")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
