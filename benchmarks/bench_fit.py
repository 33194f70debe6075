"""Benchmark fashionnet's Keras estimators against the plain-Keras way.

Three parts, each run in fresh child processes so that peak RSS
(``ru_maxrss``) measures one code path only:

``--lenet``
    ``LeNet5Classifier.fit`` against ``keras.Model.fit`` of the same network
    on the same 60000 images for 3 epochs with the same batch size. The
    plain-Keras baseline does what users do: ``X / 255`` as float32, padded
    to 32x32x1, one-hot labels. Wall time (median over ``--repeat`` runs) and
    peak RSS, side by side, with ratios (targets: <= 1.10 and <= 1.2), and
    the ratio of the fastest runs, which background load disturbs least.
    A callback times each epoch: the first epoch (which includes tracing
    and compiling the train step) and the steady epochs (the median of the
    others) get their own ratios (targets: <= 1.3 and <= 1.05), beside the
    set-up before the first epoch (validation and model building for
    fashionnet; scaling, padding, building and compiling for plain Keras).
    It runs on the Keras backend in use (``KERAS_BACKEND``).
``--transfer``
    ``TransferClassifier("vgg16", weights=None, input_size=48)`` for one
    epoch on 10000 images: peak RSS and time, beside the study's way of
    preparing those images (int64 frame, PIL resize image by image, float
    copies), which alone peaked at 5.2 GB for 60000 images.
``--accuracy``
    The study's LeNet-5 architecture on the full training set, scored on the
    full test set: epochs, time, accuracy (target: >= 0.89). ``--recipe``
    picks how it is trained, never what it is: ``sgd`` (default) standardises
    the pixels in the graph (as LeNet-5's paper did) and uses SGD with
    Nesterov momentum 0.9 and a cosine decay of the learning rate from 0.05
    to 0; ``study`` is the study's Adam at a fixed 1e-3 on 0..1 pixels.
``--accuracy --model resnet``
    Side by side in one run, each in a fresh process on all 60000 training
    images: ``ResNetClassifier()``'s defaults (every seed of ``--seeds``),
    its previous defaults (``RESNET_SIDES``: 12 epochs, with Keras' own
    batch normalisation instead of the fused kernel) and the plain-Keras anchor of
    issue 12 (the classic 16-32-64 ResNet with two blocks per stage, 176k
    parameters, 11 epochs, trained as a plain-Keras user would), the last
    two on the first seed. After every epoch each prints its test accuracy
    (10000 images, one view) against its cumulative fit seconds (the
    scoring left out), then the final accuracy with one view, with the
    mirror and with all its test-time views, the mean and spread over seeds, the ratios to
    the anchor, and the fit time in plain-Keras LeNet-5 epochs of this
    machine (its speed, timed in the same run). ``--figure`` saves the
    accuracy-against-time curves. ``--sides`` picks the sides, ``--epochs``
    shortens every schedule. Targets (issue 30; issue 21's CPU one was 0.940 where
    the reference epoch took 7 s): CPU >= 0.945 within 600 s
    of fit; GPU >= 0.955 within 120 s.

Run all with ``python benchmarks/bench_fit.py`` or pick parts with flags.
Timings on a loaded machine are noisy: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _harness import in_child, machine_line, peak_rss_bytes, reference_epoch, study_lenet

from fashionnet._backend import configured_backend

if configured_backend() == "tensorflow":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LENET_EPOCHS = 3
#: Training recipes of the accuracy run; the network is the study's in both.
#: "study": the study's Adam at 1e-3 on pixels scaled to 0..1 (0.8712 after
#: 40 epochs). "sgd": standardised pixels, SGD with Nesterov momentum and a
#: cosine decay from 0.05 (the sigmoids after pooling centre activations on
#: 0.5; SGD needs zero-mean inputs to make progress through them).
RECIPES = {
    "sgd": dict(standardize=True, optimizer="sgd_nesterov", learning_rate=0.05, epochs=30),
    "study": dict(standardize=False, optimizer="adam", learning_rate=1e-3, epochs=40),
}
ACCURACY_BATCH = 32

#: The recipes compared by ``--accuracy --model resnet``: ResNetClassifier's
#: defaults, and its defaults before issue 30 (12 epochs, each slower: Keras'
#: own batch normalisation instead of the fused kernel; see _resnet_run).
RESNET_SIDES = {"defaults": {}, "previous": {"epochs": 12}}
#: Epochs of issue 12's plain-Keras anchor (about 880 s on that machine).
ANCHOR_EPOCHS = 11
#: Issue 21's targets: (accuracy with TTA, fit seconds) on a CPU and on a GPU.
RESNET_TARGETS = {"cpu": (0.945, 600.0), "gpu": (0.955, 120.0)}
#: The reference epoch (bench_study.py, _harness.reference_epoch) on the
#: machine issue 30's 600 s are meant for: 4.9 s (issue 21 had 0.940 at about 7 s).
ISSUE_REFERENCE_EPOCH_S = 4.9
#: The previous defaults' fit on issue 30's machine (429 s where the
#: reference epoch took 3.6 s), scaled to a 4.9-s reference epoch.
ISSUE_PREVIOUS_FIT_S = 591.0


def _peak_rss_mb() -> float:
    return peak_rss_bytes() / 2**20


# --------------------------------------------------------------------------- LeNet


def epoch_timer():
    """A Keras callback timing the set-up, each epoch, and the compilation in the first.

    On JAX it also adds up XLA's compilations during the first epoch (count
    and seconds, from ``jax.monitoring``): they tell retracing (more
    compilations than the plain twin) from slower compilations of the same
    programs.
    """
    import keras

    backend = keras.config.backend()

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.epoch_s: list[float] = []
            self.epoch_cpu_s: list[float] = []
            self.train_begin = self._epoch_begin = 0.0
            self.compiles = 0
            self.compile_s = 0.0
            self._in_first_epoch = False
            if backend == "jax":
                import jax

                jax.monitoring.register_event_duration_secs_listener(self._on_jax_event)

        def _on_jax_event(self, event: str, duration: float, **kwargs) -> None:
            if event.endswith("backend_compile_duration") and self._in_first_epoch:
                self.compiles += 1
                self.compile_s += duration

        def on_train_begin(self, logs=None) -> None:
            self.train_begin = time.perf_counter()

        def on_epoch_begin(self, epoch, logs=None) -> None:
            self._in_first_epoch = not self.epoch_s
            self._epoch_begin = time.perf_counter()
            self._epoch_cpu_begin = time.process_time()

        def on_epoch_end(self, epoch, logs=None) -> None:
            self.epoch_s.append(time.perf_counter() - self._epoch_begin)
            self.epoch_cpu_s.append(time.process_time() - self._epoch_cpu_begin)
            self._in_first_epoch = False

        def figures(self, start: float) -> dict:
            """Set-up since ``start``, first epoch, median of the later ones, compilations."""
            later = self.epoch_s[1:] or self.epoch_s
            later_cpu = self.epoch_cpu_s[1:] or self.epoch_cpu_s
            out = {
                "setup_s": self.train_begin - start,
                "first_epoch_s": self.epoch_s[0],
                "steady_epoch_s": statistics.median(later),
                # CPU seconds of all the process's threads: what other load
                # on a shared machine disturbs least.
                "first_epoch_cpu_s": self.epoch_cpu_s[0],
                "steady_epoch_cpu_s": statistics.median(later_cpu),
            }
            if backend == "jax":
                out["compiles"] = self.compiles
                out["compile_s"] = self.compile_s
            return out

    return EpochTimer()


def _lenet_fashionnet(batch_size: int, n_images: int) -> dict:
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models import LeNet5Classifier

    X, y = load_fashion_mnist("train")
    X, y = X[:n_images], y[:n_images]
    timer = epoch_timer()
    start = time.perf_counter()
    LeNet5Classifier(
        epochs=LENET_EPOCHS, batch_size=batch_size, random_state=0, callbacks=[timer]
    ).fit(X, y)
    wall = time.perf_counter() - start
    return {"wall_s": wall, "fit_s": wall, "peak_rss_mb": _peak_rss_mb(), **timer.figures(start)}


def _compiled_study_lenet(keras):
    """The study's LeNet-5 as a plain-Keras user compiles it, seeded."""
    keras.utils.set_random_seed(0)
    model = study_lenet(keras)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _lenet_plain_keras(batch_size: int, n_images: int) -> dict:
    import keras
    import numpy as np

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    X, y = X[:n_images], y[:n_images]
    start = time.perf_counter()
    # What users do: scale to float32, pad to 32x32, add the channel axis.
    X = np.pad(X / 255, ((0, 0), (2, 2), (2, 2))).astype("float32")[..., None]
    Y = keras.utils.to_categorical(y, 10)
    model = _compiled_study_lenet(keras)
    timer = epoch_timer()
    fit_start = time.perf_counter()
    model.fit(X, Y, batch_size=batch_size, epochs=LENET_EPOCHS, verbose=0, callbacks=[timer])
    end = time.perf_counter()
    return {
        "wall_s": end - start,
        "fit_s": end - fit_start,
        "peak_rss_mb": _peak_rss_mb(),
        **timer.figures(start),
    }


