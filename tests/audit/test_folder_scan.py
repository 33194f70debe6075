"""Reading a folder in chunks: any size, any mode, unreadable files listed."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from fashionnet.audit.folder.scan import STATISTICS, THUMB, list_class_folder, scan_files


def _files(root, fashion_test):
    X, _ = fashion_test
    (root / "a").mkdir(parents=True)
    (root / "b" / "deeper").mkdir(parents=True)
    Image.fromarray(X[0]).save(root / "a" / "grey.png")
    Image.fromarray(np.dstack([X[1]] * 3)).resize((90, 50)).save(root / "a" / "wide.jpg")
    rgba = np.dstack([X[2]] * 3 + [np.full((28, 28), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(root / "b" / "alpha.png")
    Image.fromarray(X[0]).save(root / "b" / "deeper" / "same.bmp")  # same pixels as grey.png
    (root / "b" / "notes.txt").write_text("not an image")
    (root / "b" / ".hidden.png").write_text("skipped")


def test_every_file_is_reduced_or_listed(fashion_test, tmp_path):
    _files(tmp_path, fashion_test)
    files, labels = list_class_folder(tmp_path)
    assert [f.name for f in files] == ["grey.png", "wide.jpg", "alpha.png", "same.bmp", "notes.txt"]
    assert labels.tolist() == ["a", "a", "b", "b", "b"]
    for chunk in (1, 2, 64):
        scan = scan_files(files, labels, chunk_size=chunk, n_jobs=2)
        assert [p.name for p in scan.paths] == ["grey.png", "wide.jpg", "alpha.png", "same.bmp"]
        assert scan.thumbs.shape == (4, THUMB * THUMB) and scan.thumbs.dtype == np.uint8
        assert scan.stats.shape == (4, len(STATISTICS))
        assert [p.name for p, _, _ in scan.unreadable] == ["notes.txt"]
        assert "notes.txt" in scan.unreadable[0][2]
    assert scan.digests[0] == scan.digests[3] != scan.digests[2]
    cols = scan.columns
    assert (cols["width"][1], cols["height"][1]) == (90, 50)
    assert cols["chroma"][0] == 0  # grey stays grey
    np.testing.assert_array_equal(scan.thumbs[0], fashion_test[0][0].reshape(-1))


def test_progress_is_reported_per_chunk(fashion_test, tmp_path):
    _files(tmp_path, fashion_test)
    seen = []
    scan_files(*list_class_folder(tmp_path), chunk_size=2, progress=lambda d, t: seen.append(d))
    assert seen == [2, 4, 5]


def test_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image folder"):
        list_class_folder(tmp_path / "nowhere")


def test_images_directly_in_the_folder_are_named(tmp_path):
    Image.new("L", (8, 8)).save(tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"no class sub-folder \(it holds 1 image files"):
        list_class_folder(tmp_path)
