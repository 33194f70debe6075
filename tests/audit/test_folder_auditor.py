"""FolderAuditor on real Fashion-MNIST files with planted problems of every kind."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from folder_plants import EXPECTED, write_folder
from PIL import Image
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from fashionnet.audit import FolderAuditor, audit_folder
from fashionnet.audit.folder import ISSUE_COLUMNS

pytest.importorskip("cleanlab")

# Largest share of clean images a check may flag.
FALSE_POSITIVES = {
    "dark": 0.02,
    "light": 0.02,
    "blurry": 0.02,
    "low_information": 0.02,
    "odd_size": 0.01,
    "odd_aspect_ratio": 0.01,
    "grayscale": 0.01,
    "exact_duplicate": 0.0,
    "near_duplicate": 0.03,
    "class_outlier": 0.05,
    "class_imbalance": 0.0,
    "underperforming_group": 0.15,
    "label_issue": 0.2,
}


def _flatten(X):
    return X.reshape(len(X), -1) / 255.0


def _linear():
    """A quick estimator for the label stage: logistic regression on the thumbnails."""
    return make_pipeline(FunctionTransformer(_flatten), LogisticRegression(C=0.05, max_iter=300))


@pytest.fixture(scope="module")
def planted(fashion_test, tmp_path_factory):
    X, y = fashion_test
    rng = np.random.default_rng(3)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), 45, replace=False) for c in range(10)])
    root = tmp_path_factory.mktemp("folder") / "data"
    paths = write_folder(root, X[idx], y[idx], per_kind=5, jpeg_share=0.2, seed=3)
    auditor = FolderAuditor(label_issues=True, estimator=_linear(), folds=3).fit(root)
    return root, paths, auditor


def _flagged(auditor, issue):
    return set(auditor.issues_.loc[auditor.issues_["issue"] == issue, "path"])


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_every_planted_kind_is_found(planted, kind):
    _, paths, auditor = planted
    flagged = _flagged(auditor, EXPECTED[kind])
    recall = np.mean([str(p) in flagged for p in paths[kind]])
    assert recall >= (0.6 if kind == "moved" else 1.0), (kind, recall)


@pytest.mark.parametrize("issue", sorted(FALSE_POSITIVES))
def test_clean_images_are_rarely_flagged(planted, issue):
    _, paths, auditor = planted
    flagged = _flagged(auditor, issue)
    share = np.mean([str(p) in flagged for p in paths["clean"]])
    assert share <= FALSE_POSITIVES[issue], (issue, share)


def test_the_table_and_the_summary(planted):
    _, _, auditor = planted
    table = auditor.issues_
    assert list(table.columns) == list(ISSUE_COLUMNS)
    assert table["score"].between(0, 1).all()
    assert (table["score"] < 0.5).all() or set(table.loc[table["score"] >= 0.5, "issue"]) <= {
        "label_issue",
        "class_imbalance",
        "underperforming_group",
    }
    labels = table[table["issue"] == "label_issue"]
    assert labels["suggested_label"].notna().all()
    assert (labels["suggested_label"] != labels["label"]).all()
    summary = auditor.summary_.set_index("issue")
    assert summary["score"].between(0, 1).all()
    assert summary.loc["exact_duplicate", "files"] == 20


def test_duplicates_across_classes_come_first(planted):
    _, _, auditor = planted
    exact = auditor.issues_[auditor.issues_["issue"] == "exact_duplicate"]
    disagree = [d.startswith("twin labelled") for d in exact["detail"]]
    assert disagree == sorted(disagree, reverse=True) and sum(disagree) == 10


def test_leakage_into_a_test_folder(planted, tmp_path):
    root, paths, _ = planted
    test = tmp_path / "test"
    leaked = paths["clean"][:4]
    for i, path in enumerate(leaked):
        (test / path.parent.name).mkdir(parents=True, exist_ok=True)
        image = Image.open(path).convert("RGB")
        # One exact copy, the others re-exposed (near twins).
        image = image if i == 0 else Image.eval(image, lambda v: int(v * 0.9))
        image.save(test / path.parent.name / f"t{i}.png")
    auditor = FolderAuditor().fit(root, test)
    leaks = auditor.issues_[auditor.issues_["issue"] == "leakage"]
    assert {str(p) for p in leaked} <= set(leaks["path"])
    assert leaks["other_path"].str.startswith(str(test)).all()


def test_the_default_label_stage_keeps_to_its_budget(fashion_test, tmp_path):
    X, y = fashion_test
    idx = np.concatenate([np.flatnonzero(y == c)[:15] for c in range(3)])
    write_folder(tmp_path, X[idx], y[idx], per_kind=0, class_names=["a", "b", "c"])
    auditor = FolderAuditor(label_issues=True, budget=20, epochs=1, folds=2).fit(tmp_path)
    stage = auditor.facts_["label stage"]
    assert stage["estimator"] == "LeNet5Classifier" and stage["budget_s"] == 20
    assert "label_issue" in set(auditor.summary_["issue"])


def _one_line(exc):
    text = str(exc.value)
    assert "\n" not in text and "Traceback" not in text
    return text


def test_an_empty_folder(tmp_path):
    with pytest.raises(ValueError) as exc:
        FolderAuditor().fit(tmp_path)
    assert "no class sub-folder" in _one_line(exc)
    (tmp_path / "coat").mkdir()
    with pytest.raises(ValueError) as exc:
        FolderAuditor().fit(tmp_path)
    assert "hold no file" in _one_line(exc)


def test_unreadable_files_are_listed_not_raised(planted, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.png").write_text("not an image")
    with pytest.raises(ValueError) as exc:
        FolderAuditor().fit(tmp_path)
    assert "none of the 1 files" in _one_line(exc) and "notes.png" in str(exc.value)
    root = planted[0]
    bad = root / "class_0" / "zz_truncated.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    try:
        table = audit_folder(root)
    finally:
        bad.unlink()
    rows = table[table["issue"] == "unreadable"]
    assert list(rows["path"]) == [str(bad)] and rows["score"].tolist() == [0.0]


def test_one_class_and_one_image_per_class(fashion_test, tmp_path):
    X, y = fashion_test
    one = tmp_path / "one"
    write_folder(one, X[:30], np.zeros(30, int), per_kind=0, class_names=["only"])
    with pytest.warns(UserWarning, match="one class"):
        auditor = FolderAuditor(label_issues=True).fit(one)
    assert "label_issue" not in set(auditor.summary_["issue"])
    single = tmp_path / "single"
    write_folder(single, X[:3], np.arange(3), per_kind=0, class_names=["a", "b", "c"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        auditor = FolderAuditor(label_issues=True).fit(single)
    said = [str(w.message) for w in caught]
    assert any("class_outlier skipped" in s for s in said)
    assert any("label_issue skipped" in s for s in said)
    assert all("\n" not in s for s in said)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"folds": 1}, "folds"),
        ({"budget": 0}, "budget"),
        ({"z_threshold": -1}, "z_threshold"),
        ({"group_threshold": 2}, "group_threshold"),
        ({"chunk_size": 0}, "chunk_size"),
    ],
)
def test_bad_parameters(tmp_path, params, match):
    with pytest.raises(ValueError, match=match):
        FolderAuditor(**params).fit(tmp_path)
