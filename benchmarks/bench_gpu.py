"""One run on one GPU: epoch times, accuracy, a search, the studies, in one table.

For every registered model (LeNet-5, the compact ResNet of
``ResNetClassifier``, VGG16 and ResNet152V2 as ``TransferClassifier`` at
48x48x3 with ``weights=None``, and any model registered since) on all 60000 training
images: the first epoch (tracing and compiling included) and the median
steady epoch, timed by a callback, and the accuracy on the 10000 test images;
beside them the same network in plain Keras where a plain twin exists
(LeNet-5: the study's network on ``X / 255`` padded to 32x32; a backbone:
``keras.applications`` with the same frozen layers and head on images
resized, stacked and ``preprocess_input``-ed beforehand). Then a 3-trial
:class:`~fashionnet.tuning.KerasTunerSearchCV` of LeNet-5, the wall times
of the ``smoke`` and ``quick`` studies, and an estimate of the ``full``
profile's wall time from the measured epoch times (target <= 30 minutes).

It runs on the Keras backend in use (``KERAS_BACKEND``) and needs no
internet: the data comes from ``FASHIONNET_DATA`` (or Debian's package), and
the studies fall back to random weights when ImageNet's cannot be
downloaded. Budget: under 8 minutes on one H100 (an aim: it has not run on a
GPU yet).

Every fit, the search and each study run in a fresh process, one after the
other: the first model trained in a process pays the device's one-time
start-up (on a GPU: its context, cuDNN and cuBLAS handles, autotuning), so
two sides timed in one process would charge it to whichever came first.

On JAX, LeNet-5 and the compact ResNet are also fitted with
``distribution=None`` and ``distribution="data_parallel"`` (Keras'
``DataParallel`` over every local device): on one GPU the ratio of the two
is the overhead of the distributed path, on several its speed-up
(``--distribution-only`` runs just that part, ``--models`` picks among the two;
other backends skip it).

``--tiny`` checks the script on a CPU in a minute or two: 512 images, the
models that are not ImageNet backbones (compiling ResNet152V2 alone takes
minutes on a CPU; ``--models`` adds them back, 32x32), the search, no study
(``--studies smoke`` adds one); its times mean little.

Usage::

    KERAS_BACKEND=jax python benchmarks/bench_gpu.py [--tiny] [--models lenet5,vgg16]
        [--studies smoke,quick] [--skip-search] [--distribution-only] [--json results.json]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass

from _harness import in_child
from bench_fit import _compiled_study_lenet, epoch_timer

EPOCHS = 3  # the first and two steady epochs
BATCH = 128
INPUT_SIZE = 48


@dataclass
class Scale:
    """How much data and how large inputs one run uses."""

    train: int | None  # None: all 60000
    test: int | None
    input_size: int
    studies: tuple[str, ...]
    pretrained: bool  # whether the ImageNet backbones run by default


FULL_SCALE = Scale(None, None, INPUT_SIZE, ("smoke", "quick"), pretrained=True)
TINY_SCALE = Scale(512, 256, 32, (), pretrained=False)


# --------------------------------------------------------------------------- device


def device_line() -> str:
    """The backend, its version and the device it computes on."""
    import keras

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        where = f"{device.platform}: {getattr(device, 'device_kind', device)}"
        version = jax.__version__
    elif backend == "torch":
        import torch

        cuda = torch.cuda.is_available()
        where = f"cuda: {torch.cuda.get_device_name(0)}" if cuda else "cpu"
        version = torch.__version__
    else:
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
        where = f"gpu: {details.get('device_name', gpus[0].name)}" if gpus else "cpu"
        version = tf.__version__
    return f"Keras {keras.__version__} on {backend} {version}, {where}"


# --------------------------------------------------------------------------- data


def load(scale: Scale):
    from fashionnet.datasets import load_fashion_mnist, stratified_subset

    X, y = load_fashion_mnist("train")
    X_test, y_test = load_fashion_mnist("test")
    if scale.train is not None:
        X, y = stratified_subset(X, y, scale.train, random_state=0)
        X_test, y_test = stratified_subset(X_test, y_test, scale.test, random_state=0)
    return X, y, X_test, y_test


# --------------------------------------------------------------------------- models


def _fashionnet_run(spec, scale: Scale, data, distribution: str | None = None) -> dict:
    """Fit a registered model for EPOCHS epochs; time its epochs and score it."""
    X, y, X_test, y_test = data
    names = set(spec.parameter_names())
    params = {"epochs": EPOCHS, "batch_size": BATCH, "random_state": 0}
    if distribution is not None:
        params["distribution"] = distribution
    if "weights" in names:
        params["weights"] = None
    if "trainable_layers" in names:
        # The study's fine-tuning depth, as the plain twin trains it (with
        # weights=None the estimator would train every layer).
        from fashionnet.models.transfer import get_backbone

        params["trainable_layers"] = get_backbone(spec.params["backbone"]).trainable_layers
    if "input_size" in names:
        params["input_size"] = scale.input_size
    timer = epoch_timer()
    estimator = spec.make(**{k: v for k, v in params.items() if k in names}, callbacks=[timer])
    start = time.perf_counter()
    estimator.fit(X, y)
    figures = timer.figures(start)
    figures["accuracy"] = estimator.score(X_test, y_test)
    figures["wall_s"] = time.perf_counter() - start
    # What the full profile trains for where its plan does not say.
    figures["default_epochs"] = type(estimator)().get_params()["epochs"]
    return figures


def _plain_lenet(scale: Scale, data) -> dict:
    import keras
    import numpy as np

    X, y, X_test, y_test = data
    start = time.perf_counter()

    def prepare(images):
        return np.pad(images / 255, ((0, 0), (2, 2), (2, 2))).astype("float32")[..., None]

    model = _compiled_study_lenet(keras)
    return _plain_fit(model, prepare, data, start)


def _plain_transfer(spec, scale: Scale, data) -> dict | None:
    """The backbone of a TransferClassifier entry in plain Keras, or None for other models."""
    import keras

    from fashionnet.models.transfer import TransferClassifier, get_backbone
    from fashionnet.preprocessing import ChannelStacker, ImageResizer

    if not issubclass(spec.load(), TransferClassifier):
        return None
    backbone = get_backbone(spec.params["backbone"])
    defaults = spec.make().get_params()
    size = scale.input_size
    module = getattr(keras.applications, backbone.module)
    start = time.perf_counter()

    def prepare(images):
        rgb = ChannelStacker(3).transform(ImageResizer((size, size)).transform(images))
        return module.preprocess_input(rgb.astype("float32"))

    keras.utils.set_random_seed(0)
    base = backbone.build(size, None)
    trainable = backbone.trainable_layers
    for layer in base.layers[: max(len(base.layers) - trainable, 0)]:
        layer.trainable = False
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Flatten()(base(inputs))
    for item in defaults["head"] or backbone.head:
        if isinstance(item, float):
            x = keras.layers.Dropout(item)(x)
        else:
            x = keras.layers.Dense(int(item), activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(defaults["learning_rate"]),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return _plain_fit(model, prepare, data, start)


def _plain_fit(model, prepare, data, start: float) -> dict:
    import keras
    import numpy as np

    X, y, X_test, y_test = data
    inputs = prepare(X)
    timer = epoch_timer()
    model.fit(
        inputs,
        keras.utils.to_categorical(y, 10),
        batch_size=BATCH,
        epochs=EPOCHS,
        shuffle=True,
        verbose=0,
        callbacks=[timer],
    )
    figures = timer.figures(start)
    proba = model.predict(prepare(X_test), batch_size=256, verbose=0)
    figures["accuracy"] = float(np.mean(np.argmax(proba, axis=1) == y_test))
    figures["wall_s"] = time.perf_counter() - start
    return figures


def _fashionnet_child(key: str, scale: Scale, distribution: str | None = None) -> dict:
    from fashionnet.registry import get_model

    return _fashionnet_run(get_model(key), scale, load(scale), distribution)


def _plain_child(key: str, scale: Scale) -> dict | None:
    from fashionnet.registry import get_model

    if key == "lenet5":
        return _plain_lenet(scale, load(scale))
    return _plain_transfer(get_model(key), scale, load(scale))


def _has_plain_twin(spec) -> bool:
    """LeNet-5 and the backbones have one (read from the registry, without importing Keras)."""
    return spec.key == "lenet5" or spec.class_name == "TransferClassifier"


def bench_models(scale: Scale, keys: list[str] | None) -> list[dict]:
    """Each registered model, then its plain twin, each in a fresh process."""
    from fashionnet.registry import registered_models

    rows = []
    for spec in registered_models():
        if keys is not None and spec.key not in keys:
            continue
        if keys is None and spec.pretrained and not scale.pretrained:
            continue
        ours = in_child(_fashionnet_child, spec.key, scale)
        plain = in_child(_plain_child, spec.key, scale) if _has_plain_twin(spec) else None
        rows.append({"key": spec.key, "display": spec.display, "fashionnet": ours, "plain": plain})
        print(f"  {spec.display}: done", file=sys.stderr)
    return rows


# --------------------------------------------------------------------------- distribution

#: The models fitted with and without ``distribution="data_parallel"``.
DISTRIBUTED_MODELS = ("lenet5", "resnet")


def _distribution_devices() -> list[str] | None:
    """The devices ``"data_parallel"`` spans, or None where Keras' backend has none."""
    import keras

    if keras.config.backend() != "jax":
        return None
    return keras.distribution.list_devices()


