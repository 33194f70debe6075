"""Fashion-MNIST itself: its class names, where its files are looked for, the download.

:func:`~fashionnet.datasets.load_fashion_mnist` searches the places that
:func:`~fashionnet.datasets.data_locations` lists (see :mod:`fashionnet.datasets`
for the order), reads the split with the IDX or CSV reader, and, when the data
is nowhere on disk, downloads the official files into the Keras cache,
checksummed before they are kept.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from fashionnet._io import atomic_write
from fashionnet.datasets.frames import read_csv, to_frame
from fashionnet.datasets.idx import read_idx, read_idx_pair

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CLASS_NAMES", "DEBIAN_DATA_DIR", "load_fashion_mnist", "data_locations"]

#: The ten class names, in label order.
CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")

_ENV_VAR = "FASHIONNET_DATA"
_DOWNLOAD_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_PREFIX = {"train": "train", "test": "t10k"}
_CSV_NAME = {"train": "fashion-mnist_train.csv", "test": "fashion-mnist_test.csv"}


def _keras_cache_dir() -> Path:
    keras_home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(keras_home) / "datasets" / "fashion-mnist"


def data_locations(data_home: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched for the data, in order.

    Parameters
    ----------
    data_home : str or path-like, optional
        When given, it is the only directory searched.

    Examples
    --------
    >>> from fashionnet.datasets import data_locations
    >>> data_locations()[-1]
    PosixPath('/usr/share/datasets/fashion-mnist')
    >>> data_locations("~/fmnist") == [Path("~/fmnist").expanduser()]
    True
    """
    if data_home is not None:
        return [Path(data_home).expanduser()]
    places = []
    if os.environ.get(_ENV_VAR):
        places.append(Path(os.environ[_ENV_VAR]).expanduser())
    places += [_keras_cache_dir(), DEBIAN_DATA_DIR]
    return places


def _idx_files(folder: Path, kind: str) -> tuple[Path, Path] | None:
    prefix = _PREFIX[kind]
    found = []
    for part in ("images-idx3", "labels-idx1"):
        stem = f"{prefix}-{part}-ubyte"
        candidates = [folder / f"{stem}.gz", folder / stem]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            return None
        found.append(hit)
    return found[0], found[1]


def _find(kind: str, data_home: Any) -> tuple[str, tuple[Path, ...]] | list[Path]:
    tried = data_locations(data_home)
    for folder in tried:
        pair = _idx_files(folder, kind)
        if pair is not None:
            return "idx", pair
        csv = folder / _CSV_NAME[kind]
        if csv.is_file():
            return "csv", (csv,)
    if data_home is not None:
        raise FileNotFoundError(_not_in_data_home_message(kind, tried[0]))
    return tried


def _download(kind: str) -> tuple[Path, Path]:
    target = _keras_cache_dir()
    paths = []
    for part in ("images-idx3", "labels-idx1"):
        name = f"{_PREFIX[kind]}-{part}-ubyte.gz"
        dest = target / name
        if not dest.is_file():
            with atomic_write(dest) as fh, urllib.request.urlopen(  # noqa: S310
                _DOWNLOAD_URL + name, timeout=60
            ) as response:
                shutil.copyfileobj(response, fh)
        paths.append(dest)
    for path in paths:  # verify before trusting; a bad file is removed, not kept
        try:
            read_idx(path)
        except ValueError:
            path.unlink(missing_ok=True)
            raise
    return paths[0], paths[1]


