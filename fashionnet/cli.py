"""The ``fashionnet`` command: audit, train, tune, and reproduce the whole study.

::

    fashionnet audit [PATH] [--near-duplicates] [--label-issues]
    fashionnet train --model MODEL [--param k=v ...]   (MODEL: see fashionnet.registry)
    fashionnet tune [--max-trials N] [--learning-rates ...] [--directory DIR]
    fashionnet study --profile smoke | quick | full --out DIR [--budget 15m]
    fashionnet predict --model MODEL.keras FILE_OR_FOLDER... [--top-k K] [--format F]

Mistakes a user can make (an unknown model, a path that cannot be read, a
bad parameter, data or an optional dependency that is missing) end with one
line on stderr, ``fashionnet: error: ...``, and exit status 2, unless
``--debug`` asks for the traceback. An interrupted command exits with status
130.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fashionnet._backend import import_keras_quietly
from fashionnet._checks import check_n_folds, check_real
from fashionnet._ownership import check_target, json_file_has_key
from fashionnet.registry import get_model, registered_models

__all__ = ["main", "parse_param", "build_parser"]


class UsageError(ValueError):
    """A mistake on the command line; reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if "COMMAND" in message:
            message += f"; the commands are {', '.join(_COMMANDS)}"
        raise UsageError(f"{message} (see '{self.prog} --help')")


