"""Where a study run reads and writes: the data splits and the output folder.

:class:`StudyData` loads the real splits once per run and hands out
balanced seeded subsets; :class:`StudyFiles` writes a stage's files
atomically under the study directory and lists them for the stage's record,
so that a resumed run can check they are still there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fashionnet._io import atomic_write, write_text
from fashionnet._lock import LOCK_NAME
from fashionnet._ownership import NotOursError, check_folder_into, json_file_has_key

from .profiles import SEED

__all__ = ["StudyData", "StudyFiles", "MANIFEST", "check_study_folder", "is_study_folder"]

#: The study folder's manifest: what makes a folder a study's.
MANIFEST = "study.json"


def is_study_folder(path: Path) -> bool:
    """Whether ``path`` holds a study's manifest (a JSON object with its ``profile``)."""
    return json_file_has_key(Path(path) / MANIFEST, "profile")


def check_study_folder(out: Any) -> Path:
    """``out`` as a Path, if a study may write into it: new, empty, or a study's own.

    Raises
    ------
    fashionnet._ownership.NotOursError
        ``out`` holds other files, or is a link (nothing is written).
    NotADirectoryError
        ``out`` is a file.
    """
    return check_folder_into(
        out, ours=is_study_folder, what="a fashionnet study (no study.json)", ignore={LOCK_NAME}
    )


@dataclass
class StudyData:
    """The real splits, loaded once per run, and their balanced seeded subsets."""

    data_home: Any = None
    _cache: dict = field(default_factory=dict)

    def split(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The whole ``"train"`` or ``"test"`` split."""
        if kind not in self._cache:
            from fashionnet.datasets import load_fashion_mnist

            self._cache[kind] = load_fashion_mnist(kind, data_home=self.data_home)
        return self._cache[kind]

    def subset(self, kind: str, size: int | None) -> tuple[np.ndarray, np.ndarray]:
        """A balanced subset of ``size`` images of a split (all of it for None)."""
        key = (kind, size)
        if key not in self._cache:
            from fashionnet.datasets import stratified_subset

            self._cache[key] = stratified_subset(*self.split(kind), size, random_state=SEED)
        return self._cache[key]


@dataclass
class StudyFiles:
    """Writes a stage's files under the study directory, atomically, and lists them."""

    out: Path
    written: list[str] = field(default_factory=list)

    def path(self, relative: str) -> Path:
        """``out / relative``, its folder created.

        Raises
        ------
        fashionnet._ownership.NotOursError
            A folder between ``out`` and the file is a symbolic link: writing
            through it would replace a file in someone else's folder (a
            ``figures`` linked to the user's pictures), so nothing is written.
        """
        path = self.out / relative
        folder = self.out
        for part in Path(relative).parent.parts:
            folder = folder / part
            if folder.is_symlink():
                raise NotOursError(
                    folder,
                    f"{folder} is a symbolic link (to {os.readlink(folder)}) inside the study "
                    f"folder; a study does not write through links: remove the link, or run "
                    f"the study into another folder.",
                )
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def _wrote(self, relative: str) -> str:
        self.written.append(relative)
        return relative

    def text(self, relative: str, text: str) -> str:
        """Write a text file."""
        write_text(self.path(relative), text)
        return self._wrote(relative)

    def figure(self, fig: Any, name: str) -> str:
        """Write a matplotlib figure to ``figures/<name>.png``."""
        relative = f"figures/{name}.png"
        with atomic_write(self.path(relative), "wb") as fh:
            fig.savefig(fh, format="png", dpi=90, bbox_inches="tight")
        return self._wrote(relative)

    def model(self, estimator: Any, name: str) -> str:
        """Save a fitted classifier to ``models/<name>.keras``."""
        relative = f"models/{name}.keras"
        # The study folder was checked as ours (its manifest) before any write,
        # so a model file in it that no longer reads (a run killed mid-write
        # long ago, a damaged disk) is ours to replace: the stage runs again.
        estimator.save(self.path(relative), overwrite=True)
        return self._wrote(relative)

    def history(self, history: Any, name: str) -> str:
        """Write a training history to ``models/<name>_history.csv``."""
        relative = f"models/{name}_history.csv"
        with atomic_write(self.path(relative), "w") as fh:
            history.to_csv(fh, index_label="epoch")
        return self._wrote(relative)

    def csv(self, frame: Any, relative: str) -> str:
        """Write a DataFrame as CSV."""
        with atomic_write(self.path(relative), "w") as fh:
            frame.to_csv(fh, index=False)
        return self._wrote(relative)
