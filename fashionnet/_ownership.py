"""One rule for every file and folder fashionnet writes: replace only what it wrote.

Every writer (``save``, ``export``, the study's output folder, a search's
project folder, the command's outputs) asks :func:`check_target` before it
writes. A destination that does not exist is created (its missing parent
folders too); one that exists is replaced only when it is

- empty (an empty file, or a folder with no entries), or
- recognisably fashionnet's own earlier output: each writer passes the test
  (``ours``) that recognises it -- a ``.keras`` file holding
  ``fashionnet.json``, a SavedModel folder holding ``saved_model.pb`` and
  nothing else of its own, a study folder with its manifest.

Anything else is refused with :class:`NotOursError`, one line naming the path
and the way out (another path, or the writer's explicit ``overwrite=True``
where it has one). Never replaced, even with ``overwrite``: the current
folder or one above it, the home folder, the root, a mount point, and a file
where a folder is expected or the reverse. A symbolic link is not followed:
with ``overwrite`` the link itself is replaced (:func:`replace_path`), its
target is never written nor removed.

Writers still stage their output beside the destination and move it into
place with an atomic rename (:mod:`fashionnet._io`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = [
    "NotOursError",
    "check_target",
    "check_folder_into",
    "replace_path",
    "is_empty",
    "zip_has_member",
    "json_file_has_key",
    "folder_holds_only",
]


class NotOursError(FileExistsError):
    """A destination exists and fashionnet did not write it; nothing was written.

    A :class:`FileExistsError` (an :class:`OSError`) whose message is one line
    naming the path and the way out.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from fashionnet._ownership import NotOursError, check_target
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> try:
    ...     check_target(folder / "notes.txt", kind="file", ours=lambda p: False,
    ...                  what="a model")
    ... except NotOursError as exc:
    ...     print("overwrite=True" in str(exc))
    True
    """

    def __init__(self, path: str | os.PathLike, message: str) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.filename = os.fspath(path)

    def __str__(self) -> str:
        return str(self.args[0])


def is_empty(path: Path, ignore: Iterable[str] = ()) -> bool:
    """Whether ``path`` is an empty regular file, or a folder with no entries but ``ignore``."""
    if path.is_symlink():
        return False
    if path.is_dir():
        skip = set(ignore)
        with os.scandir(path) as entries:
            return all(entry.name in skip for entry in entries)
    return path.is_file() and path.stat().st_size == 0


def zip_has_member(path: Path, member: str) -> bool:
    """Whether ``path`` is a regular file, a readable zip holding ``member``."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return member in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def json_file_has_key(path: Path, key: str) -> bool:
    """Whether ``path`` is a regular file holding a JSON object with ``key``."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and key in data


def folder_holds_only(path: Path, required: str, allowed: Iterable[str]) -> bool:
    """Whether ``path`` is a real folder holding ``required`` and no entry outside ``allowed``."""
    if path.is_symlink() or not path.is_dir():
        return False
    names = {entry.name for entry in os.scandir(path)}
    return required in names and names <= {required, *allowed}


def _protected(path: Path) -> str | None:
    """Why ``path`` may never be replaced, or None."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd:
        return "it is the current folder"
    if resolved in cwd.parents:
        return "it holds the current folder"
    if resolved == Path.home().resolve():
        return "it is the home folder"
    if resolved.parent == resolved:
        return "it is the root of the file system"
    if os.path.ismount(resolved):
        return "it is a mount point"
    return None


def _check_parent(path: Path) -> None:
    """Refuse a destination below a file; missing parent folders are fine (created later)."""
    for parent in path.parents:
        if os.path.lexists(parent):
            if not parent.is_dir():
                raise NotADirectoryError(
                    f"cannot write {path}: {parent} is a file, not a folder; use another path."
                )
            return


