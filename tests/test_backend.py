"""Keras backends: a missing one named in one line, TensorBoard logs, TensorFlow left alone.

CI runs this file on TensorFlow (``make test``), and on JAX and PyTorch in
environments without TensorFlow (``make test-jax``, ``make test-torch``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from fashionnet import _backend
from fashionnet._backend import BACKENDS

#: Backends whose module is not installed here: CI's environments lack two of three.
MISSING = [name for name, (module, _) in BACKENDS.items() if not importlib.util.find_spec(module)]


def _python(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("KERAS_BACKEND", "TF_CPP_MIN_LOG_LEVEL")
    }
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=300, env={**clean, **env}
    )


@pytest.mark.skipif(not MISSING, reason="every Keras backend is installed here")
def test_a_missing_backend_is_named_in_one_line():
    backend = MISSING[0]
    install = BACKENDS[backend][1]
    proc = _python("-c", "import fashionnet.models", KERAS_BACKEND=backend)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"ImportError: Keras' backend {backend!r} is not installed"), last
    assert install in last
    proc = _python("-m", "fashionnet", "train", "--model", "lenet5", KERAS_BACKEND=backend)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("fashionnet: error: Keras' backend") and install in proc.stderr


def test_tensorflow_is_configured_only_when_it_is_the_backend(tmp_path):
    code = (
        "import logging, os, sys\n"
        "from fashionnet._backend import configured_backend, quiet_tensorflow\n"
        "from fashionnet.cli import main\n"
        "main(['train', '--model', 'alexnet'])\n"  # a usage error: nothing imports Keras
        "with quiet_tensorflow():\n"
        "    level = logging.getLogger('tensorflow').level\n"
        "print(configured_backend(), os.environ.get('TF_CPP_MIN_LOG_LEVEL'), level,"
        " 'tensorflow' in sys.modules)\n"
    )
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch"}))
    home = {"KERAS_HOME": str(tmp_path)}
    assert _python("-c", code, **home).stdout.split() == ["torch", "None", "0", "False"]
    jax = _python("-c", code, KERAS_BACKEND="jax", **home)
    assert jax.stdout.split() == ["jax", "None", "0", "False"]
    tf = _python("-c", code, KERAS_BACKEND="tensorflow", **home)
    assert tf.stdout.split() == ["tensorflow", "2", "40", "False"]  # 40: logging.ERROR


def test_without_a_tensorboard_writer_logs_are_skipped_with_one_warning(
    small_train, tmp_path, monkeypatch
):
    """A search fits many models: one warning for all of them; every CSV log is written."""
    import keras

    from fashionnet.models import LeNet5Classifier
    from fashionnet.tuning import KerasTunerSearchCV

    if keras.config.backend() == "tensorflow":
        pytest.skip("TensorFlow always has its writer (tests/models/test_base.py checks the logs)")
    monkeypatch.setitem(sys.modules, "tensorboardX", None)  # not importable
    monkeypatch.setattr(_backend, "_WARNED", set())
    X, y = small_train
    with pytest.warns(RuntimeWarning) as caught:
        search = KerasTunerSearchCV(
            LeNet5Classifier(epochs=1, random_state=0),
            {"batch_size": [32, 64]},
            max_trials=2,
            directory=tmp_path,
            random_state=0,
        ).fit(X[:100], y[:100])  # two trials and the refit: three fits
    messages = [str(w.message) for w in caught if "TensorBoard" in str(w.message)]
    assert len(messages) == 1, messages
    assert "pip install tensorboardX" in messages[0]
    assert BACKENDS[keras.config.backend()][1] in messages[0]
    runs = sorted(search.project_dir_.glob("trial_*")) + [search.project_dir_ / "refit"]
    assert len(runs) == 3
    for run in runs:
        assert (run / "log.csv").is_file(), run
        assert not (run / "tb").exists(), run


def test_a_users_own_tensorflow_log_level_is_left_alone(monkeypatch):
    from fashionnet._backend import _hides, import_keras_quietly

    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    assert import_keras_quietly().__name__ == "keras"
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    info = "I0000 00:00:1796412753.762761   23974 cudart_stub.cc:31] Could not find cuda"
    error = "E0000 00:00:1796412702.017303   23029 cuda_platform.cc:52] failed call to cuInit"
    assert _hides(info, "I") and not _hides(error, "I") and _hides(error, "IWE")
    assert not _hides("fashionnet: error: something a user must see", "IWE")


@pytest.mark.backend
@pytest.mark.parametrize(
    ("flags", "expected"),
    [("fpu avx512f avx512_bf16", True), ("fpu amx_tile amx_bf16", True), ("fpu avx2 fma", False)],
)
def test_bfloat16_is_native_reads_the_cpu_flags(flags, expected, tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
    real_open = open
    monkeypatch.setattr(
        "builtins.open",
        lambda path, *a, **k: real_open(cpuinfo if path == "/proc/cpuinfo" else path, *a, **k),
    )
    monkeypatch.setattr(_backend, "_accelerator_bfloat16", lambda backend: None)
    on_tensorflow = _backend.configured_backend() == "tensorflow"
    # Only TensorFlow's oneDNN kernels compute bfloat16 fast on a CPU.
    assert _backend.bfloat16_is_native() is (expected and on_tensorflow)
    monkeypatch.setattr(_backend, "_accelerator_bfloat16", lambda backend: True)
    assert _backend.bfloat16_is_native() is True


@pytest.mark.skipif(_backend.configured_backend() != "tensorflow", reason="TensorFlow start-up")
def test_importing_the_models_honours_a_log_level_set_in_the_environment():
    """A process started with TF_CPP_MIN_LOG_LEVEL=3 (a loky worker of ``fashionnet
    study --n-jobs``, which inherits it from the command) stays quiet; without it,
    TensorFlow's own start-up lines are the user's to see, as before."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    code = "import fashionnet.models"
    quiet = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "TF_CPP_MIN_LOG_LEVEL": "3"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert quiet.stderr == ""
    loud = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert "cuda" in loud.stderr.lower() or "onednn" in loud.stderr.lower()
