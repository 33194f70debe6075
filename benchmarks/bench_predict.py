"""How long ``fashionnet predict`` takes for one image file and for 1000: ONNX against .keras.

Each command runs in a fresh process, as a user runs it, so its time is
start-up (Python, and TensorFlow and Keras for a ``.keras`` model,
onnxruntime for a ``.onnx`` one), opening the model, reading and preparing
the files, and the prediction. The same LeNet-5 (ReLU and max pooling:
the study's sigmoid LeNet-5 is still at chance after so short a fit, which
would make the agreement of the labels trivial), trained two epochs on 3000
images (its training and export are not timed), is saved to ``.keras`` and
exported to ``.onnx`` with the same class names; the files are real
Fashion-MNIST test images, half of them as photo-like negatives (which the
command inverts). The reference figures are what a start-up costs anyway:
``python -c "import tensorflow"`` and ``python -c "import onnxruntime"`` in a
fresh process, timed in the same run. The labels the two paths print for the
1000 images are compared (agreement), and with the true labels (accuracy).

Targets (issue 30): on the ONNX path, one image within 0.5 s and 1000
images within 2 s.

Run under the team's CPU lock: ``flock /tmp/fashionnet-cpu.lock python
benchmarks/bench_predict.py``.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import machine_line

#: Seconds the ONNX path may take (issue 30): one image, 1000 images.
TARGETS = {"1 image": 0.5, "1000 images": 2.0}


def timed(command: list[str], repeats: int) -> tuple[float, str]:
    """Median wall seconds of ``command`` in a fresh process, and its last output."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    times, out = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run(command, check=True, capture_output=True, env=env, text=True).stdout
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def labels(csv_text: str) -> dict[str, str]:
    """File name -> label, from ``fashionnet predict --format csv``."""
    return {Path(row["file"]).name: row["label"] for row in csv.DictReader(io.StringIO(csv_text))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    import numpy as np
    from PIL import Image

    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    from fashionnet.models import LeNet5Classifier

    X, y = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    load_before = os.getloadavg()
    rows, outputs = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = LeNet5Classifier(activation="relu", pooling="max", epochs=2, random_state=0)
        model.fit(X[:3000], y[:3000])
        models = {
            ".keras": model.save(root / "lenet5.keras", class_names=CLASS_NAMES),
            ".onnx": model.export(root / "lenet5.onnx", class_names=CLASS_NAMES),
        }
        folder = root / "images"
        folder.mkdir()
        truth = {}
        for i, image in enumerate(X_test[:1000]):
            picture = Image.fromarray(image if i % 2 else 255 - np.asarray(image))
            picture.save(folder / f"{i:04d}.png")
            truth[f"{i:04d}.png"] = CLASS_NAMES[int(y_test[i])]
        for name in ("tensorflow", "onnxruntime"):
            rows[f"python -c 'import {name}'"] = (
                timed([sys.executable, "-c", f"import {name}"], args.repeats)[0],
                None,
            )
        for suffix, path in models.items():
            cli = [sys.executable, "-m", "fashionnet", "predict", "--model", str(path)]
            one, _ = timed([*cli, str(folder / "0000.png")], args.repeats)
            many, outputs[suffix] = timed([*cli, str(folder), "--format", "csv"], args.repeats)
            rows[f"predict {suffix}, 1 image"] = (one, "1 image" if suffix == ".onnx" else None)
            rows[f"predict {suffix}, 1000 images"] = (
                many,
                "1000 images" if suffix == ".onnx" else None,
            )
    fast, slow = labels(outputs[".onnx"]), labels(outputs[".keras"])
    assert sorted(fast) == sorted(slow) == sorted(truth), "both paths read the 1000 files"
    agree = sum(fast[f] == slow[f] for f in truth)
    reference = rows["python -c 'import tensorflow'"][0]

    print(machine_line())
    print(f"load average (1, 5, 15 min) at the start {load_before}, at the end {os.getloadavg()}")
    print(f"median of {args.repeats} runs, each in a fresh process:")
    print(f"  {'command':<36} {'seconds':>8}  {'x import tf':>11}  target")
    for name, (seconds, target) in rows.items():
        goal = ""
        if target is not None:
            limit = TARGETS[target]
            goal = f"<= {limit} s: {'met' if seconds <= limit else 'NOT met'}"
        print(f"  {name:<36} {seconds:8.2f}  {seconds / reference:10.2f}x  {goal}")
    for suffix, table in ((".onnx", fast), (".keras", slow)):
        accuracy = sum(table[f] == truth[f] for f in truth) / len(truth)
        print(f"  accuracy of the {suffix} path's labels on the 1000 images: {accuracy:.4f}")
    print(f"labels that agree between the two paths: {agree} of {len(truth)} ({agree / 10:.1f} %)")


if __name__ == "__main__":
    main()
