"""The study's near-duplicate and label-error stages on their own (the smoke study runs both)."""

from __future__ import annotations

import dataclasses
import sys
from types import SimpleNamespace

from fashionnet.datasets import CLASS_NAMES
from fashionnet.progress import ProgressStream
from fashionnet.report import Report
from fashionnet.study import data_quality
from fashionnet.study.profiles import SMOKE
from fashionnet.study.records import DataRecord
from fashionnet.study.report import _section_beyond_audit
from fashionnet.study.workspace import StudyData, StudyFiles


def test_without_cleanlab_the_outliers_still_come_and_the_report_says_why(
    tmp_path, monkeypatch, fashion_train
):
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    profile = dataclasses.replace(SMOKE, label_issue_size=300)
    files = StudyFiles(tmp_path)
    record = data_quality.suspected_label_errors(
        data=StudyData(), files=files, progress=ProgressStream(None), profile=profile
    )
    facts = record.to_dict()  # as the stage's record file holds it
    assert facts["label_issues_missing"] == (
        "label_issues needs cleanlab: pip install 'fashionnet[audit]'"
    )
    assert "top_label_issues" not in facts and len(facts["top_outliers"]) == 10
    assert set(facts["figures"]) == {"class_outliers", "odd_images"}
    doc = Report("t")
    names = DataRecord.from_dict(
        {k: 0 for k in ("train_images", "test_images", "image_height", "image_width")}
        | {k: 0 for k in ("pixels_per_image", "n_classes", "lenet_train_images")}
        | {"lenet_cv_images": 0, "lenet_test_images": 0, "dtype": "uint8"}
        | {"class_names": list(CLASS_NAMES)}
    )
    metrics = SimpleNamespace(label_issues=record, near_duplicates=None, data=names)
    _section_beyond_audit(doc, metrics)
    text = doc.to_markdown()
    assert "Suspected label errors: not computed, label_issues needs cleanlab" in text
    assert "figures/label_issues.png" not in text and "figures/class_outliers.png" in text
