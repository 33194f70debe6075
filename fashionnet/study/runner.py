"""Run a study, or finish an interrupted one: records, resuming, the report files.

Each stage writes its files atomically, then its record
(``stages/<name>.json``: its metrics and the files it wrote). Running again
into the same directory skips a stage only when its record is whole, of this
version, every file it lists is still there and readable, and no stage whose
results it reads ran again; otherwise the stage runs again. ``study.json``
holds the profile: a directory of another profile is refused unless
``restart``.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from fashionnet._backend import quiet_tensorflow
from fashionnet._io import write_json, write_text
from fashionnet._lock import DirectoryLock
from fashionnet._ownership import remove_path
from fashionnet.progress import ProgressStream
from fashionnet.rendering import to_json_value

from .budget import RunBudget, parse_duration
from .jobs import StudyJobs
from .metrics import study_metrics
from .profiles import PROFILES, StudyProfile
from .records import SCHEMA_VERSION, Record, read_record
from .report import build_report
from .stages import build_stages
from .workspace import StudyData, StudyFiles, check_study_folder

__all__ = ["StudyError", "StudyResult", "run_study"]

#: Version of the stage records; a record of another version is not trusted.
RECORD_VERSION = 2


class StudyError(ValueError):
    """A study cannot run as asked (unknown profile, a directory of another study)."""


@dataclass
class StudyResult:
    """What :func:`run_study` produced.

    Attributes
    ----------
    out : pathlib.Path
        The study directory.
    profile : StudyProfile
        The profile used.
    metrics : dict
        The content of ``metrics.json``.
    ran, skipped : list of str
        Stages run now, and stages skipped because an earlier run finished them.
    seconds : float
        Wall time of this run.
    budget : float or None
        The run's wall-clock budget in seconds (None: none).
    """

    out: Path
    profile: StudyProfile
    metrics: dict
    ran: list[str]
    skipped: list[str]
    seconds: float
    budget: float | None = None

    @property
    def report_path(self) -> Path:
        """``report.md``."""
        return self.out / "report.md"


def resolve_profile(profile: str | StudyProfile) -> StudyProfile:
    """A profile given by name or as itself; :class:`StudyError` for an unknown name."""
    if isinstance(profile, StudyProfile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise StudyError(
            f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}."
        ) from None


def check_manifest(out: Path, profile: StudyProfile, restart: bool) -> None:
    """Refuse a directory of another profile; with ``restart``, forget its stages."""
    manifest = out / "study.json"
    settings = profile.settings()
    if manifest.is_file() and not restart:
        try:
            previous = json.loads(manifest.read_text())
        except (OSError, ValueError):
            previous = None
        if not isinstance(previous, dict) or previous.get("profile") != settings:
            name = previous.get("profile", {}).get("name") if isinstance(previous, dict) else "?"
            raise StudyError(
                f"{out} holds a study run with other settings (profile {name!r}); "
                f"use another --out directory, or --restart to discard it."
            )
    if restart:
        # keras-tuner would resume the old search from its directory: drop it too.
        remove_path(out / "tuning")  # a link is unlinked, its target left alone
        for record in (out / "stages").glob("*.json"):
            record.unlink()
    write_json(manifest, {"profile": settings, "record_version": RECORD_VERSION})


def load_record(out: Path, name: str) -> dict | None:
    """The finished stage's record, or None when it must run (again).

    A record is trusted when it parses, has this version, and every file it
    lists is still in ``out`` and readable.
    """
    try:
        record = json.loads((out / "stages" / f"{name}.json").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return None
    files = record.get("files")
    if not isinstance(files, list) or not all(_intact(out / f) for f in files):
        return None
    return record


def _intact(path: Path) -> bool:
    """Whether an output file is there and readable as its kind of file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
    except OSError:
        return False
    if path.suffix == ".png":
        return head == b"\x89PNG\r\n\x1a\n"
    if path.suffix == ".keras":
        try:
            with zipfile.ZipFile(path) as archive:
                return archive.testzip() is None
        except (zipfile.BadZipFile, OSError):
            return False
    return len(head) > 0


