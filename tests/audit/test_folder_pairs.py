"""Duplicates and leakage on scans: twins named, disagreeing labels first."""

from __future__ import annotations

import numpy as np

from fashionnet.audit.folder.pairs import duplicate_rows, leakage_rows, stretched
from fashionnet.audit.folder.scan import Scan


def _scan(thumbs, labels, digests=None):
    n = len(thumbs)
    return Scan(
        paths=[f"f{i}.png" for i in range(n)],
        labels=np.asarray(labels, dtype=object),
        stats=np.zeros((n, 7)),
        thumbs=np.asarray(thumbs, np.uint8).reshape(n, -1),
        digests=digests or [str(i) for i in range(n)],
    )


def test_stretched_spans_the_grey_levels(small_test):
    X, _ = small_test
    flat = X[:5].reshape(5, -1)
    out = stretched((flat * 0.5).astype(np.uint8))
    assert (out.max(axis=1) == 255).all() and (out.min(axis=1) == 0).all()
    assert (stretched(np.full((1, 4), 7, np.uint8)) == 7).all()


def test_exact_then_near_with_disagreement_first(small_test):
    X, _ = small_test
    thumbs = [X[0], X[0], X[1], np.clip(X[1].astype(int) + 3, 0, 255), X[2], X[2]]
    scan = _scan(thumbs, ["a", "a", "b", "c", "d", "d"], ["x", "x", "1", "2", "y", "y"])
    exact, near, pairs = duplicate_rows(scan, 2.0)
    assert {r["path"] for r in exact} == {"f0.png", "f1.png", "f4.png", "f5.png"}
    assert all(r["score"] == 0 for r in exact)
    assert [r["path"] for r in near] == ["f2.png", "f3.png"] and pairs == 1
    assert near[0]["other_path"] == "f3.png" and near[0]["detail"] == "twin labelled c"
    assert 0 < near[0]["score"] < 0.5


def test_leakage_names_the_test_twin(small_test):
    X, _ = small_test
    train = _scan([X[0], X[1], X[2]], ["a", "b", "c"], ["p", "q", "r"])
    test = _scan([X[3], X[1]], ["a", "z"], ["s", "q"])
    test.paths = ["t0.png", "t1.png"]
    rows = leakage_rows(train, test, 2.0)
    assert [(r["path"], r["other_path"], r["score"]) for r in rows] == [("f1.png", "t1.png", 0.0)]
    assert rows[0]["detail"] == "twin labelled z"
