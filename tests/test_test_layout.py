"""The test tree itself: every test module has a name of its own.

The test folders are not packages, so pytest imports each test module by its
file name alone: two files of the same name in different folders collide
("import file mismatch") and one of them is never run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_module_names_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert not [n for n, count in names.items() if count > 1]