def run_study(
    profile: str | StudyProfile = "quick",
    out: str | os.PathLike = "fashionnet-study",
    *,
    data_home: str | os.PathLike | None = None,
    restart: bool = False,
    progress: IO[str] | None = sys.stderr,
    budget: float | str | None = "default",
    n_jobs: int | None = None,
    scheduler: Any = None,
) -> StudyResult:
    """Run the study, or finish an interrupted one, and write its report.

    Parameters
    ----------
    profile : {"smoke", "quick", "full"} or StudyProfile, default="quick"
        The scale of the run (see :data:`~fashionnet.study.PROFILES`).
    out : str or path-like, default="fashionnet-study"
        The study directory: new, empty, or a study's (with its
        ``study.json``); a folder of other files is refused. Stages already
        finished there (by a run with the same profile, their files intact)
        are skipped.
    data_home : str or path-like, optional
        Where Fashion-MNIST is looked for (see
        :func:`fashionnet.datasets.load_fashion_mnist`).
    restart : bool, default=False
        Discard the finished stages found in ``out`` and run everything.
    progress : text stream or None, default=sys.stderr
        Where stage lines and progress bars go; None is silent.
    budget : float, str, None or "default", default="default"
        Wall-clock seconds for this run (or a duration such as ``"15m"``):
        each training stage gets a share of the time left when it starts,
        and each fit trains the epochs that fit in its share, measured on
        this machine (see :mod:`fashionnet.study.budget`). ``"default"`` is
        the profile's (15 minutes for ``quick``, none for ``smoke`` and
        ``full``); None trains the epochs the profile gives.
    n_jobs : int or None, default=None
        Folds fitted at once in the label-error and cross-validation stages
        (the other stages run in this process): None or 1 one after the
        other in this process, as always; N > 1 N processes of this machine
        (loky), -1 every core. With ``scheduler``, None is every worker
        thread of the cluster. Each fold's record says where it ran; a
        stage's budget is shared by its rounds of folds run at once
        (:func:`~fashionnet.study.budget.fold_budget`). It changes where the
        fits run, not what they are: a folder resumes with any ``n_jobs``.
    scheduler : str, distributed.Client or None, default=None
        A running Dask scheduler (``"tcp://10.0.0.5:8786"``) whose workers
        fit those folds (needs ``pip install 'fashionnet[distributed]'``);
        see :func:`fashionnet.parallel.parallel_backend`.

    Returns
    -------
    StudyResult
        The metrics, the stages run and skipped, the wall time.

    Raises
    ------
    StudyError
        Unknown profile, or ``out`` holds a run with other settings.
    ValueError
        ``budget`` is not a positive duration, ``n_jobs`` not a positive
        number or -1, or ``scheduler`` an address with no host.
    ImportError
        A scheduler is given and ``dask.distributed`` is not installed.
    fashionnet._ownership.NotOursError
        ``out`` holds files that are not a study's (a :class:`FileExistsError`
        naming the folder; nothing is written there), or is a link.
    NotADirectoryError
        ``out`` is a file.
    fashionnet.tuning.LockedError
        Another live run is writing into ``out`` (the message names its PID);
        a lock left by a process that died is taken over.
    FileNotFoundError
        Fashion-MNIST is not on this machine.

    See Also
    --------
    fashionnet.report.Report : the document the report is built with.

    Examples
    --------
    >>> from fashionnet.study import PROFILES
    >>> sorted(PROFILES)
    ['full', 'quick', 'smoke']
    >>> PROFILES["full"].max_trials, PROFILES["full"].cv_folds
    (100, 5)

    The smoke profile runs every stage in about a minute
    (``run_study("smoke", "out-dir")``); ``fashionnet study --profile quick
    --out DIR`` is the command-line way.
    """
    begin = time.perf_counter()
    prof = resolve_profile(profile)
    seconds = _budget_seconds(budget, prof)
    jobs = StudyJobs.checked(n_jobs, scheduler)
    out = check_study_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    with DirectoryLock(out, what="study"):
        return _run(
            prof,
            out,
            data_home=data_home,
            restart=restart,
            progress=progress,
            begin=begin,
            jobs=jobs,
            budget=None if seconds is None else RunBudget(
                seconds, prof.budget_shares, reserve=prof.budget_reserve, started=begin
            ),
        )


def _budget_seconds(budget: float | str | None, profile: StudyProfile) -> float | None:
    """The run's budget in seconds: the profile's by default, None for none."""
    if isinstance(budget, str) and budget == "default":
        return profile.budget
    if budget is None:
        return None
    if isinstance(budget, bool):
        raise ValueError(f"budget must be seconds, a duration or None; got {budget!r}.")
    return parse_duration(str(budget))