def bench_lenet(repeat: int, batch_size: int, n_images: int = 60000) -> dict:
    runs = {"fashionnet": [], "keras": []}
    for _ in range(repeat):
        # Interleave so that background load hits both sides alike.
        runs["fashionnet"].append(in_child(_lenet_fashionnet, batch_size, n_images))
        runs["keras"].append(in_child(_lenet_plain_keras, batch_size, n_images))
    summary = {
        side: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for side, results in runs.items()
    }
    ours, theirs = summary["fashionnet"], summary["keras"]
    import keras

    print(
        f"\nLeNet-5, {n_images} images, {LENET_EPOCHS} epochs, batch {batch_size}, "
        f"median of {repeat} fresh processes, Keras {keras.__version__} on "
        f"{keras.config.backend()}"
    )
    print(f"{'':32}{'fashionnet':>12}{'plain Keras':>13}{'ratio':>8}")
    rows = [
        ("wall, prepare + fit (s)", "wall_s"),
        ("wall, fit only (s)", "fit_s"),
        ("set-up before epoch 1 (s)", "setup_s"),
        ("first epoch (s)", "first_epoch_s"),
        ("steady epoch (s)", "steady_epoch_s"),
        ("first epoch, CPU (s)", "first_epoch_cpu_s"),
        ("steady epoch, CPU (s)", "steady_epoch_cpu_s"),
        ("peak RSS (MB)", "peak_rss_mb"),
        ("XLA compilations in epoch 1", "compiles"),
        ("XLA compiling in epoch 1 (s)", "compile_s"),
    ]
    for label, key in rows:
        if key not in ours:
            continue
        print(f"{label:32}{ours[key]:12.1f}{theirs[key]:13.1f}{ours[key] / theirs[key]:8.2f}")
    # Background load slows single runs by up to half on a shared machine:
    # the fastest run of each side is the least disturbed one.
    best = {side: min(r["wall_s"] for r in results) for side, results in runs.items()}
    best_ratio = best["fashionnet"] / best["keras"]
    print(
        f"{'wall, fastest run (s)':32}{best['fashionnet']:12.1f}{best['keras']:13.1f}"
        f"{best_ratio:8.2f}"
    )
    ratios = {
        key: ours[key] / theirs[key]
        for key in (
            "wall_s",
            "peak_rss_mb",
            "first_epoch_s",
            "steady_epoch_s",
            "first_epoch_cpu_s",
            "steady_epoch_cpu_s",
        )
    }
    targets = [
        ("wall", "wall_s", 1.10),
        ("peak RSS", "peak_rss_mb", 1.2),
        ("first epoch", "first_epoch_s", 1.3),
        ("steady epoch", "steady_epoch_s", 1.05),
        ("first epoch CPU", "first_epoch_cpu_s", 1.3),
        ("steady epoch CPU", "steady_epoch_cpu_s", 1.05),
    ]
    print(
        "targets: "
        + "; ".join(
            f"{label} ratio {ratios[key]:.2f} <= {limit} "
            f"{'OK' if ratios[key] <= limit else 'MISSED'}"
            for label, key, limit in targets
        )
    )
    return {
        "runs": runs,
        "median": summary,
        "wall_ratio": ratios["wall_s"],
        "best_wall_ratio": best_ratio,
        "rss_ratio": ratios["peak_rss_mb"],
        "first_epoch_ratio": ratios["first_epoch_s"],
        "steady_epoch_ratio": ratios["steady_epoch_s"],
    }


