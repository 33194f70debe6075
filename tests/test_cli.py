"""The ``fashionnet`` command: subcommands on real data, and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fashionnet import __version__
from fashionnet.cli import UsageError, main, parse_param
from fashionnet.datasets import DEBIAN_DATA_DIR


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m fashionnet ARGS`` in a fresh process."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(
        [sys.executable, "-m", "fashionnet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("fashionnet")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("fashionnet: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


# ---------------------------------------------------------------- user errors


def test_unknown_model_is_one_line():
    proc = run_cli("train", "--model", "alexnet")
    assert_one_line_error(proc, "unknown model 'alexnet'", "lenet5, vgg16, resnet152v2")
    assert proc.stderr.count("\n") == 1  # the only line: nothing else printed


def test_unreadable_path_is_one_line(tmp_path):
    proc = run_cli("audit", str(tmp_path / "missing.csv"))
    assert_one_line_error(proc, "cannot read", "missing.csv", "no such file")
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    proc = run_cli("audit", str(empty_dir))
    assert_one_line_error(proc, "neither train-images-idx3-ubyte")


def test_corrupt_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,pixel1,pixel2,pixel3,pixel4\n1,0,0,x,0\n")
    proc = run_cli("audit", str(bad))
    assert_one_line_error(proc, "non-integer value", "row 1")


def test_bad_parameters_are_one_line():
    proc = run_cli("train", "--model", "lenet5", "--param", "epochs")
    assert_one_line_error(proc, "bad --param 'epochs'", "name=value")
    # A bad value: TensorFlow is imported and the estimator refuses it; one line only.
    proc = run_cli(
        "train",
        "--model",
        "lenet5",
        "--param",
        "epochs=-1",
        "--train-size",
        "100",
        "--test-size",
        "100",
    )
    assert_one_line_error(proc, "epochs must be an integer >= 1")


def test_unknown_parameter_name(capsys):
    assert main(["train", "--model", "vgg16", "--param", "epoch=3"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("fashionnet: error: bad --param 'epoch': TransferClassifier has no")
    assert "epochs" in err


def test_usage_errors_are_one_line():
    assert_one_line_error(run_cli(), "required")
    assert_one_line_error(run_cli("train"), "--model")
    assert_one_line_error(run_cli("study", "--profile", "huge"), "unknown profile 'huge'")
    assert_one_line_error(run_cli("tune", "--epochs", "a,b"), "bad --epochs")
    assert_one_line_error(run_cli("study", "--budget", "15x"), "'15x' is not a duration")
    assert_one_line_error(run_cli("study", "--budget", "0s"), "e.g. 900, 900s, 15m, 1h")


def test_start_up_prints_no_tensorflow_log_lines(tmp_path):
    """Without a TF_CPP_MIN_LOG_LEVEL of the user's, TensorFlow's C++ lines stay hidden."""
    from fashionnet._backend import _NATIVE_LOG_LINE

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    args = ["train", "--model", "lenet5", "--param", "epochs=1", "--train-size", "100"]
    args += ["--test-size", "50", "--out", str(tmp_path), "--quiet"]
    proc = subprocess.run(
        [sys.executable, "-m", "fashionnet", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    output = proc.stdout + proc.stderr
    native = [line for line in output.splitlines() if _NATIVE_LOG_LINE.match(line)]
    assert not native, native
    assert "cuda" not in output.lower() and "absl" not in output


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"fashionnet {__version__}"


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for command in ("audit", "train", "tune", "study"):
        assert command in text


def test_debug_shows_the_traceback():
    with pytest.raises(UsageError):
        main(["--debug", "train", "--model", "alexnet"])


# ---------------------------------------------------------------- --param parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("learning_rate=0.001", ("learning_rate", 0.001)),
        ("epochs = 3", ("epochs", 3)),
        ("weights=None", ("weights", None)),
        ("head=(64, 0.2, 32)", ("head", (64, 0.2, 32))),
        ("activation=relu", ("activation", "relu")),
        ("optimizer='sgd'", ("optimizer", "sgd")),
        ("early_stopping=True", ("early_stopping", True)),
        ("log_dir=/tmp/a=b", ("log_dir", "/tmp/a=b")),
    ],
)
def test_parse_param(text, expected):
    assert parse_param(text) == expected


@pytest.mark.parametrize("text", ["epochs", "=3", "2x=1", ""])
def test_parse_param_refuses(text):
    with pytest.raises(UsageError, match="bad --param"):
        parse_param(text)


# ---------------------------------------------------------------- subcommands on real data


def test_audit_of_an_idx_file_finds_its_labels(capsys):
    images = DEBIAN_DATA_DIR / "t10k-images-idx3-ubyte.gz"
    if not images.is_file():
        if os.environ.get("CI"):
            pytest.fail("Debian's dataset-fashion-mnist is required under CI")
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    assert main(["audit", str(images)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("audit of 10000 rows x 785 columns")
    assert "10 classes, 1000 to 1000 rows each" in text


def test_audit_of_a_csv_in_markdown(tmp_path, capsys, small_test):
    from fashionnet.datasets import write_csv

    X, y = small_test
    path = write_csv(tmp_path / "few.csv", X, y)
    assert main(["audit", str(path), "--markdown"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("## Data audit: 200 rows x 785 columns")
    assert "### Class counts" in text


def test_train_fits_evaluates_and_saves(tmp_path, capsys, fashion_train):
    out = tmp_path / "models"
    status = main(
        [
            "train",
            "--model",
            "lenet5",
            "--param",
            "epochs=1",
            "--param",
            "batch_size=64",
            "--train-size",
            "300",
            "--test-size",
            "100",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert status == 0
    text = capsys.readouterr().out
    assert "LeNet-5: test accuracy" in text
    metrics = json.loads((out / "lenet5_metrics.json").read_text())
    assert metrics["train_images"] == 300 and metrics["n_samples"] == 100
    assert metrics["params"] == {"epochs": 1, "batch_size": 64}
    assert 0.0 <= metrics["accuracy"] <= 1.0
    from fashionnet.models import load_model

    model = load_model(out / "lenet5.keras")
    assert model.epochs == 1 and model.batch_size == 64


def test_tune_runs_a_small_search_and_resumes(tmp_path, capsys, fashion_train):
    args = [
        "tune",
        "--max-trials",
        "2",
        "--epochs",
        "1",
        "--batch-sizes",
        "128",
        "--train-size",
        "200",
        "--directory",
        str(tmp_path),
        "--quiet",
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "best of 2 trials" in text
    assert (tmp_path / "lenet5" / "cv_results.csv").is_file()
    # Same directory: the finished trials are reloaded, not re-run.
    assert main(args) == 0
    assert "best of 2 trials" in capsys.readouterr().out


def test_warnings_are_one_line_and_the_hook_is_restored(capsys, monkeypatch):
    import warnings

    from fashionnet import cli

    def warns(args):
        warnings.warn(
            "repaired the search: trial 3 runs again\nsecond line", RuntimeWarning, stacklevel=1
        )
        return 0

    monkeypatch.setitem(cli._COMMANDS, "audit", warns)
    before = warnings.showwarning
    assert main(["audit"]) == 0
    err = capsys.readouterr().err
    assert err == "fashionnet: warning: repaired the search: trial 3 runs again second line\n"
    assert warnings.showwarning is before