def _run(
    prof: StudyProfile,
    out: Path,
    *,
    data_home: str | os.PathLike | None,
    restart: bool,
    progress: IO[str] | None,
    begin: float,
    jobs: StudyJobs,
    budget: RunBudget | None,
) -> StudyResult:
    """The run itself, while this process holds the study folder's lock."""
    check_manifest(out, prof, restart)
    bar = ProgressStream(progress)
    files = StudyFiles(out)
    results: dict[str, Record] = {}
    stages = build_stages(
        prof, data=StudyData(data_home), files=files, progress=bar, results=results, jobs=jobs
    )
    ran, skipped = [], []
    timings: dict[str, float] = {}
    records = {}
    for stage in stages:
        record = load_record(out, stage.name)
        if record is not None and record["metrics"].get("skipped"):
            record = None  # skipped for want of its weights: they may be there now
        records[stage.name] = record
    with quiet_tensorflow():
        for i, stage in enumerate(stages, start=1):
            stale = any(name in ran for name in stage.reads)
            record = None if stale else records[stage.name]
            head = f"[{i}/{len(stages)}] {stage.title}"
            if record is not None:
                schema = record.get("schema")  # None: written before records had a schema
                results[stage.name] = read_record(stage.name, record["metrics"], schema)
                timings[stage.name] = record["seconds"]
                skipped.append(stage.name)
                bar.line(f"{head}: finished earlier, skipped")
                continue
            bar.line(f"{head} ...")
            start = time.perf_counter()
            files.written = []
            if stage.budgeted:
                allotted = None
                if budget is not None:
                    pending = _budgeted_to_run(stages[i - 1 :], records, [*ran, stage.name])
                    allotted = budget.allot(stage.name, pending)
                    bar.line(f"  budget: {allotted:.0f} s of the {budget.left():.0f} s left")
                metrics = to_json_value(stage.run(allotted).to_dict())
            else:
                metrics = to_json_value(stage.run().to_dict())
            seconds = time.perf_counter() - start
            if stage.budgeted and budget is not None:
                budget.spend(stage.name, seconds)
            write_json(
                out / "stages" / f"{stage.name}.json",
                {
                    "version": RECORD_VERSION,
                    "schema": SCHEMA_VERSION,
                    "stage": stage.name,
                    "profile": prof.name,
                    "seconds": seconds,
                    "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "files": list(files.written),
                    "metrics": metrics,
                },
            )
            results[stage.name] = read_record(stage.name, metrics, SCHEMA_VERSION)
            timings[stage.name] = seconds
            ran.append(stage.name)
            bar.line(f"{head}: done in {seconds:.1f} s")
    metrics = study_metrics(prof, results, timings, _budget_facts(budget, stages))
    write_json(out / "metrics.json", metrics)
    report = build_report(metrics)
    write_text(out / "report.md", report.to_markdown())
    write_text(out / "report.html", report.to_html(out))
    seconds = time.perf_counter() - begin
    bar.line(f"report: {out / 'report.md'} and {out / 'report.html'} ({seconds:.1f} s)")
    if budget is not None and seconds > budget.seconds:
        bar.line(
            f"the run took {seconds:.0f} s, {seconds - budget.seconds:.0f} s past its "
            f"{budget.seconds:.0f}-s budget"
        )
    return StudyResult(
        out, prof, metrics, ran, skipped, seconds, None if budget is None else budget.seconds
    )


def _budgeted_to_run(stages, records: dict, running: list[str]) -> list[str]:
    """Names of the budgeted ``stages`` this run will run: no usable record, or stale."""
    return [
        s.name
        for s in stages
        if s.budgeted
        and (records[s.name] is None or s.name in running or set(s.reads) & set(running))
    ]


def _budget_facts(budget: RunBudget | None, stages: tuple) -> dict | None:
    """What ``metrics.json`` says of the budget: total, shares given, time used."""
    if budget is None:
        return None
    return {
        "seconds": budget.seconds,
        # Up to writing the report; the report file itself is written just after.
        "elapsed_seconds": budget.elapsed(),
        "allotted_seconds": dict(budget.allotted),
        "reserve_seconds": budget.reserve,
        # Each stage's share came from the time left when it started (a stage
        # ending early gives its time to the stages after it): left, and used.
        "left_at_start_seconds": dict(budget.left_at_start),
        "used_seconds": dict(budget.used),
    }
