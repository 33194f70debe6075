"""Recall and false positives of every folder-audit check, on the Fashion-MNIST test images.

Writes the 10000 test images as colour PNGs of mixed sizes (28 to 64 px)
into class sub-folders, with ``--per-kind`` files of every planted problem
(tests/audit/folder_plants.py), runs ``fashionnet audit FOLDER --out OUT
--label-issues --budget B`` (the same auditor), and prints, per check, the
recall on the planted files it should flag and the share of clean files it
flags, then the command's summary table.

    python benchmarks/folder_audit_quality.py --out /tmp/fm-audit --budget 120
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "audit"))
from folder_plants import EXPECTED, write_folder  # noqa: E402

from fashionnet.audit import FolderAuditor  # noqa: E402
from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist  # noqa: E402
from fashionnet.rendering import frame_to_markdown, markdown_table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the audit's output folder")
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--no-labels", action="store_true")
    args = parser.parse_args()
    X, y = load_fashion_mnist("test")
    names = [n.lower().replace("/", "-").replace(" ", "-") for n in CLASS_NAMES]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "fashion-test"
        started = time.perf_counter()
        planted = write_folder(root, X, y, per_kind=args.per_kind, class_names=names, seed=0)
        print(
            f"wrote {sum(len(v) for v in planted.values())} files in "
            f"{time.perf_counter() - started:.1f} s"
        )
        auditor = FolderAuditor(label_issues=not args.no_labels, budget=args.budget)
        started = time.perf_counter()
        auditor.fit(root)
        print(
            f"audit: {time.perf_counter() - started:.1f} s; stages: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in auditor.timings_.items())
        )
        auditor.save(args.out)
        issues = auditor.issues_
        rows = []
        for issue in auditor.summary_["issue"]:
            flagged = set(issues.loc[issues["issue"] == issue, "path"])
            kinds = [k for k, v in EXPECTED.items() if v == issue]
            found = [str(p) in flagged for k in kinds for p in planted[k]]
            clean = np.mean([str(p) in flagged for p in planted["clean"]])
            recall = f"{np.mean(found):.3f} ({sum(found)}/{len(found)})" if found else "-"
            rows.append([issue, ", ".join(kinds) or "-", recall, f"{100 * clean:.2f} %"])
        print("\n## Recall on planted files and false positives on clean files\n")
        print(markdown_table(["check", "planted kinds", "recall", "clean files flagged"], rows))
        print("\n## The command's summary table\n")
        print(frame_to_markdown(auditor.summary_, floatfmt=".4g"))
        if auditor.groups_:
            print("\n## Underperforming groups\n")
            print(
                markdown_table(
                    ["group", "images", "score", "classes"],
                    [list(g.values()) for g in auditor.groups_],
                )
            )
        print("\nlabel stage:", auditor.facts_.get("label stage"))


if __name__ == "__main__":
    main()
