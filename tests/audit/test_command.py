"""fashionnet audit --near-duplicates --label-issues: the study's tables on the command line."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from fashionnet.cli import main


@pytest.fixture(scope="module")
def csv_path(small_train, tmp_path_factory):
    """300 real training images as a Kaggle CSV, image 7 a copy of image 200."""
    X, y = small_train[0][:300].copy(), small_train[1][:300].copy()
    X[7] = X[200]
    frame = pd.DataFrame(X.reshape(300, -1), columns=[f"pixel{i}" for i in range(1, 785)])
    frame.insert(0, "label", y)
    path = tmp_path_factory.mktemp("audit") / "fashion-mnist_train.csv"
    frame.to_csv(path, index=False)
    return path


def test_near_duplicates_and_label_issues_tables(csv_path, capsys):
    code = main(
        ["audit", str(csv_path), "--near-duplicates", "--label-issues", "--epochs", "1",
         "--folds", "2", "--top", "3"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "audit of 300 rows x 785 columns" in out
    assert "## Near-duplicate pairs within the data (distance <= 2)" in out
    assert "| 7 | 200 | 0 |" in out
    assert "## Suspected label errors" in out and "out-of-fold LeNet-5, 2 folds" in out
    assert "| index | given_label | predicted_label | label_quality |" in out
    assert "## Images least like their class" in out
    table = out.split("## Images least like their class")[1].split("##")[0]
    assert len([line for line in table.splitlines() if line.startswith("| ")]) == 1 + 3


def test_missing_cleanlab_is_one_line(csv_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    assert main(["audit", str(csv_path), "--label-issues"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "fashionnet: error: label_issues needs cleanlab: pip install 'fashionnet[audit]'"
    )


def test_label_issues_need_labels(tmp_path, capsys):
    from fashionnet.datasets import load_fashion_mnist

    images = tmp_path / "my-images-idx3-ubyte"
    X, _ = load_fashion_mnist("test")
    header = np.array([0x00000803, 20, 28, 28], dtype=">u4").tobytes()
    images.write_bytes(header + X[:20].tobytes())
    assert main(["audit", str(images), "--label-issues"]) == 2
    assert "--label-issues needs labels" in capsys.readouterr().err


# ---------------------------------------------------------------- hostile options


@pytest.mark.parametrize("threshold", ["nan", "inf", "-1", "-inf"])
def test_a_threshold_that_is_no_distance_is_refused_before_the_audit(csv_path, capsys, threshold):
    # --threshold nan used to find 0 pairs among identical images and exit 0.
    assert main(["audit", str(csv_path), "--near-duplicates", f"--threshold={threshold}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # not a line of the audit first
    assert captured.err.startswith("fashionnet: error: --threshold must be a distance >= 0")
    assert len(captured.err.strip().splitlines()) == 1


def test_too_many_folds_are_refused_before_any_work_and_before_tensorflow(csv_path):
    """--folds against the smallest class: first, in one line naming --folds, no TF start-up."""
    script = (
        "import sys; from fashionnet.cli import main; "
        f"code = main(['audit', {str(csv_path)!r}, '--label-issues', '--folds', '400']); "
        "print('exit', code, 'tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == "exit 2 False False", proc.stdout  # nothing else printed
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("fashionnet: error: --folds asks for 400 folds, but class")
    assert "Use --folds" in err[0]


def test_too_many_folds_in_process(csv_path, capsys):
    assert main(["audit", str(csv_path), "--label-issues", "--folds", "400"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--folds asks for 400 folds" in captured.err
