"""fashionnet.study.report.summary: the summary of findings on partial metrics."""

from __future__ import annotations

import json
from pathlib import Path

from fashionnet.study.report import build_report

FOLDER = Path(__file__).parents[1] / "data" / "smoke-d2cbbd4"


def _metrics() -> dict:
    return json.loads((FOLDER / "metrics.json").read_text())


def _summary(metrics: dict) -> str:
    text = build_report(metrics).to_markdown()
    return text[: text.index("## 1. Data")]


def test_without_the_data_quality_stages_the_summary_has_no_leakage_part():
    metrics = _metrics()
    del metrics["near_duplicates"], metrics["label_issues"]
    summary = _summary(metrics)
    assert "### Comparison" in summary and "### Conclusion" in summary
    assert "Leakage" not in summary and "figures/near_duplicate_pairs.png" not in summary


def test_without_cleanlab_the_summary_says_the_label_errors_were_not_computed():
    metrics = _metrics()
    keep = ("outlier_seconds", "top_outliers", "n_blank", "n_saturated")
    metrics["label_issues"] = {k: metrics["label_issues"][k] for k in keep} | {
        "label_issues_missing": "label_issues needs cleanlab: pip install 'fashionnet[audit]'"
    }
    summary = _summary(metrics)
    assert "- Suspected label errors: not computed, label_issues needs cleanlab" in summary
    assert "figures/label_issues.png" not in summary
    assert "- Train/test leakage: 25 of the 10000 test images (0.0025)" in summary
    assert "- Odd images in the training split: 4 nearly blank, 8 nearly saturated." in summary


def test_the_summary_shows_the_confusion_matrix_of_the_model_its_conclusion_analyses():
    metrics = _metrics()
    analysed = metrics["conclusion"]["analysed_model"]
    stage = next(k for k in metrics["profile"]["models"] if metrics[k]["title"] == analysed)
    assert f"(figures/{stage}_confusion_matrix.png)" in _summary(metrics)
