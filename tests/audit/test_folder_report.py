"""A folder audit's outputs: the files, the report's order, the ownership rule."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from folder_plants import write_folder

from fashionnet._ownership import NotOursError
from fashionnet.audit import FolderAuditor
from fashionnet.audit.folder import ISSUE_COLUMNS


@pytest.fixture(scope="module")
def audited(fashion_test, tmp_path_factory):
    X, y = fashion_test
    idx = np.concatenate([np.flatnonzero(y == c)[:25] for c in range(10)])
    root = tmp_path_factory.mktemp("report") / "data"
    write_folder(root, X[idx], y[idx], per_kind=2, seed=5)
    return FolderAuditor().fit(root)


def test_save_writes_the_table_and_both_reports(audited, tmp_path):
    out = audited.save(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == [
        "audit.json",
        "images",
        "issues.csv",
        "report.html",
        "report.md",
    ]
    table = pd.read_csv(out / "issues.csv")
    assert list(table.columns) == list(ISSUE_COLUMNS) and len(table) == len(audited.issues_)
    html = (out / "report.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert sources and all((out / s).is_file() for s in sources)
    markdown = (out / "report.md").read_text()
    assert all(f"({s})" in markdown for s in sources)
    assert not list(tmp_path.glob(".*.tmp"))  # nothing staged is left behind


def test_the_report_opens_with_the_summary_and_ends_with_mechanics(audited, tmp_path):
    markdown = (audited.save(tmp_path / "out") / "report.md").read_text()
    headings = re.findall(r"^## (.+)$", markdown, flags=re.M)
    assert headings[0] == "Summary" and headings[-1] == "How this report was made"
    assert "| issue | files flagged | share of the files | dataset score |" in markdown
    worst = [h for h in headings[1:-1] if h.endswith("the worst")]
    assert {h.split(":")[0] for h in worst} >= {"dark", "exact_duplicate", "odd_size"}


def test_a_users_folder_is_never_replaced(audited, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(NotOursError, match="notes.txt"):
        audited.save(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    own = audited.save(tmp_path / "own")
    (own / "report.md").write_text("old")
    audited.save(own)  # an earlier audit's output is replaced whole
    assert (own / "report.md").read_text().startswith("# Audit of")


def test_save_before_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FolderAuditor().save("anywhere")
