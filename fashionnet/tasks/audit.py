"""Audit a dataset: read it from a path, find near-duplicates and suspected label errors.

The use case behind ``fashionnet audit``: the data audit itself is
:class:`~fashionnet.audit.DataAuditor`; this module reads a user's path
(a Kaggle CSV, an IDX images file and its labels, or a folder holding
them) and gathers the tables of the study's near-duplicate and label-error
sections for any images.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from fashionnet.audit import DataAuditor, class_outliers, label_issues, odd_images
from fashionnet.audit.labels import require_cleanlab
from fashionnet.datasets import read_csv, read_idx
from fashionnet.registry import get_model

__all__ = [
    "is_image_folder",
    "LabelIssueTables",
    "NearDuplicateTables",
    "find_label_issues",
    "find_near_duplicates",
    "read_dataset",
    "with_class_names",
]

#: The files a folder is searched for, in order.
_FOLDER_FILES = ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte", "fashion-mnist_train.csv")


def is_image_folder(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a folder of class sub-folders of image files.

    A folder holding Fashion-MNIST's IDX or CSV files is not one:
    :func:`read_dataset` reads it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from fashionnet.tasks.audit import is_image_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "cats").mkdir()
    >>> is_image_folder(root), is_image_folder(root / "cats")
    (True, False)
    """
    p = Path(path).expanduser()
    if not p.is_dir() or any((p / name).is_file() for name in _FOLDER_FILES):
        return False
    return any(c.is_dir() and not c.name.startswith(".") for c in p.iterdir())


