"""fashionnet._io: atomic writes under a real umask and after a real kill."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap

from fashionnet._io import private_name, remove_stale, write_text


def _python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_written_files_honour_the_umask(tmp_path):
    # Every file used to be created 0600 (mkstemp's mode) whatever the umask.
    proc = _python(
        """
        import json, os, stat, sys
        from pathlib import Path
        from fashionnet._io import atomic_write, write_json, write_text

        out, modes = Path(sys.argv[1]), {}
        for umask in (0o022, 0o077, 0o002):
            os.umask(umask)
            write_text(out / f"{umask:o}.txt", "text")
            write_json(out / f"{umask:o}.json", {"a": 1})
            with atomic_write(out / f"{umask:o}.bin") as fh:
                fh.write(b"bytes")
            for path in out.glob(f"{umask:o}.*"):
                modes[path.name] = oct(stat.S_IMODE(path.stat().st_mode))
        print(json.dumps(modes))
        """,
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    modes = json.loads(proc.stdout)
    expected = {"22": "0o644", "77": "0o600", "2": "0o664"}
    assert modes == {
        f"{umask}.{ext}": mode for umask, mode in expected.items() for ext in ("txt", "json", "bin")
    }


def test_a_killed_write_keeps_the_old_file_and_its_leftover_is_removed(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("the old, complete file")
    proc = _python(
        """
        import os, signal, sys
        from fashionnet._io import atomic_write

        with atomic_write(sys.argv[1], "w") as fh:
            fh.write("half of the new fi")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        """,
        str(target),
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert target.read_text() == "the old, complete file"
    (leftover,) = [p for p in tmp_path.iterdir() if p != target]
    assert leftover.name.startswith(".metrics.json.") and leftover.name.endswith(".tmp")
    write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]
    assert target.read_text() == "new"


def test_remove_stale_spares_live_processes_and_other_names(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = int(dead.stdout)  # exited and reaped: nothing runs under this pid
    (tmp_path / f".job-{dead}-abcd").mkdir()
    (tmp_path / f".job-{dead}-abcd" / "inside").write_text("x")
    (tmp_path / f".job-{dead}-beef").write_text("a file")
    mine = tmp_path / private_name(".job-")
    others = [mine, tmp_path / ".job-notapid-00ff", tmp_path / "job-1-00ff"]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as sleeper:
        try:
            others.append(tmp_path / f".job-{sleeper.pid}-00ff")
            for path in others:
                path.mkdir()
            removed = remove_stale(tmp_path, ".job-")
        finally:
            sleeper.kill()
    assert sorted(p.name for p in removed) == [f".job-{dead}-abcd", f".job-{dead}-beef"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in others)
    assert remove_stale(tmp_path / "missing", ".job-") == []
    assert os.getpid() != dead and stat.S_ISDIR(mine.stat().st_mode)
