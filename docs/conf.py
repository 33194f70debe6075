"""Sphinx configuration for fashionnet. Builds offline, warnings as errors in CI."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import fashionnet  # noqa: E402

project = "fashionnet"
author = "fashionnet developers"
copyright = "2026, fashionnet developers"
release = fashionnet.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
]

autosummary_generate = False
autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

templates_path: list[str] = []
exclude_patterns = ["_build"]

html_theme = "pydata_sphinx_theme"
html_title = f"fashionnet {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "icon_links": [],
}
html_static_path: list[str] = []
