"""Audit the Fashion-MNIST training frame the way the study did, and draw its figures.

Run::

    python examples/audit_data.py
    python examples/audit_data.py --markdown audit.md --figures figures/

Prints one line per check (nulls, duplicated rows, constant and redundant
columns, cardinality, class balance), then looks for test images that also
appear in the training set. ``--markdown`` writes the full audit as Markdown;
``--figures`` saves the exploration figures (needs ``pip install
fashionnet[plot]``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from fashionnet._io import write_text
from fashionnet.audit import DataAuditor
from fashionnet.datasets import load_fashion_mnist

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument(
    "--threshold", type=float, default=0.98, help="|r| above which columns are redundant"
)
parser.add_argument("--pixels-only", action="store_true", help="compare pixels only for duplicates")
parser.add_argument("--markdown", default=None, help="write the audit as Markdown to this file")
parser.add_argument("--figures", default=None, help="save the exploration figures in this folder")
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
X_test, _ = load_fashion_mnist("test")
leaked = auditor.leakage(X, X_test)
print(f"test images also in the training set: {len(leaked)}")

if args.markdown:
    write_text(args.markdown, report.to_markdown())
    print(f"wrote {args.markdown}")

if args.figures:
    from fashionnet import plotting

    folder = Path(args.figures)
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "sample_grid": plotting.plot_image_grid(X, y, n=50),
        "class_balance": plotting.plot_class_balance(y),
        "pixel_distribution": plotting.plot_pixel_distribution(X),
        "correlation_heatmap": plotting.plot_correlation_heatmap(train_df, n_features=50),
    }
    for name, fig in figures.items():
        fig.savefig(folder / f"{name}.png", dpi=100)
    print(f"saved {len(figures)} figures in {folder}")
