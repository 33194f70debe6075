"""``fashionnet audit FOLDER --out DIR``: the command on a user's image folder."""

from __future__ import annotations

import numpy as np
from folder_plants import write_folder

from fashionnet.cli import main


def test_audit_of_an_image_folder_writes_its_report(fashion_test, tmp_path, capsys):
    X, y = fashion_test
    idx = np.concatenate([np.flatnonzero(y == c)[:12] for c in range(10)])
    write_folder(tmp_path / "data", X[idx], y[idx], per_kind=1)
    code = main(["audit", str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--top", "4"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "| issue | files | share | score |" in printed and "exact_duplicate" in printed
    assert (tmp_path / "out" / "report.html").is_file()
    assert (tmp_path / "out" / "issues.csv").is_file()


def test_hostile_folders_get_one_line(tmp_path, capsys):
    (tmp_path / "empty" / "coat").mkdir(parents=True)
    assert main(["audit", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "hold no file" in err
    (tmp_path / "bad" / "coat").mkdir(parents=True)
    (tmp_path / "bad" / "coat" / "a.png").write_text("text")
    assert main(["audit", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "readable image" in err


def test_out_needs_an_image_folder(tmp_path, capsys):
    csv = tmp_path / "data.csv"
    csv.write_text("label,pixel1\n0,0\n")
    assert main(["audit", str(csv), "--out", str(tmp_path / "out")]) == 2
    assert "one sub-folder per class" in capsys.readouterr().err
