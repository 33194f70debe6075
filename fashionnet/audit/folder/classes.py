"""Checks that need the labels: imbalance, class outliers, label errors, weak groups.

- ``class_imbalance``: every image of a class with less than half the
  median class's count; score ``min(1, count / median count)``.
- ``class_outlier``: :func:`fashionnet.audit.class_outliers` on the grey
  thumbnails (distance to the nearest images of the same class over what is
  usual in that class); flagged at twice the usual, score
  ``min(1, 1 / ratio)``.
- ``label_issue``: out-of-fold probabilities of an estimator
  (:func:`fashionnet.audit.out_of_fold_probabilities`; by default LeNet-5
  under a time budget) handed to cleanlab (:func:`fashionnet.audit.label_issues`);
  the score is the out-of-fold probability of the given label, the
  suggested label the most probable one.
- ``underperforming_group``: clusters of similar images (k-means on the
  thumbnails' principal components) where the out-of-fold model is least
  sure of the given labels, as cleanlab's Datalab: a cluster's score is its
  mean probability of the given label over the dataset's; flagged below
  ``group_threshold``. Without the label stage the probabilities come from
  a quick nearest-neighbour model.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from fashionnet.audit.labels import label_issues, out_of_fold_probabilities
from fashionnet.audit.outliers import class_outliers

from .scan import THUMB, Scan

__all__ = [
    "imbalance_rows",
    "outlier_rows",
    "quick_probabilities",
    "budgeted_probabilities",
    "label_rows",
    "group_rows",
]

_LENET = {
    "standardize": True,
    "activation": "relu",
    "pooling": "max",
    "learning_rate": 3e-3,
    "batch_size": 128,
}


def _row(scan: Scan, i: int, issue: str, score: float, detail: str, suggested=None) -> dict:
    return {
        "path": str(scan.paths[i]),
        "issue": issue,
        "score": float(score),
        "label": str(scan.labels[i]),
        "suggested_label": suggested,
        "other_path": None,
        "detail": detail,
    }


def imbalance_rows(scan: Scan) -> list[dict]:
    """Rows for the images of classes with less than half the median class's count."""
    classes, counts = np.unique(scan.labels.astype(str), return_counts=True)
    if len(classes) < 2:
        return []
    median = float(np.median(counts))
    rows = []
    for label, count in zip(classes, counts, strict=True):
        ratio = count / median
        if ratio < 0.5:
            for i in np.flatnonzero(scan.labels.astype(str) == label):
                rows.append(
                    _row(
                        scan,
                        i,
                        "class_imbalance",
                        min(1.0, ratio),
                        f"{count} images; the median class has {median:g}",
                    )
                )
    return rows


def outlier_rows(scan: Scan, random_state: int | None) -> tuple[list[dict], str | None]:
    """Rows for images at least twice as far from their class as usual, or why none."""
    _, counts = np.unique(scan.labels.astype(str), return_counts=True)
    if counts.min() < 4:
        return [], f"skipped: a class has {counts.min()} image(s), class outliers need 4"
    table = class_outliers(
        scan.thumbs,
        scan.labels.astype(str),
        n_neighbors=int(min(10, counts.min() - 1)),
        random_state=random_state,
    )
    flagged = table[table["score"] > 2.0]
    rows = [
        _row(scan, int(i), "class_outlier", min(1.0, 1.0 / s), f"{s:.2f} x the usual distance")
        for i, s in zip(flagged["index"], flagged["score"], strict=True)
    ]
    return rows, None


def _codes(scan: Scan) -> tuple[np.ndarray, np.ndarray]:
    classes, codes = np.unique(scan.labels.astype(str), return_inverse=True)
    return classes, codes


def _features(scan: Scan, random_state: int | None) -> np.ndarray:
    from sklearn.decomposition import PCA

    X = scan.thumbs.astype(np.float32) / np.float32(255)
    k = int(min(32, X.shape[0] - 1, X.shape[1]))
    return PCA(k, svd_solver="randomized", random_state=random_state).fit_transform(X)


