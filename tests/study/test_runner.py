"""The smoke study end to end on the real data: report, metrics, figures, resuming.

The smoke study runs once per test session (about a minute on 2 cores) and
every test reads its output.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from fashionnet.cli import main
from fashionnet.report import Report, format_number, rounded
from fashionnet.study import PROFILES, StudyError, reductions, run_study, stages
from fashionnet.study.records import read_record
from fashionnet.study.runner import check_manifest

STAGES = [
    "data",
    "audit",
    "near_duplicates",
    "label_issues",
    "exploration",
    "preprocessing",
    "tuning",
    "lenet5",
    "cross_validation",
    "lenet5_sgd",
    "vgg16",
    "resnet152v2",
    "resnet",
    "comparison",
]

SECTIONS = [
    "## Summary of findings",
    "### Comparison",
    "### Conclusion",
    "### Leakage and suspected label errors",
    "## 1. Data",
    "### Audit",
    "### Near-duplicates and train/test leakage",
    "### Suspected label errors and odd images",
    "## 2. Exploration",
    "## 3. Preprocessing",
    "## 4. Models",
    "## 5. Tuning",
    "## 6. Results",
    "### LeNet-5, best hyperparameters",
    "### LeNet-5, SGD recipe",
    "### VGG16 transfer",
    "### ResNet152V2 transfer",
    "### Compact ResNet (beyond the study)",
    "## 7. Cross-validation",
    "## About this run",
]

FIGURES = [
    "sample_grid",
    "class_balance",
    "pixel_distribution",
    "correlation_heatmap",
    "near_duplicate_pairs",
    "label_issues",
    "class_outliers",
    "odd_images",  # the training split has 4 nearly blank and 8 nearly saturated images
    "tuning_results",
    "lenet5_curves",
    "lenet5_confusion_matrix",
    "cv_fold_curves",
    "lenet5_sgd_curves",
    "lenet5_sgd_confusion_matrix",
    "vgg16_curves",
    "vgg16_confusion_matrix",
    "resnet152v2_curves",
    "resnet152v2_confusion_matrix",
    "resnet_curves",
    "resnet_confusion_matrix",
]


@pytest.fixture(scope="session")
def smoke(tmp_path_factory, fashion_train):
    """One smoke study for the whole session: (StudyResult, seconds, progress text)."""
    out = tmp_path_factory.mktemp("study") / "smoke"
    log = io.StringIO()
    start = time.perf_counter()
    result = run_study("smoke", out, progress=log)
    return result, time.perf_counter() - start, log.getvalue()


def _numbers(value, path=""):
    """Every number in a JSON structure, with where it sits."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _numbers(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _numbers(v, f"{path}[{i}]")
    else:
        yield path, value


def test_smoke_study_runs_every_stage(smoke):
    # How long it takes is benchmarks/bench_study.py's business, not a test's.
    result, _, log = smoke
    assert result.ran == STAGES
    assert result.skipped == []
    assert result.budget is None and result.metrics["budget"] is None
    assert "[14/14] Comparison: done" in log
    assert re.search(r"trial 2/2 epoch \[#+\] 1/1", log)  # progress bars
    assert re.search(r"fold 2/2 epoch", log)


