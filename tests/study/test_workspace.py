"""The study's output folder (study/workspace.py): what it writes, and where it refuses."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from fashionnet._ownership import NotOursError
from fashionnet.study.workspace import StudyFiles


def test_writes_atomically_and_lists_what_it_wrote(tmp_path):
    files = StudyFiles(tmp_path)
    files.text("report.md", "# hello\n")
    files.csv(pd.DataFrame({"a": [1, 2]}), "tables/a.csv")
    assert files.written == ["report.md", "tables/a.csv"]
    assert (tmp_path / "report.md").read_text() == "# hello\n"
    assert pd.read_csv(tmp_path / "tables" / "a.csv")["a"].tolist() == [1, 2]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.csv", "report.md", "tables"]


@pytest.mark.parametrize("relative", ["figures/confusion.csv", "figures/deeper/confusion.csv"])
def test_never_writes_through_a_linked_subfolder(tmp_path, relative):
    """A ``figures`` folder linked to the user's own: their file of the same name stays."""
    users = tmp_path / "my_pictures"
    (users / "deeper").mkdir(parents=True)
    for target in (users / "confusion.csv", users / "deeper" / "confusion.csv"):
        target.write_text("the user's own")
    out = tmp_path / "study"
    out.mkdir()
    os.symlink(users, out / "figures")
    files = StudyFiles(out)
    with pytest.raises(NotOursError, match=r"figures is a symbolic link .*remove the link"):
        files.csv(pd.DataFrame({"a": [1]}), relative)
    assert (users / "confusion.csv").read_text() == "the user's own"
    assert (users / "deeper" / "confusion.csv").read_text() == "the user's own"
    assert sorted(p.name for p in users.rglob("*")) == ["confusion.csv", "confusion.csv", "deeper"]
    assert files.written == []


def test_a_linked_file_is_replaced_by_ours_not_written_through(tmp_path):
    """``report.md`` as a link: the link gives way to our file; its target is untouched."""
    users = tmp_path / "notes.md"
    users.write_text("the user's own")
    out = tmp_path / "study"
    out.mkdir()
    os.symlink(users, out / "report.md")
    StudyFiles(out).text("report.md", "ours")
    assert users.read_text() == "the user's own"
    assert not (out / "report.md").is_symlink()
    assert (out / "report.md").read_text() == "ours"
