"""ONNX export of each estimator: parity with predict_proba, and serving speed.

For LeNet5Classifier, ResNetClassifier (its 10-view test-time augmentation
on; in float32, and with its default ``dtype_policy="auto"``, bfloat16 on a
CPU with its instructions, which goes to ONNX as its float32 twin) and
TransferClassifier (VGG16, random weights, 32 x 32), each fitted briefly on
real Fashion-MNIST: the largest absolute difference between the ONNX file's
probabilities under onnxruntime and ``predict_proba`` on 1000 real test
images, the agreement of their labels, the export time, and the time to
classify the 1000 images with ``predict_proba`` and with onnxruntime (the
machine's own reference: the same network, in the same run).

Run under the team's CPU lock: ``flock /tmp/fashionnet-cpu.lock python
benchmarks/bench_export.py``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from _harness import machine_line


def best_of(run, repeats: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    import onnxruntime

    from fashionnet.datasets import load_fashion_mnist, stratified_subset
    from fashionnet.models import LeNet5Classifier, ResNetClassifier, TransferClassifier

    X, y = stratified_subset(*load_fashion_mnist("train"), 3000, random_state=0)
    X_test = load_fashion_mnist("test")[0][:1000]
    estimators = {
        "LeNet5Classifier": LeNet5Classifier(epochs=2, random_state=0),
        "ResNetClassifier (float32)": ResNetClassifier(
            epochs=2, random_state=0, dtype_policy="float32"
        ),
        # The default "auto": bfloat16 on a CPU with its instructions, exported
        # as its float32 twin, which agrees to bfloat16's rounding only.
        "ResNetClassifier (auto)": ResNetClassifier(epochs=2, random_state=0),
        "TransferClassifier (vgg16)": TransferClassifier(
            "vgg16",
            weights=None,
            trainable_layers=5,
            input_size=32,
            head=(64,),
            epochs=2,
            random_state=0,
        ),
    }
    print(machine_line())
    print(
        f"{'estimator':<40} {'max |p_onnx - p|':>16} {'labels agree':>12} {'export s':>9} "
        f"{'predict_proba s':>15} {'onnxruntime s':>13}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, est in estimators.items():
            est.fit(X, y)
            start = time.perf_counter()
            path = est.export(Path(tmp) / "model.onnx")
            export_s = time.perf_counter() - start
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            keras_s, expected = best_of(lambda est=est: est.predict_proba(X_test))
            onnx_s, proba = best_of(
                lambda session=session: session.run(["probabilities"], {"pixels": X_test})[0]
            )
            diff = float(np.abs(proba - expected).max())
            agree = float(np.mean(proba.argmax(1) == expected.argmax(1)))
            if getattr(est, "dtype_policy_", "float32") != "float32":
                name = f"{name[:-1]}: {est.dtype_policy_})"
            print(
                f"{name:<40} {diff:>16.2e} {agree:>12.4f} {export_s:>9.1f} {keras_s:>15.3f} "
                f"{onnx_s:>13.3f}"
            )


if __name__ == "__main__":
    main()
