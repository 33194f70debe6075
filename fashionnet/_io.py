"""Atomic file writing: nothing a user wrote is ever left half-written.

Temporary files and folders are created beside their destination and named
with the creating process's id (``.NAME.<pid>-<random>.tmp``), so that
leftovers of a killed process can be told from the work of a live one and
removed on the next write to the same place (:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_write", "write_json", "write_text", "private_name", "remove_stale"]


def private_name(prefix: str, suffix: str = "") -> str:
    """A fresh name ``PREFIX<pid>-<random>SUFFIX`` owned by this process."""
    return f"{prefix}{os.getpid()}-{secrets.token_hex(4)}{suffix}"


def remove_stale(folder: str | os.PathLike, prefix: str, suffix: str = "") -> list[Path]:
    """Remove the entries of ``folder`` named by :func:`private_name` whose process is gone.

    Files and folders alike; entries of live processes (this one included)
    and names of any other shape are left alone. A process id is only
    meaningful on this machine: do not share such a folder between machines
    while both write to it.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    pattern = re.compile(re.escape(prefix) + r"(\d+)-[0-9a-f]+" + re.escape(suffix))
    removed = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or _process_alive(int(match.group(1))):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        removed.append(path)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; not a pid: keep it
        return True
    return True


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` and move it into place on success.

    The temporary file lives in the same directory, so the final
    :func:`os.replace` is atomic: readers see the old file or the new one,
    never a partial one. On error the temporary file is removed and ``path``
    is left untouched; temporary files of ``path`` left by killed processes
    are removed first. The file gets the permissions any new file gets
    (``0o666`` less the umask), like one written with :func:`open`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = f".{path.name}.", ".tmp"
    remove_stale(path.parent, prefix, suffix)
    while True:
        tmp = path.parent / private_name(prefix, suffix)
        try:
            # O_EXCL: a fresh file of our own; the mode lets the kernel apply the umask.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_write(path, "w") as fh:
        fh.write(text)


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    from .rendering import to_json_value

    text = json.dumps(to_json_value(obj), indent=2, sort_keys=False, allow_nan=False)
    write_text(path, text + "\n")
