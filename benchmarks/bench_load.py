"""Load time of the train and test splits: fashionnet against keras.datasets.

Each measurement runs in a fresh Python process, so fashionnet's first-read
checksum is included every time. Keras reads the same .gz files, copied into
a temporary Keras cache (it does no checksum).

Run: ``python benchmarks/bench_load.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

FASHIONNET = """
import time
t = time.perf_counter()
from fashionnet.datasets import load_fashion_mnist
(Xtr, ytr), (Xte, yte) = load_fashion_mnist("train"), load_fashion_mnist("test")
print(time.perf_counter() - t)
"""

KERAS = """
import keras, time
t = time.perf_counter()
(Xtr, ytr), (Xte, yte) = keras.datasets.fashion_mnist.load_data()
print(time.perf_counter() - t)
"""


def run(code: str, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from fashionnet.datasets import data_locations

    holders = [d for d in data_locations() if (d / "train-images-idx3-ubyte.gz").is_file()]
    if not holders:
        sys.exit("Fashion-MNIST .gz files not found; apt-get install dataset-fashion-mnist")
    source = holders[0]
    with tempfile.TemporaryDirectory() as keras_home:
        cache = Path(keras_home) / "datasets" / "fashion-mnist"
        cache.mkdir(parents=True)
        for f in source.glob("*-ubyte.gz"):
            shutil.copy(f, cache / f.name)
        env = {**os.environ, "KERAS_HOME": keras_home, "TF_CPP_MIN_LOG_LEVEL": "3"}
        ours = [run(FASHIONNET, env) for _ in range(args.repeat)]
        keras = [run(KERAS, env) for _ in range(args.repeat)]
    m_ours, m_keras = statistics.median(ours), statistics.median(keras)
    print(f"data: {source}")
    print(f"fashionnet load_fashion_mnist train+test: median {m_ours:.3f} s "
          f"over {args.repeat} fresh processes (checksums included)")
    print(f"keras.datasets.fashion_mnist.load_data:   median {m_keras:.3f} s (no checksum)")
    print(f"ratio fashionnet / keras: {m_ours / m_keras:.2f}")
    print(f"target: under 1 s -> {'met' if m_ours < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