def read_dataset(path: str | os.PathLike) -> tuple[Any, Any]:
    """Images and labels (None when there are none) from a CSV, an IDX file or a folder.

    Parameters
    ----------
    path : str or path-like
        A Kaggle-layout CSV, an IDX images file (its labels file, named
        ``...labels-idx1...``, is read when it is beside it) or a folder
        holding ``train-images-idx3-ubyte[.gz]`` or ``fashion-mnist_train.csv``.

    Returns
    -------
    X : numpy.ndarray
        The images.
    y : numpy.ndarray or None
        The labels.

    Raises
    ------
    FileNotFoundError
        No such path, or a folder without those files.
    PermissionError
        The file cannot be read.
    ValueError
        A labels file given for the images, or a damaged file.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"cannot read {path}: no such file or directory")
    if p.is_dir():
        for name in _FOLDER_FILES:
            if (p / name).is_file():
                return read_dataset(p / name)
        raise FileNotFoundError(
            f"cannot read {path}: the directory holds neither train-images-idx3-ubyte[.gz] "
            "nor fashion-mnist_train.csv"
        )
    if not os.access(p, os.R_OK):
        raise PermissionError(f"cannot read {path}: permission denied")
    if p.suffix.lower() == ".csv":
        return read_csv(p)
    X = read_idx(p)
    if X.ndim == 1:
        raise ValueError(f"{path} holds labels, not images; give the images file")
    labels = p.with_name(p.name.replace("images-idx3", "labels-idx1"))
    y = read_idx(labels) if labels != p and labels.is_file() else None
    return X, y


def with_class_names(
    frame: pd.DataFrame, columns: Sequence[str], class_names: Sequence[str]
) -> pd.DataFrame:
    """A copy of ``frame`` whose label ``columns`` read ``"3 Dress"`` (label and name).

    A label outside ``class_names`` is shown as it is.

    Examples
    --------
    >>> import pandas as pd
    >>> names = ["a", "b", "c", "Dress"]
    >>> frame = with_class_names(pd.DataFrame({"label": [3, 12]}), ["label"], names)
    >>> frame["label"].tolist()
    ['3 Dress', '12']
    """
    frame = frame.copy()
    for column in columns:
        frame[column] = [
            f"{v} {class_names[int(v)]}" if 0 <= int(v) < len(class_names) else str(v)
            for v in frame[column]
        ]
    return frame


@dataclass
class NearDuplicateTables:
    """Near-identical images (:meth:`DataAuditor.near_duplicates`), within and across.

    Attributes
    ----------
    within : pandas.DataFrame
        Pairs within the data (``index``, ``other_index``, labels, ``distance``).
    across : pandas.DataFrame or None
        Pairs of a test image (``index``) and a training image
        (``other_index``); None without test images.
    test_images : int
        Test images searched (0 without).
    """

    within: pd.DataFrame
    across: pd.DataFrame | None = None
    test_images: int = 0

    @property
    def images_within(self) -> int:
        """Images in at least one pair within the data."""
        return len(set(self.within["index"]) | set(self.within["other_index"]))

    @property
    def twins(self) -> int:
        """Test images with a near-twin in the training data."""
        return 0 if self.across is None else int(self.across["index"].nunique())

    @property
    def relabelled_twins(self) -> pd.DataFrame | None:
        """Test-training pairs whose labels differ."""
        if self.across is None:
            return None
        return self.across[self.across["label"] != self.across["other_label"]]


def find_near_duplicates(
    X: Any, y: Any = None, *, test: tuple[Any, Any] | None = None, threshold: float = 2.0
) -> NearDuplicateTables:
    """Near-identical images within ``X`` and, given ``test``, test images with a twin in ``X``.

    Parameters
    ----------
    X, y : array-like
        Images and their labels (or None).
    test : (X_test, y_test), optional
        Test images and labels to search for twins in ``X``.
    threshold : float, default=2.0
        Largest distance of a pair (pixels scaled to 0..1).

    Returns
    -------
    NearDuplicateTables
    """
    auditor = DataAuditor()
    within = auditor.near_duplicates(X, y=y, threshold=threshold)
    if test is None:
        return NearDuplicateTables(within)
    X_test, y_test = test
    across = auditor.near_duplicates(X_test, X, y=y_test, y_other=y, threshold=threshold)
    return NearDuplicateTables(within, across, int(len(X_test)))


@dataclass
class LabelIssueTables:
    """Suspected label errors and odd images.

    Attributes
    ----------
    issues : pandas.DataFrame
        Suspected label errors, worst first (:func:`fashionnet.audit.label_issues`).
    outliers : pandas.DataFrame
        The images least like their class (:func:`fashionnet.audit.class_outliers`).
    odd : pandas.DataFrame
        Nearly blank or saturated images (:func:`fashionnet.audit.odd_images`).
    """

    issues: pd.DataFrame
    outliers: pd.DataFrame
    odd: pd.DataFrame


def find_label_issues(
    X: Any,
    y: Any,
    *,
    folds: int = 3,
    params: Mapping[str, Any] | None = None,
    callbacks: Sequence[Any] | None = None,
    random_state: int = 0,
) -> LabelIssueTables:
    """Suspected label errors from out-of-fold LeNet-5 probabilities (cleanlab), and odd images.

    Parameters
    ----------
    X, y : array-like
        Images and labels.
    folds : int, default=3
        Cross-validation folds of the out-of-fold probabilities.
    params : mapping, optional
        Parameters of each fold's LeNet-5 (``epochs``...).
    callbacks : list of keras callbacks, optional
        Given to each fold's LeNet-5 (progress bars).
    random_state : int, default=0
        Seed of each fold's LeNet-5.

    Returns
    -------
    LabelIssueTables

    Raises
    ------
    ImportError
        cleanlab is not installed (``pip install 'fashionnet[audit]'``),
        before any training.
    """
    require_cleanlab()  # before minutes of training, not after
    estimator = get_model("lenet5").make(
        **dict(params or {}), random_state=random_state, callbacks=list(callbacks or [])
    )
    return LabelIssueTables(
        issues=label_issues(estimator, X, y, cv=folds),
        outliers=class_outliers(X, y),
        odd=odd_images(X),
    )
