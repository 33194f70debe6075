"""``fashionnet audit``: the data audit, near-duplicates and suspected label errors as tables.

The work is :mod:`fashionnet.tasks.audit`'s and :class:`~fashionnet.audit.DataAuditor`'s;
this module checks the options, calls them, and prints their tables.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fashionnet._backend import import_keras_quietly
from fashionnet._checks import check_n_folds, check_real
from fashionnet.audit import DataAuditor
from fashionnet.audit.labels import require_cleanlab
from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
from fashionnet.rendering import frame_to_markdown
from fashionnet.tasks.audit import (
    LabelIssueTables,
    NearDuplicateTables,
    find_near_duplicates,
    is_image_folder,
    read_dataset,
    with_class_names,
)

from ._parser import UsageError

__all__ = ["cmd_audit"]


def _read_path(path: str) -> tuple[Any, Any]:
    """Images and labels (or None): :func:`~fashionnet.tasks.read_dataset`, errors as usage."""
    try:
        return read_dataset(path)
    except (FileNotFoundError, PermissionError) as exc:
        raise UsageError(str(exc)) from None


def cmd_audit_folder(args: argparse.Namespace) -> int:
    """``fashionnet audit FOLDER``: the folder audit's summary, and its files with ``--out``."""
    from fashionnet.audit import FolderAuditor

    budget = 120.0 if args.budget == "default" else args.budget
    auditor = FolderAuditor(
        label_issues=args.label_issues,
        budget=budget,
        folds=args.folds,
        epochs=args.epochs,
        near_threshold=args.threshold,
    ).fit(args.path, args.test)
    print(frame_to_markdown(auditor.summary_, floatfmt=".4g"))
    if args.out:
        out = auditor.save(args.out, top=args.top)
        print(f"\nwrote {out / 'issues.csv'}, {out / 'report.html'} and {out / 'report.md'}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    if args.path is not None and is_image_folder(args.path):
        return cmd_audit_folder(args)
    if args.out or args.test:
        raise UsageError("--out and --test need PATH to be a folder with one sub-folder per class")
    if args.path is None:
        X, y = load_fashion_mnist("train", data_home=args.data_home)
    else:
        X, y = _read_path(args.path)
    if args.label_issues and y is None:
        raise UsageError("--label-issues needs labels; the data given has none")
    if args.top < 1 or args.epochs < 1 or args.folds < 2:
        raise UsageError("--top and --epochs must be at least 1, --folds at least 2")
    # Every check that depends on the data runs before the audit prints a line
    # and before the minutes of training (and TensorFlow's start-up) of the folds.
    check_real(args.threshold, "--threshold", low=0, what="a distance")
    if args.label_issues:
        check_n_folds(args.folds, y, name="--folds")
        require_cleanlab()
    report = DataAuditor().fit(X, y).report()
    print(report.to_markdown() if args.markdown else report.summary())
    if args.near_duplicates:
        test = (
            None if args.path is not None else load_fashion_mnist("test", data_home=args.data_home)
        )
        tables = find_near_duplicates(X, y, test=test, threshold=args.threshold)
        _print_near_duplicates(
            tables, labelled=y is not None, threshold=args.threshold, top=args.top
        )
    if args.label_issues:
        _print_label_issues(X, y, args.epochs, args.folds, args.top)
    return 0


def _print_table(title: str, frame: Any, top: int) -> None:
    print(f"\n## {title}\n")
    print(frame_to_markdown(frame.head(top), floatfmt=".4g") if len(frame) else "none")


def _named(frame: Any, columns: list[str]) -> Any:
    return with_class_names(frame, columns, CLASS_NAMES)


def _print_near_duplicates(
    tables: NearDuplicateTables, *, labelled: bool, threshold: float, top: int
) -> None:
    """The tables of the study's near-duplicate section."""
    columns = ["label", "other_label"] if labelled else []
    _print_table(
        f"Near-duplicate pairs within the data (distance <= {threshold:g}): "
        f"{len(tables.within)} pairs, {tables.images_within} images",
        _named(tables.within, columns),
        top,
    )
    if tables.across is None:
        return
    n_test = tables.test_images
    _print_table(
        f"Test images with a near-twin in the training set: {tables.twins} of {n_test} "
        f"({100 * tables.twins / n_test:.2f} %), {len(tables.across)} pairs; the closest "
        "(index: test image, other_index: training image)",
        _named(tables.across, columns),
        top,
    )
    other = tables.relabelled_twins
    _print_table(
        f"Test-training twins with different labels: {len(other)} pairs",
        _named(other, columns),
        top,
    )


def _print_label_issues(X: Any, y: Any, epochs: int, folds: int, top: int) -> None:
    """The tables of the study's label-error section."""
    import_keras_quietly()
    from fashionnet.callbacks import ProgressBar
    from fashionnet.study.profiles import FAST_LENET_PARAMS
    from fashionnet.tasks.audit import find_label_issues

    tables: LabelIssueTables = find_label_issues(
        X,
        y,
        folds=folds,
        params={**FAST_LENET_PARAMS, "epochs": epochs},
        callbacks=[ProgressBar("fold", folds, sys.stderr)],
    )
    _print_table(
        f"Suspected label errors: {len(tables.issues)} of {len(y)} images (out-of-fold "
        f"LeNet-5, {folds} folds of {epochs} epochs; cleanlab); the worst",
        _named(tables.issues, ["given_label", "predicted_label"]),
        top,
    )
    _print_table("Images least like their class", _named(tables.outliers, ["label"]), top)
    _print_table("Nearly blank or saturated images", tables.odd, top)
