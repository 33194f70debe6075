"""File faults of a search directory, as one exception that names the file.

keras-tuner writes its records through TensorFlow's file API, so a full
disk surfaces as ``tensorflow...ResourceExhaustedError``, a read-only one as
``PermissionDeniedError``, a file where a folder should be as
``FailedPreconditionError``; the estimators' own logs raise plain
:class:`OSError`. :func:`storage_errors` turns every such fault about the
search's files into one :class:`SearchStorageError` whose message names the
file and the fault and says what to do. TensorFlow is never imported here:
its errors are recognised by their text (``"<path>; <reason>"``).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from fashionnet._lock import LOCK_NAME, DirectoryLock
from fashionnet._ownership import check_folder_into

__all__ = [
    "SearchStorageError",
    "as_storage_error",
    "storage_errors",
    "is_search_folder",
    "check_search_folder",
    "search_lock",
]

#: Faults of the disk itself: a storage fault wherever the file is.
_DISK_FAULTS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO}
#: Faults that are the search's only when they concern its own folders.
_PATH_FAULTS = {
    errno.EACCES,
    errno.EPERM,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EEXIST,
    errno.ENOENT,
}
#: TensorFlow reports ``strerror`` text, not numbers.
_REASONS = {os.strerror(code): code for code in _DISK_FAULTS | _PATH_FAULTS}
_HINTS = {
    errno.ENOSPC: "Free some space and fit again: finished trials are kept.",
    errno.EDQUOT: "Free some space (disk quota) and fit again: finished trials are kept.",
    errno.EFBIG: "Raise the file-size limit (ulimit -f) and fit again: finished trials are kept.",
    errno.EIO: "Check the disk, then fit again: finished trials are kept.",
    errno.EROFS: "Use a writable directory.",
    errno.EACCES: "Use a directory you can write to.",
    errno.EPERM: "Use a directory you can write to.",
    errno.ENOTDIR: "A file is in the way of the search's folders: move it or use another "
    "directory.",
    errno.EISDIR: "A folder is in the way of the search's files: move it or use another directory.",
    errno.EEXIST: "A file is in the way of the search's folders: move it or use another directory.",
    errno.ENOENT: "A folder of the search disappeared while it ran; fit again.",
}


class SearchStorageError(OSError):
    """A search could not read or write its directory.

    Raised by :meth:`KerasTunerSearchCV.fit <fashionnet.tuning.KerasTunerSearchCV.fit>`
    for a full disk, a read-only folder, a file where a folder should be or
    a permission fault, whether keras-tuner, the estimator's logs or the
    search itself met it. ``errno`` and ``filename`` are those of the fault;
    the message names the file, the fault and the fix. The trials finished
    before the fault are kept on disk: fitting again resumes the search.
    """

    def __str__(self) -> str:
        return str(self.strerror)


def as_storage_error(exc: BaseException, root: str | os.PathLike) -> SearchStorageError | None:
    """``exc`` as a :class:`SearchStorageError` if it is a file fault of ``root``, else None.

    Parameters
    ----------
    exc : BaseException
        Any exception met while a search ran.
    root : path-like
        The search's project folder. Missing files, permissions and files
        in the way count only on this folder, its parents or its contents;
        a full, read-only or failing disk counts anywhere.
    """
    if isinstance(exc, SearchStorageError):
        return exc
    wrapped = getattr(exc, "storage_error", None)  # carried through keras-tuner (tuner.py)
    if isinstance(wrapped, SearchStorageError):
        return wrapped
    fault = _fault(exc)
    if fault is None:
        return None
    code, path, reason = fault
    if code not in _DISK_FAULTS and not (path and _related(path, root)):
        return None
    root = os.fspath(root)
    where = path or root
    if os.path.abspath(where) == os.path.abspath(root):
        message = f"search directory {root}: {reason}. {_HINTS[code]}"
    else:
        message = f"search directory {root}: cannot use {where}: {reason}. {_HINTS[code]}"
    return SearchStorageError(code, message, where)


@contextlib.contextmanager
def storage_errors(root: str | os.PathLike) -> Iterator[None]:
    """Re-raise file faults of ``root`` as :class:`SearchStorageError` (others unchanged)."""
    try:
        yield
    except Exception as exc:
        fault = as_storage_error(exc, root)
        if fault is None or fault is exc:
            raise
        raise fault from exc


def _fault(exc: BaseException) -> tuple[int, str | None, str] | None:
    """``(errno, path, reason)`` of a file fault, from an OSError or a TensorFlow error."""
    if isinstance(exc, OSError):
        if exc.errno not in _DISK_FAULTS | _PATH_FAULTS:
            return None
        path = exc.filename if exc.filename is not None else None
        return exc.errno, None if path is None else os.fsdecode(path), os.strerror(exc.errno)
    if not type(exc).__module__.startswith("tensorflow") or not hasattr(exc, "error_code"):
        return None
    text = str(getattr(exc, "message", exc)).strip()
    if text.endswith(" is not a directory"):
        return errno.ENOTDIR, text[: -len(" is not a directory")], os.strerror(errno.ENOTDIR)
    path, sep, reason = text.partition("; ")
    code = _REASONS.get(reason.strip())
    if not sep or code is None:
        return None
    return code, path, reason.strip()


def _related(path: str, root: str | os.PathLike) -> bool:
    """Whether ``path`` is ``root``, one of its parents or inside it."""
    p, r = Path(os.path.abspath(path)), Path(os.path.abspath(root))
    return p == r or r in p.parents or p in r.parents


def is_search_folder(path: Path) -> bool:
    """Whether ``path`` holds a keras-tuner search: its ``oracle.json`` or a trial's record."""
    path = Path(path)
    if (path / "oracle.json").is_file():
        return True
    return any(trial.is_file() for trial in path.glob("trial_*/trial.json"))


def check_search_folder(project_dir: Path) -> Path:
    """Refuse a project folder of someone else's files, ``overwrite`` or not.

    A search writes (and with ``overwrite=True`` empties) ``directory /
    project_name``; that folder must be new, empty or a search's own.

    A file in the way is left to :func:`storage_errors`, whose
    :class:`SearchStorageError` names it.

    Raises
    ------
    fashionnet._ownership.NotOursError
        The folder holds other files, or is a link (nothing is written).
    """
    project_dir = Path(project_dir)
    if not (project_dir.is_symlink() or project_dir.is_dir()):
        return project_dir
    return check_folder_into(
        project_dir,
        ours=is_search_folder,
        what="a keras-tuner search (no oracle.json nor trial_*/trial.json)",
        ignore={LOCK_NAME},
        way_out="use another directory or project_name (overwrite=True empties only a search)",
    )


@contextlib.contextmanager
def search_lock(project_dir: Path) -> Iterator[None]:
    """Hold ``project_dir`` for this search; a read-only one needs no lock."""
    lock = DirectoryLock(project_dir, what="search")
    try:
        lock.acquire()
    except OSError as exc:
        if exc.errno != errno.EROFS:
            raise
        yield  # no one can write there: a finished search can still be read
        return
    try:
        yield
    finally:
        lock.release()
