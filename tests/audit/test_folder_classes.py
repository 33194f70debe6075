"""The label-dependent checks on scans: imbalance, outliers, groups, label rows."""

from __future__ import annotations

import numpy as np
import pytest

from fashionnet.audit.folder.classes import (
    group_rows,
    imbalance_rows,
    label_rows,
    outlier_rows,
    quick_probabilities,
)
from fashionnet.audit.folder.scan import Scan


def _scan(X, y):
    n = len(X)
    return Scan(
        paths=[f"f{i}.png" for i in range(n)],
        labels=np.asarray([f"c{v}" for v in y], dtype=object),
        stats=np.zeros((n, 7)),
        thumbs=X.reshape(n, -1),
        digests=[str(i) for i in range(n)],
    )


def test_a_rare_class_is_imbalanced(small_test):
    X, y = small_test
    keep = np.flatnonzero(y != 3)
    keep = np.concatenate([keep, np.flatnonzero(y == 3)[:4]])
    rows = imbalance_rows(_scan(X[keep], y[keep]))
    assert len(rows) == 4 and {r["label"] for r in rows} == {"c3"}
    assert rows[0]["score"] == pytest.approx(4 / 20)


def test_outliers_skip_tiny_classes_with_a_reason(small_test):
    X, y = small_test
    rows, why = outlier_rows(_scan(X[:3], [0, 1, 2]), 0)
    assert rows == [] and "class outliers need 4" in why
    rows, why = outlier_rows(_scan(X, y), 0)
    assert why is None and all(r["score"] < 0.5 for r in rows) and len(rows) < 10


def test_groups_and_label_rows_from_probabilities(small_test):
    pytest.importorskip("cleanlab")
    X, y = small_test
    scan = _scan(X, y)
    probs = quick_probabilities(scan, 3, 0)
    assert probs.shape == (len(y), 10) and np.allclose(probs.sum(axis=1), 1)
    rows, groups = group_rows(scan, probs, threshold=1.0, random_state=0)
    assert groups and all(g["score"] < 1 and "%" in g["classes"] for g in groups)
    assert len(rows) == sum(g["images"] for g in groups)
    wrong = probs.copy()
    wrong[0] = np.eye(10)[(y[0] + 5) % 10]
    flagged = label_rows(scan, wrong)
    first = next(r for r in flagged if r["path"] == "f0.png")
    assert first["suggested_label"] == f"c{(y[0] + 5) % 10}" and first["score"] == 0
