"""Benchmark TransferClassifier's cached frozen-backbone features against no cache.

Each case fits ``TransferClassifier(..., weights=None, input_size=48)`` on the
first ``--images`` training images for ``--epochs`` epochs, once with
``cache_features=False`` and once with ``cache_features=True``, each in a fresh
child process so that its peak RSS (``ru_maxrss``) is its own. The cached fit
starts from an empty cache: its time includes computing the features. The
cached child then fits a second time on the same images (what a search trial
or a refit does) and reports that time too.

Cases (targets of issue 13 at 10000 images, 3 epochs):

- ``vgg16``: the study's depth, the last 5 layers trainable: >= 3x faster;
- ``resnet152v2``: the study's depth, the last 64 layers: the ratio is reported;
- ``head``: VGG16 with ``trainable_layers=0`` (head only): >= 10x faster.

Peak RSS of the cached run <= 1.5x the uncached one in every case.

The ImageNet weights cannot be downloaded on the machines this runs on, so
the backbones have random weights (``weights=None``) with the trainable depth
given explicitly: speed and memory do not depend on the weight values.

Run ``python benchmarks/bench_transfer_cache.py`` (``--images 1000 --epochs 1``
for a quick try). Timings on a loaded machine are noisy: compare the ratios
of one run; CPU seconds count this process's threads and are inflated less
than wall time by other processes.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from _harness import in_child, machine_line, peak_rss_bytes

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: name: (backbone, trainable_layers, target speed-up or None)
CASES = {
    "vgg16": ("vgg16", 5, 3.0),
    "resnet152v2": ("resnet152v2", 64, None),
    "head": ("vgg16", 0, 10.0),
}
RSS_LIMIT = 1.5


def _fit(backbone: str, trainable: int, n_images: int, epochs: int, cache: bool) -> dict:
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models import TransferClassifier

    X, y = load_fashion_mnist("train")
    X, y = X[:n_images], y[:n_images]
    params = dict(
        weights=None,
        trainable_layers=trainable,
        input_size=48,
        epochs=epochs,
        batch_size=128,
        random_state=0,
        cache_features=cache,
    )
    times = []
    for _ in range(2 if cache else 1):
        start, cpu = time.perf_counter(), time.process_time()
        clf = TransferClassifier(backbone, **params).fit(X, y)
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return {
        "wall_s": times[0][0],
        "cpu_s": times[0][1],
        "refit_s": times[1][0] if cache else None,
        "peak_rss_mb": peak_rss_bytes() / 2**20,
        "cache": dict(clf.cache_info_),
    }


def bench(cases: list[str], n_images: int, epochs: int) -> list[dict]:
    rows = []
    for name in cases:
        backbone, trainable, target = CASES[name]
        plain = in_child(_fit, backbone, trainable, n_images, epochs, False)
        cached = in_child(_fit, backbone, trainable, n_images, epochs, True)
        speedup = plain["wall_s"] / cached["wall_s"]
        rss = cached["peak_rss_mb"] / plain["peak_rss_mb"]
        rows.append(
            {
                "case": name,
                "uncached": plain,
                "cached": cached,
                "speedup": speedup,
                "cpu_ratio": plain["cpu_s"] / cached["cpu_s"],
                "rss_ratio": rss,
                "target": target,
                "met": (target is None or speedup >= target) and rss <= RSS_LIMIT,
            }
        )
    return rows


def _table(rows: list[dict]) -> str:
    lines = [
        "| case | uncached s (CPU s) | cached s (CPU s) | speed-up (CPU) | target | "
        "refit s | RSS MiB uncached / cached (ratio) | cut | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        u, c = r["uncached"], r["cached"]
        target = "reported" if r["target"] is None else f">= {r['target']:.0f}x"
        lines.append(
            f"| {r['case']} | {u['wall_s']:.1f} ({u['cpu_s']:.0f}) | {c['wall_s']:.1f} "
            f"({c['cpu_s']:.0f}) | {r['speedup']:.2f}x ({r['cpu_ratio']:.2f}x) | {target} | "
            f"{c['refit_s']:.1f} | {u['peak_rss_mb']:.0f} / {c['peak_rss_mb']:.0f} "
            f"({r['rss_ratio']:.2f}, limit {RSS_LIMIT}) | {c['cache']['cut']} | "
            f"{'yes' if r['met'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    print(f"{args.images} images, {args.epochs} epochs, input 48, weights=None")
    print(machine_line())
    rows = bench(args.cases, args.images, args.epochs)
    print(_table(rows))
    print(machine_line())
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=2)
    return 0 if all(r["met"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
