"""The ``fashionnet`` command's argument parser: its subcommands and their options."""

from __future__ import annotations

import argparse
import ast
from typing import Any

from fashionnet import __version__
from fashionnet.images import IMAGE_SUFFIXES
from fashionnet.registry import registered_models

__all__ = ["COMMANDS", "UsageError", "build_parser", "parse_param"]

#: The subcommands, in the order of ``--help``.
COMMANDS = ("audit", "train", "tune", "study", "predict")


class UsageError(ValueError):
    """A mistake on the command line; reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        if "COMMAND" in message:
            message += f"; the commands are {', '.join(COMMANDS)}"
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
    study.add_argument(
        "--n-jobs",
        type=_n_jobs_argument,
        metavar="N",
        help="folds fitted at once in the label-error and cross-validation stages: N "
        "processes of this machine, -1 every core (default: 1, in this process; with "
        "--scheduler, every worker of the cluster)",
    )
    study.add_argument(
        "--scheduler",
        type=_scheduler_argument,
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786: its workers fit those "
        'folds (needs pip install "fashionnet[distributed]")',
    )
    study.add_argument("--quiet", action="store_true", help="no progress output")

    predict = sub.add_parser(
        "predict",
        help="classify image files (PNG, JPEG...) with a saved model",
        description="Classify image files with a model saved by fashionnet (.keras), or "
        "exported by it to ONNX (.onnx: runs on onnxruntime without TensorFlow, in a "
        "fraction of a second): one "
        "line per image with its predicted label and probability. Each image is brought "
        "to what the model was trained on: its size, grey or colour, and its polarity "
        "(Fashion-MNIST shows light garments on a dark ground, so a photo of a dark "
        "garment on a light table is inverted, and the output says so).",
    )
    predict.add_argument(
        "--model",
        required=True,
        metavar="MODEL",
        help="a classifier saved by fashionnet (.keras) or exported by it (.onnx)",
    )
    predict.add_argument(
        "paths",
        nargs="+",
        metavar="FILE_OR_FOLDER",
        help=f"image files, or folders whose image files ({', '.join(IMAGE_SUFFIXES)}) "
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
    # Imported here: the study package starts Keras, which other commands must not wait for.
    from fashionnet.study.budget import parse_duration

    if text in ("default", "none"):
        return None if text == "none" else text
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _n_jobs_argument(text: str) -> int:
    """``--n-jobs``: a positive number of fits at once, or -1."""
    # Imported here, as for --budget (the study package is not the other commands').
    from fashionnet.parallel import check_n_jobs

    try:
        return check_n_jobs(int(text), "--n-jobs")  # type: ignore[return-value]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a positive number of fits at once, or -1 for every core; got {text!r}"
        ) from None


def _scheduler_argument(text: str) -> str:
    """``--scheduler``: a Dask scheduler's address, with its host."""
    from fashionnet.parallel import check_scheduler

    try:
        return check_scheduler(text, "")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).strip()) from None
