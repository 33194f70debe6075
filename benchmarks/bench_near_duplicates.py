"""Near-duplicates of the 10000 test images among the 60000 training images, method by method.

Every method answers the same question -- every (test, train) pair within
the default threshold, Euclidean distance 2.0 on pixels scaled to 0..1 --
and runs in a fresh child process, so its peak RSS (``ru_maxrss``) is its
own (the interpreter, the imports and both splits, 55 MB as uint8, are in
it). Times are of the search alone (loading excluded; an index's build
counts as search): the median of ``--repeats`` runs for numpy and
fashionnet, one run for the others.

- ``numpy blocked brute force``: what a user would write, and the speed
  reference of the machine: float32 BLAS, ``|a|^2 + |b|^2 - 2ab`` for 1000
  test rows at a time, exact;
- ``fashionnet``: :meth:`DataAuditor.near_duplicates` (a float32 product
  of 65-dimensional lower bounds, then the few candidates measured
  exactly), exact;
- ``scikit-learn``: ``NearestNeighbors(algorithm="brute").radius_neighbors``
  on float32, exact;
- ``faiss flat``: ``IndexFlatL2.range_search``, exact;
- ``faiss HNSW``: ``IndexHNSWFlat(32)``, 10 neighbours per test image,
  approximate;
- ``pynndescent``: ``NNDescent``, 10 neighbours per test image,
  approximate.

faiss-cpu and pynndescent are not dependencies of fashionnet: install them
for this benchmark only (``pip install faiss-cpu pynndescent``); a method
whose package is missing is reported as skipped. For the approximate ones
the recall is the share of the exact pairs they find.

Run under the team's CPU lock::

    flock /tmp/fashionnet-cpu.lock python benchmarks/bench_near_duplicates.py
    python benchmarks/bench_near_duplicates.py --within        # also within train
    python benchmarks/bench_near_duplicates.py --evidence DIR  # the threshold figures

Bounds from the issue, checked on fashionnet: <= 20 s and peak RSS < 1 GB.
``--evidence`` writes the figures of the user guide's "Near-duplicates"
section (distance of each test image to its nearest training image, the
share of twins with the same label, pairs just inside and just outside the
threshold) and prints the counts behind them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from _harness import machine_line, run_child, time_runs

THRESHOLD = 2.0
TIME_BOUND_S = 20.0
RSS_BOUND_BYTES = 1e9
APPROXIMATE_K = 10


def _splits():
    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train", download=False)
    X_test, y_test = load_fashion_mnist("test", download=False)
    return X.reshape(len(X), -1), y, X_test.reshape(len(X_test), -1), y_test


def _floats(rows):
    return rows.astype(np.float32) / np.float32(255)


def _numpy_brute(test, train, within=False):
    a, b = _floats(test), _floats(train)
    na, nb = np.einsum("ij,ij->i", a, a), np.einsum("ij,ij->i", b, b)
    found_i, found_j, nearest = [], [], np.empty(len(a), np.float32)
    for start in range(0, len(a), 1000):
        d2 = a[start : start + 1000] @ b.T
        d2 *= -2
        d2 += nb
        d2 += na[start : start + 1000, None]
        if within:
            rows = np.arange(len(d2))
            d2[rows, start + rows] = np.inf
        nearest[start : start + 1000] = np.sqrt(np.maximum(d2.min(axis=1), 0))
        i, j = np.nonzero(d2 <= THRESHOLD**2 + 0.01)  # float32 rounding: re-measured below
        found_i.append(i + start)
        found_j.append(j)
    i, j = np.concatenate(found_i), np.concatenate(found_j)
    if within:
        keep = i < j
        i, j = i[keep], j[keep]
    return {"pairs": _exact_within(test, train, i, j), "nearest": nearest}


def _exact_within(test, train, i, j):
    """The pairs ``(i, j)`` whose exact (integer) distance is within the threshold."""
    diff = test[i].astype(np.int32) - train[j]
    d = np.sqrt(np.einsum("ij,ij->i", diff, diff)) / 255
    return np.stack([i[d <= THRESHOLD], j[d <= THRESHOLD]], 1)


def _fashionnet(test, train, within=False):
    from fashionnet.audit import DataAuditor

    pairs = DataAuditor().near_duplicates(train) if within else (
        DataAuditor().near_duplicates(test, train)
    )
    return {"pairs": pairs[["index", "other_index"]].to_numpy()}


def _sklearn(test, train, within=False):
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(radius=THRESHOLD, algorithm="brute").fit(_floats(train))
    neighbours = nn.radius_neighbors(_floats(test), return_distance=False)
    i = np.repeat(np.arange(len(neighbours)), [len(n) for n in neighbours])
    return {"pairs": np.stack([i, np.concatenate(neighbours)], 1)}


def _faiss_flat(test, train, within=False):
    import faiss

    index = faiss.IndexFlatL2(train.shape[1])
    index.add(_floats(train))
    lims, _, labels = index.range_search(_floats(test), THRESHOLD**2)
    i = np.repeat(np.arange(len(test)), np.diff(lims).astype(np.int64))
    return {"pairs": np.stack([i, labels], 1)}


def _filter_knn(test, train, labels):
    """k nearest neighbours as pairs, kept when within the threshold (exact distances)."""
    i = np.repeat(np.arange(len(test)), labels.shape[1])
    j = labels.ravel()
    ok = j >= 0
    return _exact_within(test, train, i[ok], j[ok])


def _faiss_hnsw(test, train, within=False):
    import faiss

    index = faiss.IndexHNSWFlat(train.shape[1], 32)
    index.add(_floats(train))
    _, labels = index.search(_floats(test), APPROXIMATE_K)
    return {"pairs": _filter_knn(test, train, labels)}


def _pynndescent(test, train, within=False):
    from pynndescent import NNDescent

    index = NNDescent(_floats(train), n_neighbors=30, random_state=0, n_jobs=None)
    labels, _ = index.query(_floats(test), k=APPROXIMATE_K)
    return {"pairs": _filter_knn(test, train, labels)}


METHODS = {
    "numpy blocked brute force (exact)": (_numpy_brute, None),
    "fashionnet near_duplicates (exact)": (_fashionnet, None),
    "scikit-learn NearestNeighbors brute (exact)": (_sklearn, None),
    "faiss IndexFlatL2 range search (exact)": (_faiss_flat, "faiss"),
    "faiss IndexHNSWFlat, 10 neighbours (approx.)": (_faiss_hnsw, "faiss"),
    "pynndescent NNDescent, 10 neighbours (approx.)": (_pynndescent, "pynndescent"),
}
WITHIN = ("numpy blocked brute force (exact)", "fashionnet near_duplicates (exact)")


def child(name: str, repeats: int) -> None:
    within = name.startswith("within: ")
    run, _ = METHODS[name.removeprefix("within: ")]
    train, _, test, _ = _splits()
    if within:
        test = train
    result = time_runs(
        lambda: run(test, train, within),
        repeats,
        describe=lambda out: {"pairs": out["pairs"].tolist()},
    )
    print(json.dumps(result))


def _available(package: str | None) -> bool:
    if package is None:
        return True
    try:
        __import__(package)
    except ImportError:
        return False
    return True


def _as_set(pairs) -> set:
    return {tuple(p) for p in pairs}


def evidence(folder: Path) -> None:
    """The threshold figures and counts of the user guide."""
    from matplotlib.figure import Figure

    from fashionnet import plotting
    from fashionnet.audit import DataAuditor
    from fashionnet.datasets import CLASS_NAMES

    train, y, test, y_test = _splits()
    nearest = _numpy_brute(test, train)["nearest"]
    pairs = DataAuditor().near_duplicates(test, train, y=y_test, y_other=y, threshold=3.5)
    first = pairs.drop_duplicates("index")  # each test image's nearest training image
    folder.mkdir(parents=True, exist_ok=True)

    fig = Figure(figsize=(9, 3.4), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.hist(nearest, bins=np.arange(0, 12.25, 0.25), color="tab:blue")
    left.axvline(THRESHOLD, color="tab:red", linestyle="--", label=f"threshold {THRESHOLD:g}")
    left.set_xlabel("distance to the nearest training image")
    left.set_ylabel("test images")
    left.legend()
    edges = np.arange(0, 3.25, 0.25)
    centres, shares = [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        part = first[(first["distance"] > lo) & (first["distance"] <= hi)]
        if len(part) >= 5:
            centres.append((lo + hi) / 2)
            shares.append((part["label"] == part["other_label"]).mean())
    right.plot(centres, shares, "o-", color="tab:green")
    right.axvline(THRESHOLD, color="tab:red", linestyle="--")
    right.set_ylim(0.5, 1.02)
    right.set_xlabel("distance to the nearest training image")
    right.set_ylabel("same label as that image")
    fig.savefig(folder / "near_duplicates_distances.png", dpi=90)

    import pandas as pd

    # Five pairs at each of four distances: well inside, just inside, just outside, far out.
    bands = []
    for target in (1.5, THRESHOLD, THRESHOLD + 1e-9, 3.0):
        side = first[first["distance"] <= target] if target <= THRESHOLD else first[
            first["distance"] > target
        ]
        bands.append(side.tail(5) if target <= THRESHOLD else side.head(5))
    fig = plotting.plot_image_pairs(
        test.reshape(-1, 28, 28),
        train.reshape(-1, 28, 28),
        pd.concat(bands),
        n=20,
        ncols=10,
        class_names=CLASS_NAMES,
    )
    fig.suptitle(
        f"Test image above, its nearest training image below: 5 pairs at 1.5, 5 just inside "
        f"{THRESHOLD:g}; then 5 just outside {THRESHOLD:g}, 5 at 3.0",
        fontsize=9,
    )
    fig.savefig(folder / "near_duplicates_threshold_pairs.png", dpi=90)

    for cut in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0):
        within = first[first["distance"] <= cut]
        same = (within["label"] == within["other_label"]).mean() if len(within) else float("nan")
        print(f"test images within {cut}: {len(within)} ({100 * len(within) / len(test):.2f} %), "
              f"same label as the nearest: {100 * same:.1f} %")
    print(f"median distance to the nearest training image: {np.median(nearest):.2f}")
    print(f"wrote {folder / 'near_duplicates_distances.png'} and "
          f"{folder / 'near_duplicates_threshold_pairs.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of numpy and fashionnet (others: one)"
    )
    parser.add_argument("--within", action="store_true", help="also within the training split")
    parser.add_argument("--evidence", type=Path, help="write the threshold figures here")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeats)
        return
    if args.evidence:
        evidence(args.evidence)
        return

    print(machine_line())
    names = [n for n, (_, package) in METHODS.items() if _available(package)]
    skipped = [n for n in METHODS if n not in names]
    if args.within:
        names += [f"within: {n}" for n in WITHIN]
    results, failed = {}, {}
    for name in names:
        # The reference and fashionnet are timed args.repeats times, the others once.
        timed = name in WITHIN[:2] and not name.startswith("within")
        repeats = args.repeats if timed else 1
        print(f"running {name} x{repeats} ...", flush=True)
        try:
            results[name] = run_child(__file__, name, repeats)
        except subprocess.CalledProcessError as exc:
            failed[name] = (exc.stderr or "").strip().splitlines()[-1:] or ["failed"]
            print(f"  failed: {failed[name][0]}", flush=True)
            continue
        r = results[name]
        print(f"  {statistics.median(r['times']):.2f} s, peak {r['peak_rss'] / 1e9:.2f} GB, "
              f"{len(r['pairs'])} pairs", flush=True)
    exact = _as_set(results["numpy blocked brute force (exact)"]["pairs"])
    reference = statistics.median(results["numpy blocked brute force (exact)"]["times"])

    print()
    header = (
        f"{'method':48s} {'median s':>9s} {'x numpy':>8s} {'CPU s':>7s} {'peak RSS GB':>12s} "
        f"{'pairs':>6s} {'recall':>7s}"
    )
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        median = statistics.median(r["times"])
        found = _as_set(r["pairs"])
        truth = exact if not name.startswith("within") else _as_set(
            results["within: numpy blocked brute force (exact)"]["pairs"]
        )
        recall = len(found & truth) / max(1, len(truth))
        base = reference if not name.startswith("within") else statistics.median(
            results["within: numpy blocked brute force (exact)"]["times"]
        )
        print(
            f"{name:48s} {median:9.2f} {median / base:8.2f} {statistics.median(r['cpu']):7.2f} "
            f"{r['peak_rss'] / 1e9:12.2f} {len(found):6d} {recall:7.3f}"
        )
    for name, why in failed.items():
        print(f"{name:48s} failed: {why[0]}")
    for name in skipped:
        print(f"{name:48s} skipped: pip install {METHODS[name][1].replace('faiss', 'faiss-cpu')}")
    ours = results["fashionnet near_duplicates (exact)"]
    median = statistics.median(ours["times"])
    ok = median <= TIME_BOUND_S and ours["peak_rss"] <= RSS_BOUND_BYTES
    ok &= _as_set(ours["pairs"]) == exact
    print(
        f"\nfashionnet: {median:.2f} s (bound {TIME_BOUND_S:g} s), peak "
        f"{ours['peak_rss'] / 1e9:.2f} GB (bound {RSS_BOUND_BYTES / 1e9:g} GB), "
        f"{len(exact)} pairs, {len({p[0] for p in exact})} test images with a twin"
    )
    print("within bounds" if ok else "OUT OF BOUNDS")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