def parse_param(text: str) -> tuple[str, Any]:
    """Parse one ``--param key=value``; the value is a Python literal when it reads as one.

    Parameters
    ----------
    text : str
        ``name=value``. ``value`` goes through :func:`ast.literal_eval`
        (numbers, None, True, tuples, lists...); anything else is a string.

    Returns
    -------
    (str, Any)

    Raises
    ------
    UsageError
        No ``=`` or an empty or invalid name.

    Examples
    --------
    >>> parse_param("learning_rate=1e-3"), parse_param("activation=relu")
    (('learning_rate', 0.001), ('activation', 'relu'))
    >>> parse_param("head=(64, 0.2)"), parse_param("weights=None")
    (('head', (64, 0.2)), ('weights', None))
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(
            f"bad --param {text!r}: write name=value, e.g. --param learning_rate=0.001"
        )
    raw = raw.strip()
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        value = raw
    return name, value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``fashionnet`` command."""
    from fashionnet import __version__

    parser = _Parser(
        prog="fashionnet",
        description="Fashion-MNIST: audit the data, train and tune LeNet-5, VGG16 and "
        "ResNet152V2, and reproduce the whole study as a report.",
    )
    parser.add_argument("--version", action="version", version=f"fashionnet {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks instead of one-line errors"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    data = argparse.ArgumentParser(add_help=False)
    data.add_argument(
        "--data-home",
        metavar="DIR",
        help="the only directory searched for Fashion-MNIST (IDX files or the Kaggle CSVs); "
        "default: $FASHIONNET_DATA, the Keras cache, then Debian's package",
    )

    audit = sub.add_parser(
        "audit",
        parents=[data],
        help="audit the training data, a CSV or an IDX file",
        description="Print the data audit (nulls, duplicates, constant and redundant "
        "features, cardinality, class balance) of the training data or of PATH.",
    )
    audit.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="a Kaggle-layout CSV, an IDX images file (its labels file is found beside it) "
        "or a directory holding them; default: the Fashion-MNIST training split",
    )
    audit.add_argument("--markdown", action="store_true", help="print the Markdown report")
    audit.add_argument(
        "--near-duplicates",
        action="store_true",
        help="also list near-identical images within the data and, for the training split, "
        "the test images with a twin in it",
    )
    audit.add_argument(
        "--threshold",
        type=float,
        default=2.0,
        metavar="D",
        help="largest distance of a near-duplicate pair (pixels scaled to 0..1; default 2.0)",
    )
    audit.add_argument(
        "--label-issues",
        action="store_true",
        help="also list suspected label errors, from out-of-fold LeNet-5 probabilities and "
        "cleanlab (pip install 'fashionnet[audit]'), and the images least like their class",
    )
    audit.add_argument(
        "--epochs", type=int, default=2, metavar="N", help="epochs of each fold's LeNet-5 (2)"
    )
    audit.add_argument("--folds", type=int, default=3, metavar="K", help="folds (3)")
    audit.add_argument("--top", type=int, default=10, metavar="N", help="rows per table (10)")
    audit.add_argument(
        "--out", metavar="DIR", help="image folder: write issues.csv, report.html and report.md"
    )
    audit.add_argument(
        "--test", metavar="PATH", help="image folder: a test folder to check for leakage into"
    )
    audit.add_argument(
        "--budget",
        type=_budget_argument,
        default=120.0,
        metavar="SECONDS",
        help="image folder: time budget of the --label-issues stage (120; 'none': --epochs)",
    )

    train = sub.add_parser(
        "train",
        parents=[data],
        help="fit one model, evaluate it on the test set, save it and its metrics",
        description="Fit a model on the training data, evaluate it on the test set, and "
        "save the model (.keras) and its metrics (.json) in --out.",
    )
    train.add_argument(
        "--model",
        required=True,
        metavar="MODEL",
        help=", ".join(f"{spec.key} ({spec.display})" for spec in registered_models()),
    )
    train.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an estimator parameter, e.g. --param epochs=5 --param weights=None (repeatable)",
    )
    train.add_argument("--train-size", type=int, metavar="N", help="balanced training subset")
    train.add_argument("--test-size", type=int, metavar="N", help="balanced test subset")
    train.add_argument("--out", default="fashionnet-models", metavar="DIR", help="output folder")
    train.add_argument("--quiet", action="store_true", help="no progress output")

    tune = sub.add_parser(
        "tune",
        parents=[data],
        help="keras-tuner random search of LeNet-5's learning rate, batch size and epochs",
        description="Random search (keras-tuner) over LeNet-5's learning rate, batch size "
        "and epochs, as the study did; resumable from --directory.",
    )
    tune.add_argument("--max-trials", type=int, default=10, metavar="N")
    tune.add_argument(
        "--learning-rates", default="1e-2,1e-3,1e-4", metavar="LIST", help="comma-separated"
    )
    tune.add_argument("--batch-sizes", default="32,64,128", metavar="LIST")
    tune.add_argument("--epochs", default="5,10", metavar="LIST")
    tune.add_argument("--early-stopping", type=int, default=3, metavar="PATIENCE")
    tune.add_argument("--train-size", type=int, metavar="N", help="balanced training subset")
    tune.add_argument("--directory", default="fashionnet-tuning", metavar="DIR")
    tune.add_argument("--overwrite", action="store_true", help="start afresh")
    tune.add_argument("--quiet", action="store_true", help="no progress output")

    study = sub.add_parser(
        "study",
        parents=[data],
        help="reproduce the whole study and write its report",
        description="Run the whole study (audit, exploration, tuning, LeNet-5, "
        "cross-validation, VGG16, ResNet152V2, comparison) and write report.md, "
        "report.html, metrics.json, figures/ and models/ into --out. Running it again "
        "with the same --out skips the finished stages.",
    )
    study.add_argument(
        "--profile", default="quick", metavar="PROFILE", help="smoke, quick (default) or full"
    )
    study.add_argument("--out", default="fashionnet-study", metavar="DIR", help="output folder")
    study.add_argument(
        "--restart", action="store_true", help="discard finished stages found in --out"
    )
    study.add_argument(
        "--budget",
        default="default",
        type=_budget_argument,
        metavar="DURATION",
        help="wall-clock budget of the run, e.g. 15m, 900s or 1h: each model trains the "
        "epochs that fit, measured on this machine (default: the profile's, 15m for "
        "quick; 'none' trains the profile's epochs)",
    )
    study.add_argument("--quiet", action="store_true", help="no progress output")

    predict = sub.add_parser(
        "predict",
        help="classify image files (PNG, JPEG...) with a saved model",
        description="Classify image files with a model saved by fashionnet (.keras): one "
        "line per image with its predicted label and probability. Each image is brought "
        "to what the model was trained on: its size, grey or colour, and its polarity "
        "(Fashion-MNIST shows light garments on a dark ground, so a photo of a dark "
        "garment on a light table is inverted, and the output says so).",
    )
    predict.add_argument(
        "--model", required=True, metavar="MODEL.keras", help="a classifier saved by fashionnet"
    )
    predict.add_argument(
        "paths",
        nargs="+",
        metavar="FILE_OR_FOLDER",
        help=f"image files, or folders whose image files ({', '.join(_image_suffixes())}) "
        "are read, sub-folders included",
    )
    predict.add_argument(
        "--top-k", type=int, default=1, metavar="K", help="also show the K most likely labels"
    )
    predict.add_argument(
        "--format", choices=("text", "csv", "json"), default="text", help="output format"
    )
    predict.add_argument(
        "--no-invert",
        action="store_true",
        help="use the images' polarity as it is, never inverting them",
    )
    predict.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="leave out files that are not readable images (one warning) instead of stopping",
    )
    return parser