def check_target(
    path: str | os.PathLike,
    *,
    kind: str,
    ours: Callable[[Path], bool],
    what: str,
    overwrite: bool = False,
    option: str | None = "overwrite=True",
) -> Path:
    """Check that ``path`` may be written by replacing what is there.

    Parameters
    ----------
    path : str or path-like
        The destination.
    kind : {"file", "folder"}
        What the writer puts there.
    ours : callable
        ``ours(path)`` is True when ``path`` is fashionnet's earlier output of
        this writer (called only on an existing, non-empty, non-link path).
    what : str
        What the writer writes, for the message ("a model saved by fashionnet").
    overwrite : bool, default=False
        The user's explicit permission to replace what is there (a link: the
        link itself, never its target).
    option : str or None, default="overwrite=True"
        How the user gives that permission, for the message; None when the
        writer has no such option.

    Returns
    -------
    pathlib.Path
        ``path``, as a Path.

    Raises
    ------
    NotOursError
        ``path`` exists and is neither empty, nor ours, nor to be overwritten;
        or it may never be replaced (the current folder, a mount point...).
    IsADirectoryError, NotADirectoryError
        A folder where a file is to be written, or the reverse, or a
        destination below a file.
    """
    path = Path(path)
    if kind not in ("file", "folder"):
        raise ValueError(f"kind must be 'file' or 'folder'; got {kind!r}.")
    way_out = "use another path" + (f", or {option} to replace it" if option else "")
    if not path.is_symlink():
        reason = _protected(path) if path.is_dir() else None
        if reason is not None:
            raise NotOursError(
                path, f"refusing to replace {path}: {reason}; name a new folder inside it."
            )
    _check_parent(path)
    if not os.path.lexists(path):
        return path
    if path.is_symlink():
        if overwrite:
            return path
        raise NotOursError(
            path,
            f"{path} is a symbolic link (to {os.readlink(path)}); fashionnet never writes "
            f"through a link nor removes its target: {way_out} (the link itself).",
        )
    if kind == "file" and path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder where a file is to be written: use another path."
        )
    if kind == "folder" and not path.is_dir():
        raise NotADirectoryError(
            f"{path} is a file where a folder is to be written: use another path."
        )
    if is_empty(path) or ours(path) or overwrite:
        return path
    raise NotOursError(path, f"{path} exists and is not {what}; nothing was written: {way_out}.")


def check_folder_into(
    path: str | os.PathLike,
    *,
    ours: Callable[[Path], bool],
    what: str,
    ignore: Iterable[str] = (),
    way_out: str = "use another folder, or an empty one",
) -> Path:
    """Check that files may be written into the folder ``path``.

    The folder is fine when it does not exist yet, is empty (but for the
    names in ``ignore``, such as a lock file) or is ``ours``. A user's folder
    is refused (there is no overwrite: the way out is another folder).

    Raises
    ------
    NotOursError
        A folder of someone else's files, or a link to a folder.
    NotADirectoryError
        ``path`` (or a parent) is a file.
    """
    path = Path(path)
    _check_parent(path)
    if not os.path.lexists(path):
        return path
    if path.is_symlink():
        raise NotOursError(
            path,
            f"{path} is a symbolic link (to {os.readlink(path)}); fashionnet does not write "
            f"through links: {way_out} (not a link).",
        )
    if not path.is_dir():
        raise NotADirectoryError(f"{path} exists and is not a folder; name another one.")
    if is_empty(path, ignore) or ours(path):
        return path
    with os.scandir(path) as entries:
        found = sorted(e.name for e in entries if e.name not in set(ignore))
    sample = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
    raise NotOursError(
        path,
        f"{path} holds files ({sample}) and is not {what}; nothing was written: {way_out}.",
    )


def remove_path(path: Path) -> None:
    """Remove ``path``: a link or a file is unlinked, a real folder removed with its content."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def replace_path(staged: Path, path: Path, aside: Path) -> None:
    """Move ``staged`` onto ``path`` (checked by :func:`check_target`).

    A file, or a folder where nothing is, arrives with one atomic rename. A
    folder (or a link) already at ``path`` is first renamed to ``aside``, so
    it leaves only once the new one is complete, then removed -- a link by
    unlinking it, never its target.
    """
    if staged.is_dir() or path.is_symlink() or path.is_dir():
        if os.path.lexists(path):
            os.replace(path, aside)
            try:
                os.replace(staged, path)
            except BaseException:
                os.replace(aside, path)
                raise
            remove_path(aside)
            return
    os.replace(staged, path)
