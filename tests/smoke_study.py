"""The stored smoke study folder that the study tests read, and its stand-ins.

``tests/`` is on the import path through its conftest, so ``tests/study`` and
``tests/study/records`` both import this module.

The folder holds a smoke run's records, metrics and report but not its
figures or models; :func:`stand_in` writes a file that passes the runner's
check for its kind where a test copies the folder to resume it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

#: A smoke run of the study at d2cbbd4 (schema 1 records), kept as written.
FOLDER = Path(__file__).parent / "study" / "data" / "smoke-d2cbbd4"


def stand_in(path: Path) -> None:
    """A file that passes the runner's check for its kind (the folder leaves them out)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n")
    elif path.suffix == ".keras":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("stand-in", "")
    else:
        path.write_text("stand-in\n")
