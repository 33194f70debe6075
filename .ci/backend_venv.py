"""Make a virtualenv with the project on a Keras backend other than TensorFlow.

Usage: python3 .ci/backend_venv.py BACKEND VENV [REQUIREMENT ...]

BACKEND is ``jax`` or ``torch``. The venv gets the project (``--no-deps``),
its dependencies except the TensorFlow ones, the backend's extra and the
``test`` extra: what the README's "Choosing a backend" tells a user with no
TensorFlow to install. Extra REQUIREMENTs (such as ``torch==2.13.0``, the CPU
build on CI's disk) are installed with them. It fails if TensorFlow ends up
in the venv. Needs Python >= 3.11 (tomllib).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
#: The default dependencies that are the TensorFlow backend, left out here.
TENSORFLOW_ONLY = ("tensorflow", "tensorboard")


def requirement_name(requirement: str) -> str:
    """``"keras-tuner>=1.4"`` -> ``"keras-tuner"``."""
    for i, char in enumerate(requirement):
        if not (char.isalnum() or char in "-_."):
            return requirement[:i].lower()
    return requirement.lower()


def requirements(backend: str) -> list[str]:
    """The project's requirements for ``backend``, without TensorFlow."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    if backend not in extras:
        raise SystemExit(f"no extra named {backend!r} in pyproject.toml")
    core = [r for r in project["dependencies"] if requirement_name(r) not in TENSORFLOW_ONLY]
    return core + extras[backend] + extras["test"]


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        raise SystemExit(__doc__)
    backend, venv, *pins = argv
    python = Path(venv) / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, *requirements(backend), *pins], check=True)
    # Last and without its dependencies: pip then neither installs TensorFlow
    # nor reports the missing default dependencies as conflicts.
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    probe = "import importlib.util as u, sys; sys.exit(u.find_spec('tensorflow') is not None)"
    if subprocess.run([str(python), "-c", probe]).returncode:
        raise SystemExit(
            f"TensorFlow was installed into {venv}; the {backend} job must run without it"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