# --------------------------------------------------------------------------- transfer


def _transfer_fashionnet(n_images: int) -> dict:
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models import TransferClassifier

    X, y = load_fashion_mnist("train")
    X, y = X[:n_images], y[:n_images]
    start = time.perf_counter()
    TransferClassifier("vgg16", weights=None, input_size=48, epochs=1, random_state=0).fit(X, y)
    return {"wall_s": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def _transfer_study_preparation(n_images: int) -> dict:
    # The study's preparation, verbatim in spirit: an int64 frame, three
    # channels, a PIL resize per image, then a float copy scaled by 255.
    import numpy as np
    from PIL import Image

    from fashionnet.datasets import load_fashion_mnist

    frame = load_fashion_mnist("train", as_frame=True).iloc[:n_images].astype("int64")
    start = time.perf_counter()
    pixels = frame.drop(columns="label").to_numpy().reshape(-1, 28, 28)
    rgb = np.stack([pixels] * 3, axis=-1).astype("float32")
    resized = np.asarray(
        [
            np.asarray(Image.fromarray(im.astype("uint8")).resize((48, 48)), dtype="float32")
            for im in rgb
        ]
    )
    scaled = resized / 255
    assert scaled.shape == (n_images, 48, 48, 3)
    return {"wall_s": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb()}


def bench_transfer(n_images: int) -> dict:
    ours = in_child(_transfer_fashionnet, n_images)
    study = in_child(_transfer_study_preparation, n_images)
    print(f"\nTransferClassifier('vgg16', weights=None, input_size=48), 1 epoch, {n_images} images")
    print(
        f"  fashionnet, whole fit:        peak RSS {ours['peak_rss_mb']:8.0f} MB, "
        f"{ours['wall_s']:.0f} s"
    )
    print(
        f"  study's preparation only:     peak RSS {study['peak_rss_mb']:8.0f} MB, "
        f"{study['wall_s']:.0f} s (no model, no training)"
    )
    print("  study's reported preparation peak for 60000 images: 5200 MB")
    return {"fashionnet": ours, "study_preparation": study}


# --------------------------------------------------------------------------- accuracy


def _recipe_estimator(recipe: dict, n_images: int):
    """The study's LeNet-5 with a recipe's training settings."""
    import math

    import keras

    from fashionnet.models import LeNet5Classifier

    learning_rate, optimizer = recipe["learning_rate"], recipe["optimizer"]
    if optimizer == "sgd_nesterov":
        optimizer = keras.optimizers.SGD(momentum=0.9, nesterov=True)
        steps = recipe["epochs"] * math.ceil(n_images / ACCURACY_BATCH)
        learning_rate = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    return LeNet5Classifier(
        standardize=recipe["standardize"],
        optimizer=optimizer,
        learning_rate=learning_rate,
        batch_size=ACCURACY_BATCH,
        epochs=recipe["epochs"],
        random_state=0,
    )


def _accuracy_run(recipe: dict) -> dict:
    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    start = time.perf_counter()
    clf = _recipe_estimator(recipe, X.shape[0]).fit(X, y)
    wall = time.perf_counter() - start
    return {
        "epochs": len(clf.history_),
        "fit_s": wall,
        "train_accuracy": float(clf.history_["accuracy"].iloc[-1]),
        "test_accuracy": clf.score(X_test, y_test),
    }


def _test_curve(X_test, y_test, prepare=None):
    """A Keras callback: test accuracy after every epoch against the fit's seconds so far.

    The scoring (one view per image, no test-time augmentation) is timed
    and left out of the fit's seconds. ``prepare`` turns the test images
    into what the model takes (the plain-Keras anchor's float copy).
    """
    import keras
    import numpy as np

    images = X_test if prepare is None else prepare(X_test)

    class TestCurve(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.rows, self.scoring_s = [], 0.0
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            begin = time.perf_counter()
            proba = self.model.predict(images, batch_size=1000, verbose=0)
            accuracy = float(np.mean(np.argmax(proba, axis=1) == y_test))
            self.rows.append(
                {
                    "epoch": epoch + 1,
                    "fit_s": begin - self._start - self.scoring_s,
                    "test_accuracy": accuracy,
                    "load": os.getloadavg()[0],
                }
            )
            self.scoring_s += time.perf_counter() - begin

    return TestCurve()


def _anchor_network(keras, mean: float, std: float):
    """Issue 12's plain-Keras anchor: the classic 16-32-64 ResNet, 2 blocks per stage (176k)."""
    layers = keras.layers
    decay = keras.regularizers.L2(5e-4 / 2)

    def conv(x, filters, kernel=3, strides=1):
        x = layers.Conv2D(
            filters, kernel, strides=strides, padding="same", use_bias=False,
            kernel_initializer="he_normal", kernel_regularizer=decay,
        )(x)
        return layers.BatchNormalization(momentum=0.9)(x)

    inputs = keras.Input((28, 28, 1))
    x = layers.RandomFlip("horizontal")(inputs)
    x = layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=0.0)(x)
    x = layers.Rescaling(1 / std, offset=-mean / std)(x)
    x = layers.ReLU()(conv(x, 16))
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(2):
            strides = 2 if stage and not block else 1
            y = layers.ReLU()(conv(x, filters, strides=strides))
            y = conv(y, filters)
            shortcut = conv(x, filters, 1, strides) if strides > 1 else x
            x = layers.ReLU()(layers.Add()([shortcut, y]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=decay)(x)
    return keras.Model(inputs, outputs)


def _anchor_run(seed: int, epochs: int) -> dict:
    """The anchor as a plain-Keras user trains it: floats in 0..1, one-hot labels, model.fit."""
    import keras
    import numpy as np

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    start = time.perf_counter()

    def prepare(images):
        return (images.astype("float32") / 255)[..., None]

    X = prepare(X)
    Y = keras.utils.to_categorical(y, 10)
    keras.utils.set_random_seed(seed)
    model = _anchor_network(keras, float(X.mean()), float(X.std()))
    steps = epochs * -(-len(X) // 128)
    warmup = int(0.05 * steps)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, steps - warmup, warmup_target=0.1, warmup_steps=warmup
    )
    model.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy"],
    )
    curve = _test_curve(X_test, y_test, prepare)
    model.fit(X, Y, batch_size=128, epochs=epochs, verbose=0, callbacks=[curve])
    fit_s = time.perf_counter() - start - curve.scoring_s
    test = prepare(X_test)
    plain = model.predict(test, batch_size=1000, verbose=0)
    mirrored = model.predict(test[:, :, ::-1], batch_size=1000, verbose=0)
    with_mirror = float(np.mean((plain + mirrored).argmax(1) == y_test))
    return {
        "side": "anchor",
        "seed": seed,
        "n_parameters": int(model.count_params()),
        "epochs": epochs,
        "fit_s": fit_s,
        "curve": curve.rows,
        "test_accuracy": float(np.mean(plain.argmax(1) == y_test)),
        # The anchor's test-time views are the image and its mirror.
        "test_accuracy_mirror": with_mirror,
        "test_accuracy_tta": with_mirror,
        "tta": "mirror",
    }


def _resnet_run(side: str, seed: int, epochs: int | None) -> dict:
    """``ResNetClassifier`` with the recipe of ``side``, its test curve and final accuracies."""
    import keras

    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.models.resnet import ResNetClassifier

    if side == "previous":
        # Before issue 30 the network normalised with Keras' own layer; this
        # child process only builds the previous recipe.
        from fashionnet.models import residual

        residual.FusedBatchNormalization = keras.layers.BatchNormalization
    X, y = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    curve = _test_curve(X_test, y_test)
    params = {**RESNET_SIDES[side], "random_state": seed, "callbacks": [curve]}
    if epochs is not None:
        params["epochs"] = epochs
    clf = ResNetClassifier(**params)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_s = time.perf_counter() - start - curve.scoring_s
    views = len(clf._tta_views(X_test[:1]))
    accuracy_tta = clf.score(X_test, y_test)
    accuracy_mirror = clf.set_params(tta_shift=0).score(X_test, y_test)
    accuracy = clf.set_params(tta=False).score(X_test, y_test)
    return {
        "side": side,
        "seed": seed,
        "n_parameters": int(clf.model_.count_params()),
        "dtype_policy": clf.dtype_policy_,
        "epochs": len(clf.history_),
        "fit_s": fit_s,
        "curve": curve.rows,
        "test_accuracy": accuracy,
        "test_accuracy_mirror": accuracy_mirror,
        "test_accuracy_tta": accuracy_tta,
        "tta": f"{views} views",
        "device": "gpu" if keras.backend.backend() == "tensorflow" and _has_gpu() else "cpu",
    }


def _has_gpu() -> bool:
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


def _spread(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} +- {statistics.stdev(values):.4f}"


def bench_resnet(
    seeds: list[int], sides: list[str], epochs: int | None, figure: str | None
) -> dict:
    """The recipe's accuracy against fit seconds, beside the previous defaults and the anchor.

    Every side trains on all 60000 training images in a fresh process and is
    scored on all 10000 test images after every epoch. The new defaults run
    for every seed; the other sides for the first seed only.
    """
    print(f"\nResNetClassifier against time, full data ({machine_line()})")
    print(
        "  this machine's speed is timed before every run: one plain-Keras LeNet-5 epoch "
        "(60000 images, batch 32), the 'reference epoch'"
    )
    runs = []
    # The first seed of every side first, then the defaults' other seeds, so
    # that the sides compared in one row are timed close together.
    order = [(side, seeds[0]) for side in sides]
    order += [("defaults", seed) for seed in seeds[1:] if "defaults" in sides]
    for side, seed in order:
        reference = in_child(reference_epoch)["seconds"]
        if side == "anchor":
            run = in_child(_anchor_run, seed, epochs or ANCHOR_EPOCHS)
        else:
            run = in_child(_resnet_run, side, seed, epochs)
        run["reference_epoch_s"] = reference
        runs.append(run)
        print(
            f"  {side}, seed {seed} (reference epoch {reference:.1f} s): epoch, cumulative "
            "fit s, test accuracy (one view)"
        )
        for row in run["curve"]:
            print(
                f"    {row['epoch']:3d} {row['fit_s']:8.1f} {row['test_accuracy']:.4f}"
                f"   (load {row['load']:.1f})"
            )
        print(
            f"    fit {run['fit_s']:.0f} s = {run['fit_s'] / reference:.0f} reference epochs; "
            f"test accuracy {run['test_accuracy']:.4f}, with the mirror "
            f"{run['test_accuracy_mirror']:.4f}, with TTA ({run['tta']}) "
            f"{run['test_accuracy_tta']:.4f}"
        )
    print(
        f"\n  {'side':<10}{'seeds':>6}{'epochs':>7}{'fit s':>8}{'ref. ep.':>9}"
        f"{'test accuracy':>22}{'with mirror':>22}{'with TTA':>22}"
    )
    summary = {}
    for side in sides:
        mine = [r for r in runs if r["side"] == side]
        fit = [r["fit_s"] for r in mine]
        relative = [r["fit_s"] / r["reference_epoch_s"] for r in mine]
        summary[side] = {
            "seeds": [r["seed"] for r in mine],
            "fit_s": statistics.mean(fit),
            "fit_reference_epochs": statistics.mean(relative),
            "test_accuracy": statistics.mean(r["test_accuracy"] for r in mine),
            "test_accuracy_mirror": statistics.mean(r["test_accuracy_mirror"] for r in mine),
            "test_accuracy_tta": statistics.mean(r["test_accuracy_tta"] for r in mine),
        }
        print(
            f"  {side:<10}{len(mine):>6}{mine[0]['epochs']:>7}{statistics.mean(fit):>8.0f}"
            f"{statistics.mean(relative):>9.0f}"
            f"{_spread([r['test_accuracy'] for r in mine]):>22}"
            f"{_spread([r['test_accuracy_mirror'] for r in mine]):>22}"
            f"{_spread([r['test_accuracy_tta'] for r in mine]):>22}"
        )
    if "anchor" in summary:
        anchor = summary["anchor"]
        for side, facts in summary.items():
            if side != "anchor":
                print(
                    f"  {side} / anchor: fit time {facts['fit_s'] / anchor['fit_s']:.2f}, "
                    f"test error with TTA "
                    f"{(1 - facts['test_accuracy_tta']) / (1 - anchor['test_accuracy_tta']):.2f}"
                )
    if "defaults" in summary:
        target, budget = RESNET_TARGETS[runs[0].get("device", "cpu")]
        facts = summary["defaults"]
        accurate = facts["test_accuracy_tta"] >= target
        relative_budget = budget / ISSUE_REFERENCE_EPOCH_S
        in_time = facts["fit_reference_epochs"] <= relative_budget
        print(
            f"  target: >= {target} within {budget:.0f} s of fit: "
            f"{facts['test_accuracy_tta']:.4f} in {facts['fit_s']:.0f} s "
            f"{'met' if accurate and facts['fit_s'] <= budget else 'NOT met'}; in this "
            f"machine's speed, {budget:.0f} s where the reference epoch took "
            f"{ISSUE_REFERENCE_EPOCH_S} s is {relative_budget:.0f} reference epochs: "
            f"{facts['fit_reference_epochs']:.0f} "
            f"{'met' if accurate and in_time else 'NOT met'}"
        )
    if "defaults" in summary and "previous" in summary:
        # Issue 30 measured the previous defaults at 429 s of fit where the
        # reference epoch took 3.6 s (591 s scaled to 4.9 s): the ratio of
        # the two sides' fit times carries that over without the reference
        # epoch, whose speed against the ResNet's differs between machines.
        ratio = summary["defaults"]["fit_s"] / summary["previous"]["fit_s"]
        print(
            f"  defaults / previous: fit time {ratio:.2f}; at that ratio, on issue 30's "
            f"machine (previous defaults {ISSUE_PREVIOUS_FIT_S:.0f} s scaled to a "
            f"{ISSUE_REFERENCE_EPOCH_S}-s reference epoch) the defaults take "
            f"{ratio * ISSUE_PREVIOUS_FIT_S:.0f} s"
        )
    if figure:
        _plot_curves(runs, figure)
        print(f"  figure: {figure}")
    return {"runs": runs, "summary": summary}


def _plot_curves(runs: list[dict], path: str) -> None:
    """Test accuracy against cumulative fit seconds, one line per run; TTA as a last point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"defaults": "tab:blue", "previous": "tab:orange", "anchor": "tab:grey"}
    labels = {
        "defaults": "ResNetClassifier() defaults",
        "previous": "previous defaults",
        "anchor": "plain-Keras 16-32-64 ResNet",
    }
    fig, ax = plt.subplots(figsize=(7, 4.2))
    seen = set()
    for run in runs:
        seconds = [row["fit_s"] for row in run["curve"]]
        accuracy = [row["test_accuracy"] for row in run["curve"]]
        side = run["side"]
        ax.plot(
            seconds, accuracy, marker=".", color=colours[side], alpha=0.8,
            label=None if side in seen else labels[side],
        )
        ax.plot(seconds[-1], run["test_accuracy_tta"], marker="*", markersize=10,
                color=colours[side])
        seen.add(side)
    ax.set_xlabel("fit seconds (2 CPU cores)")
    ax.set_ylabel("test accuracy (10000 images)")
    ax.set_ylim(0.88, 0.95)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", title="star: with test-time augmentation")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bench_accuracy(recipe_name: str, epochs: int | None) -> dict:
    recipe = dict(RECIPES[recipe_name])
    if epochs is not None:
        recipe["epochs"] = epochs
    result = in_child(_accuracy_run, recipe)
    result["recipe"] = {"name": recipe_name, **recipe, "batch_size": ACCURACY_BATCH}
    print(f"\nStudy's LeNet-5 architecture, full data, recipe {result['recipe']}")
    print(
        f"  epochs {result['epochs']}, fit {result['fit_s']:.0f} s "
        f"({result['fit_s'] / result['epochs']:.1f} s/epoch), "
        f"train accuracy {result['train_accuracy']:.4f}, "
        f"test accuracy {result['test_accuracy']:.4f} (target >= 0.89; study 0.854, "
        f"0.883 with CV) {'OK' if result['test_accuracy'] >= 0.89 else 'MISSED'}"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lenet", action="store_true", help="LeNet-5 vs plain Keras")
    parser.add_argument("--transfer", action="store_true", help="VGG16 peak RSS")
    parser.add_argument("--accuracy", action="store_true", help="full-data test accuracy")
    parser.add_argument(
        "--model",
        choices=("lenet", "resnet"),
        default="lenet",
        help="network of the accuracy run: the study's LeNet-5 or ResNetClassifier",
    )
    parser.add_argument(
        "--seeds", default="0", help="comma-separated seeds of the resnet defaults, e.g. 0,1,2"
    )
    parser.add_argument(
        "--sides",
        default="defaults,previous,anchor",
        help="resnet sides to run: defaults, previous, anchor",
    )
    parser.add_argument("--figure", help="save the resnet accuracy-against-time curves here")
    parser.add_argument("--repeat", type=int, default=5, help="LeNet runs per side")
    parser.add_argument("--batch-size", type=int, default=32, help="LeNet batch size")
    parser.add_argument(
        "--lenet-images",
        type=int,
        default=60000,
        help="LeNet training images (few, with a large batch, isolate the compilation)",
    )
    parser.add_argument("--transfer-images", type=int, default=10000)
    parser.add_argument(
        "--recipe", choices=sorted(RECIPES), default="sgd", help="training of LeNet's accuracy run"
    )
    parser.add_argument(
        "--epochs", type=int, help="epochs of the accuracy run (the recipe's or model's default)"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    run_all = not (args.lenet or args.transfer or args.accuracy)
    results = {}
    if run_all or args.lenet:
        results["lenet"] = bench_lenet(args.repeat, args.batch_size, args.lenet_images)
    if run_all or args.transfer:
        results["transfer"] = bench_transfer(args.transfer_images)
    if (run_all or args.accuracy) and args.model == "lenet":
        results["accuracy"] = bench_accuracy(args.recipe, args.epochs)
    if args.accuracy and args.model == "resnet":
        sides = [side for side in args.sides.split(",") if side]
        unknown = sorted(set(sides) - {"defaults", "previous", "anchor"})
        if unknown:
            parser.error(f"unknown --sides {unknown}; use defaults, previous, anchor")
        seeds = [int(seed) for seed in args.seeds.split(",")]
        results["resnet"] = bench_resnet(seeds, sides, args.epochs, args.figure)
    if args.json:
        from fashionnet._io import write_json

        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
