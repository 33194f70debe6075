"""The one rule for every file fashionnet writes: replace only what it wrote itself."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fashionnet._ownership import (
    NotOursError,
    check_folder_into,
    check_target,
    folder_holds_only,
    is_empty,
    json_file_has_key,
    remove_path,
    replace_path,
    zip_has_member,
)


def never(path):
    return False


def always(path):
    return True


def snapshot(folder: Path) -> dict:
    """Every path below ``folder`` with its bytes (None for a folder)."""
    return {
        p.relative_to(folder): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


# --------------------------------------------------------------------------- check_target
def test_a_new_path_and_a_missing_parent_pass(tmp_path):
    assert check_target(tmp_path / "a.bin", kind="file", ours=never, what="x") == tmp_path / "a.bin"
    deep = tmp_path / "no" / "such" / "folder" / "m"
    assert check_target(deep, kind="folder", ours=never, what="x") == deep
    assert not (tmp_path / "no").exists()  # checking creates nothing


def test_a_user_file_is_refused_in_one_line_naming_it_and_the_way_out(tmp_path):
    mine = tmp_path / "model.keras"
    mine.write_text("my notes")
    with pytest.raises(NotOursError) as caught:
        check_target(mine, kind="file", ours=never, what="a model saved by fashionnet")
    message = str(caught.value)
    assert str(mine) in message and "overwrite=True" in message and "\n" not in message
    assert isinstance(caught.value, FileExistsError) and caught.value.filename == str(mine)
    assert mine.read_text() == "my notes"
    # The writer's own option, or none.
    with pytest.raises(NotOursError, match=r"use another path\.$"):
        check_target(mine, kind="file", ours=never, what="a model", option=None)


def test_ours_empty_and_overwrite_pass(tmp_path):
    mine = tmp_path / "m.bin"
    mine.write_text("x")
    assert check_target(mine, kind="file", ours=always, what="x") == mine
    assert check_target(mine, kind="file", ours=never, what="x", overwrite=True) == mine
    empty = tmp_path / "empty.bin"
    empty.touch()
    assert check_target(empty, kind="file", ours=never, what="x") == empty
    (tmp_path / "folder").mkdir()
    assert check_target(tmp_path / "folder", kind="folder", ours=never, what="x")


def test_a_folder_of_user_files_is_refused(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    with pytest.raises(NotOursError, match="docs exists and is not a SavedModel"):
        check_target(folder, kind="folder", ours=never, what="a SavedModel")


def test_a_file_for_a_folder_and_a_folder_for_a_file_are_refused_even_with_overwrite(tmp_path):
    (tmp_path / "f").write_text("mine")
    (tmp_path / "d").mkdir()
    with pytest.raises(NotADirectoryError, match="is a file"):
        check_target(tmp_path / "f", kind="folder", ours=always, what="x", overwrite=True)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        check_target(tmp_path / "d", kind="file", ours=always, what="x", overwrite=True)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        check_target(tmp_path / "f" / "below", kind="file", ours=never, what="x")


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_the_current_folder_and_those_above_it_are_never_replaced(tmp_path, monkeypatch, kind):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for path, reason in [
        (Path("."), "the current folder"),
        (work, "the current folder"),
        (Path(".."), "holds the current folder"),
        (Path("/"), "holds the current folder|the root"),
    ]:
        with pytest.raises(NotOursError, match=reason):
            check_target(path, kind=kind, ours=always, what="x", overwrite=True)
    with pytest.raises(NotOursError, match="home folder"):
        check_target(Path.home(), kind=kind, ours=always, what="x", overwrite=True)


def test_a_mount_point_is_never_replaced(monkeypatch, tmp_path):
    folder = tmp_path / "mnt"
    folder.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == folder.resolve() or real(p))
    with pytest.raises(NotOursError, match="a mount point"):
        check_target(folder, kind="folder", ours=always, what="x", overwrite=True)


def test_a_link_is_refused_and_with_overwrite_only_the_link_is_replaced(tmp_path):
    target = tmp_path / "users"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(NotOursError, match="symbolic link.*never writes through a link"):
        check_target(link, kind="folder", ours=always, what="x")
    assert check_target(link, kind="folder", ours=never, what="x", overwrite=True) == link
    staged = tmp_path / "staged"
    staged.mkdir()
    (staged / "saved_model.pb").write_bytes(b"pb")
    replace_path(staged, link, tmp_path / "aside")
    assert not link.is_symlink() and (link / "saved_model.pb").is_file()
    assert (target / "keep.txt").read_text() == "mine"  # the link's target is untouched
    assert not (tmp_path / "aside").exists()


def test_replace_path_moves_files_and_folders_into_place(tmp_path):
    old = tmp_path / "out"
    old.mkdir()
    (old / "saved_model.pb").write_bytes(b"old")
    new = tmp_path / "new"
    new.mkdir()
    (new / "saved_model.pb").write_bytes(b"new")
    replace_path(new, old, tmp_path / "aside")
    assert (old / "saved_model.pb").read_bytes() == b"new" and not (tmp_path / "aside").exists()
    file = tmp_path / "f.onnx"
    file.write_bytes(b"old")
    staged = tmp_path / "staged.onnx"
    staged.write_bytes(b"new")
    replace_path(staged, file, tmp_path / "aside")
    assert file.read_bytes() == b"new" and not staged.exists()


def test_remove_path_unlinks_a_link_and_keeps_its_target(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "keep").write_text("k")
    link = tmp_path / "l"
    link.symlink_to(target)
    remove_path(link)
    assert not os.path.lexists(link) and (target / "keep").exists()
    remove_path(tmp_path / "missing")  # nothing to do
    remove_path(target)
    assert not target.exists()


# --------------------------------------------------------------------------- check_folder_into
def test_writing_into_a_folder(tmp_path):
    assert check_folder_into(tmp_path / "new", ours=never, what="x") == tmp_path / "new"
    lock_only = tmp_path / "locked"
    lock_only.mkdir()
    (lock_only / ".lock").write_text("{}")
    assert check_folder_into(lock_only, ours=never, what="x", ignore={".lock"})
    with pytest.raises(
        NotOursError, match=r"locked holds files \(\.lock\) and is not a study; nothing was"
    ):
        check_folder_into(lock_only, ours=never, what="a study")
    assert check_folder_into(lock_only, ours=always, what="x")
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        check_folder_into(file, ours=always, what="x")
    link = tmp_path / "link"
    link.symlink_to(lock_only)
    with pytest.raises(NotOursError, match="symbolic link"):
        check_folder_into(link, ours=always, what="x")


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_.-", min_size=1, max_size=12).filter(
    lambda n: n not in (".", "..")
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=st.dictionaries(names, st.binary(max_size=64), min_size=1, max_size=5))
def test_any_folder_of_user_files_is_refused_and_left_as_it_was(tmp_path_factory, files):
    folder = tmp_path_factory.mktemp("user")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    before = snapshot(folder)
    with pytest.raises(NotOursError):
        check_folder_into(folder, ours=never, what="a study")
    empty_files = all(not data for data in files.values()) and len(files) == 1
    if not empty_files:
        with pytest.raises((NotOursError, IsADirectoryError)):
            check_target(folder, kind="folder", ours=never, what="x")
    assert snapshot(folder) == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(min_size=1, max_size=256))
def test_any_nonempty_user_file_is_refused_and_left_as_it_was(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("user") / "model.keras"
    path.write_bytes(data)
    with pytest.raises(NotOursError):
        check_target(
            path, kind="file", ours=lambda p: zip_has_member(p, "fashionnet.json"), what="a model"
        )
    assert path.read_bytes() == data


# --------------------------------------------------------------------------- recognisers
def test_recognisers(tmp_path):
    archive = tmp_path / "m.keras"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fashionnet.json", "{}")
    assert zip_has_member(archive, "fashionnet.json")
    assert not zip_has_member(archive, "other.json")
    (tmp_path / "bad.keras").write_bytes(b"PK not a zip")
    assert not zip_has_member(tmp_path / "bad.keras", "fashionnet.json")
    (tmp_path / "link.keras").symlink_to(archive)
    assert not zip_has_member(tmp_path / "link.keras", "fashionnet.json")

    (tmp_path / "s.json").write_text('{"profile": {}}')
    (tmp_path / "list.json").write_text("[1]")
    assert json_file_has_key(tmp_path / "s.json", "profile")
    assert not json_file_has_key(tmp_path / "list.json", "profile")
    assert not json_file_has_key(tmp_path / "m.keras", "profile")

    saved = tmp_path / "saved"
    (saved / "variables").mkdir(parents=True)
    (saved / "saved_model.pb").write_bytes(b"pb")
    assert folder_holds_only(saved, "saved_model.pb", {"variables"})
    (saved / "notes.txt").write_text("mine")
    assert not folder_holds_only(saved, "saved_model.pb", {"variables"})

    assert is_empty(tmp_path / "new-folder") is False  # missing is not empty
    (tmp_path / "e").mkdir()
    assert is_empty(tmp_path / "e")
