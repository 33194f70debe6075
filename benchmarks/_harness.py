"""What the benchmarks share: peak RSS, timed runs in a fresh child process.

Each measured method runs in its own child (``python SCRIPT --child NAME``),
so its peak RSS (``ru_maxrss``) belongs to that method alone; the child
prints one JSON line that the parent reads back.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far, in bytes."""
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def time_runs(
    run: Callable[[], Any], repeats: int, describe: Callable[[Any], dict] = lambda out: {}
) -> dict:
    """Time ``run()`` ``repeats`` times: wall and CPU seconds, RSS before and at peak.

    ``describe(out)`` adds facts about the last output; each output is
    dropped before the next run so that runs do not stack up in memory.
    """
    rss_loaded = peak_rss_bytes()
    times, cpu, facts = [], [], {}
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        facts = describe(out)
        del out
    return {
        "times": times,
        "cpu": cpu,
        "rss_loaded": rss_loaded,
        "peak_rss": peak_rss_bytes(),
        **facts,
    }


def run_child(script: str, name: str, repeats: int) -> dict:
    """Run ``script --child name --repeats repeats``; return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, os.path.abspath(script), "--child", name, "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine_line() -> str:
    """Python version, CPUs and load, to read the timings by."""
    return (
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} (other processes make timings noisy; 'CPU s' counts this "
        "process's CPU time, all threads, which a busy machine inflates less than wall time)"
    )


def in_child(target: Callable[..., dict], *args: Any) -> dict:
    """``target(*args)`` in a fresh spawned process: its peak RSS is its own."""
    import multiprocessing as mp

    with mp.get_context("spawn").Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(target, args)
