"""``fashionnet train``, ``tune``, ``study`` and ``predict``: options, one task, output.

The work is the task layer's (:mod:`fashionnet.tasks`) and the study's
(:func:`fashionnet.study.run_study`). The heavy modules (Keras) are imported
by each command when it runs, so that ``--help`` and the mistakes found on
the command line answer at once.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

from fashionnet._backend import import_keras_quietly
from fashionnet._checks import InvalidParameterError
from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist, stratified_subset
from fashionnet.registry import get_model

from ._parser import UsageError, parse_param

__all__ = ["cmd_predict", "cmd_study", "cmd_train", "cmd_tune"]


def _subset(X: Any, y: Any, size: int | None, flag: str) -> tuple[Any, Any]:
    if size is not None and (size < 20 or size > len(y)):
        raise UsageError(f"{flag} must be between 20 and {len(y)}; got {size}")
    return stratified_subset(X, y, size, random_state=0)


def _progress_callbacks(quiet: bool, unit: str, total: int) -> list:
    if quiet:
        return []
    from fashionnet.callbacks import ProgressBar

    return [ProgressBar(unit, total)]


def _as_usage(exc: InvalidParameterError, **options: str) -> UsageError:
    """A task's refusal of a parameter, naming the option the user wrote instead."""
    text = str(exc).replace("bad parameter", "bad --param")
    for name, option in options.items():
        if text.startswith(f"{name} "):
            text = option + text[len(name) :]
    return UsageError(text)


# --------------------------------------------------------------------------- train


def _check_out_dir(out: Path) -> None:
    """Refuse an output folder that cannot be written, before any training."""
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} exists and is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")


def cmd_train(args: argparse.Namespace) -> int:
    params = dict(parse_param(p) for p in args.param)
    try:
        get_model(args.model)  # an unknown model is refused before the data is read
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out)
    _check_out_dir(out)
    X, y = _subset(
        *load_fashion_mnist("train", data_home=args.data_home), args.train_size, "--train-size"
    )
    X_test, y_test = _subset(
        *load_fashion_mnist("test", data_home=args.data_home), args.test_size, "--test-size"
    )
    import_keras_quietly()  # before the task's modules start Keras: its start-up stays quiet
    from fashionnet.tasks.train import train_and_evaluate

    try:
        result = train_and_evaluate(
            args.model,
            X,
            y,
            X_test,
            y_test,
            params=params,
            callbacks=_progress_callbacks(args.quiet, "fit", 1),
            class_names=CLASS_NAMES,
            out=out,
        )
    except InvalidParameterError as exc:
        raise _as_usage(exc) from None
    print(result.evaluation.to_markdown())
    print(
        f"\n{result.spec.display}: test accuracy {result.evaluation.accuracy:.4f}; "
        f"fitted in {result.fit_seconds:.1f} s"
    )
    print(f"saved {result.model_path} and {result.metrics_path}")
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


def cmd_tune(args: argparse.Namespace) -> int:
    space = {
        "learning_rate": _number_list(args.learning_rates, "--learning-rates", float),
        "batch_size": _number_list(args.batch_sizes, "--batch-sizes", int),
        "epochs": _number_list(args.epochs, "--epochs", int),
    }
    if args.max_trials < 1:
        raise UsageError(f"--max-trials must be at least 1; got {args.max_trials}")
    X, y = _subset(
        *load_fashion_mnist("train", data_home=args.data_home), args.train_size, "--train-size"
    )
    import_keras_quietly()
    from fashionnet.tasks.tune import PROJECT, tune_lenet

    result = tune_lenet(
        X,
        y,
        space=space,
        max_trials=args.max_trials,
        directory=args.directory,
        early_stopping_patience=args.early_stopping,
        overwrite=args.overwrite,
        callbacks=_progress_callbacks(args.quiet, "trial", args.max_trials),
        results_file=Path(args.directory) / PROJECT / "cv_results.csv",
    )
    results = result.results
    params = [c for c in results if c.startswith("param_")]
    print(results[["trial", "score", "status", "duration", *params]].to_string(index=False))
    print(
        f"\nbest of {result.n_trials} trials, {result.n_failed_trials} failed "
        f"({result.seconds:.1f} s): "
        f"{json.dumps(result.search.best_params_)} with val_accuracy {result.best_score:.4f}"
    )
    print(f"all trials: {result.results_path}")
    return 0


# --------------------------------------------------------------------------- study


def cmd_study(args: argparse.Namespace) -> int:
    from fashionnet.parallel import require_distributed
    from fashionnet.study import PROFILES, run_study

    if args.profile not in PROFILES:
        raise UsageError(f"unknown profile {args.profile!r}; choose one of {', '.join(PROFILES)}")
    if args.scheduler is not None:
        require_distributed()  # before TensorFlow's start-up
    import_keras_quietly()
    result = run_study(
        args.profile,
        args.out,
        data_home=args.data_home,
        restart=args.restart,
        progress=None if args.quiet else sys.stderr,
        budget=args.budget,
        n_jobs=args.n_jobs,
        scheduler=args.scheduler,
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


def cmd_predict(args: argparse.Namespace) -> int:
    if not Path(args.model).expanduser().is_file():
        raise UsageError(f"cannot read --model {args.model}: no such file")
    if Path(args.model).suffix.lower() != ".onnx":  # an ONNX model runs without Keras
        import_keras_quietly()
    from fashionnet.tasks.predict import predict_files

    try:
        predictions = predict_files(
            Path(args.model).expanduser(),
            args.paths,
            top_k=args.top_k,
            invert=not args.no_invert,
            skip_unreadable=args.skip_unreadable,
        )
    except InvalidParameterError as exc:
        raise _as_usage(exc, top_k="--top-k", model="--model") from None
    rows = predictions.records()
    if args.format == "json":
        print("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]")
    elif args.format == "csv":
        _print_csv(rows, args.top_k)
    else:
        _print_text(rows, args.top_k, predictions.background)
    return 0


def _print_csv(rows: list[dict], top_k: int) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    extra = [f"{kind}_{k}" for k in range(2, top_k + 1) for kind in ("label", "probability")]
    writer.writerow(["file", "label", "probability", *extra, "inverted"])
    for row in rows:
        others = [v for t in row["top_k"][1:] for v in (t["label"], f"{t['probability']:.4f}")]
        writer.writerow(
            [row["file"], row["label"], f"{row['probability']:.4f}", *others, row["inverted"]]
        )


def _print_text(rows: list[dict], top_k: int, background: str | None) -> None:
    width = max(len(row["file"]) for row in rows)
    label_width = max(len(row["label"]) for row in rows)
    for row in rows:
        line = f"{row['file']:<{width}}  {row['label']:<{label_width}}  {row['probability']:.4f}"
        if top_k > 1:
            others = ", ".join(f"{t['label']} {t['probability']:.4f}" for t in row["top_k"][1:])
            line += f"  ({others})"
        if row["inverted"]:
            line += f"  [inverted: the model knows a {background} ground]"
        print(line)
