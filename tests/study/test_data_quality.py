"""The study's near-duplicate and label-error stages on their own (the smoke study runs both)."""

from __future__ import annotations

import dataclasses
import sys

from fashionnet.datasets import CLASS_NAMES
from fashionnet.progress import ProgressStream
from fashionnet.report import Report
from fashionnet.study import data_quality
from fashionnet.study.profiles import SMOKE
from fashionnet.study.report import _section_beyond_audit
from fashionnet.study.workspace import StudyData, StudyFiles


def test_without_cleanlab_the_outliers_still_come_and_the_report_says_why(
    tmp_path, monkeypatch, fashion_train
):
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    profile = dataclasses.replace(SMOKE, label_issue_size=300)
    files = StudyFiles(tmp_path)
    facts = data_quality.suspected_label_errors(
        data=StudyData(), files=files, progress=ProgressStream(None), profile=profile
    )
    assert facts["label_issues_missing"] == (
        "label_issues needs cleanlab: pip install 'fashionnet[audit]'"
    )
    assert "top_label_issues" not in facts and len(facts["top_outliers"]) == 10
    assert set(facts["figures"]) == {"class_outliers", "odd_images"}
    doc = Report("t")
    _section_beyond_audit(doc, {"label_issues": facts, "data": {"class_names": CLASS_NAMES}})
    text = doc.to_markdown()
    assert "Suspected label errors: not computed, label_issues needs cleanlab" in text
    assert "figures/label_issues.png" not in text and "figures/class_outliers.png" in text