def quick_probabilities(scan: Scan, folds: int, random_state: int | None) -> np.ndarray:
    """Out-of-fold probabilities of a nearest-neighbour model on the thumbnails' components."""
    from sklearn.neighbors import KNeighborsClassifier

    _, codes = _codes(scan)
    features = _features(scan, random_state)
    smallest = np.bincount(codes).min()
    k = int(max(1, min(15, len(codes) * (folds - 1) // folds - 1)))
    return out_of_fold_probabilities(
        KNeighborsClassifier(k),
        features,
        codes,
        cv=int(min(folds, smallest)),
        random_state=random_state,
    )


def budgeted_probabilities(
    scan: Scan,
    estimator: Any,
    *,
    folds: int,
    budget: float | None,
    epochs: int,
    random_state: int | None,
) -> tuple[np.ndarray, dict]:
    """Out-of-fold probabilities of ``estimator`` (LeNet-5 when None) on the thumbnails.

    With a budget and the default estimator, each fold's LeNet-5 trains the
    epochs that fit in ``0.65 * budget / folds`` seconds (its ``time_budget``;
    the rest is left for predicting, cleanlab and the overrun of a last epoch).
    Returns the probabilities (columns in sorted label order) and the facts
    of the stage (estimator, folds, epochs, seconds).
    """
    _, codes = _codes(scan)
    X = scan.thumbs.reshape(-1, THUMB, THUMB)
    if estimator is None:
        from fashionnet.registry import get_model

        params = dict(_LENET, epochs=epochs, random_state=random_state, verbose=0)
        if budget is not None:
            params["time_budget"] = 0.65 * float(budget) / folds
        estimator = get_model("lenet5").make(**params)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        probs = out_of_fold_probabilities(estimator, X, codes, cv=folds, random_state=random_state)
    said = sorted(
        {" ".join(str(w.message).split()) for w in caught if issubclass(w.category, UserWarning)}
    )
    facts = {
        "estimator": type(estimator).__name__,
        "folds": folds,
        "budget_s": budget,
        "seconds": time.perf_counter() - started,
    }
    if said:
        facts["estimator said"] = "; ".join(said[:3])
    return probs, facts


def label_rows(scan: Scan, probs: np.ndarray) -> list[dict]:
    """Rows for the images cleanlab flags from ``probs``, lowest label quality first."""
    classes, codes = _codes(scan)
    table = label_issues(None, scan.thumbs, codes, pred_probs=probs)
    return [
        _row(
            scan,
            int(i),
            "label_issue",
            q,
            f"p(given label) {q:.3f}",
            suggested=str(classes[int(p)]),
        )
        for i, p, q in zip(
            table["index"], table["predicted_label"], table["label_quality"], strict=True
        )
    ]


def group_rows(
    scan: Scan, probs: np.ndarray, *, threshold: float, random_state: int | None
) -> tuple[list[dict], list[dict]]:
    """Rows for the images of the weakest clusters, and one description per flagged cluster."""
    from sklearn.cluster import MiniBatchKMeans

    classes, codes = _codes(scan)
    n = len(codes)
    k = int(np.clip(round(np.sqrt(n / 2)), 2, 30))
    if n < 4 * k:
        return [], []
    features = _features(scan, random_state)
    clusters = MiniBatchKMeans(k, random_state=random_state, n_init=3, batch_size=2048).fit_predict(
        features
    )
    quality = probs[np.arange(n), codes]
    overall = max(float(quality.mean()), 1e-9)
    rows, groups = [], []
    for c in range(k):
        members = np.flatnonzero(clusters == c)
        if len(members) < max(5, n // (10 * k)):
            continue
        ratio = min(1.0, float(quality[members].mean()) / overall)
        if ratio >= threshold:
            continue
        found, counts = np.unique(codes[members], return_counts=True)
        order = np.argsort(-counts)
        mix = ", ".join(
            f"{classes[found[o]]} {100 * counts[o] / len(members):.0f}%" for o in order[:4]
        )
        groups.append({"group": c, "images": len(members), "score": ratio, "classes": mix})
        detail = f"group {c}: {len(members)} images mixing {mix}"
        rows += [_row(scan, i, "underperforming_group", ratio, detail) for i in members]
    return rows, groups
