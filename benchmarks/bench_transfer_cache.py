"""Benchmark TransferClassifier's cached frozen-backbone features against no cache.

Each case fits ``TransferClassifier(..., weights=None, input_size=48)`` on the
first ``--images`` training images for ``--epochs`` epochs, once with
``cache_features=False`` and once with ``cache_features=True``, each in a fresh
child process so that its peak RSS (``ru_maxrss``, read at the end of the
first fit) is its own, and both with ``random_state=0``. Two speed-ups are printed for each case:

- **first fit**: the cached fit starts from an empty cache, so its time
  includes one pass of the frozen part over every image. No cache can make a
  first fit faster than the uncached time over that one pass: the table
  prints this bound (``max``) beside the measured ratio;
- **reuse**: the cached child fits a second time on the same images, as a
  search trial, a CV fold or a refit does, and trains on the stored features.

Both fits then predict the first ``--test-images`` test images: the table
gives each side's accuracy and their agreement (share of equal predictions,
largest probability difference).

Cases (targets of issue 13 at 10000 images, 3 epochs):

- ``vgg16``: the study's depth, the last 5 layers trainable: >= 3x faster;
- ``resnet152v2``: the study's depth, the last 64 layers: the ratio is reported;
- ``head``: VGG16 with ``trainable_layers=0`` (head only): >= 10x faster.

Peak RSS of the cached run <= 1.5x the uncached one in every case.

The ImageNet weights cannot be downloaded on the machines this runs on, so
the backbones have random weights (``weights=None``) with the trainable depth
given explicitly: speed and memory do not depend on the weight values, but
the accuracies do (random frozen features are weak).

Run ``python benchmarks/bench_transfer_cache.py`` (``--images 1000 --epochs 1
--test-images 200`` for a quick try). Timings on a loaded machine are noisy:
compare the ratios of one run; CPU seconds count this process's threads and
are inflated less than wall time by other processes.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from _harness import in_child, machine_line, peak_rss_bytes

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: name: (backbone, trainable_layers, target speed-up or None)
CASES = {
    "vgg16": ("vgg16", 5, 3.0),
    "resnet152v2": ("resnet152v2", 64, None),
    "head": ("vgg16", 0, 10.0),
}
RSS_LIMIT = 1.5


def _fit(
    backbone: str, trainable: int, n_images: int, epochs: int, n_test: int, cache: bool
) -> dict:
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models import TransferClassifier

    X, y = load_fashion_mnist("train")
    X, y = X[:n_images], y[:n_images]
    X_test, y_test = load_fashion_mnist("test")
    X_test, y_test = X_test[:n_test], y_test[:n_test]
    params = dict(
        weights=None,
        trainable_layers=trainable,
        input_size=48,
        epochs=epochs,
        batch_size=128,
        random_state=0,
        cache_features=cache,
    )
    times, first, peak = [], None, None
    for _ in range(2 if cache else 1):
        start, cpu = time.perf_counter(), time.process_time()
        clf = TransferClassifier(backbone, **params).fit(X, y)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
        # The peak of one fit: the refit's second network is not the cache's cost.
        peak = peak or peak_rss_bytes()
        first = first or clf
    proba = first.predict_proba(X_test)
    return {
        "wall_s": times[0][0],
        "cpu_s": times[0][1],
        "refit_s": times[1][0] if cache else None,
        "refit_cpu_s": times[1][1] if cache else None,
        "peak_rss_mb": peak / 2**20,
        "cache": dict(first.cache_info_),
        "proba": proba,
        "accuracy": float(np.mean(first.classes_[proba.argmax(axis=1)] == y_test)),
    }


def bench(cases: list[str], n_images: int, epochs: int, n_test: int) -> list[dict]:
    rows = []
    for name in cases:
        backbone, trainable, target = CASES[name]
        plain = in_child(_fit, backbone, trainable, n_images, epochs, n_test, False)
        cached = in_child(_fit, backbone, trainable, n_images, epochs, n_test, True)
        speedup = plain["wall_s"] / cached["wall_s"]
        reuse = plain["wall_s"] / cached["refit_s"]
        rss = cached["peak_rss_mb"] / plain["peak_rss_mb"]
        p, q = plain.pop("proba"), cached.pop("proba")
        rows.append(
            {
                "case": name,
                "uncached": plain,
                "cached": cached,
                "speedup": speedup,
                "cpu_ratio": plain["cpu_s"] / cached["cpu_s"],
                "bound": plain["wall_s"] / cached["cache"]["seconds"],
                "reuse_speedup": reuse,
                "reuse_cpu_ratio": plain["cpu_s"] / cached["refit_cpu_s"],
                "rss_ratio": rss,
                "equal": float(np.mean(p.argmax(axis=1) == q.argmax(axis=1))),
                "max_diff": float(np.abs(p - q).max()),
                "target": target,
                "met_first": (target is None or speedup >= target) and rss <= RSS_LIMIT,
                "met_reuse": (target is None or reuse >= target) and rss <= RSS_LIMIT,
            }
        )
    return rows


def _table(rows: list[dict]) -> str:
    lines = [
        "| case | cut | uncached s (CPU s) | cached, first fit s (CPU s) | frozen pass s | "
        "first fit speed-up (CPU; max) | reuse s (speed-up; CPU) | target | met first / reuse | "
        "RSS MiB uncached / cached (ratio) | accuracy uncached / cached | equal predictions, "
        "largest probability difference |",
        "|" + "---|" * 12,
    ]
    for r in rows:
        u, c = r["uncached"], r["cached"]
        target = "reported" if r["target"] is None else f">= {r['target']:.0f}x"
        yes = {True: "yes", False: "NO"}
        lines.append(
            f"| {r['case']} | {c['cache']['cut']} | {u['wall_s']:.1f} ({u['cpu_s']:.0f}) | "
            f"{c['wall_s']:.1f} ({c['cpu_s']:.0f}) | {c['cache']['seconds']:.1f} | "
            f"{r['speedup']:.2f}x ({r['cpu_ratio']:.2f}x; {r['bound']:.2f}x) | "
            f"{c['refit_s']:.1f} ({r['reuse_speedup']:.1f}x; CPU {r['reuse_cpu_ratio']:.1f}x) | "
            f"{target} | "
            f"{yes[r['met_first']]} / {yes[r['met_reuse']]} | "
            f"{u['peak_rss_mb']:.0f} / {c['peak_rss_mb']:.0f} ({r['rss_ratio']:.2f}, limit "
            f"{RSS_LIMIT}) | {u['accuracy']:.4f} / {c['accuracy']:.4f} | "
            f"{r['equal']:.2%}, {r['max_diff']:.2g} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--test-images", type=int, default=2000)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    print(
        f"{args.images} images, {args.epochs} epochs, input 48, weights=None; "
        f"{args.test_images} test images"
    )
    print(machine_line())
    rows = bench(args.cases, args.images, args.epochs, args.test_images)
    print(_table(rows))
    print(machine_line())
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)
    return 0 if all(r["met_first"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