def bench_distribution(scale: Scale, keys: list[str] | None) -> dict | None:
    """LeNet-5 and the compact ResNet (those of ``keys``, if given) with and without
    ``distribution="data_parallel"``."""
    devices = in_child(_distribution_devices)
    if devices is None:
        print("  distribution: skipped, Keras' backend here is not JAX", file=sys.stderr)
        return None
    rows = []
    for key in DISTRIBUTED_MODELS:
        if keys is not None and key not in keys:
            continue
        one = in_child(_fashionnet_child, key, scale, None)
        spread = in_child(_fashionnet_child, key, scale, "data_parallel")
        rows.append({"key": key, "none": one, "data_parallel": spread})
        print(f"  {key} with and without data_parallel: done", file=sys.stderr)
    return {"devices": devices, "rows": rows}


def distribution_table(result: dict) -> str:
    """The two fits of each model side by side, as ratios data_parallel / None."""
    from fashionnet.rendering import markdown_table

    header = [
        "model",
        "None: first / steady epoch (s)",
        "data_parallel: first / steady epoch (s)",
        "ratios first / steady",
        "accuracy None / data_parallel",
    ]
    rows = []
    for row in result["rows"]:
        one, spread = row["none"], row["data_parallel"]
        rows.append(
            [
                row["key"],
                f"{one['first_epoch_s']:.2f} / {one['steady_epoch_s']:.2f}",
                f"{spread['first_epoch_s']:.2f} / {spread['steady_epoch_s']:.2f}",
                f"{spread['first_epoch_s'] / one['first_epoch_s']:.2f} / "
                f"{spread['steady_epoch_s'] / one['steady_epoch_s']:.2f}",
                f"{one['accuracy']:.4f} / {spread['accuracy']:.4f}",
            ]
        )
    devices = ", ".join(result["devices"])
    title = f"distribution='data_parallel' over {len(result['devices'])} device(s): {devices}"
    return f"{title}\n\n" + markdown_table(header, rows)