def test_report_has_every_section_in_order(smoke):
    result, _, _ = smoke
    text = result.report_path.read_text()
    positions = [text.find(section + "\n") for section in SECTIONS]
    missing = [s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert not missing, missing
    assert positions == sorted(positions)
    # The weights of the transfer models are stated next to their numbers.
    assert text.count("random initialisation (weights=None)") >= 2
    assert "NONE: random initialisation" in text


def test_every_metric_appears_in_the_report(smoke):
    result, _, _ = smoke
    text = result.report_path.read_text()
    metrics = json.loads((result.out / "metrics.json").read_text())
    assert metrics == result.metrics
    missing = []
    for path, number in _numbers(metrics):
        token = json.dumps(number)
        if not re.search(rf"(?<![\d.]){re.escape(token)}(?![\d])", text):
            missing.append(f"{path} = {token}")
    assert not missing, missing[:20]
    for key in (
        "data",
        "audit",
        "tuning",
        "lenet5",
        "cross_validation",
        "vgg16",
        "resnet152v2",
        "comparison",
        "conclusion",
    ):
        assert key in metrics


def test_metrics_hold_the_study_numbers(smoke):
    result, _, _ = smoke
    m = result.metrics
    assert m["data"]["train_images"] == 60000 and m["data"]["test_images"] == 10000
    assert m["data"]["lenet_train_images"] == PROFILES["smoke"].train_size
    assert m["audit"]["n_columns"] == 785
    assert m["tuning"]["n_trials"] == 2 and len(m["tuning"]["trials"]) == 2
    assert 1.0 not in m["tuning"]["space"]["learning_rate"]  # the study's mistake
    best = m["tuning"]["best_params"]
    assert best["learning_rate"] in m["tuning"]["space"]["learning_rate"]
    folds = m["cross_validation"]["folds"]
    assert [f["fold"] for f in folds] == [1, 2]
    accs = [f["test_accuracy"] for f in folds]
    summary = m["cross_validation"]["summary"]
    assert summary["min"]["test_accuracy"] == pytest.approx(min(accs), abs=1e-4)
    assert summary["max"]["test_accuracy"] == pytest.approx(max(accs), abs=1e-4)
    assert summary["mean"]["test_accuracy"] == pytest.approx(np.mean(accs), abs=1e-4)
    rows = m["comparison"]["rows"]
    assert len(rows) == 6
    assert [r["test_accuracy"] for r in rows] == sorted(
        (r["test_accuracy"] for r in rows), reverse=True
    )
    for key in ("vgg16", "resnet152v2"):
        assert m[key]["weights"] == "none"
        cm = np.array(m[key]["confusion_matrix"])
        assert cm.sum() == m[key]["test_images"] == PROFILES["smoke"].plan(key).test_size
    # The conclusion is derived from these numbers, not written beforehand.
    assert m["conclusion"]["best_test_accuracy"] == rows[0]["test_accuracy"]
    assert m["conclusion"]["best_model"] == rows[0]["model"]


def test_figures_are_valid_pngs(smoke):
    import matplotlib.image as mpimg

    result, _, _ = smoke
    for name in FIGURES:
        path = result.out / "figures" / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        image = mpimg.imread(path)
        assert image.ndim == 3 and image.shape[0] > 50 and image.shape[1] > 50, name


def test_html_report_is_self_contained(smoke):
    result, _, _ = smoke
    html = (result.out / "report.html").read_text()
    links = re.findall(r"\]\((figures/[^)]+)\)", result.report_path.read_text())
    # Every figure is shown (the summary shows three of them a second time) and inlined.
    assert set(links) == {f"figures/{name}.png" for name in FIGURES}
    assert html.count('src="data:image/png;base64,') == len(links)
    assert 'src="figures/' not in html
    assert "<h3>Conclusion</h3>" in html
    # Every figure referenced by the Markdown report exists.
    for link in links:
        assert (result.out / link).is_file()


def test_outputs_models_and_records(smoke):
    result, _, _ = smoke
    out = result.out
    assert (out / "models" / "lenet5.keras").is_file()
    assert (out / "audit.md").read_text().startswith("## Data audit")
    records = sorted(p.stem for p in (out / "stages").glob("*.json"))
    assert records == sorted(STAGES)
    assert not list(out.rglob(".*.tmp"))  # no temporary file left behind
    tuning = json.loads((out / "stages" / "tuning.json").read_text())
    assert tuning["schema"] == 2
    # no budget: the search's budget is none, not the time it took
    assert tuning["metrics"]["budget_seconds"] is None
    assert tuning["metrics"]["search_seconds"] > 0
    from fashionnet.models import load_model

    model = load_model(out / "models" / "lenet5.keras")
    X, _ = stages.StudyData().split("test")
    assert model.predict(X[:5]).shape == (5,)


def test_second_run_resumes_through_the_cli(smoke, capsys):
    result, _, _ = smoke
    before = result.report_path.read_text()
    start = time.perf_counter()
    assert main(["study", "--profile", "smoke", "--out", str(result.out), "--quiet"]) == 0
    assert time.perf_counter() - start < 10
    out = capsys.readouterr().out
    assert "0 stages run, 14 resumed" in out
    assert "LeNet-5, best hyperparameters" in out
    assert result.report_path.read_text() == before


def test_interrupted_run_loses_only_the_stage_in_progress(smoke, tmp_path, monkeypatch):
    result, _, _ = smoke
    out = tmp_path / "copy"
    shutil.copytree(result.out, out)
    for name in ("resnet152v2", "comparison"):
        (out / "stages" / f"{name}.json").unlink()
    (out / "report.md").unlink()
    real = stages.train_model

    # ResNet152V2 is "interrupted": its stage dies midway.
    def interrupted(plan, **kwargs):
        if plan.stage == "resnet152v2":
            raise KeyboardInterrupt
        return real(plan, **kwargs)

    monkeypatch.setattr(stages, "train_model", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_study("smoke", out, progress=None)
    assert not (out / "stages" / "resnet152v2.json").exists()
    assert (out / "stages" / "vgg16.json").exists()

    # Running again redoes the interrupted stage and the ones after it only.
    finished = json.loads((result.out / "stages" / "resnet152v2.json").read_text())
    record = read_record("resnet152v2", finished["metrics"], finished["schema"])
    monkeypatch.setattr(stages, "train_model", lambda plan, **kwargs: record)
    again = run_study("smoke", out, progress=None)
    assert again.ran == ["resnet152v2", "comparison"]
    assert again.metrics["resnet152v2"] == result.metrics["resnet152v2"]
    assert (out / "report.md").is_file()


@pytest.mark.parametrize(
    ("damage", "reruns"),
    [
        ("figures/lenet5_curves.png", ["lenet5", "comparison"]),
        ("models/lenet5.keras", ["lenet5", "comparison"]),
        ("figures/tuning_results.png", ["tuning", "lenet5", "cross_validation", "comparison"]),
    ],
)
def test_a_stage_whose_files_are_gone_or_damaged_runs_again(
    smoke, tmp_path, monkeypatch, damage, reruns
):
    result, _, _ = smoke
    out = tmp_path / "copy"
    shutil.copytree(result.out, out)
    if damage.endswith(".keras"):
        (out / damage).write_bytes((out / damage).read_bytes()[:1000])  # truncated
    else:
        (out / damage).unlink()
    ran = []
    real = stages.train_model

    def recording(plan, **kwargs):
        ran.append(plan.stage)
        return real(plan, **kwargs)

    monkeypatch.setattr(stages, "train_model", recording)
    again = run_study("smoke", out, progress=None)
    assert again.ran == reruns
    assert ran == [stage for stage in reruns if stage == "lenet5"]
    assert (out / damage).is_file()
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["lenet5"]["test_accuracy"] == again.metrics["lenet5"]["test_accuracy"]


def test_a_directory_of_another_profile_is_refused(smoke):
    result, _, _ = smoke
    with pytest.raises(StudyError, match="other settings"):
        run_study("quick", result.out, progress=None)


def test_unknown_profile():
    message = "unknown profile 'huge'; choose one of smoke, quick, full"
    with pytest.raises(StudyError, match=message):
        run_study("huge", "never-created")
    assert not Path("never-created").exists()


def test_profiles_match_the_study():
    full = PROFILES["full"]
    assert (full.max_trials, full.cv_folds) == (100, 5)
    assert full.train_size is None and full.test_size is None
    for key in ("vgg16", "resnet152v2"):
        plan = full.plan(key)
        assert plan.params["input_size"] == 48 and plan.params["weights"] == "imagenet"
        assert plan.train_size is None and plan.test_size is None
    for profile in PROFILES.values():
        assert 1.0 not in profile.learning_rates
    rows = reductions(PROFILES["quick"])
    assert {r["setting"] for r in rows} >= {"tuning trials", "LeNet-5 tuning images"}
    assert {"setting": "VGG16 transfer: training images", "full": "all", "this_run": 4000} in rows
    # The quick profile keeps time, not epochs: 15 minutes, its epochs the most a fit trains.
    budget = {"setting": "wall-clock budget (seconds)", "full": "none", "this_run": 900.0}
    assert budget in rows
    resnet_epochs = "Compact ResNet (beyond the study): epochs"
    assert {"setting": resnet_epochs, "full": "default", "this_run": 30} in rows
    quick = PROFILES["quick"]
    # The refit of the study's LeNet-5 trains on all the data; its cross-validation does
    # not chase the study's 0.8828 (one model trained across folds) with fresh folds:
    # three folds of the tuning's images, a small share (issue 30).
    assert quick.plan("lenet5").train_size is None
    assert quick.cv_size == quick.train_size == 12000
    assert quick.budget_shares["cross_validation"] < quick.budget_shares["lenet5"] / 4
    stages_ = {s.name for s in stages.build_stages(quick, data=None, files=None, progress=None,
                                                     results={}) if s.budgeted}
    assert set(quick.budget_shares) == stages_
    assert PROFILES["smoke"].budget is None and full.budget is None
    # Without ImageNet weights the quick profile skips the transfer models (training
    # them from scratch takes a GPU); the full profile trains them from scratch.
    assert PROFILES["quick"].plan("vgg16").without_weights == "skip"
    assert full.plan("resnet152v2").without_weights == "scratch"
    assert reductions(full) == []


def test_transfer_model_without_imagenet_weights_is_skipped(tmp_path, monkeypatch, fashion_train):
    from keras.src.utils import file_utils

    def offline(fname, origin=None, **kwargs):
        raise Exception(f"URL fetch failure on {origin}: None -- Name or service not known")

    monkeypatch.setattr(file_utils, "get_file", offline)
    smoke = PROFILES["smoke"]
    vgg = smoke.plan("vgg16")
    vgg = dataclasses.replace(
        vgg, params={**vgg.params, "weights": "imagenet"}, without_weights="skip"
    )
    profile = dataclasses.replace(smoke, name="offline", models=(smoke.plan("lenet5"), vgg))
    result = run_study(profile, tmp_path / "run", progress=None)
    stage = result.metrics["vgg16"]
    assert stage["skipped"] and stage["weights"] == "missing"
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in stage["weights_error"]
    assert "vgg16" not in {r["key"] for r in result.metrics["comparison"]["rows"]}
    assert result.metrics["comparison"]["skipped"] == ["VGG16 transfer"]
    text = result.report_path.read_text()
    assert "**Skipped, not trained: the ImageNet weights could not be downloaded" in text
    assert "Not compared: VGG16 transfer, skipped" in text
    assert "Not trained: VGG16 transfer." in text
    assert not list((result.out / "figures").glob("vgg16_*"))
    # Run again: the skipped model tries again (its weights may be there now);
    # the finished stages are kept.
    again = run_study(profile, tmp_path / "run", progress=None)
    assert "vgg16" in again.ran and "comparison" in again.ran
    assert {"tuning", "lenet5", "cross_validation"} <= set(again.skipped)


def test_a_budgeted_run_sizes_every_fit_and_reports_it(tmp_path, fashion_train):
    smoke = PROFILES["smoke"]
    profile = dataclasses.replace(
        smoke,
        name="budgeted",
        max_trials=1,
        models=(smoke.plan("lenet5"), smoke.plan("resnet")),
        budget_shares={
            "label_issues": 1.0,
            "tuning": 1.0,
            "lenet5": 1.0,
            "cross_validation": 1.0,
            "resnet": 2.0,
        },
        budget_reserve=1.0,
    )
    result = run_study(profile, tmp_path / "run", progress=None, budget="1m")
    m = result.metrics
    assert result.budget == 60.0 and m["budget"]["seconds"] == 60.0
    assert set(m["budget"]["allotted_seconds"]) == set(profile.budget_shares)
    for stage in ("lenet5", "resnet"):
        assert m[stage]["time_budget"] > 0 and m[stage]["epochs_planned"] >= 1
        assert m[stage]["images_per_second"] > 0
    assert all(f["time_budget"] == m["cross_validation"]["fold_time_budget"]
               for f in m["cross_validation"]["folds"])
    # each budgeted stage records the budget it was given (the tuning stage too)
    for stage in ("tuning", "lenet5", "cross_validation"):
        assert m[stage]["budget_seconds"] == m["budget"]["allotted_seconds"][stage]
    text = result.report_path.read_text()
    assert "**Time budget: 60.0 s** of wall time" in text
    assert "| stage | budget | seconds | epochs | measured speed |" in text


def test_budget_is_refused_unless_a_duration(tmp_path):
    with pytest.raises(ValueError, match="'soon' is not a duration"):
        run_study("smoke", tmp_path / "never", budget="soon")
    assert not (tmp_path / "never").exists()


def test_plan_names_what_it_does_without_weights():
    with pytest.raises(ValueError, match="without_weights must be 'scratch' or 'skip'"):
        dataclasses.replace(PROFILES["smoke"].plan("vgg16"), without_weights="random")


def test_report_number_format_is_the_json_spelling():
    for value in (0.854399967, 60000, 1e-4, 0.1, 12.25, -0.03):
        assert format_number(value) == json.dumps(rounded(value))
    assert rounded({"a": [float("nan"), np.float32(0.5), np.int64(3)]}) == {"a": [None, 0.5, 3]}


def test_report_renders_markdown_and_html(tmp_path):
    from PIL import Image

    Image.new("RGB", (4, 4), "red").save(tmp_path / "dot.png")
    doc = Report("T <1>")
    doc.heading("Part")
    doc.paragraph("uses `code` and **bold** & more")
    doc.bullets(["one", "two"])
    doc.table(["a", "b|c"], [["x|y", 0.123456], [None, [1, 2]]])
    doc.figure("dot.png", "a dot")
    doc.code("fashionnet study")
    md = doc.to_markdown()
    assert "| x\\|y | 0.1235 |" in md and "| - | (1, 2) |" in md
    assert "![a dot](dot.png)" in md and "```\nfashionnet study\n```" in md
    html = doc.to_html(tmp_path)
    assert "<title>T &lt;1&gt;</title>" in html
    assert "<code>code</code>" in html and "<strong>bold</strong> &amp; more" in html
    assert "data:image/png;base64," in html and "<li>two</li>" in html


def test_restart_discards_records_and_the_search(smoke, tmp_path):
    result, _, _ = smoke
    out = tmp_path / "copy"
    shutil.copytree(result.out, out)
    assert (out / "tuning" / "lenet5").is_dir()
    check_manifest(out, PROFILES["quick"], restart=True)
    assert not list((out / "stages").glob("*.json"))
    assert not (out / "tuning").exists()
    manifest = json.loads((out / "study.json").read_text())
    assert manifest["profile"]["name"] == "quick"


def test_a_second_live_run_is_refused_and_a_dead_ones_lock_taken_over(smoke, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from fashionnet.tuning import LockedError

    result, _, _ = smoke
    out = tmp_path / "copy"
    shutil.copytree(result.out, out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from fashionnet._lock import DirectoryLock; "
            "DirectoryLock(sys.argv[1], what='study').acquire(); print('held', flush=True); "
            "time.sleep(120)",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockedError, match=rf"PID {holder.pid}\b"):
            run_study("smoke", out, progress=None)
        assert main(["study", "--profile", "smoke", "--out", str(out), "--quiet"]) == 2
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    again = run_study("smoke", out, progress=None)  # the dead holder's lock is taken over
    assert again.ran == [] and len(again.skipped) == len(STAGES)


def test_profiles_train_the_models_beyond_the_study_on_all_the_data():
    for name in ("quick", "full"):
        plan = PROFILES[name].plan("resnet")
        assert plan.train_size is None and plan.test_size is None  # scored on all 10000
    assert PROFILES["full"].plan("resnet").params == {}  # the benchmark recipe: the defaults
    sgd = PROFILES["full"].plan("lenet5_sgd").params
    assert sgd["epochs"] == 30 and sgd["standardize"] is True
    assert sgd["learning_rate"]["config"] == {"initial_learning_rate": 0.05, "decay_steps": 56250}
    assert sgd["optimizer"]["config"] == {"momentum": 0.9, "nesterov": True}
    clf = stages.get_model("lenet5").make(**sgd)  # plain data becomes Keras objects at fit
    import keras

    assert isinstance(clf._make_optimizer(1875, 30), keras.optimizers.SGD)


# --------------------------------------------------------------------------- hostile --out
@pytest.fixture
def entered(monkeypatch):
    """run_study's folders as the run itself would get them, without running a stage."""
    from fashionnet.study import runner

    seen = []
    monkeypatch.setattr(runner, "_run", lambda prof, out, **kwargs: seen.append(out) or "ran")
    return seen


def test_out_holding_a_users_files_is_refused_before_anything_is_written(tmp_path, entered):
    from fashionnet._ownership import NotOursError

    out = tmp_path / "mine"
    out.mkdir()
    (out / "report.md").write_text("my own report")
    with pytest.raises(
        NotOursError,
        match=r"mine holds files \(report.md\) and is not a fashionnet study \(no study.json\); "
        r"nothing was written: use another folder, or an empty one\.$",
    ):
        run_study("smoke", out, progress=None)
    assert main(["study", "--profile", "smoke", "--out", str(out), "--quiet"]) == 2
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]  # no lock, no manifest
    assert (out / "report.md").read_text() == "my own report"
    assert entered == []


def test_out_as_a_link_a_file_or_the_current_folder_of_user_files_is_refused(
    tmp_path, entered, monkeypatch
):
    from fashionnet._ownership import NotOursError

    target = tmp_path / "target"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(NotOursError, match="symbolic link"):
        run_study("smoke", link, progress=None)
    (tmp_path / "file").write_text("mine")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        run_study("smoke", tmp_path / "file", progress=None)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        run_study("smoke", tmp_path / "file" / "below", progress=None)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        NotOursError, match=r"^\. holds files \(file, link, target\) and is not a fashionnet study"
    ):
        run_study("smoke", ".", progress=None)
    assert not list(target.iterdir()) and entered == []


def test_out_new_empty_or_a_study_is_entered(tmp_path, entered):
    assert run_study("smoke", tmp_path / "no" / "such" / "out", progress=None) == "ran"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_study("smoke", empty, progress=None) == "ran"
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / ".fashionnet.lock").write_text("{}")  # a killed run's lock, nothing else
    assert run_study("smoke", locked, progress=None) == "ran"
    study = tmp_path / "study"
    study.mkdir()
    (study / "study.json").write_text(json.dumps({"profile": {"name": "smoke"}}))
    (study / "report.md").write_text("the study's own report")
    assert run_study("smoke", study, progress=None) == "ran"
    assert entered == [tmp_path / "no" / "such" / "out", empty, locked, study]


def test_restart_unlinks_a_linked_tuning_folder_and_keeps_its_target(tmp_path):
    out = tmp_path / "study"
    (out / "stages").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine")
    (out / "tuning").symlink_to(elsewhere)
    check_manifest(out, PROFILES["smoke"], restart=True)
    assert not (out / "tuning").exists() and (elsewhere / "keep.txt").is_file()