def _budget_argument(text: str) -> float | str | None:
    """``--budget``: seconds, ``none``, or the profile's ``default``."""
    from fashionnet.study.budget import parse_duration

    if text in ("default", "none"):
        return None if text == "none" else text
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _image_suffixes() -> tuple[str, ...]:
    from fashionnet.images import IMAGE_SUFFIXES

    return IMAGE_SUFFIXES


# --------------------------------------------------------------------------- audit


def _read_path(path: str) -> tuple[Any, Any]:
    """Images and labels (or None) from a CSV, an IDX images file or a directory."""
    from fashionnet.datasets import read_csv, read_idx

    p = Path(path).expanduser()
    if not p.exists():
        raise UsageError(f"cannot read {path}: no such file or directory")
    if p.is_dir():
        for images in ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte"):
            if (p / images).is_file():
                return _read_path(str(p / images))
        if (p / "fashion-mnist_train.csv").is_file():
            return _read_path(str(p / "fashion-mnist_train.csv"))
        raise UsageError(
            f"cannot read {path}: the directory holds neither train-images-idx3-ubyte[.gz] "
            "nor fashion-mnist_train.csv"
        )
    if not os.access(p, os.R_OK):
        raise UsageError(f"cannot read {path}: permission denied")
    if p.suffix.lower() == ".csv":
        return read_csv(p)
    X = read_idx(p)
    if X.ndim == 1:
        raise UsageError(f"{path} holds labels, not images; give the images file")
    labels = p.with_name(p.name.replace("images-idx3", "labels-idx1"))
    y = read_idx(labels) if labels != p and labels.is_file() else None
    return X, y


def _is_image_folder(path: str) -> bool:
    """A folder of class sub-folders (not one holding Fashion-MNIST's IDX or CSV files)."""
    p = Path(path).expanduser()
    names = ("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte", "fashion-mnist_train.csv")
    if not p.is_dir() or any((p / name).is_file() for name in names):
        return False
    return any(c.is_dir() and not c.name.startswith(".") for c in p.iterdir())


