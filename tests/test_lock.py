"""DirectoryLock with real processes: a live holder, a killed one, racing takers."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fashionnet
from fashionnet._lock import LOCK_NAME, DirectoryLock, LockedError

ROOT = str(Path(fashionnet.__file__).resolve().parents[1])

HOLD = textwrap.dedent(
    """
    import sys, time
    from fashionnet._lock import DirectoryLock

    DirectoryLock(sys.argv[1], what="study").acquire()
    print("held", flush=True)
    time.sleep(120)
    """
)


def _python(code, *args, **kwargs):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [ROOT, os.environ.get(
        "PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, **kwargs)


@pytest.fixture
def holder(tmp_path):
    """A live process holding tmp_path/"folder"; killed (not released) at the end."""
    process = _python(HOLD, tmp_path / "folder", stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.communicate()


def test_lock_records_its_holder_and_releases(tmp_path):
    lock = DirectoryLock(tmp_path / "new" / "folder", what="search")
    with lock:
        record = json.loads(lock.lock_file.read_text())
        assert record["pid"] == os.getpid() and record["host"] == socket.gethostname()
        assert record["what"] == "search" and lock.held
    assert not lock.lock_file.exists() and not lock.held
    with lock:  # reusable
        pass


def test_a_live_holder_is_refused_with_its_pid(holder, tmp_path):
    folder = tmp_path / "folder"
    with pytest.raises(LockedError, match=f"in use by another study: PID {holder.pid}") as caught:
        DirectoryLock(folder, what="study").acquire()
    assert isinstance(caught.value, OSError)
    assert caught.value.holder["pid"] == holder.pid
    assert str(folder / LOCK_NAME) in str(caught.value)  # where to look if it is stale
    assert (folder / LOCK_NAME).exists()  # not disturbed


def test_the_lock_of_a_killed_process_is_taken_over(holder, tmp_path):
    holder.kill()
    holder.wait()
    folder = tmp_path / "folder"
    assert json.loads((folder / LOCK_NAME).read_text())["pid"] == holder.pid  # left behind
    with DirectoryLock(folder) as lock:
        assert lock.holder()["pid"] == os.getpid()


def _write_lock(folder, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    record = {"pid": os.getpid(), "host": socket.gethostname(), "started": None,
              "boot": None, "what": "study", "since": "earlier", "token": "t"} | fields
    (folder / LOCK_NAME).write_text(json.dumps(record))


def test_stale_and_foreign_locks(tmp_path):
    # Our own PID, but a process started at another time: the PID was reused.
    _write_lock(tmp_path / "reused", started=-1)
    DirectoryLock(tmp_path / "reused").acquire().release()
    # A machine that rebooted since.
    _write_lock(tmp_path / "rebooted", boot="another-boot")
    DirectoryLock(tmp_path / "rebooted").acquire().release()
    # An empty file, long past the moment its creator should have filled it.
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / LOCK_NAME).write_text("")
    os.utime(tmp_path / "empty" / LOCK_NAME, (time.time() - 60,) * 2)
    DirectoryLock(tmp_path / "empty").acquire().release()
    # Another host cannot be checked: refused, naming it.
    _write_lock(tmp_path / "foreign", host="elsewhere", pid=4242)
    with pytest.raises(LockedError, match="PID 4242 on host elsewhere"):
        DirectoryLock(tmp_path / "foreign").acquire()


RACER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from fashionnet import _lock
    from fashionnet._lock import DirectoryLock, LockedError

    folder, log, go = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    read = _lock._read_settled

    def read_slowly(path):
        # Widen the race: every taker sits on the dead holder's record a while
        # before it breaks the lock, so that they all break it at once.
        found = read(path)
        time.sleep(0.05)
        return found

    _lock._read_settled = read_slowly
    (go.parent / f"ready-{os.getpid()}").touch()
    while not go.exists():
        time.sleep(0.001)
    def note(word):
        with open(log, "a") as fh:
            fh.write(f"{time.monotonic():.6f} {os.getpid()} {word}\\n")
    try:
        with DirectoryLock(folder):
            note("enter")
            time.sleep(0.3)
            note("exit")
    except LockedError:
        note("refused")
    """
)


@pytest.mark.parametrize("start", ["free", "stale"])
def test_racing_processes_never_hold_the_lock_together(tmp_path, start):
    """Eight processes take the lock at once, three times over: one at a time gets it."""
    for round_ in range(3):
        base = tmp_path / str(round_)
        base.mkdir()
        folder, log, go = base / "folder", base / "log", base / "go"
        if start == "stale":  # all of them find the lock of a dead process
            dead = _python("pass")
            dead.wait()
            _write_lock(folder, pid=dead.pid, token="dead")
        racers = [_python(RACER, folder, log, go) for _ in range(8)]
        deadline = time.monotonic() + 60
        while len(list(base.glob("ready-*"))) < len(racers) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        for racer in racers:
            assert racer.wait(timeout=60) == 0
        events = [line.split() for line in log.read_text().splitlines()]
        assert len([e for e in events if e[2] in ("enter", "refused")]) == len(racers)
        # Each holder's time inside is disjoint from every other's.
        inside = {}
        for stamp, pid, _word in events:
            inside.setdefault(pid, []).append(float(stamp))
        spans = sorted(v for v in inside.values() if len(v) == 2)
        assert spans, "no process got the lock"
        for (_, end), (begin, _) in zip(spans, spans[1:], strict=False):
            assert end <= begin
        assert not (folder / LOCK_NAME).exists()
