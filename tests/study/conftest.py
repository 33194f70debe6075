"""The study tests' shared pieces: :mod:`smoke_folder` (importable from every folder below)."""

from __future__ import annotations

import smoke_folder  # noqa: F401  (puts tests/study on the path of the tests below it)
