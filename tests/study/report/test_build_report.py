"""fashionnet.study.report: the report's order, findings first, and no fact lost.

``tests/study/data/smoke-d2cbbd4/report-d2cbbd4.md`` is the report that commit
d2cbbd4 wrote for that folder, in the old order (the run's settings first,
the comparison in its eighth section); ``report.md`` next to it is the same
metrics rendered by today's code. The old report's lines are all in the new
one, but for the two headings and the one cross-reference that the new order
renames.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from fashionnet.study.report import build_report

FOLDER = Path(__file__).parents[1] / "data" / "smoke-d2cbbd4"

#: The sections, in order: the findings first, the run's mechanics last.
SECTIONS = [
    "## Summary of findings",
    "## 1. Data",
    "## 2. Exploration",
    "## 3. Preprocessing",
    "## 4. Models",
    "## 5. Tuning",
    "## 6. Results",
    "## 7. Cross-validation",
    "## About this run",
]

#: The old report's headings that the new order renames (old -> new).
RENAMED = {"## 8. Comparison": "### Comparison", "## 9. Conclusion": "### Conclusion"}

#: The old report's references to a section that moved (old -> new).
MOVED = {"the comparison (8.)": "the comparison (in the summary, at the top)"}

#: Paragraphs added outside the summary since, each by the start of its line and
#: the issue that asked for it.
ADDED = {
    "The study's figure and this run's, side by side: ": "issue 30: the cross-validation row",
}


def _render() -> list[str]:
    metrics = json.loads((FOLDER / "metrics.json").read_text())
    return build_report(metrics).to_markdown().splitlines()


def _old_lines_in_the_new_order() -> Counter:
    lines = Counter()
    for line in (FOLDER / "report-d2cbbd4.md").read_text().splitlines():
        line = RENAMED.get(line, line)
        for old, new in MOVED.items():
            line = line.replace(old, new)
        lines[line] += 1
    return lines


def test_the_report_opens_with_its_findings_and_closes_with_the_run_settings():
    lines = _render()
    assert [x for x in lines if x.startswith("## ")] == SECTIONS
    first = lines[:40]
    assert "### Comparison" in first and "### Conclusion" in first
    assert any(x.startswith("| model | test accuracy |") for x in first)
    assert any(x.startswith("- Best model in this run: **") for x in first)
    summary = lines[: lines.index("## 1. Data")]
    assert any(x.startswith("- Train/test leakage: 25 of the 10000 test images") for x in summary)
    assert any(x.startswith("- Suspected label errors: cleanlab flags 225") for x in summary)
    for figure in ("resnet152v2_confusion_matrix", "near_duplicate_pairs", "label_issues"):
        assert any(f"(figures/{figure}.png)" in x for x in summary), figure
    settings = lines[lines.index("## About this run") :]
    assert any(x.startswith("| setting | study (full) | this run |") for x in settings)
    assert any(x.startswith("| stage | seconds |") for x in settings)


def test_no_fact_of_the_old_report_is_lost():
    new = Counter(_render())
    missing = _old_lines_in_the_new_order() - new
    assert not missing, list(missing)[:10]
    old = (FOLDER / "report-d2cbbd4.md").read_text().splitlines()
    renamed = [x for x in old if x in RENAMED or any(o in x for o in MOVED)]
    assert len(renamed) == len(RENAMED) + len(MOVED)  # nothing else was rewritten


def test_what_the_new_order_adds_is_the_summary_alone():
    lines = _render()
    added = Counter(lines) - _old_lines_in_the_new_order()
    summary = Counter(lines[: lines.index("## 1. Data")])
    elsewhere = [x for x in added - summary if not x.startswith(tuple(ADDED))]
    assert not elsewhere  # every other new line sits in the summary
    for start in ADDED:  # each added paragraph, once
        assert sum(n for x, n in added.items() if x.startswith(start)) == 1, start
    assert added["## Summary of findings"] == 1