# --------------------------------------------------------------------------- search, studies


def bench_search(scale: Scale) -> dict:
    """A 3-trial random search of LeNet-5's learning rate and batch size."""
    from fashionnet.models import LeNet5Classifier
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    X, y, X_test, y_test = load(scale)
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        search = KerasTunerSearchCV(
            LeNet5Classifier(epochs=2, batch_size=BATCH, random_state=0),
            {"learning_rate": LogUniform(1e-4, 1e-2), "batch_size": [64, 128]},
            max_trials=3,
            directory=directory,
            random_state=0,
        ).fit(X, y)
        wall = time.perf_counter() - start
    return {"wall_s": wall, "accuracy": search.score(X_test, y_test), "trials": 3}


def bench_study(profile: str) -> dict:
    from fashionnet.study import run_study

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_study(profile, out, progress=None)
        wall = time.perf_counter() - start
    stages = {name: float(s) for name, s in result.metrics.get("stage_seconds", {}).items()}
    return {"wall_s": wall, "stage_s": stages}


# --------------------------------------------------------------------------- estimate


def estimate_full(models: list[dict], studies: dict, measured_images: int) -> dict | None:
    """Seconds the ``full`` profile should take here, from the measured epochs.

    Each model's steady epoch, measured on ``measured_images`` images, gives
    its time per image. LeNet-5's is taken at batch 128 and assumed to hold
    at batch 32 and 64 per step (small networks on a GPU are bound by the
    step count, not the batch); every LeNet-5 fit runs all its epochs (early
    stopping only shortens them), so that part is an upper bound. Stages
    that train nothing take what they took in the quick run, if it ran.
    Models of the profile that were not measured are listed in ``missing``.
    """
    from fashionnet.study.profiles import FULL

    measured = {row["key"]: row["fashionnet"] for row in models}
    if "lenet5" not in measured:
        return None
    lenet = measured["lenet5"]
    step_s = lenet["steady_epoch_s"] / math.ceil(measured_images / BATCH)
    compile_s = max(lenet["first_epoch_s"] - lenet["steady_epoch_s"], 0.0)
    mean_epochs = statistics.mean(FULL.epochs)

    def lenet_fit_s(n_images: int) -> float:
        steps = statistics.mean(math.ceil(n_images / b) for b in FULL.batch_sizes)
        return compile_s + mean_epochs * steps * step_s

    train = 60000
    # The search holds out its validation_split (0.2); each CV fold trains on
    # (k-1)/k of the data less the early-stopping split (0.2).
    parts = {
        "tuning": FULL.max_trials * lenet_fit_s(int(train * 0.8)),
        "cross-validation": FULL.cv_folds
        * lenet_fit_s(int(train * (FULL.cv_folds - 1) / FULL.cv_folds * 0.8)),
    }
    missing = []
    for plan in FULL.models:
        if plan.model not in measured:
            missing.append(plan.model)
            continue
        run = measured[plan.model]
        images = (1 - plan.params.get("validation_split", 0.0)) * (plan.train_size or train)
        if "epochs" in plan.params:
            epochs = plan.params["epochs"]
        else:  # a tuned plan trains as the search found; others as the model's default
            epochs = mean_epochs if plan.tuned else run.get("default_epochs", mean_epochs)
        if plan.model == "lenet5":
            batches = (
                [plan.params["batch_size"]] if "batch_size" in plan.params else FULL.batch_sizes
            )
            steps = statistics.mean(math.ceil(images / b) for b in batches)
            seconds = compile_s + epochs * steps * step_s
        else:
            compile_s_model = max(run["first_epoch_s"] - run["steady_epoch_s"], 0.0)
            seconds = compile_s_model + epochs * run["steady_epoch_s"] * images / measured_images
        parts[plan.stage] = parts.get(plan.stage, 0.0) + seconds
    quick = studies.get("quick", {}).get("stage_s", {})
    trained = {"tuning", "cross_validation", *(plan.stage for plan in FULL.models)}
    parts["other stages (as in the quick run)"] = sum(
        s for name, s in quick.items() if name not in trained
    )
    return {"total_s": sum(parts.values()), "parts_s": parts, "missing": missing}