def load_fashion_mnist(
    kind: Literal["train", "test"] = "train",
    *,
    data_home: str | os.PathLike | None = None,
    as_frame: bool = False,
    download: bool = True,
) -> tuple[np.ndarray, np.ndarray] | pd.DataFrame:
    """Load the real Fashion-MNIST training or test split.

    Parameters
    ----------
    kind : {"train", "test"}, default="train"
        The split: 60000 training or 10000 test images.
    data_home : str or path-like, optional
        The directory holding the data: the two IDX files of the split
        (gzipped or raw) or its Kaggle CSV file. When given, it is the only
        place searched and nothing is downloaded; when None, the places
        listed in :func:`data_locations` are searched in order.
    as_frame : bool, default=False
        Return one DataFrame in the study's layout (``label``, ``pixel1`` ...
        ``pixel784``, uint8) instead of ``(X, y)``.
    download : bool, default=True
        When ``data_home`` is None and the data is nowhere on disk, download
        the official files into the Keras cache. With ``False``, a missing
        dataset raises.

    Returns
    -------
    (X, y) : tuple of numpy.ndarray
        ``X`` uint8 of shape (n, 28, 28) and ``y`` uint8 of shape (n,).
    frame : pandas.DataFrame
        With ``as_frame=True``: n rows by 785 columns.

    Raises
    ------
    FileNotFoundError
        ``data_home`` does not hold the split (the message names the folder
        and the missing files), or, without ``data_home``, the data is in no
        searched place and was not downloaded (the message lists every place
        tried and how to get the data).
    ValueError
        Unknown ``kind``, or a corrupt file (the message names it).

    See Also
    --------
    read_idx_pair, read_csv : read a given file.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist, CLASS_NAMES
    >>> X, y = load_fashion_mnist("test")
    >>> X.shape, X.dtype, CLASS_NAMES[y[0]]
    ((10000, 28, 28), dtype('uint8'), 'Ankle boot')
    >>> load_fashion_mnist("test", as_frame=True).shape
    (10000, 785)
    """
    if kind not in _PREFIX:
        raise ValueError(f"kind must be 'train' or 'test'; got {kind!r}.")
    found = _find(kind, data_home)
    if isinstance(found, list):
        if not download:
            raise FileNotFoundError(_not_found_message(kind, found))
        try:
            files: tuple[Path, ...] = _download(kind)
        except OSError as exc:
            raise FileNotFoundError(
                _not_found_message(kind, found) + f"\nThe download failed too: {exc}"
            ) from None
        fmt = "idx"
    else:
        fmt, files = found
    X, y = read_idx_pair(*files) if fmt == "idx" else read_csv(files[0])
    return to_frame(X, y) if as_frame else (X, y)


def _not_in_data_home_message(kind: str, folder: Path) -> str:
    prefix = _PREFIX[kind]
    wanted = [f"{prefix}-{part}-ubyte" for part in ("images-idx3", "labels-idx1")]
    if folder.is_dir():
        problem = "lacks"
        missing = [
            f"{stem}[.gz]"
            for stem in wanted
            if not any((folder / f"{stem}{ext}").is_file() for ext in (".gz", ""))
        ]
    else:
        state = "is not a directory" if folder.exists() else "does not exist"
        problem = f"{state}, so it lacks"
        missing = [f"{stem}[.gz]" for stem in wanted]
    return (
        f"data_home {str(folder)!r} {problem} the Fashion-MNIST {kind} split: missing "
        f"{' and '.join(missing)} (or else {_CSV_NAME[kind]}). A data_home you pass is the "
        "only place searched: fix the path or copy the files there, or pass no data_home "
        f"to search {_ENV_VAR}, the Keras cache and {DEBIAN_DATA_DIR}."
    )


def _not_found_message(kind: str, tried: list[Path]) -> str:
    prefix = _PREFIX[kind]
    places = "\n".join(f"  - {p}" for p in tried)
    return (
        f"Fashion-MNIST {kind} data not found. Looked for {prefix}-images-idx3-ubyte[.gz] "
        f"with {prefix}-labels-idx1-ubyte[.gz], or {_CSV_NAME[kind]}, in:\n{places}\n"
        "To get it offline: `apt-get install dataset-fashion-mnist` (Debian), or copy the "
        f"four official files into one of those places (or set {_ENV_VAR}). "
        "Online: call with download=True."
    )
