"""KerasTunerSearchCV in keras-tuner's distributed mode: a chief and two workers.

Three processes run the same script on 127.0.0.1 with the ``KERASTUNER_*``
variables set, as they would on three machines. The chief serves the oracle;
the workers ask it for trials. Everything is bounded in time: a process still
running after ``TIMEOUT`` seconds is killed and the test fails.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time

import keras_tuner  # noqa: F401
import pytest
from support import subprocess_env

TIMEOUT = 240
N_TRIALS = 6

SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    from sklearn.linear_model import RidgeClassifier

    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform

    directory, n_trials = Path(sys.argv[1]), int(sys.argv[2])
    tuner_id = os.environ["KERASTUNER_TUNER_ID"]


    class BarrierRidge(RidgeClassifier):
        # Each worker's first trial waits for the other worker to be ready, so
        # that both take part however long their imports take.
        def fit(self, X, y, sample_weight=None):
            ready = directory / f"ready_{tuner_id}"
            if not ready.exists():
                ready.touch()
                deadline = time.monotonic() + 120
                while len(list(directory.glob("ready_*"))) < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)
            time.sleep(0.3)
            return super().fit(X, y, sample_weight)


    X, y = load_fashion_mnist("test")
    X, y = X[:300].reshape(300, -1) / 255.0, y[:300]
    search = KerasTunerSearchCV(
        BarrierRidge(), {"alpha": LogUniform(1e-2, 1e3)}, max_trials=n_trials,
        random_state=0, directory=directory, project_name="distributed",
    ).fit(X, y)
    result = {
        "tuner_id": tuner_id,
        "is_worker": bool(getattr(search, "is_worker_", False)),
        "trials": search.cv_results_["trial"].tolist(),
        "status": search.cv_results_["status"].tolist(),
    }
    if not result["is_worker"]:
        result["best_params"] = search.best_params_
        result["best_score"] = search.best_score_
        result["refitted"] = hasattr(search, "best_estimator_")
    print("RESULT " + json.dumps(result))
    """
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_chief_and_two_workers_record_every_trial_once(tmp_path):
    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    port = _free_port()
    processes = {}
    for tuner_id in ("chief", "tuner0", "tuner1"):
        env = subprocess_env(
            KERASTUNER_TUNER_ID=tuner_id,
            KERASTUNER_ORACLE_IP="127.0.0.1",
            KERASTUNER_ORACLE_PORT=str(port),
        )
        processes[tuner_id] = subprocess.Popen(
            [sys.executable, str(script), str(tmp_path), str(N_TRIALS)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    deadline = time.monotonic() + TIMEOUT
    outputs = {}
    try:
        for tuner_id, process in processes.items():
            remaining = max(1.0, deadline - time.monotonic())
            outputs[tuner_id] = process.communicate(timeout=remaining)
    except subprocess.TimeoutExpired:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        logs = {k: p.communicate()[1][-2000:] for k, p in processes.items()}
        pytest.fail(f"distributed search did not finish within {TIMEOUT}s: {logs}")

    results = {}
    for tuner_id, (stdout, stderr) in outputs.items():
        assert processes[tuner_id].returncode == 0, f"{tuner_id} failed:\n{stderr[-3000:]}"
        line = next(ln for ln in stdout.splitlines() if ln.startswith("RESULT "))
        results[tuner_id] = json.loads(line.removeprefix("RESULT "))

    chief, workers = results["chief"], [results["tuner0"], results["tuner1"]]
    # The chief ran no trial but holds all of them, each once, all completed.
    assert not chief["is_worker"]
    assert chief["trials"] == list(range(N_TRIALS))
    assert chief["status"] == ["COMPLETED"] * N_TRIALS
    assert chief["refitted"] and 0 < chief["best_score"] <= 1
    assert 1e-2 <= chief["best_params"]["alpha"] <= 1e3
    # The workers ran them: both took part, no trial ran twice.
    assert all(w["is_worker"] for w in workers)
    ran = workers[0]["trials"] + workers[1]["trials"]
    assert sorted(ran) == list(range(N_TRIALS))
    assert workers[0]["trials"] and workers[1]["trials"]
    # keras-tuner's own record on disk agrees.
    trial_files = sorted((tmp_path / "distributed").glob("trial_*/trial.json"))
    assert len(trial_files) == N_TRIALS
    assert {json.loads(f.read_text())["status"] for f in trial_files} == {"COMPLETED"}
    # Only the chief locked the shared project (workers would have been refused), and
    # it let go at the end.
    assert not (tmp_path / "distributed" / ".fashionnet.lock").exists()