# --------------------------------------------------------------------------- table


def table(device: str, models: list[dict], search: dict | None, studies: dict, full) -> str:
    from fashionnet.rendering import markdown_table

    header = [
        "what",
        "set-up (s)",
        "first epoch (s)",
        "steady epoch (s)",
        "test accuracy",
        "plain Keras: set-up / first / steady (s)",
        "plain accuracy",
        "ratios first / steady",
        "wall (s)",
    ]
    rows = []
    for row in models:
        ours, plain = row["fashionnet"], row["plain"]
        if plain:
            plain_times = " / ".join(
                f"{plain[k]:.2f}" for k in ("setup_s", "first_epoch_s", "steady_epoch_s")
            )
            ratios = (
                f"{ours['first_epoch_s'] / plain['first_epoch_s']:.2f} / "
                f"{ours['steady_epoch_s'] / plain['steady_epoch_s']:.2f}"
            )
        else:
            plain_times = ratios = "-"
        rows.append(
            [
                row["display"],
                ours["setup_s"],
                ours["first_epoch_s"],
                ours["steady_epoch_s"],
                ours["accuracy"],
                plain_times,
                plain["accuracy"] if plain else None,
                ratios,
                ours["wall_s"],
            ]
        )

    def wall_row(label: str, wall: float, accuracy: float | None = None) -> list:
        return [label, None, None, None, accuracy, "-", None, "-", wall]

    if search is not None:
        rows.append(
            wall_row(
                "KerasTunerSearchCV, 3 trials of LeNet-5", search["wall_s"], search["accuracy"]
            )
        )
    for profile, result in studies.items():
        rows.append(wall_row(f"study --profile {profile}", result["wall_s"]))
    if full is not None:
        rows.append(wall_row("study --profile full (estimate, target <= 1800 s)", full["total_s"]))
    return f"{device}\n\n" + markdown_table(header, rows, floatfmt=".3g")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tiny", action="store_true", help="small slices: a CPU check")
    parser.add_argument("--models", help="comma-separated registry keys (default: all)")
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument(
        "--studies", help="comma-separated profiles to run (default: smoke,quick; --tiny: none)"
    )
    parser.add_argument(
        "--distribution-only",
        action="store_true",
        help="only the fits with distribution=None and 'data_parallel'",
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    scale = TINY_SCALE if args.tiny else FULL_SCALE
    studies_asked = scale.studies if args.studies is None else args.studies.split(",")
    begin = time.perf_counter()
    device = in_child(device_line)
    print(device, file=sys.stderr)
    keys = args.models.split(",") if args.models else None
    distribution = bench_distribution(scale, keys)
    if args.distribution_only:
        models, search, studies, full = [], None, {}, None
    else:
        models = bench_models(scale, keys)
        search = None if args.skip_search else in_child(bench_search, scale)
        studies = {p: in_child(bench_study, p) for p in studies_asked if p and p != "none"}
        full = estimate_full(models, studies, scale.train or 60000)
        print(table(device, models, search, studies, full))
    if distribution is not None:
        print(("\n" if models else f"{device}\n\n") + distribution_table(distribution))
    if full is not None:
        parts = ", ".join(f"{name} {s / 60:.1f}" for name, s in full["parts_s"].items())
        print(f"\nfull profile estimate, minutes: {parts}")
        if full["missing"]:
            print(f"  (not measured, so not counted: {', '.join(full['missing'])})")
    print(f"\nbench_gpu.py ran {time.perf_counter() - begin:.0f} s", file=sys.stderr)
    if args.json:
        from fashionnet._io import write_json

        write_json(
            args.json,
            {
                "device": device,
                "models": models,
                "search": search,
                "studies": studies,
                "full_estimate": full,
                "distribution": distribution,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
