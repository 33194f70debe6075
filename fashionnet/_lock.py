"""One live run per folder: a lock file that names its holder.

:class:`DirectoryLock` keeps a second process out of a folder that a search
or a study is writing. The lock is a small JSON file, ``.fashionnet.lock``,
inside the folder, created with ``O_CREAT | O_EXCL`` so that exactly one of
several racing processes creates it. It records the holder's PID, host name
and start time, so that

- a second run is refused with a :class:`LockedError` naming the holder's
  PID (and host), and
- a lock left behind by a process that died (``kill -9``, a crash, a reboot)
  is taken over: the holder is dead when ``os.kill(pid, 0)`` finds no such
  process, or when that PID now belongs to a process started at another
  time (PID reuse), or when the machine has rebooted since.

A lock held from another host cannot be checked and is always respected;
its message says which file to delete if that run is gone.

Taking over a stale lock is a race: two processes can both find the same
dead holder. Each then removes the stale file only while holding an
``flock`` on the folder and only if the file still holds the dead holder's
token; after that, both go back to ``O_EXCL``, which only one wins.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

__all__ = ["DirectoryLock", "LockedError", "LOCK_NAME"]

#: Name of the lock file inside the locked folder.
LOCK_NAME = ".fashionnet.lock"
#: A lock file still empty or unreadable after this many seconds was left by a
#: process that died between creating it and writing its PID.
_UNREADABLE_GRACE_S = 2.0
#: Attempts at O_EXCL before giving up (each lost race means a new holder).
_ATTEMPTS = 20


class LockedError(BlockingIOError):
    """The folder is locked by another live run.

    A :class:`BlockingIOError` (an :class:`OSError`): the non-blocking
    attempt to take the lock would have had to wait.

    Attributes
    ----------
    path : pathlib.Path
        The lock file.
    holder : dict
        What the lock file says about its holder (``pid``, ``host``,
        ``since``, ``what``); empty when it could not be read.
    """

    def __init__(self, message: str, path: Path, holder: dict | None = None) -> None:
        super().__init__(errno.EAGAIN, message, os.fspath(path))
        self.path = Path(path)
        self.holder = dict(holder or {})

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple:
        return (type(self), (self.strerror, self.path, self.holder))


class DirectoryLock:
    """Hold ``path`` for this process; refuse a second live holder.

    Parameters
    ----------
    path : str or path-like
        The folder to lock; created if missing. The lock file is
        ``path / ".fashionnet.lock"``.
    what : str, default="run"
        What holds the lock, for messages ("search", "study").

    Raises
    ------
    LockedError
        From :meth:`acquire` (and ``with``): another live process holds the
        folder. The message names its PID and host.
    OSError
        The folder or the lock file cannot be created (read-only, full,
        a file in the way).

    Examples
    --------
    >>> import tempfile
    >>> from fashionnet._lock import DirectoryLock, LockedError
    >>> folder = tempfile.mkdtemp()
    >>> with DirectoryLock(folder, what="search") as lock:
    ...     lock.lock_file.name, lock.holder()["pid"] == os.getpid()
    ...     try:
    ...         DirectoryLock(folder, what="search").acquire()
    ...     except LockedError as exc:
    ...         print("refused:", "this process" in str(exc))
    ('.fashionnet.lock', True)
    refused: True
    >>> DirectoryLock(folder).lock_file.exists()  # released on leaving
    False
    """

    def __init__(self, path: str | os.PathLike, what: str = "run") -> None:
        self.path = Path(path)
        self.what = what
        self._token: str | None = None

    @property
    def lock_file(self) -> Path:
        """The lock file, ``path / ".fashionnet.lock"``."""
        return self.path / LOCK_NAME

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self._token is not None

    def holder(self) -> dict | None:
        """What the lock file says about its holder, or None if there is none."""
        return _read(self.lock_file)

    def acquire(self) -> DirectoryLock:
        """Take the lock, taking over one left by a dead process.

        Returns
        -------
        self
        """
        if self.held:
            raise RuntimeError(f"this DirectoryLock already holds {self.path}.")
        self.path.mkdir(parents=True, exist_ok=True)
        record = _own_record(self.what)
        for _ in range(_ATTEMPTS):
            if _create(self.lock_file, record):
                self._token = record["token"]
                return self
            found = _read_settled(self.lock_file)
            if found is None:  # released meanwhile
                continue
            if _alive(found):
                raise LockedError(self._refusal(found), self.lock_file, found)
            _break_stale(self.path, self.lock_file, found)
        raise LockedError(
            f"could not lock {self.path}: other processes keep taking the lock "
            f"({self.lock_file}); try again.",
            self.lock_file,
        )

    def release(self) -> None:
        """Give the lock back (remove the lock file if it is still ours)."""
        token, self._token = self._token, None
        if token is None:
            return
        found = _read(self.lock_file)
        if found is not None and found.get("token") == token:
            with contextlib.suppress(FileNotFoundError):
                self.lock_file.unlink()

    def __enter__(self) -> DirectoryLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

    def _refusal(self, holder: dict) -> str:
        pid, host = holder.get("pid", "?"), holder.get("host", "?")
        since = holder.get("since", "?")
        owner = holder.get("what") or "run"
        if pid == os.getpid() and host == socket.gethostname():
            who = f"this process (PID {pid})"
        elif host == socket.gethostname():
            who = f"PID {pid}"
        else:
            who = f"PID {pid} on host {host}"
        return (
            f"{self.path} is in use by another {owner}: {who}, since {since}. Wait for it to "
            f"finish or stop it, or use another folder. If that process is gone, delete "
            f"{self.lock_file}."
        )


# --------------------------------------------------------------------------- #
# the lock file
# --------------------------------------------------------------------------- #
def _own_record(what: str) -> dict:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": _process_start(os.getpid()),
        "boot": _boot_id(),
        "what": what,
        "since": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        "token": uuid.uuid4().hex,
    }


def _create(lock_file: Path, record: dict) -> bool:
    """Create ``lock_file`` holding ``record``; False if it exists already."""
    try:
        fd = os.open(lock_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    try:
        os.write(fd, (json.dumps(record) + "\n").encode())
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            lock_file.unlink()
        raise
    os.close(fd)
    return True


def _read(lock_file: Path) -> dict | None:
    """The holder record; ``{}`` if the file is unreadable, None if it is gone."""
    try:
        text = lock_file.read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def _read_settled(lock_file: Path) -> dict | None:
    """Read the holder, giving a process that has just created the file time to fill it."""
    deadline = time.monotonic() + _UNREADABLE_GRACE_S
    while True:
        found = _read(lock_file)
        if found != {}:
            return found
        age = _age(lock_file)
        if age is None:
            return None
        if age > _UNREADABLE_GRACE_S or time.monotonic() > deadline:
            return {}  # its creator died before writing it
        time.sleep(0.05)


def _alive(holder: dict) -> bool:
    """Whether the process that wrote ``holder`` still runs (True when unknowable)."""
    if not holder.get("token"):
        return False  # an empty or damaged file left by a dead creator
    if holder.get("host") != socket.gethostname():
        return True  # another machine: cannot tell, so respect it
    boot = _boot_id()
    if holder.get("boot") and boot and holder["boot"] != boot:
        return False  # the machine rebooted since
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    started = _process_start(pid)
    if holder.get("started") is not None and started is not None:
        return started == holder["started"]  # else the PID was reused
    return True


def _break_stale(folder: Path, lock_file: Path, stale: dict) -> None:
    """Remove ``lock_file`` if it still holds the dead ``stale`` record.

    Done under an ``flock`` of the folder, so that of two processes that
    found the same dead holder, the second one cannot remove the lock that
    the first has just created.
    """
    with _folder_mutex(folder):
        current = _read(lock_file)
        if current is None or current != stale:
            return  # gone, or taken by a new holder meanwhile
        if not stale and (_age(lock_file) or 0.0) <= _UNREADABLE_GRACE_S:
            return  # a new holder that has not written its PID yet
        with contextlib.suppress(FileNotFoundError):
            lock_file.unlink()


@contextlib.contextmanager
def _folder_mutex(folder: Path):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # pragma: no cover - a file system without flock
            pass
        yield
    finally:
        os.close(fd)  # also releases the flock


def _age(path: Path) -> float | None:
    """Seconds since ``path`` was last written; None if it is gone."""
    try:
        return time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return None


def _process_start(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (Linux), else None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after it.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return None


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None
