"""Audit the Fashion-MNIST training frame the way the study did, then beyond it.

Run::

    python examples/audit_data.py
    python examples/audit_data.py --markdown audit.md --figures figures/
    python examples/audit_data.py --near-duplicates --label-issues --epochs 5 --folds 5

Prints one line per check (nulls, duplicated rows, constant and redundant
columns, cardinality, class balance), then looks for test images that also
appear in the training set. ``--near-duplicates`` finds the near-identical
images within the training set and the test images with a training twin;
``--label-issues`` scores every training image with a fast LeNet-5 that never
saw it and lists the suspected label errors (needs ``pip install
'fashionnet[audit]'``) and the images least like their class. ``--markdown``
writes the full audit as Markdown; ``--figures`` saves the exploration
figures, and those of what the audit found (needs ``pip install
fashionnet[plot]``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fashionnet._io import write_text
from fashionnet.audit import (
    DataAuditor,
    class_outliers,
    label_issues,
    odd_images,
)
from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument(
    "--threshold", type=float, default=0.98, help="|r| above which columns are redundant"
)
parser.add_argument("--pixels-only", action="store_true", help="compare pixels only for duplicates")
parser.add_argument("--near-duplicates", action="store_true", help="near-identical images")
parser.add_argument("--label-issues", action="store_true", help="suspected label errors")
parser.add_argument("--epochs", type=int, default=2, help="epochs of each fold's LeNet-5")
parser.add_argument("--folds", type=int, default=3, help="folds of the out-of-fold scores")
parser.add_argument("--markdown", default=None, help="write the audit as Markdown to this file")
parser.add_argument("--figures", default=None, help="save the figures in this folder")
args = parser.parse_args()

train_df = load_fashion_mnist("train", as_frame=True)  # the study's 60000 x 785 frame
auditor = DataAuditor(
    redundancy_threshold=args.threshold,
    duplicates_on="pixels" if args.pixels_only else "all",
)
start = time.perf_counter()
report = auditor.fit(train_df).report()
print(report.summary())
print(f"(audited in {time.perf_counter() - start:.2f} s)")

if len(auditor.duplicate_rows_):
    X_clean, _, n_dropped = auditor.drop_duplicates(train_df)
    print(f"dropping {n_dropped} duplicated rows leaves {len(X_clean)}")

X, y = load_fashion_mnist("train")
X_test, y_test = load_fashion_mnist("test")
leaked = auditor.leakage(X, X_test)
print(f"test images also in the training set, pixel for pixel: {len(leaked)}")

figures = {}
if args.near_duplicates:
    start = time.perf_counter()
    within = auditor.near_duplicates(X, y=y)
    across = auditor.near_duplicates(X_test, X, y=y_test, y_other=y)
    seconds = time.perf_counter() - start
    twins = across["index"].nunique()
    print(
        f"\nnear-duplicates (distance <= 2.0, {seconds:.1f} s): {len(within)} pairs within "
        f"train; {twins} test images ({100 * twins / len(X_test):.2f} %) have a training twin"
    )
    print(across.head(10).to_string(index=False))
    relabelled = across[across["label"] != across["other_label"]]
    print(f"\n{len(relabelled)} test-training twins have different labels:")
    print(relabelled.head(10).to_string(index=False))
    if args.figures:
        from fashionnet import plotting

        figures["near_duplicate_pairs"] = plotting.plot_image_pairs(
            X_test, X, across, class_names=CLASS_NAMES
        )
        figures["near_duplicate_label_pairs"] = plotting.plot_image_pairs(
            X_test, X, relabelled, class_names=CLASS_NAMES
        )

if args.label_issues:
    from fashionnet.models import LeNet5Classifier
    from fashionnet.study.profiles import FAST_LENET_PARAMS

    lenet = LeNet5Classifier(**FAST_LENET_PARAMS, epochs=args.epochs, random_state=0)
    start = time.perf_counter()
    issues = label_issues(lenet, X, y, cv=args.folds)
    print(
        f"\n{len(issues)} suspected label errors ({args.folds} folds of LeNet-5 {FAST_LENET_PARAMS}"
        f", {args.epochs} epochs; {time.perf_counter() - start:.0f} s); the worst ten:"
    )
    print(issues.head(10).to_string(index=False))
    outliers = class_outliers(X, y)
    print("\nthe images least like their class:")
    print(outliers.head(10).to_string(index=False))
    odd = odd_images(X)
    print(f"\n{len(odd)} nearly blank or saturated images:")
    print(odd.to_string(index=False))
    if args.figures:
        from fashionnet import plotting

        figures["label_issues"] = plotting.plot_label_issues(X, issues, class_names=CLASS_NAMES)
        figures["class_outliers"] = plotting.plot_outliers(X, outliers, class_names=CLASS_NAMES)

if args.markdown:
    write_text(args.markdown, report.to_markdown())
    print(f"wrote {args.markdown}")

if args.figures:
    from fashionnet import plotting

    folder = Path(args.figures)
    folder.mkdir(parents=True, exist_ok=True)
    figures.update(
        {
            "sample_grid": plotting.plot_image_grid(X, y, CLASS_NAMES, n=50),
            "class_balance": plotting.plot_class_balance(y, CLASS_NAMES),
            "pixel_distribution": plotting.plot_pixel_distribution(X),
            "correlation_heatmap": plotting.plot_correlation_heatmap(train_df, n_features=50),
        }
    )
    for name, fig in figures.items():
        fig.savefig(folder / f"{name}.png", dpi=100)
    print(f"saved {len(figures)} figures in {folder}")
