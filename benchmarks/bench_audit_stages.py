"""The study's audit stages beyond the study at the quick profile's sizes, and planted label flips.

Three measurements, in this order, in one process:

1. the speed reference of the machine: one epoch of the study's LeNet-5 in
   plain Keras (no fashionnet) on 10000 images, batches of 128;
2. the study's ``near_duplicates`` and ``label_issues`` stages as the quick
   profile runs them (all 60000 training images against all 10000 test
   images; out-of-fold probabilities of the fast LeNet-5 with the quick
   profile's ``label_issue_params`` and folds), with their seconds, the
   counts, the out-of-fold accuracy and the ten top suspected label errors;
3. the recall of planted label flips: ``--flip-share`` of ``--flip-images``
   real training images moved to a random other class, scored with the same
   fast LeNet-5: the share of the flips that ``label_issues`` flags, and the
   share among its top ``n_flips``.

Run under the team's CPU lock (about 3 minutes on 2 cores)::

    flock /tmp/fashionnet-cpu.lock python benchmarks/bench_audit_stages.py
    python benchmarks/bench_audit_stages.py --skip-stages --flip-images 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def plain_keras_epoch(X: np.ndarray, y: np.ndarray) -> float:
    """Seconds of one epoch of the study's LeNet-5 in plain Keras (after a warm-up step)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.ZeroPadding2D(2),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(6, 5, activation="tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(16, 5, activation="tanh"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(120, activation="tanh"),
            keras.layers.Dense(84, activation="tanh"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy")
    images = X[..., None].astype("float32")
    model.fit(images[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # build and trace
    start = time.perf_counter()
    model.fit(images, y, batch_size=128, epochs=1, verbose=0)
    return time.perf_counter() - start


def quick_stages(profile: str) -> None:
    from fashionnet.progress import ProgressStream
    from fashionnet.study import data_quality as stages
    from fashionnet.study.profiles import PROFILES

    QUICK = PROFILES[profile]
    from fashionnet.study.workspace import StudyData, StudyFiles

    data = StudyData()
    data.split("train"), data.split("test")  # loading is not the stages' cost
    with tempfile.TemporaryDirectory() as out:
        files = StudyFiles(Path(out))
        start = time.perf_counter()
        near = stages.near_duplicates(data=data, files=files, size=QUICK.near_duplicate_size)
        near_seconds = time.perf_counter() - start
        start = time.perf_counter()
        labels = stages.suspected_label_errors(
            data=data, files=files, progress=ProgressStream(None), profile=QUICK
        )
        label_seconds = time.perf_counter() - start
    print(
        f"near_duplicates stage: {near_seconds:.1f} s (search within train "
        f"{near['train_seconds']:.1f} s, test against train {near['test_seconds']:.1f} s); "
        f"{near['train_pairs']} pairs within train ({near['train_images_in_pairs']} images), "
        f"{near['test_train_pairs']} test-train pairs, {near['test_images_with_twin']} test "
        f"images with a twin ({100 * near['test_twin_share']:.2f} %), "
        f"{near['test_twins_other_label']} of them with another label"
    )
    print(
        f"label_issues stage: {label_seconds:.1f} s (out-of-fold fits {labels['fit_seconds']:.1f}"
        f" s, outliers {labels['outlier_seconds']:.1f} s); {labels['images']} images, "
        f"{labels['cv']} folds, LeNet-5 {labels['params']}: out-of-fold accuracy "
        f"{labels['oof_accuracy']:.4f}; {labels['n_label_issues']} flagged "
        f"({100 * labels['label_issue_share']:.2f} %)"
    )
    print(f"both stages: {near_seconds + label_seconds:.1f} s")
    from fashionnet.datasets import CLASS_NAMES

    print("\nthe ten top suspected label errors (training split):")
    print(f"{'index':>6s}  {'given':14s} {'predicted':14s} {'label quality':>13s}")
    for r in labels["top_label_issues"]:
        print(
            f"{r['index']:6d}  {CLASS_NAMES[r['given_label']]:14s} "
            f"{CLASS_NAMES[r['predicted_label']]:14s} {r['label_quality']:13.4f}"
        )


def planted_flips(n_images: int, share: float, profile: str) -> None:
    from fashionnet.audit import label_issues
    from fashionnet.datasets import load_fashion_mnist, stratified_subset
    from fashionnet.models import LeNet5Classifier
    from fashionnet.study.profiles import PROFILES

    QUICK = PROFILES[profile]

    X, y = stratified_subset(*load_fashion_mnist("train"), n_images, random_state=0)
    rng = np.random.default_rng(0)
    flips = rng.choice(n_images, int(share * n_images), replace=False)
    noisy = y.copy()
    noisy[flips] = (y[flips] + rng.integers(1, 10, len(flips))) % 10
    lenet = LeNet5Classifier(**QUICK.label_issue_params, random_state=0)
    start = time.perf_counter()
    issues = label_issues(lenet, X, noisy, cv=QUICK.label_issue_cv)
    seconds = time.perf_counter() - start
    planted = set(flips.tolist())
    flagged = set(issues["index"].tolist())
    top = set(issues["index"][: len(planted)].tolist())
    print(
        f"\nplanted flips: {len(planted)} of {n_images} images ({100 * share:g} %), "
        f"{QUICK.label_issue_cv} folds, {seconds:.1f} s: {len(issues)} flagged; recall "
        f"{len(planted & flagged) / len(planted):.3f} (flips flagged), precision "
        f"{len(planted & flagged) / max(1, len(flagged)):.3f}; recall among the top "
        f"{len(planted)}: {len(planted & top) / len(planted):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-stages", action="store_true", help="only the planted flips")
    parser.add_argument("--flip-images", type=int, default=10000)
    parser.add_argument("--flip-share", type=float, default=0.05)
    parser.add_argument("--profile", default="quick", help="whose stage settings (quick)")
    parser.add_argument("--reference-images", type=int, default=10000)
    args = parser.parse_args()

    from _harness import machine_line

    from fashionnet.datasets import load_fashion_mnist

    print(machine_line())
    X, y = load_fashion_mnist("train")
    n = args.reference_images
    reference = plain_keras_epoch(X[:n], y[:n])
    print(f"plain Keras LeNet-5, one epoch on {n} images: {reference:.2f} s")
    if not args.skip_stages:
        quick_stages(args.profile)
    planted_flips(args.flip_images, args.flip_share, args.profile)


if __name__ == "__main__":
    main()
