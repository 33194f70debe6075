"""A folder audit's output: issues.csv, report.html, report.md, audit.json and pictures.

The report opens with what a reader came for -- the summary table (issue,
files flagged, share, the dataset's score) and, for each issue, a grid of
its worst images with their file names (a duplicate beside its twin) --
and ends with the run's mechanics (files, stages and their seconds, the
label stage's budget). It is built once with
:class:`fashionnet.report.Report` (the study's too) and rendered twice.

The whole folder is staged beside ``out`` and moved into place at once; an
existing ``out`` is replaced only when it is empty or an earlier audit's
(it holds ``audit.json`` and nothing but these outputs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from fashionnet._io import private_name, remove_stale, write_json, write_text
from fashionnet._ownership import check_folder_into, folder_holds_only, remove_path, replace_path
from fashionnet.images import UnreadableImageError, load_images
from fashionnet.report import Report

__all__ = ["write_outputs", "OUTPUTS"]

#: What a folder audit writes into its output folder.
OUTPUTS = ("audit.json", "issues.csv", "report.html", "report.md", "images")
_PAIRED = ("exact_duplicate", "near_duplicate", "leakage")
_SIDE = 112


def _is_ours(path: Path) -> bool:
    return folder_holds_only(path, "audit.json", OUTPUTS)


def _picture(source: str, target: Path) -> bool:
    """A thumbnail of ``source`` as PNG at ``target``; False when it cannot be read."""
    from PIL import Image

    try:
        X, _ = load_images([source], color_mode="rgb")
    except (UnreadableImageError, FileNotFoundError):
        return False
    image = Image.fromarray(X[0])
    scale = _SIDE / max(image.size)
    if scale < 1:
        image.thumbnail((_SIDE, _SIDE), Image.Resampling.BOX)
    elif scale >= 2:  # tiny images: enlarge by a whole factor, sharp pixels
        k = int(scale)
        image = image.resize((image.size[0] * k, image.size[1] * k), Image.Resampling.NEAREST)
    image.save(target)
    return True


def _short(path: Any, root: Path | None) -> str:
    if path is None or (isinstance(path, float) and np.isnan(path)):
        return ""
    p = Path(path)
    for base in (root, root.parent if root else None):
        if base is not None:
            try:
                return str(p.relative_to(base))
            except ValueError:
                continue
    return p.name


def build_document(auditor: Any, folder: Path, top: int) -> Report:
    """The report, with its pictures written into ``folder / "images"``."""
    root, test_root = auditor.path_, auditor.test_
    pictures = folder / "images"
    pictures.mkdir()
    doc = Report(f"Audit of {root.name or root}")
    facts = auditor.facts_
    doc.paragraph(
        f"{facts['files']} files in {facts['classes']} classes, {facts['readable']} readable"
        + (
            f"; checked for leakage into {test_root} ({facts['test files']} files)"
            if test_root
            else ""
        )
        + ". Scores run from 0 (worst) to 1; the dataset's score is the mean of its files'."
    )
    doc.heading("Summary")
    summary = auditor.summary_
    doc.table(
        ["issue", "files flagged", "share of the files", "dataset score"],
        [
            [r.issue, int(r.files), f"{100 * r.share:.2f} %", f"{r.score:.4f}"]
            for r in summary.itertuples()
        ],
    )
    for name, why in auditor.notes_.items():
        doc.paragraph(f"{name}: {why}.")
    if auditor.groups_:
        doc.heading("Underperforming groups", 3)
        doc.table(
            ["group", "images", "score", "classes mixed"],
            [[g["group"], g["images"], f"{g['score']:.3f}", g["classes"]] for g in auditor.groups_],
        )
    issues = auditor.issues_
    count = 0
    for issue in summary["issue"]:
        found = issues[issues["issue"] == issue]
        if found.empty:
            continue
        doc.heading(f"{issue}: {found['path'].nunique()} files, the worst")
        items = []
        shown = found.head(top // 2 if issue in _PAIRED else top)
        for row in shown.itertuples():
            label = f" [{row.label}]" if row.label else ""
            caption = f"{_short(row.path, root)}{label} score {row.score:.3f}"
            if isinstance(row.suggested_label, str):
                caption += f", suggested {row.suggested_label}"
            if issue not in ("unreadable", "label_issue", "underperforming_group"):
                caption += f" ({row.detail})" if issue not in _PAIRED else ""
            count += 1
            target = pictures / f"{count:04d}.png"
            if issue == "unreadable" or not _picture(row.path, target):
                items.append(("", f"{_short(row.path, root)}: {row.detail}"))
                continue
            items.append((f"images/{target.name}", caption))
            if issue in _PAIRED and isinstance(row.other_path, str):
                count += 1
                twin = pictures / f"{count:04d}.png"
                if _picture(row.other_path, twin):
                    items.append(
                        (
                            f"images/{twin.name}",
                            f"twin: {_short(row.other_path, test_root or root)} ({row.detail})",
                        )
                    )
        unreadable = [cap for src, cap in items if not src]
        if unreadable:
            doc.table(["file and reason"], [[cap] for cap in unreadable])
        doc.images([(src, cap) for src, cap in items if src])
    doc.mechanics()
    rows = [
        ["files listed", facts["files"]],
        ["readable", facts["readable"]],
        ["classes", facts["classes"]],
    ]
    rows += [
        [k, v] for k, v in facts.items() if k not in ("files", "readable", "classes", "label stage")
    ]
    for key, value in facts.get("label stage", {}).items():
        rows.append([f"label stage: {key}", value])
    read = auditor.timings_.get("read and reduce", 0.0)
    rows.append(["files read per second", f"{facts['files'] / max(read, 1e-9):.0f}"])
    rows += [[f"stage {k} (s)", f"{v:.2f}"] for k, v in auditor.timings_.items()]
    params = ("near_threshold", "z_threshold", "group_threshold", "folds", "budget")
    rows += [[f"parameter {k}", getattr(auditor, k)] for k in params]
    doc.table(["what", "value"], [[str(k), str(v)] for k, v in rows])
    return doc


def write_outputs(auditor: Any, out: Any, *, top: int = 8) -> Path:
    """Stage every output beside ``out``, then move the folder into place."""
    out = Path(out)
    check_folder_into(
        out,
        ours=_is_ours,
        what="a folder audit written by fashionnet",
        way_out="use another --out folder, or an empty one",
    )
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{out.name}."
    remove_stale(parent, prefix, ".tmp")
    staged = parent / private_name(prefix, ".tmp")
    staged.mkdir()
    try:
        doc = build_document(auditor, staged, top)
        write_text(staged / "report.html", doc.to_html())
        write_text(staged / "report.md", doc.to_markdown())
        with open(staged / "issues.csv", "w", encoding="utf-8", newline="") as fh:
            auditor.issues_.to_csv(fh, index=False)
        write_json(
            staged / "audit.json",
            {
                "path": str(auditor.path_),
                "test": None if auditor.test_ is None else str(auditor.test_),
                "summary": auditor.summary_.to_dict("records"),
                "groups": auditor.groups_,
                "notes": auditor.notes_,
                "timings": auditor.timings_,
                "facts": auditor.facts_,
            },
        )
        replace_path(staged, out, parent / private_name(prefix, ".tmp"))
    except BaseException:
        remove_path(staged)
        raise
    return out
