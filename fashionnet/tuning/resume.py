"""What a resumed search finds on disk: damaged records, interrupted and failed trials.

keras-tuner keeps a search in its project folder: ``oracle.json`` (the
oracle's state), ``<tuner_id>.json`` and one ``trial_<id>/trial.json`` per
trial, each written in place. A full disk or a kill in the middle of a write
leaves an empty or truncated file, and keras-tuner's reload then fails on
every rerun with ``Expecting value: line 1 column 1 (char 0)``.

Before keras-tuner reloads a project, :func:`prepare_resume` reads every
record and puts the project back in a state keras-tuner can resume:

- a damaged ``trial.json`` is removed with its folder; the trial runs again
  (under the same id, with values the oracle draws anew: the damaged file
  held the old ones);
- a damaged or missing ``oracle.json`` is rebuilt from the trial records;
- a damaged or missing tuner file is rewritten (without it keras-tuner
  would start afresh and overwrite the finished trials);
- interrupted trials, and failed ones that have retries left, are queued to
  run again, lowest id first.

Finished trials are never touched. Everything is read and edited as the
JSON that keras-tuner's public ``get_state``/``set_state`` exchange.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fashionnet._io import write_text

__all__ = ["ResumeReport", "prepare_resume", "fill_gaps", "trial_order"]

_TRIAL_KEYS = {"trial_id", "hyperparameters", "metrics", "score", "best_step", "status", "message"}
#: Keys every keras-tuner oracle state has (subclasses add their own).
_ORACLE_KEYS = {
    "ongoing_trials", "hyperparameters", "start_order", "end_order", "run_times", "retry_queue",
    "seed", "seed_state", "tried_so_far", "id_to_hash", "display",
}
_FINISHED = ("COMPLETED", "FAILED")


@dataclass
class ResumeReport:
    """What :func:`prepare_resume` found and did.

    Attributes
    ----------
    repaired : list of str
        One line per damaged record and what was done about it.
    requeued : list of str
        Ids of the trials that run again (interrupted or failed).
    gaps : list of str
        Ids of removed trials below the highest remaining id: keras-tuner
        would not reuse them, so :func:`fill_gaps` re-creates them.
    """

    repaired: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def trial_order(trial_id: str) -> tuple:
    """Sort key of keras-tuner trial ids: numerically when they are numbers."""
    return (0, int(trial_id), "") if str(trial_id).isdigit() else (1, 0, str(trial_id))


def prepare_resume(
    project_dir: Path, *, tuner_id: str, fresh_state: dict, max_retries: int
) -> ResumeReport:
    """Repair the records in ``project_dir`` and queue the trials to run again.

    Parameters
    ----------
    project_dir : pathlib.Path
        keras-tuner's project folder (``directory/project_name``).
    tuner_id : str
        This process's tuner id (``KERASTUNER_TUNER_ID``, default ``tuner0``).
    fresh_state : dict
        ``get_state()`` of a new oracle for this search: the template of a
        rebuilt ``oracle.json``.
    max_retries : int
        A failed trial runs again while it has run at most ``max_retries``
        times (keras-tuner's run count, kept in ``oracle.json``).

    Returns
    -------
    ResumeReport
    """
    report = ResumeReport()
    oracle_file = project_dir / "oracle.json"
    tuner_file = project_dir / f"{tuner_id}.json"
    trials, broken = _read_trials(project_dir)
    state = _read_json(oracle_file)
    if not trials and not broken and not oracle_file.exists():
        return report  # a new search
    valid = _readable_oracle(state)
    found = state if valid else next(iter(trials.values()), None)
    if found is not None and _space(found) != _space(fresh_state):
        raise ValueError(
            f"{project_dir} holds a search over a different space ({sorted(_space(found))}); "
            "resume it with the same param_space, or pass overwrite=True or another "
            "project_name to start a new search."
        )
    for trial_id, folder in broken.items():
        shutil.rmtree(folder, ignore_errors=True)
        report.repaired.append(
            f"{folder / 'trial.json'} was empty or damaged: trial {trial_id} runs again"
        )
    if not trials:
        for path in (oracle_file, tuner_file):  # nothing to keep: start afresh
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return report

    if not valid:
        report.repaired.append(
            f"{oracle_file} was {'missing' if state is _MISSING else 'empty or damaged'}: "
            "rebuilt from the trial records"
        )
        state = _rebuild(fresh_state, trials)
    missing = set(state["start_order"]) - set(trials) - set(broken)
    for trial_id in sorted(missing, key=trial_order):
        report.repaired.append(
            f"{project_dir / f'trial_{trial_id}' / 'trial.json'} was missing: "
            f"trial {trial_id} runs again"
        )
    original = json.dumps(state, sort_keys=True)
    _forget(state, set(trials))
    report.requeued = _requeue(state, trials, max_retries)
    if not valid or json.dumps(state, sort_keys=True) != original:
        write_text(oracle_file, json.dumps(state))

    if not isinstance(_read_json(tuner_file), dict):
        write_text(tuner_file, "{}")
        report.repaired.append(f"{tuner_file} was missing or damaged: rewritten")

    highest = max(trial_order(t) for t in trials)
    gone = set(broken) | missing
    report.gaps = sorted((t for t in gone if trial_order(t) < highest), key=trial_order)
    return report


def fill_gaps(oracle: Any, gaps: Iterable[str], project_dir: Path) -> None:
    """Re-create removed trials whose ids keras-tuner would not give out again.

    keras-tuner names a new trial after the number of trials it holds, so a
    removed trial below the highest id would make the next new trial
    overwrite a finished one. Each gap gets values drawn by the oracle and
    is queued to run first; if the oracle cannot draw (a finished grid), it
    is recorded as FAILED.
    """
    from keras_tuner.engine.trial import Trial

    gaps = sorted(gaps, key=trial_order)
    if not gaps:
        return
    queued = []
    for trial_id in gaps:
        response = oracle.populate_space(trial_id)
        hp = oracle.get_space()
        if response.get("status") == "RUNNING":
            hp.values = response["values"]
            trial = Trial(hp, trial_id=trial_id, status="RUNNING")
            queued.append(trial_id)
        else:
            trial = Trial(
                hp, trial_id=trial_id, status="FAILED",
                message="the record of this trial was damaged and no new values were left",
            )
        oracle.trials[trial_id] = trial
        folder = project_dir / f"trial_{trial_id}"
        folder.mkdir(parents=True, exist_ok=True)
        write_text(folder / "trial.json", json.dumps(trial.get_state()))
    state = oracle.get_state()
    state["start_order"] = state["start_order"] + gaps
    state["retry_queue"] = _lowest_last(set(state["retry_queue"]) | set(queued))
    oracle.set_state(state)
    oracle.save()


# --------------------------------------------------------------------------- #
# reading
# --------------------------------------------------------------------------- #
_MISSING = object()


def _read_json(path: Path) -> Any:
    """The parsed file; ``_MISSING`` if there is none; None if it is unreadable."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return _MISSING
    except (OSError, UnicodeDecodeError):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _read_trials(project_dir: Path) -> tuple[dict[str, dict], dict[str, Path]]:
    """Readable trial states by id, and the folders of damaged ones by id."""
    from keras_tuner.engine.trial import Trial

    trials: dict[str, dict] = {}
    broken: dict[str, Path] = {}
    for path in sorted(project_dir.glob("trial_*/trial.json")):
        trial_id = path.parent.name.removeprefix("trial_")
        state = _read_json(path)
        if isinstance(state, dict) and _TRIAL_KEYS <= set(state):
            try:
                Trial.from_state(state)
            except Exception:  # noqa: BLE001 - any parse failure means damaged
                state = None
            else:
                if str(state["trial_id"]) == trial_id:
                    trials[trial_id] = state
                    continue
        broken[trial_id] = path.parent
    return trials, broken


def _readable_oracle(state: Any) -> bool:
    if not isinstance(state, dict) or not _ORACLE_KEYS <= set(state):
        return False
    try:
        _space(state)
    except (KeyError, TypeError, AttributeError):
        return False
    return True


def _space(state: dict) -> dict:
    """``{name: config}`` of the space in an oracle's or a trial's state."""
    space = json.loads(json.dumps(state["hyperparameters"]["space"]))  # tuples as lists
    return {entry["config"]["name"]: entry["config"] for entry in space}


def _finished(trial: dict) -> bool:
    if trial["status"] == "COMPLETED":
        return trial["score"] is not None
    return trial["status"] == "FAILED"


# --------------------------------------------------------------------------- #
# editing the oracle's state
# --------------------------------------------------------------------------- #
def _rebuild(fresh_state: dict, trials: dict[str, dict]) -> dict:
    """An oracle state for ``trials`` when ``oracle.json`` is lost.

    The oracle's random stream is moved past the values the trials drew
    (one draw per value); which values were tried is not known any more, so
    a small discrete space may draw a combination again.
    """
    state = json.loads(json.dumps(fresh_state))
    ids = sorted(trials, key=trial_order)
    state["start_order"] = ids
    state["end_order"] = [t for t in ids if _finished(trials[t])]
    state["run_times"] = {t: 1 for t in state["end_order"]}
    state["ongoing_trials"] = {}
    state["retry_queue"] = []
    drawn = sum(len(trials[t]["hyperparameters"].get("values", {})) for t in ids)
    state["seed_state"] = state["seed_state"] + drawn
    return state


def _forget(state: dict, known: set[str]) -> None:
    """Remove every trace of trials that have no readable record."""
    state["start_order"] = [t for t in state["start_order"] if t in known]
    state["start_order"] += sorted(known - set(state["start_order"]), key=trial_order)
    state["end_order"] = [t for t in state["end_order"] if t in known]
    state["run_times"] = {t: n for t, n in state["run_times"].items() if t in known}
    state["retry_queue"] = [t for t in state["retry_queue"] if t in known]
    hashes = state.get("id_to_hash", {})
    for trial_id in [t for t in hashes if t not in known]:
        lost = hashes.pop(trial_id)
        if lost in state.get("tried_so_far", []):  # its values may be drawn again
            state["tried_so_far"].remove(lost)
    for bracket in state.get("brackets", []):  # Hyperband
        bracket["rounds"] = [
            [entry for entry in rnd if entry.get("id") in known] for rnd in bracket["rounds"]
        ]


def _requeue(state: dict, trials: dict[str, dict], max_retries: int) -> list[str]:
    """Queue interrupted trials, and failed ones with retries left; return their ids."""
    ongoing = {t for t in state["ongoing_trials"].values() if t in trials}
    state["ongoing_trials"] = {}
    unfinished = {t for t, trial in trials.items() if not _finished(trial)}
    retry_failed = {
        t
        for t, trial in trials.items()
        if trial["status"] == "FAILED" and state["run_times"].get(t, 1) <= max_retries
    }
    state["end_order"] = [t for t in state["end_order"] if t not in retry_failed | unfinished]
    queue = set(state["retry_queue"]) | ongoing | unfinished | retry_failed
    state["retry_queue"] = _lowest_last(queue)
    return sorted(queue, key=trial_order)


def _lowest_last(ids: Iterable[str]) -> list[str]:
    # keras-tuner pops the retry queue from its end: the lowest id runs first.
    return sorted(ids, key=trial_order, reverse=True)
