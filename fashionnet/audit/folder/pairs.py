"""Exact and near duplicates within a folder, and leakage into a test folder.

Exact duplicates share the digest of their decoded pixels (so a PNG and its
lossless copy under another name or format match). Near duplicates are pairs
of grey thumbnails closer than a threshold, found by the exact, memory-bounded
search of :mod:`fashionnet.audit.near_duplicates` (distance on 28 x 28
thumbnails scaled to 0..1, the scale of its default threshold), each
thumbnail stretched to the full range of grey first, so that a copy
re-exposed or tinted another colour still meets its original. Every image
of a pair gets a row naming its twin; pairs whose labels disagree come first,
then the closest.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from fashionnet.audit.near_duplicates import near_pairs

from .scan import Scan

__all__ = ["duplicate_rows", "leakage_rows", "stretched"]


def stretched(thumbs: np.ndarray) -> np.ndarray:
    """Each uint8 row stretched to span 0..255 (a uniform row stays as it is)."""
    low = thumbs.min(axis=1, keepdims=True).astype(np.float32)
    span = thumbs.max(axis=1, keepdims=True).astype(np.float32) - low
    out = (thumbs - low) * (255.0 / np.maximum(span, 1.0))
    return np.rint(np.where(span > 0, out, thumbs)).astype(np.uint8)


def _row(scan: Scan, i: int, issue: str, score: float, other: str, other_label: str) -> dict:
    label = str(scan.labels[i])
    agree = "same label" if other_label == label else f"twin labelled {other_label}"
    return {
        "path": str(scan.paths[i]),
        "issue": issue,
        "score": float(score),
        "label": label,
        "suggested_label": None,
        "other_path": other,
        "detail": agree,
        "_disagree": other_label != label,
    }


def _ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (not r["_disagree"], r["score"], r["path"]))


def duplicate_rows(scan: Scan, threshold: float) -> tuple[list[dict], list[dict], int]:
    """Rows of ``exact_duplicate`` and ``near_duplicate`` within a scan, and the pairs counted.

    Scores: 0 for an exact duplicate; ``0.5 * distance / threshold`` for a
    near one (below 0.5, as every flagged score).
    """
    groups = defaultdict(list)
    for i, digest in enumerate(scan.digests):
        groups[digest].append(i)
    exact = []
    for members in groups.values():
        if len(members) < 2:
            continue
        for k, i in enumerate(members):
            twin = members[1] if k == 0 else members[0]
            exact.append(
                _row(scan, i, "exact_duplicate", 0.0, str(scan.paths[twin]), str(scan.labels[twin]))
            )
    i, j, distance = near_pairs(stretched(scan.thumbs), threshold=threshold)
    digests = np.asarray(scan.digests)
    keep = digests[i] != digests[j] if len(i) else np.zeros(0, dtype=bool)
    i, j, distance = i[keep], j[keep], distance[keep]
    nearest: dict[int, tuple[float, int]] = {}
    for a, b, d in zip(i.tolist(), j.tolist(), distance.tolist(), strict=True):
        for x, y in ((a, b), (b, a)):
            if x not in nearest or d < nearest[x][0]:
                nearest[x] = (d, y)
    near = [
        _row(
            scan,
            x,
            "near_duplicate",
            0.5 * d / threshold if threshold else 0.0,
            str(scan.paths[y]),
            str(scan.labels[y]),
        )
        for x, (d, y) in nearest.items()
    ]
    return _ordered(exact), _ordered(near), len(i)


def leakage_rows(scan: Scan, test: Scan, threshold: float) -> list[dict]:
    """Rows of ``leakage``: images of the folder with an exact or near twin in ``test``.

    ``path`` is the folder's image, ``other_path`` its closest twin in the
    test folder; the score is ``0.5 * distance / threshold`` (0 for an exact
    copy).
    """
    closest: dict[int, tuple[float, int]] = {}
    by_digest = {d: k for k, d in enumerate(test.digests)}
    for i, digest in enumerate(scan.digests):
        if digest in by_digest:
            closest[i] = (0.0, by_digest[digest])
    i, j, distance = near_pairs(stretched(scan.thumbs), stretched(test.thumbs), threshold=threshold)
    for a, b, d in zip(i.tolist(), j.tolist(), distance.tolist(), strict=True):
        if a not in closest or d < closest[a][0]:
            closest[a] = (d, b)
    rows = [
        _row(
            scan,
            a,
            "leakage",
            0.5 * d / threshold if threshold else 0.0,
            str(test.paths[b]),
            str(test.labels[b]),
        )
        for a, (d, b) in closest.items()
    ]
    return _ordered(rows)
