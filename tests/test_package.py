"""The package surface: version, public names, a TensorFlow-free import."""

from __future__ import annotations

import subprocess
import sys

import fashionnet


def test_version():
    assert isinstance(fashionnet.__version__, str)
    assert fashionnet.__version__.count(".") == 2


def test_import_does_not_load_tensorflow_or_keras():
    code = (
        "import sys, fashionnet, fashionnet.datasets, fashionnet.registry, fashionnet.cli,"
        " fashionnet.study.profiles;"
        "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules];"
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_public_name_resolves():
    for name in fashionnet.__all__:
        assert getattr(fashionnet, name) is not None, name
    assert set(fashionnet.__all__) <= set(dir(fashionnet))


def test_unknown_attribute():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        fashionnet.nope  # noqa: B018


def test_install_without_tensorflow_lists_every_other_dependency():
    """README and the docs give the TensorFlow-free install; it must match pyproject.toml."""
    import re
    from pathlib import Path

    import pytest

    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    root = Path(__file__).resolve().parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    expected = {
        r for r in project["dependencies"] if not r.startswith(("tensorflow", "tensorboard>"))
    } | {r for r in project["optional-dependencies"]["jax"] if r.startswith("tensorboardX")}
    for doc in ("README.md", "docs/user_guide/backends.rst"):
        lines = [
            line
            for line in (root / doc).read_text().splitlines()
            if line.strip().startswith('pip install "numpy')
        ]
        assert len(lines) == 1, doc
        assert set(re.findall(r'"([^"]+)"', lines[0])) == expected, doc
