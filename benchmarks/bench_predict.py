"""How long ``fashionnet predict`` takes for one image file and for 1000.

Each command runs in a fresh process, as a user runs it, so its time is
start-up (Python, TensorFlow, Keras), loading the saved model, reading and
preparing the files, and the prediction. The reference figure is what a
user pays anyway: ``python -c "import tensorflow"`` in a fresh process, timed
in the same run. The model is a LeNet-5 trained one epoch on 3000 images
(its training is not timed); the files are real Fashion-MNIST test images,
half of them as photo-like negatives (which the command inverts).

Run under the team's CPU lock: ``flock /tmp/fashionnet-cpu.lock python
benchmarks/bench_predict.py``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import machine_line


def timed(command: list[str], repeats: int) -> float:
    """Median wall seconds of ``command`` in a fresh process."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import numpy as np
    from PIL import Image

    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    from fashionnet.models import LeNet5Classifier

    X, y = load_fashion_mnist("train")
    X_test, _ = load_fashion_mnist("test")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = LeNet5Classifier(epochs=1, random_state=0).fit(X[:3000], y[:3000])
        model_path = model.save(root / "lenet5.keras", class_names=CLASS_NAMES)
        folder = root / "images"
        folder.mkdir()
        for i, image in enumerate(X_test[:1000]):
            picture = Image.fromarray(image if i % 2 else 255 - np.asarray(image))
            picture.save(folder / f"{i:04d}.png")
        cli = [sys.executable, "-m", "fashionnet", "predict", "--model", str(model_path)]
        reference = timed([sys.executable, "-c", "import tensorflow"], args.repeats)
        one = timed([*cli, str(folder / "0000.png")], args.repeats)
        thousand = timed([*cli, str(folder), "--format", "csv"], args.repeats)
    print(machine_line())
    print(f"median of {args.repeats} runs, each in a fresh process:")
    print(f"  python -c 'import tensorflow' (reference)   {reference:6.2f} s")
    print(f"  fashionnet predict, 1 image                 {one:6.2f} s  ({one / reference:.2f}x)")
    print(
        f"  fashionnet predict, 1000 images             {thousand:6.2f} s  "
        f"({thousand / reference:.2f}x; {(thousand - one) / 999 * 1000:.1f} ms per extra image)"
    )


if __name__ == "__main__":
    main()
