"""FolderAuditor: every check of a folder of images, one table of issues.

The stages, in order: list and read the files in chunks
(:mod:`~fashionnet.audit.folder.scan`), the quality checks
(:mod:`~fashionnet.audit.folder.quality`), duplicates and leakage
(:mod:`~fashionnet.audit.folder.pairs`), then the checks that need labels
(:mod:`~fashionnet.audit.folder.classes`). Every flagged file and issue is a
row of :attr:`FolderAuditor.issues_`; :meth:`FolderAuditor.save` writes the
table, the report and its pictures (:mod:`~fashionnet.audit.folder.report`).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .classes import (
    budgeted_probabilities,
    group_rows,
    imbalance_rows,
    label_rows,
    outlier_rows,
    quick_probabilities,
)
from .pairs import duplicate_rows, leakage_rows
from .quality import QUALITY_CHECKS, quality_scores
from .scan import list_class_folder, scan_files

__all__ = ["FolderAuditor", "audit_folder", "ISSUE_TYPES", "ISSUE_COLUMNS"]

#: Every issue a folder audit can report, in the order of its summary.
ISSUE_TYPES = (
    "unreadable",
    *QUALITY_CHECKS,
    "grayscale",
    "color",
    "exact_duplicate",
    "near_duplicate",
    "leakage",
    "label_issue",
    "class_imbalance",
    "class_outlier",
    "underperforming_group",
)
#: The columns of :attr:`FolderAuditor.issues_` and of ``issues.csv``.
ISSUE_COLUMNS = ("path", "issue", "score", "label", "suggested_label", "other_path", "detail")


def _positive(value: Any, name: str, kind: type = float, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    ok = isinstance(value, (int, np.integer) if kind is int else (int, float, np.number))
    if isinstance(value, bool) or not ok or not value > 0:
        what = "a whole number" if kind is int else "a number"
        raise ValueError(
            f"{name} must be {what} > 0{' or None' if allow_none else ''}; got {value!r}."
        )


class FolderAuditor:
    """Audit a folder of images with one sub-folder per class.

    Parameters
    ----------
    label_issues : bool, default=False
        Run the label stage: out-of-fold probabilities of ``estimator`` and
        cleanlab's confident learning (``pip install 'fashionnet[audit]'``).
    budget : float or None, default=120.0
        Seconds the label stage's default estimator (LeNet-5) may train, all
        folds together; None trains ``epochs`` epochs per fold.
    estimator : classifier or None, default=None
        The label stage's model, fitted on 28 x 28 grey thumbnails; None is
        LeNet-5 under ``budget``.
    folds : int, default=3
        Folds of the out-of-fold probabilities.
    epochs : int, default=20
        Most epochs of each fold's LeNet-5 (the budget may choose fewer).
    near_threshold : float, default=2.0
        Largest distance of a near-duplicate pair (28 x 28 grey thumbnails
        scaled to 0..1, as :data:`fashionnet.audit.NEAR_DUPLICATE_THRESHOLD`).
    z_threshold : float, default=4.0
        Robust deviations from the dataset's median at which a quality check
        flags an image.
    group_threshold : float, default=0.5
        A cluster whose mean out-of-fold probability of the given labels is
        below this share of the dataset's is an underperforming group.
    n_jobs : int, default=2
        Threads reading the files.
    chunk_size : int, default=256
        Files read per chunk (each thread holds one chunk at full size).
    random_state : int or None, default=0
        Seed of the folds, the projections and the clustering.

    Attributes
    ----------
    issues_ : pandas.DataFrame
        One row per flagged file and issue (:data:`ISSUE_COLUMNS`), in the
        order of :data:`ISSUE_TYPES`, the worst first within an issue (pairs
        whose labels disagree before the others).
    summary_ : pandas.DataFrame
        One row per check run: ``issue``, ``files`` (flagged), ``share`` (of
        the files), ``score`` (the dataset's: mean score of its files, 1 for
        an unflagged one).
    groups_ : list of dict
        The underperforming groups: size, score and the classes they mix.
    notes_ : dict
        Checks skipped, and why.
    timings_ : dict
        Seconds of each stage.
    facts_ : dict
        The run's mechanics (files, classes, label stage).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from fashionnet.audit import FolderAuditor
    >>> rng = np.random.default_rng(0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for label in ("a", "b"):
    ...         (pathlib.Path(tmp) / label).mkdir()
    ...         for i in range(20):
    ...             pixels = rng.integers(0, 255, (28, 28, 3), dtype=np.uint8)
    ...             Image.fromarray(pixels).save(f"{tmp}/{label}/{i}.png")
    ...     Image.fromarray(pixels).save(f"{tmp}/a/copy.png")
    ...     auditor = FolderAuditor().fit(tmp)
    >>> sorted(set(auditor.issues_["issue"]))
    ['exact_duplicate']
    """

    def __init__(
        self,
        *,
        label_issues: bool = False,
        budget: float | None = 120.0,
        estimator: Any = None,
        folds: int = 3,
        epochs: int = 20,
        near_threshold: float = 2.0,
        z_threshold: float = 4.0,
        group_threshold: float = 0.5,
        n_jobs: int = 2,
        chunk_size: int = 256,
        random_state: int | None = 0,
    ) -> None:
        self.label_issues = label_issues
        self.budget = budget
        self.estimator = estimator
        self.folds = folds
        self.epochs = epochs
        self.near_threshold = near_threshold
        self.z_threshold = z_threshold
        self.group_threshold = group_threshold
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _validate(self) -> None:
        _positive(self.budget, "budget", allow_none=True)
        for name in ("epochs", "n_jobs", "chunk_size"):
            _positive(getattr(self, name), name, int)
        _positive(self.z_threshold, "z_threshold")
        _positive(self.near_threshold, "near_threshold")
        if (
            isinstance(self.folds, bool)
            or not isinstance(self.folds, (int, np.integer))
            or (self.folds < 2)
        ):
            raise ValueError(f"folds must be a whole number >= 2; got {self.folds!r}.")
        if not isinstance(self.group_threshold, (int, float)) or not 0 < self.group_threshold <= 1:
            raise ValueError(f"group_threshold must be in (0, 1]; got {self.group_threshold!r}.")

    def fit(self, path: Any, test: Any = None, progress: Any = None) -> FolderAuditor:
        """Read and audit the folder ``path`` (and ``test`` for leakage).

        Parameters
        ----------
        path : str or path-like
            A folder with one sub-folder of images per class.
        test : str, path-like or None, default=None
            A second folder of the same layout: images of ``path`` with an
            exact or near twin in it are ``leakage``.
        progress : callable, optional
            ``progress(stage, done, total)`` while reading.

        Returns
        -------
        self

        Raises
        ------
        FileNotFoundError
            ``path`` or ``test`` is not a folder.
        ValueError
            A folder without class sub-folders or files, or without one
            readable image; a parameter out of range.
        ImportError
            Pillow is missing, or cleanlab with ``label_issues=True``.
        """
        import pandas as pd

        from fashionnet.audit.labels import require_cleanlab

        self._validate()
        if self.label_issues:
            require_cleanlab()  # before the reading, not after
        timings: dict[str, float] = {}
        notes: dict[str, str] = {}
        facts: dict[str, Any] = {}

        def stage(name: str, started: float) -> None:
            timings[name] = time.perf_counter() - started

        started = time.perf_counter()
        files, labels = list_class_folder(path, "path")
        test_files = list_class_folder(test, "test") if test is not None else None
        stage("list files", started)
        started = time.perf_counter()
        tick = (lambda name: lambda d, t: progress(name, d, t)) if progress else (lambda n: None)
        scan = scan_files(
            files,
            labels,
            chunk_size=int(self.chunk_size),
            n_jobs=int(self.n_jobs),
            progress=tick("read"),
        )
        stage("read and reduce", started)
        if not scan.paths:
            first = scan.unreadable[0]
            raise ValueError(
                f"path: none of the {len(files)} files of {str(path)!r} is a readable image "
                f"(the first: {first[2]})."
            )
        n = len(scan.paths)
        index = {str(p): i for i, p in enumerate(scan.paths)}
        scores: dict[str, np.ndarray] = {}
        rows: dict[str, list[dict]] = {}

        def collect(issue: str, found: list[dict]) -> None:
            rows[issue] = found
            full = np.ones(n)
            for row in found:
                full[index[row["path"]]] = min(full[index[row["path"]]], row["score"])
            scores[issue] = full

        rows["unreadable"] = [
            {
                "path": str(p),
                "issue": "unreadable",
                "score": 0.0,
                "label": lab,
                "suggested_label": None,
                "other_path": None,
                "detail": reason,
            }
            for p, lab, reason in scan.unreadable
        ]
        started = time.perf_counter()
        for issue, (score, flagged, detail) in quality_scores(
            scan.columns, z_threshold=float(self.z_threshold)
        ).items():
            hit = np.flatnonzero(flagged)
            hit = hit[np.lexsort((hit, score[hit]))]
            rows[issue] = [
                {
                    "path": str(scan.paths[i]),
                    "issue": issue,
                    "score": float(score[i]),
                    "label": str(scan.labels[i]),
                    "suggested_label": None,
                    "other_path": None,
                    "detail": detail[i],
                }
                for i in hit
            ]
            scores[issue] = score
        stage("quality", started)
        started = time.perf_counter()
        exact, near, n_pairs = duplicate_rows(scan, float(self.near_threshold))
        collect("exact_duplicate", exact)
        collect("near_duplicate", near)
        facts["near-duplicate pairs"] = n_pairs
        stage("duplicates", started)
        if test_files is not None:
            started = time.perf_counter()
            test_scan = scan_files(
                *test_files,
                chunk_size=int(self.chunk_size),
                n_jobs=int(self.n_jobs),
                progress=tick("read test"),
            )
            collect("leakage", leakage_rows(scan, test_scan, float(self.near_threshold)))
            facts["test files"] = len(test_files[0])
            facts["unreadable test files"] = len(test_scan.unreadable)
            stage("leakage", started)
        classes, counts = np.unique(scan.labels.astype(str), return_counts=True)
        facts.update(files=len(files), readable=n, classes=len(classes))
        self.class_counts_ = dict(zip(classes.tolist(), counts.tolist(), strict=True))
        self.groups_ = []
        if len(classes) < 2:
            notes["label checks"] = (
                f"skipped: the folder has one class ({classes[0]!r}); label issues, class "
                "balance, outliers and groups need two or more"
            )
        else:
            started = time.perf_counter()
            collect("class_imbalance", imbalance_rows(scan))
            found, why = outlier_rows(scan, self.random_state)
            if why:
                notes["class_outlier"] = why
            else:
                collect("class_outlier", found)
            stage("classes", started)
            probs = self._label_stage(scan, counts, collect, notes, facts, timings)
            started = time.perf_counter()
            if probs is None and counts.min() >= 2:
                probs = quick_probabilities(scan, int(self.folds), self.random_state)
                facts["group model"] = "nearest neighbours (out of fold)"
            if probs is not None:
                found, self.groups_ = group_rows(
                    scan,
                    probs,
                    threshold=float(self.group_threshold),
                    random_state=self.random_state,
                )
                collect("underperforming_group", found)
                stage("groups", started)
            else:
                notes["underperforming_group"] = "skipped: a class has a single image"
        for issue, why in notes.items():
            warnings.warn(f"{issue} {why}", UserWarning, stacklevel=2)
        order = [i for i in ISSUE_TYPES if i in rows]
        table = [r for issue in order for r in rows[issue]]
        self.issues_ = pd.DataFrame(table, columns=[*ISSUE_COLUMNS, "_disagree"])[
            list(ISSUE_COLUMNS)
        ].reset_index(drop=True)
        total = len(files)
        summary = []
        for issue in order:
            flagged = len({r["path"] for r in rows[issue]})
            score = float(scores[issue].mean()) if issue in scores else 1 - flagged / total
            summary.append(
                {"issue": issue, "files": flagged, "share": flagged / total, "score": score}
            )
        self.summary_ = pd.DataFrame(summary, columns=["issue", "files", "share", "score"])
        self.notes_, self.timings_, self.facts_ = notes, timings, facts
        self.path_, self.test_ = Path(path), None if test is None else Path(test)
        return self

    def _label_stage(self, scan, counts, collect, notes, facts, timings):
        if not self.label_issues:
            return None
        if counts.min() < self.folds:
            notes["label_issue"] = (
                f"skipped: a class has {counts.min()} image(s), fewer than folds={self.folds}"
            )
            return None
        started = time.perf_counter()
        try:
            probs, stage_facts = budgeted_probabilities(
                scan,
                self.estimator,
                folds=int(self.folds),
                budget=self.budget,
                epochs=int(self.epochs),
                random_state=self.random_state,
            )
        except ValueError as exc:
            if self.estimator is not None or "time_budget" not in str(exc):
                raise
            notes["label_issue"] = f"skipped: {' '.join(str(exc).split())}"
            return None
        collect("label_issue", label_rows(scan, probs))
        timings["label issues"] = time.perf_counter() - started
        facts["label stage"] = stage_facts
        facts["group model"] = stage_facts["estimator"] + " (out of fold)"
        return probs

    def save(self, out: Any, *, top: int = 8) -> Path:
        """Write ``issues.csv``, ``report.html``, ``report.md`` and their pictures into ``out``.

        ``out`` is created; an existing one is replaced only when it is empty
        or an earlier folder audit's output (fashionnet's ownership rule).
        """
        from .report import write_outputs

        if not hasattr(self, "issues_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("This FolderAuditor is not fitted yet; call fit(path) first.")
        return write_outputs(self, out, top=top)


def audit_folder(path: Any, out: Any = None, *, test: Any = None, **params: Any):
    """Audit a folder of images and return its table of issues.

    A shortcut for ``FolderAuditor(**params).fit(path, test)`` (then
    :meth:`FolderAuditor.save` into ``out`` when given).

    Returns
    -------
    pandas.DataFrame
        :attr:`FolderAuditor.issues_`.
    """
    auditor = FolderAuditor(**params).fit(path, test)
    if out is not None:
        auditor.save(out)
    return auditor.issues_