def _cmd_audit_folder(args: argparse.Namespace) -> int:
    from fashionnet.audit import FolderAuditor
    from fashionnet.rendering import frame_to_markdown

    budget = 120.0 if args.budget == "default" else args.budget
    auditor = FolderAuditor(
        label_issues=args.label_issues,
        budget=budget,
        folds=args.folds,
        epochs=args.epochs,
        near_threshold=args.threshold,
    ).fit(args.path, args.test)
    print(frame_to_markdown(auditor.summary_, floatfmt=".4g"))
    if args.out:
        out = auditor.save(args.out, top=args.top)
        print(f"\nwrote {out / 'issues.csv'}, {out / 'report.html'} and {out / 'report.md'}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    if args.path is not None and _is_image_folder(args.path):
        return _cmd_audit_folder(args)
    if args.out or args.test:
        raise UsageError("--out and --test need PATH to be a folder with one sub-folder per class")
    if args.path is None:
        from fashionnet.datasets import load_fashion_mnist

        X, y = load_fashion_mnist("train", data_home=args.data_home)
    else:
        X, y = _read_path(args.path)
    from fashionnet.audit import DataAuditor

    if args.label_issues and y is None:
        raise UsageError("--label-issues needs labels; the data given has none")
    if args.top < 1 or args.epochs < 1 or args.folds < 2:
        raise UsageError("--top and --epochs must be at least 1, --folds at least 2")
    # Every check that depends on the data runs before the audit prints a line
    # and before the minutes of training (and TensorFlow's start-up) of the folds.
    check_real(args.threshold, "--threshold", low=0, what="a distance")
    if args.label_issues:
        from fashionnet.audit.labels import require_cleanlab

        check_n_folds(args.folds, y, name="--folds")
        require_cleanlab()
    auditor = DataAuditor()
    report = auditor.fit(X, y).report()
    print(report.to_markdown() if args.markdown else report.summary())
    if args.near_duplicates:
        test = None
        if args.path is None:
            from fashionnet.datasets import load_fashion_mnist

            test = load_fashion_mnist("test", data_home=args.data_home)
        _print_near_duplicates(auditor, X, y, test, args.threshold, args.top)
    if args.label_issues:
        _print_label_issues(X, y, args.epochs, args.folds, args.top)
    return 0


def _named(frame: Any, columns: Sequence[str]) -> Any:
    """Fashion-MNIST labels shown with their class names ("3 Dress")."""
    from fashionnet.datasets import CLASS_NAMES

    frame = frame.copy()
    for column in columns:
        frame[column] = [
            f"{v} {CLASS_NAMES[int(v)]}" if 0 <= int(v) < len(CLASS_NAMES) else str(v)
            for v in frame[column]
        ]
    return frame


def _print_table(title: str, frame: Any, top: int) -> None:
    from fashionnet.rendering import frame_to_markdown

    print(f"\n## {title}\n")
    print(frame_to_markdown(frame.head(top), floatfmt=".4g") if len(frame) else "none")


def _print_near_duplicates(
    auditor: Any, X: Any, y: Any, test: Any, threshold: float, top: int
) -> None:
    """The tables of the study's near-duplicate section."""
    labelled = ["label", "other_label"] if y is not None else []
    within = auditor.near_duplicates(X, y=y, threshold=threshold)
    images = len(set(within["index"]) | set(within["other_index"]))
    _print_table(
        f"Near-duplicate pairs within the data (distance <= {threshold:g}): {len(within)} "
        f"pairs, {images} images",
        _named(within, labelled),
        top,
    )
    if test is None:
        return
    X_test, y_test = test
    across = auditor.near_duplicates(X_test, X, y=y_test, y_other=y, threshold=threshold)
    twins = across["index"].nunique()
    _print_table(
        f"Test images with a near-twin in the training set: {twins} of {len(y_test)} "
        f"({100 * twins / len(y_test):.2f} %), {len(across)} pairs; the closest (index: "
        "test image, other_index: training image)",
        _named(across, labelled),
        top,
    )
    other = across[across["label"] != across["other_label"]]
    _print_table(
        f"Test-training twins with different labels: {len(other)} pairs",
        _named(other, labelled),
        top,
    )


def _print_label_issues(X: Any, y: Any, epochs: int, folds: int, top: int) -> None:
    """The tables of the study's label-error section."""
    from fashionnet.audit import class_outliers, label_issues, odd_images
    from fashionnet.audit.labels import require_cleanlab
    from fashionnet.callbacks import ProgressBar
    from fashionnet.study.profiles import FAST_LENET_PARAMS

    require_cleanlab()  # before minutes of training, not after
    estimator = get_model("lenet5").make(
        **FAST_LENET_PARAMS,
        epochs=epochs,
        random_state=0,
        callbacks=[ProgressBar("fold", folds, sys.stderr)],
    )
    issues = label_issues(estimator, X, y, cv=folds)
    _print_table(
        f"Suspected label errors: {len(issues)} of {len(y)} images (out-of-fold LeNet-5, "
        f"{folds} folds of {epochs} epochs; cleanlab); the worst",
        _named(issues, ["given_label", "predicted_label"]),
        top,
    )
    outliers = class_outliers(X, y)
    _print_table("Images least like their class", _named(outliers, ["label"]), top)
    _print_table("Nearly blank or saturated images", odd_images(X), top)


# --------------------------------------------------------------------------- train


def _subset(X: Any, y: Any, size: int | None, flag: str) -> tuple[Any, Any]:
    if size is not None and (size < 20 or size > len(y)):
        raise UsageError(f"{flag} must be between 20 and {len(y)}; got {size}")
    from fashionnet.datasets import stratified_subset

    return stratified_subset(X, y, size, random_state=0)


def _make_estimator(model: str, params: dict) -> Any:
    try:
        spec = get_model(model)
        import_keras_quietly()  # once the model is known: TensorFlow's start-up stays quiet
        return spec, spec.make(**params)
    except ValueError as exc:
        raise UsageError(str(exc).replace("bad parameter", "bad --param")) from None


def _progress_callbacks(quiet: bool, unit: str, total: int) -> list:
    if quiet:
        return []
    from fashionnet.callbacks import ProgressBar

    return [ProgressBar(unit, total)]


def _check_out_dir(out: Path) -> None:
    """Refuse an output folder that cannot be written, before any training."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} exists and is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")


def _check_train_outputs(out: Path, key: str) -> None:
    """Refuse files in --out that ``train`` would replace but did not write."""
    from fashionnet.models.persistence import is_saved_classifier

    model, what = out / f"{key}.keras", "a model saved by fashionnet"
    check_target(model, kind="file", ours=is_saved_classifier, what=what, option=None)
    check_target(
        out / f"{key}_metrics.json",
        kind="file",
        ours=lambda p: json_file_has_key(p, "fit_seconds"),
        what="metrics written by fashionnet train",
        option=None,
    )


def _cmd_train(args: argparse.Namespace) -> int:
    params = dict(parse_param(p) for p in args.param)
    spec, estimator = _make_estimator(args.model, params)
    key = spec.key
    out = Path(args.out)
    _check_out_dir(out)
    _check_train_outputs(out, key)  # before the training, not after it
    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    from fashionnet.evaluation import evaluate

    X, y = _subset(
        *load_fashion_mnist("train", data_home=args.data_home), args.train_size, "--train-size"
    )
    X_test, y_test = _subset(
        *load_fashion_mnist("test", data_home=args.data_home), args.test_size, "--test-size"
    )
    if "callbacks" not in params:
        estimator.set_params(callbacks=_progress_callbacks(args.quiet, "fit", 1))
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_seconds = time.perf_counter() - start
    report = evaluate(estimator, X_test, y_test, class_names=CLASS_NAMES)
    model_path = estimator.save(out / f"{key}.keras", class_names=CLASS_NAMES)
    from fashionnet._io import write_json

    metrics = {
        "model": key,
        "params": {
            k: v if isinstance(v, (int, float, str, bool, type(None))) else repr(v)
            for k, v in params.items()
        },
        "train_images": int(len(y)),
        "fit_seconds": fit_seconds,
        "epochs_run": int(len(estimator.history_)),
        **report.to_dict(),
    }
    write_json(out / f"{key}_metrics.json", metrics)
    print(report.to_markdown())
    print(f"\n{spec.display}: test accuracy {report.accuracy:.4f}; fitted in {fit_seconds:.1f} s")
    print(f"saved {model_path} and {out / f'{key}_metrics.json'}")
    return 0


# --------------------------------------------------------------------------- tune


def _number_list(text: str, flag: str, kind: type) -> list:
    try:
        values = [kind(ast.literal_eval(v.strip())) for v in text.split(",") if v.strip()]
    except (ValueError, SyntaxError, TypeError):
        raise UsageError(f"bad {flag} {text!r}: give comma-separated numbers") from None
    if not values or any(v <= 0 for v in values):
        raise UsageError(f"bad {flag} {text!r}: give positive numbers")
    return values


def _cmd_tune(args: argparse.Namespace) -> int:
    space = {
        "learning_rate": _number_list(args.learning_rates, "--learning-rates", float),
        "batch_size": _number_list(args.batch_sizes, "--batch-sizes", int),
        "epochs": _number_list(args.epochs, "--epochs", int),
    }
    if args.max_trials < 1:
        raise UsageError(f"--max-trials must be at least 1; got {args.max_trials}")
    import_keras_quietly()
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.tuning import KerasTunerSearchCV

    X, y = _subset(
        *load_fashion_mnist("train", data_home=args.data_home), args.train_size, "--train-size"
    )
    search = KerasTunerSearchCV(
        get_model("lenet5").make(
            random_state=0, callbacks=_progress_callbacks(args.quiet, "trial", args.max_trials)
        ),
        space,
        tuner="random",
        max_trials=args.max_trials,
        early_stopping_patience=args.early_stopping,
        directory=args.directory,
        project_name="lenet5",
        overwrite=args.overwrite,
        random_state=0,
        refit=False,
    )
    start = time.perf_counter()
    search.fit(X, y)
    seconds = time.perf_counter() - start
    results = search.cv_results_
    results_path = Path(args.directory) / "lenet5" / "cv_results.csv"
    from fashionnet._io import atomic_write

    with atomic_write(results_path, "w") as fh:
        results.to_csv(fh, index=False)
    params = [c for c in results if c.startswith("param_")]
    columns = ["trial", "score", "status", "duration", *params]
    print(results[columns].to_string(index=False))
    print(
        f"\nbest of {search.n_trials_} trials, {search.n_failed_trials_} failed "
        f"({seconds:.1f} s): "
        f"{json.dumps(search.best_params_)} with val_accuracy {search.best_score_:.4f}"
    )
    print(f"all trials: {results_path}")
    return 0


# --------------------------------------------------------------------------- study


def _cmd_study(args: argparse.Namespace) -> int:
    from fashionnet.study import PROFILES, run_study

    if args.profile not in PROFILES:
        raise UsageError(f"unknown profile {args.profile!r}; choose one of {', '.join(PROFILES)}")
    import_keras_quietly()
    result = run_study(
        args.profile,
        args.out,
        data_home=args.data_home,
        restart=args.restart,
        progress=None if args.quiet else sys.stderr,
        budget=args.budget,
    )
    rows = result.metrics["comparison"]["rows"]
    print(f"{'model':<56} test accuracy")
    for row in rows:
        note = "" if row["weights"] != "none" else "  (no ImageNet weights)"
        print(f"{row['model']:<56} {row['test_accuracy']:.4f}{note}")
    for title in result.metrics["comparison"].get("skipped", []):
        print(f"{title:<56} skipped (no ImageNet weights)")
    within = "" if result.budget is None else f" (budget {result.budget:.0f} s)"
    print(
        f"\nreport: {result.report_path} (and report.html); {len(result.ran)} stages run, "
        f"{len(result.skipped)} resumed; {result.seconds:.1f} s{within}"
    )
    return 0


# --------------------------------------------------------------------------- predict


def _image_files(paths: Sequence[str]) -> list[Path]:
    """The files named, and the image files of the folders named, in order."""
    suffixes = _image_suffixes()
    files = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
            )
            if not found:
                raise UsageError(f"{text}: the folder holds no image file ({', '.join(suffixes)})")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"cannot read {text}: no such file or directory")
    return files


def _prediction_rows(args: argparse.Namespace) -> tuple[list[dict], dict]:
    """Read the model's needs, bring the images to them, predict: one dict per image, and
    what the model file says (:func:`~fashionnet.models.persistence.read_model_info`)."""
    from fashionnet.images import load_images, match_background

    model = Path(args.model).expanduser()
    if not model.is_file():
        raise UsageError(f"cannot read --model {args.model}: no such file")
    import_keras_quietly()
    from fashionnet.models.persistence import read_model_info

    info = read_model_info(model)
    height, width, channels = info["image_shape"]
    if min(height, width) < 3 or channels not in (1, 3):
        raise UsageError(
            f"--model {args.model} was trained on arrays of shape {info['image_shape']}, not "
            "on grey or colour images: it cannot classify image files"
        )
    n_classes = len(info["classes"])
    if not 1 <= args.top_k <= n_classes:
        raise UsageError(f"--top-k must be between 1 and {n_classes}; got {args.top_k}")
    files = _image_files(args.paths)
    X, files = load_images(
        files,
        (height, width),
        "grayscale" if channels == 1 else "rgb",
        on_error="skip" if args.skip_unreadable else "raise",
    )
    inverted = [False] * len(files)
    if info["background"] is not None and not args.no_invert:
        X, inverted = match_background(X, info["background"])
    if info["input_dtype"] == "float32":
        X = X.astype("float32") / 255
    from fashionnet.models import load_model

    proba = load_model(model).predict_proba(X)
    names = info["class_names"]
    rows = []
    for path, p, flipped in zip(files, proba, inverted, strict=True):
        order = p.argsort()[::-1][: args.top_k]
        rows.append(
            {
                "file": str(path),
                "label": names[order[0]],
                "class": info["classes"][order[0]],
                "probability": float(p[order[0]]),
                "top_k": [{"label": names[i], "probability": float(p[i])} for i in order],
                "inverted": bool(flipped),
            }
        )
    return rows, info


def _cmd_predict(args: argparse.Namespace) -> int:
    rows, info = _prediction_rows(args)
    if args.format == "json":
        print("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]")
        return 0
    if args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        extra = [
            f"{kind}_{k}" for k in range(2, args.top_k + 1) for kind in ("label", "probability")
        ]
        writer.writerow(["file", "label", "probability", *extra, "inverted"])
        for row in rows:
            others = [v for t in row["top_k"][1:] for v in (t["label"], f"{t['probability']:.4f}")]
            writer.writerow(
                [row["file"], row["label"], f"{row['probability']:.4f}", *others, row["inverted"]]
            )
        return 0
    width = max(len(row["file"]) for row in rows)
    label_width = max(len(row["label"]) for row in rows)
    for row in rows:
        line = f"{row['file']:<{width}}  {row['label']:<{label_width}}  {row['probability']:.4f}"
        if args.top_k > 1:
            line += (
                "  ("
                + ", ".join(f"{t['label']} {t['probability']:.4f}" for t in row["top_k"][1:])
                + ")"
            )
        if row["inverted"]:
            line += f"  [inverted: the model knows a {info['background']} ground]"
        print(line)
    return 0


_COMMANDS = {
    "audit": _cmd_audit,
    "train": _cmd_train,
    "tune": _cmd_tune,
    "study": _cmd_study,
    "predict": _cmd_predict,
}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line each, like errors (no source line of fashionnet's)."""
    print(f"fashionnet: warning: {_one_line(message)}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _silence_stdout() -> None:
    """Point stdout at the null device, so that its unflushed rest fails nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fashionnet`` command; return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a usage or data error, 130 when interrupted, 141
        (quietly) when the reader of its output has gone, as in
        ``fashionnet audit | head -1``.

    Examples
    --------
    >>> main(["train", "--model", "alexnet"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    shown = warnings.showwarning
    if not debug:
        warnings.showwarning = _show_warning
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:
            raise UsageError(
                f"unrecognized arguments: {' '.join(unknown)} (see 'fashionnet "
                f"{args.command} --help')"
            )
        status = _COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return status
    except BrokenPipeError:
        # The reader of our output left (``fashionnet ... | head -1``): stop quietly,
        # as a program stopped by SIGPIPE, with nothing more to flush.
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        print(
            "fashionnet: interrupted (a study resumes where it stopped when run again with "
            "the same --out)",
            file=sys.stderr,
        )
        return 130
    except (UsageError, ValueError, TypeError, OSError, ImportError) as exc:
        if debug:
            raise
        print(f"fashionnet: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    finally:
        warnings.showwarning = shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
