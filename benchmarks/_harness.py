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


def study_lenet(keras: Any, n_classes: int = 10) -> Any:
    """The study's LeNet-5 as a plain-Keras ``Sequential`` on 32 x 32 x 1 inputs."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            layers.Conv2D(6, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Activation("sigmoid"),
            layers.Conv2D(16, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Activation("sigmoid"),
            layers.Conv2D(120, 5, activation="tanh"),
            layers.Flatten(),
            layers.Dense(84, activation="tanh"),
            layers.Dense(n_classes, activation="softmax"),
        ]
    )


def reference_epoch() -> dict:
    """Seconds of one plain-Keras epoch of the study's LeNet-5 on 60000 images, batch 32.

    This machine's speed, to read the other timings of a run by: machines of
    one kind differ 2 to 3 times, so a budget is best quoted in these units.
    """
    import keras
    import numpy as np

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    X = np.pad(X.astype("float32") / 255, ((0, 0), (2, 2), (2, 2)))[..., None]
    Y = keras.utils.to_categorical(y, 10)
    model = study_lenet(keras)
    model.compile("adam", "categorical_crossentropy")
    model.fit(X[:320], Y[:320], batch_size=32, epochs=1, verbose=0)  # compile outside the timing
    start = time.perf_counter()
    model.fit(X, Y, batch_size=32, epochs=1, verbose=0)
    return {"seconds": time.perf_counter() - start}
