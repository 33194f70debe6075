"""The ``fashionnet`` command: subcommands on real data, and one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
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


def test_study_jobs_are_refused_in_one_line_before_tensorflow(tmp_path):
    """--n-jobs and --scheduler (issue 28): checked first, one line naming the option, no TF."""
    out = str(tmp_path / "never")
    cases = [
        (["--n-jobs", "0"], "argument --n-jobs: give a positive number of fits at once"),
        (["--n-jobs", "x"], "or -1 for every core; got 'x'"),
        (["--scheduler", "tcp://"], "argument --scheduler: 'tcp://' names no host"),
        (["--scheduler", ":8786"], "such as tcp://10.0.0.5:8786"),
    ]
    script = (
        "import sys; from fashionnet.cli import main\n"
        f"for args in {[args for args, _ in cases]!r}:\n"
        f"    print(main(['study', '--out', {out!r}, *args]))\n"
        "sys.modules['distributed'] = None  # the distributed extra not installed\n"
        f"print(main(['study', '--out', {out!r}, '--scheduler', 'tcp://127.0.0.1:8786']))\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.split() == ["2"] * (len(cases) + 1) + ["False", "False"], proc.stderr
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == len(cases) + 1, errors  # one line each, nothing else
    for line, (_, fragment) in zip(errors[:-1], cases, strict=True):
        assert line.startswith("fashionnet: error: ") and fragment in line, line
    assert errors[-1] == (
        "fashionnet: error: a Dask scheduler needs dask.distributed: "
        "pip install 'fashionnet[distributed]'"
    )
    assert not Path(out).exists()


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
    for command in ("audit", "train", "tune", "study", "predict"):
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
    # The report names Fashion-MNIST's classes (evaluate has no such default).
    from fashionnet.datasets import CLASS_NAMES

    for name in CLASS_NAMES:
        assert f"| {name} " in text, name
    assert f"saved {out / 'lenet5.keras'} and {out / 'lenet5_metrics.json'}" in text
    metrics = json.loads((out / "lenet5_metrics.json").read_text())
    assert metrics["train_images"] == 300 and metrics["n_samples"] == 100
    assert metrics["params"] == {"epochs": 1, "batch_size": 64}
    assert 0.0 <= metrics["accuracy"] <= 1.0
    from fashionnet.models import load_model

    model = load_model(out / "lenet5.keras")
    assert model.epochs == 1 and model.batch_size == 64
    # Again into the same --out: its own files are replaced.
    assert (
        main(
            [
                "train",
                "--model",
                "lenet5",
                "--param",
                "epochs=1",
                "--train-size",
                "100",
                "--test-size",
                "50",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    assert json.loads((out / "lenet5_metrics.json").read_text())["train_images"] == 100


@pytest.mark.parametrize("name", ["lenet5.keras", "lenet5_metrics.json"])
def test_train_refuses_a_users_file_in_out_before_training(tmp_path, capsys, name):
    out = tmp_path / "models"
    out.mkdir()
    (out / name).write_text("my own file")
    args = ["train", "--model", "lenet5", "--train-size", "100", "--out", str(out), "--quiet"]
    assert main(args) == 2
    what = "a model saved by fashionnet" if name.endswith(".keras") else "metrics written by"
    err = capsys.readouterr().err
    assert err.startswith(f"fashionnet: error: {out / name} exists and is not {what}")
    assert err.endswith("; nothing was written: use another path.\n") and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == [name]
    assert (out / name).read_text() == "my own file"


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


# ---------------------------------------------------------------- bugs are not usage errors


def _bug(exc):
    def raises(*args, **kwargs):
        raise exc

    return raises


@pytest.mark.parametrize(
    "exc", [KeyError("oops"), ValueError("not raised by fashionnet"), AttributeError("x")]
)
def test_a_bug_in_a_task_shows_its_traceback_and_exits_1(tmp_path, small_test, capsys,
                                                          monkeypatch, exc):
    from fashionnet.cli import _audit
    from fashionnet.datasets import write_csv

    path = write_csv(tmp_path / "few.csv", *small_test)
    monkeypatch.setattr(_audit, "read_dataset", _bug(exc))
    assert main(["audit", str(path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert f"{type(exc).__name__}: " in err
    assert err.rstrip().splitlines()[-1].startswith(
        f"fashionnet: internal error ({type(exc).__name__}): this is a bug"
    )
    assert "fashionnet: error:" not in err
    with pytest.raises(type(exc)):  # --debug: the exception itself
        main(["--debug", "audit", str(path)])


def test_an_error_raised_inside_numpy_is_a_bug(tmp_path, small_test, capsys, monkeypatch):
    from fashionnet.cli import _audit
    from fashionnet.datasets import write_csv

    path = write_csv(tmp_path / "few.csv", *small_test)
    monkeypatch.setattr(_audit, "read_dataset", lambda p: np.zeros(3).reshape(2))
    assert main(["audit", str(path)]) == 1
    assert "ValueError: cannot reshape" in capsys.readouterr().err


def test_a_documented_user_error_is_one_line_and_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("label,pixel1,pixel2,pixel3,pixel4\n1,0,0,x,0\n")
    assert main(["audit", str(bad)]) == 2  # a ValueError that fashionnet raises on purpose
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fashionnet: error: ")
    assert "Traceback" not in err


def test_is_user_error():
    from fashionnet._ownership import NotOursError
    from fashionnet.cli import is_user_error
    from fashionnet.datasets import read_idx

    def raised(call):
        try:
            call()
        except Exception as exc:  # noqa: BLE001
            return exc
        raise AssertionError("no exception")

    assert is_user_error(FileNotFoundError("no such file"))  # any OSError: the user's paths
    assert is_user_error(NotOursError(Path("x"), "x exists and is not ours"))
    assert is_user_error(raised(lambda: read_idx(__file__)))  # fashionnet refuses the file
    assert is_user_error(raised(lambda: parse_param("epochs")))  # UsageError
    assert not is_user_error(raised(lambda: {}["key"]))
    assert not is_user_error(raised(lambda: np.zeros(3).reshape(2)))  # inside NumPy
    assert not is_user_error(ValueError("never raised"))  # no traceback: not ours


# ---------------------------------------------------------------- predict


@pytest.fixture(scope="module")
def image_files(tmp_path_factory, small_train, small_test):
    """A saved LeNet-5 and real test images as files: PNGs as they are, photo-like negatives."""
    from PIL import Image

    from fashionnet.datasets import CLASS_NAMES
    from fashionnet.models import LeNet5Classifier

    root = tmp_path_factory.mktemp("predict")
    X, y = small_train
    clf = LeNet5Classifier(activation="relu", pooling="max", epochs=1, random_state=0)
    clf.fit(X[:300], y[:300])
    model = clf.save(root / "lenet.keras", class_names=CLASS_NAMES)
    images = small_test[0][:4]
    pngs, negatives = [], []
    for i, image in enumerate(images):
        pngs.append(root / f"garment{i}.png")
        Image.fromarray(image).save(pngs[-1])
        # Dark garment on a white ground, twice the size: the command must undo both.
        negatives.append(root / "photos" / f"photo{i}.png")
        negatives[-1].parent.mkdir(exist_ok=True)
        Image.fromarray(255 - image).resize((56, 56), Image.Resampling.NEAREST).save(negatives[-1])
    jpeg = root / "photos" / "colour.jpg"
    Image.fromarray(np.stack([255 - images[0]] * 3, axis=-1)).save(jpeg, quality=90)
    return {
        "model": model,
        "clf": clf,
        "images": images,
        "pngs": pngs,
        "negatives": negatives,
        "jpeg": jpeg,
        "root": root,
    }


def test_predict_prints_one_line_per_image(image_files, capsys):
    from fashionnet.datasets import CLASS_NAMES

    files, clf = image_files, image_files["clf"]
    expected = clf.predict_proba(files["images"])
    status = main(
        [
            "predict",
            "--model",
            str(files["model"]),
            *map(str, files["pngs"]),
            "--format",
            "json",
            "--top-k",
            "3",
        ]
    )
    assert status == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["file"] for row in rows] == [str(p) for p in files["pngs"]]
    for row, proba in zip(rows, expected, strict=True):
        assert row["label"] == CLASS_NAMES[int(proba.argmax())] and not row["inverted"]
        assert row["probability"] == pytest.approx(float(proba.max()), abs=1e-6)
        assert [t["label"] for t in row["top_k"]] == [
            CLASS_NAMES[i] for i in proba.argsort()[::-1][:3]
        ]
    # A folder of photo-like negatives at twice the size: inverted and resized back
    # to the very pixels of the originals, so the same probabilities; the JPEG too.
    status = main(
        [
            "predict",
            "--model",
            str(files["model"]),
            str(files["root"] / "photos"),
            "--format",
            "csv",
        ]
    )
    assert status == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "file,label,probability,inverted"
    body = [line.split(",") for line in lines[1:]]
    assert [Path(row[0]).name for row in body] == ["colour.jpg"] + [
        p.name for p in files["negatives"]
    ]
    assert all(row[-1] == "True" for row in body)
    for row, proba in zip(body[1:], expected, strict=True):
        assert row[1] == CLASS_NAMES[int(proba.argmax())]
        assert float(row[2]) == pytest.approx(float(proba.max()), abs=1e-4)
    status = main(["predict", "--model", str(files["model"]), str(files["negatives"][0])])
    text = capsys.readouterr().out
    assert status == 0 and text.count("\n") == 1
    assert "[inverted: the model knows a dark ground]" in text


def test_predict_mistakes_are_one_line(image_files, tmp_path, capsys):
    files = image_files
    model = str(files["model"])
    corrupt = tmp_path / "cut.png"
    corrupt.write_bytes(files["pngs"][0].read_bytes()[:70])
    notes = tmp_path / "notes.png"
    notes.write_text("not an image")
    plain = tmp_path / "plain.keras"
    files["clf"].model_.save(plain)
    cases = [
        (["--model", model, str(tmp_path / "missing.png")], "cannot read", "no such file"),
        (["--model", model, str(corrupt)], "cut.png", "damaged or truncated"),
        (["--model", model, str(notes)], "notes.png", "not an image"),
        (["--model", str(plain), str(files["pngs"][0])], "not a classifier saved by fashionnet"),
        (["--model", str(tmp_path / "none.keras"), str(corrupt)], "cannot read --model"),
        (["--model", model, str(files["pngs"][0]), "--top-k", "11"], "--top-k must be"),
    ]
    for args, *fragments in cases:
        assert main(["predict", *args]) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("fashionnet: error: "), err
        for fragment in fragments:
            assert fragment in err[0], (fragment, err[0])
    # Skipping the unreadable files: one warning, the others classified.
    status = main(
        ["predict", "--model", model, str(corrupt), str(files["pngs"][0]), "--skip-unreadable"]
    )
    captured = capsys.readouterr()
    assert status == 0 and captured.out.count("\n") == 1
    assert captured.err.strip() == (
        "fashionnet: warning: skipped 1 of 2 files that are not readable images: cut.png"
    )


def test_predict_with_an_onnx_model_prints_what_the_keras_file_prints(image_files, capsys):
    from fashionnet.datasets import CLASS_NAMES

    files = image_files
    onnx_path = files["clf"].export(files["root"] / "lenet.onnx", class_names=CLASS_NAMES)
    outputs = {}
    for model in (files["model"], onnx_path):
        status = main(["predict", "--model", str(model), str(files["root"] / "photos")])
        outputs[model.suffix] = capsys.readouterr().out.splitlines()
        assert status == 0
    # file, label and the inversion note alike; the probabilities to float32 rounding
    number = re.compile(r"\b[01]\.\d{4}\b")
    for fast, slow in zip(outputs[".onnx"], outputs[".keras"], strict=True):
        assert number.sub("p", fast) == number.sub("p", slow)
        (mine,), (theirs,) = number.findall(fast), number.findall(slow)
        assert float(mine) == pytest.approx(float(theirs), abs=2e-4)
    assert len(outputs[".onnx"]) == 5


# ---------------------------------------------------------------- a closed output pipe


def test_a_closed_pipe_ends_the_command_quietly(tmp_path, small_test):
    """``fashionnet audit ... | head -1``: the reader leaves, the command stops without a word."""
    from fashionnet.datasets import write_csv

    path = write_csv(tmp_path / "few.csv", *small_test)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before the first line
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "fashionnet", "audit", str(path), "--markdown"],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""  # no traceback, no "Exception ignored", no error line
    assert proc.returncode == 141


class _ClosedPipe:
    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")


def test_a_closed_pipe_in_process(tmp_path, small_test, capsys, monkeypatch):
    from fashionnet.datasets import write_csv

    path = write_csv(tmp_path / "few.csv", *small_test)
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(["audit", str(path)]) == 141
    assert capsys.readouterr().err == ""
