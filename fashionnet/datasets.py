"""The real Fashion-MNIST: IDX files (gzipped or raw) and the Kaggle CSV layout.

Where the data is looked for: an explicit ``data_home`` argument is the only
place searched (a mistyped folder is an error, never a silent fall-back to
other data). Without it, in order:

1. the environment variable ``FASHIONNET_DATA``;
2. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist`` (``~/.keras/...``);
3. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``);
4. with ``download=True``, a download of the official files into the Keras
   cache, written atomically and checksummed before it is kept.

In each place the official IDX files (``train-images-idx3-ubyte.gz`` and
friends, gzipped or not) are used first, then the Kaggle CSV export
(``fashion-mnist_train.csv``, ``fashion-mnist_test.csv``).

A user's own images (PNG, JPEG) load with :func:`load_image_folder` (one
sub-folder per class) and :func:`load_images`, defined in
:mod:`fashionnet.images` and re-exported here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from fashionnet._io import atomic_write
from fashionnet._validation import LABEL_COLUMN, pixel_columns
from fashionnet.images import load_image_folder, load_images

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CLASS_NAMES",
    "DEBIAN_DATA_DIR",
    "load_fashion_mnist",
    "load_image_folder",
    "load_images",
    "read_idx",
    "read_idx_pair",
    "read_csv",
    "write_idx",
    "write_csv",
    "to_frame",
    "data_locations",
    "stratified_subset",
]

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

# SHA-256 of the *decompressed* official IDX files. The upstream .gz files and
# Debian's repacked ones differ only in their gzip headers (Debian drops the
# stored file name), so hashing the payload accepts both, and raw IDX files too.
_SHA256 = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
# Files already verified in this process, keyed by (path, size, mtime): the
# checksum is checked on first read only.
_VERIFIED: set[tuple[str, int, int]] = set()

_IDX_TYPES = {0x08: np.dtype(np.uint8)}
_GZIP_MAGIC = b"\x1f\x8b"


# --------------------------------------------------------------------------- IDX


def _read_bytes(path: Path) -> bytes:
    """Read ``path``, decompressing it when it is gzipped (by content, not name)."""
    data = path.read_bytes()
    if not data:
        raise ValueError(f"{path}: the file is empty; re-download or re-copy it.")
    if data[:2] == _GZIP_MAGIC:
        try:
            data = zlib.decompress(data, wbits=31)
        except zlib.error as exc:
            raise ValueError(
                f"{path}: corrupt or truncated gzip data ({exc}); re-download or re-copy it."
            ) from None
    return data


def _verify_checksum(path: Path, payload: bytes) -> None:
    official = path.name.removesuffix(".gz")
    expected = _SHA256.get(official)
    if expected is None:
        return
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return
    actual = hashlib.sha256(payload).hexdigest()
    if actual != expected:
        raise ValueError(
            f"{path}: checksum mismatch for the official file {official!r} "
            f"(SHA-256 of its contents is {actual}, expected {expected}). The file is "
            "corrupt or not the official Fashion-MNIST; delete it and download it again, "
            "or rename it if it is your own data."
        )
    _VERIFIED.add(key)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzipped or raw) into a uint8 array.

    Parameters
    ----------
    path : str or path-like
        An IDX file such as ``train-images-idx3-ubyte.gz``. Gzip is detected
        from the content. Files carrying an official Fashion-MNIST name are
        checked against the official SHA-256 on first read.

    Returns
    -------
    numpy.ndarray
        uint8 array with the shape stored in the header: ``(n, 28, 28)`` for
        images, ``(n,)`` for labels.

    Raises
    ------
    ValueError
        The file is empty, truncated, has a wrong magic number or element
        type, its header dimensions disagree with its byte count, or its
        checksum does not match the official file of the same name.

    Examples
    --------
    >>> from fashionnet.datasets import read_idx, DEBIAN_DATA_DIR
    >>> read_idx(DEBIAN_DATA_DIR / "t10k-labels-idx1-ubyte.gz").shape
    (10000,)
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path}: wrong magic number {data[:4].hex() or '(none)'}; an IDX file starts "
            "with 0x0000, a type byte and a dimension count (e.g. 00000803 for images)."
        )
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_TYPES:
        raise ValueError(
            f"{path}: IDX element type 0x{type_code:02x} is not supported; "
            "fashionnet reads unsigned bytes (0x08)."
        )
    if ndim == 0 or len(data) < 4 + 4 * ndim:
        raise ValueError(f"{path}: truncated IDX header ({len(data)} bytes, {ndim} dimensions).")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected_bytes = int(np.prod(shape, dtype=np.int64)) * _IDX_TYPES[type_code].itemsize
    if len(data) - offset != expected_bytes:
        raise ValueError(
            f"{path}: header dimensions {shape} need {expected_bytes} bytes of data but the "
            f"file holds {len(data) - offset}; the file is truncated or corrupt."
        )
    _verify_checksum(path, data)
    # bytearray makes the result writable without a second copy of the payload.
    return np.frombuffer(bytearray(data[offset:]), dtype=_IDX_TYPES[type_code]).reshape(shape)


def _check_pair(X: np.ndarray, y: np.ndarray, source: str) -> tuple[np.ndarray, np.ndarray]:
    if X.ndim != 3:
        raise ValueError(f"{source}: images must be 3-d (n, rows, cols); got shape {X.shape}.")
    if y.ndim != 1:
        raise ValueError(f"{source}: labels must be 1-d; got shape {y.shape}.")
    if len(X) != len(y):
        raise ValueError(
            f"{source}: {len(X)} images but {len(y)} labels; the two files must agree "
            "(is one of them truncated, or from another split?)."
        )
    if y.size and int(y.max()) > 9:
        bad = int(np.flatnonzero(y > 9)[0])
        raise ValueError(
            f"{source}: label {int(y[bad])} at position {bad}; Fashion-MNIST labels are 0..9."
        )
    return X, y


def read_idx_pair(
    images_path: str | os.PathLike, labels_path: str | os.PathLike
) -> tuple[np.ndarray, np.ndarray]:
    """Read an images IDX file and its labels IDX file as ``(X, y)``.

    Raises
    ------
    ValueError
        Any problem :func:`read_idx` finds, lengths that disagree, or a label
        outside 0..9. The message names the file.

    Examples
    --------
    >>> from fashionnet.datasets import read_idx_pair, DEBIAN_DATA_DIR as d
    >>> X, y = read_idx_pair(d / "t10k-images-idx3-ubyte.gz", d / "t10k-labels-idx1-ubyte.gz")
    >>> X.shape, y.shape
    ((10000, 28, 28), (10000,))
    """
    X, y = read_idx(images_path), read_idx(labels_path)
    return _check_pair(X, y, f"{labels_path} (labels of {images_path})")


def write_idx(path: str | os.PathLike, array: Any, *, compress: bool | None = None) -> Path:
    """Write a uint8 array as an IDX file, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination. A name ending in ``.gz`` is gzipped unless ``compress``
        says otherwise.
    array : array-like of uint8
        Images ``(n, rows, cols)`` or labels ``(n,)``.
    compress : bool, optional
        Force gzip on or off.

    Returns
    -------
    pathlib.Path
        The written path.
    """
    import gzip

    path = Path(path)
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"IDX files hold uint8 here; got dtype {array.dtype}.")
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    with atomic_write(path) as fh:
        fh.write(payload)
    return path


# --------------------------------------------------------------------------- CSV


def to_frame(X: Any, y: Any) -> pd.DataFrame:
    """Return images and labels as one DataFrame in the study's layout.

    Column ``label`` first, then ``pixel1`` ... ``pixel784``, all uint8.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.datasets import to_frame
    >>> to_frame(np.zeros((2, 28, 28), np.uint8), np.array([3, 1], np.uint8)).shape
    (2, 785)
    """
    import pandas as pd

    X = np.asarray(X, dtype=np.uint8)
    y = np.asarray(y, dtype=np.uint8)
    flat = X.reshape(len(X), -1)
    table = np.empty((len(flat), flat.shape[1] + 1), dtype=np.uint8)
    table[:, 0] = y
    table[:, 1:] = flat
    return pd.DataFrame(table, columns=[LABEL_COLUMN, *pixel_columns(flat.shape[1])], copy=False)


def read_csv(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV in the Kaggle layout (``label,pixel1,...,pixel784``) as ``(X, y)``.

    Returns
    -------
    X : numpy.ndarray of shape (n, 28, 28), uint8
    y : numpy.ndarray of shape (n,), uint8

    Raises
    ------
    ValueError
        Empty file, bytes that are not text, a row with more or fewer values
        than the header, no ``label`` column, a pixel count that is not a
        square, an empty cell, a non-integer, negative or >255 pixel, or a
        label outside 0..9. The message names the file, and the row and
        column where it can.
    """
    path = Path(path)
    frame = _parse_csv(path)
    if LABEL_COLUMN not in frame.columns:
        raise ValueError(
            f"{path}: no {LABEL_COLUMN!r} column (header starts {list(frame.columns[:3])}); "
            "expected the Kaggle layout label,pixel1,...,pixel784."
        )
    if frame.empty:
        raise ValueError(f"{path}: the file has a header but no rows.")
    pixels = frame.drop(columns=LABEL_COLUMN)
    side = int(np.sqrt(pixels.shape[1]))
    if side == 0 or side * side != pixels.shape[1]:
        raise ValueError(
            f"{path}: {pixels.shape[1]} pixel columns is not a square image; "
            "expected 784 (pixel1..pixel784)."
        )
    values = frame.to_numpy()
    _check_csv_cells(path, frame, values)
    label = frame.columns.get_loc(LABEL_COLUMN)
    y = values[:, label].astype(np.uint8)
    # The Kaggle layout's label comes first: a view, not a second wide copy.
    pixels = values[:, 1:] if label == 0 else np.delete(values, label, axis=1)
    X = pixels.astype(np.uint8).reshape(-1, side, side)
    return _check_pair(X, y, str(path))


def _parse_csv(path: Path) -> pd.DataFrame:
    """``pandas.read_csv``, with every parsing failure as a ValueError naming the file."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, low_memory=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty; expected a header label,pixel1,...") from None
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path}: byte {exc.object[exc.start : exc.start + 1].hex()} is not text; the file "
            "is damaged or not a CSV. Re-download or re-export it."
        ) from None
    except pd.errors.ParserError as exc:
        reason = str(exc).split("C error: ")[-1].strip().rstrip(".")
        raise ValueError(
            f"{path}: not a well-formed CSV ({reason}); every row must hold one value per "
            "header column. The file is damaged or was cut short."
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas makes the first column an index when the first row holds one
        # value more than the header: the labels would shift into the pixels.
        raise ValueError(
            f"{path}: row 1 holds more values than the header has columns "
            f"({len(frame.columns)}); a separator is missing from the header or a row has "
            "an extra value. The file is damaged."
        )
    return frame


def _check_csv_cells(path: Path, frame: pd.DataFrame, values: np.ndarray) -> None:
    def where(mask: np.ndarray) -> str:
        row, col = np.argwhere(mask)[0]
        return f"row {row + 1}, column {frame.columns[col]!r}"

    if values.dtype == object:
        numeric = frame.apply(lambda c: np.asarray(c.map(_is_int_literal), dtype=bool))
        raise ValueError(
            f"{path}: non-integer value at {where(~numeric.to_numpy())}; "
            "pixels and labels must be integers 0..255."
        )
    if np.issubdtype(values.dtype, np.floating):
        missing = np.isnan(values)
        if missing.any():
            raise ValueError(
                f"{path}: empty cell at {where(missing)}; every pixel needs a value 0..255."
            )
        fractional = values != np.round(values)
        if fractional.any():
            raise ValueError(
                f"{path}: non-integer value at {where(fractional)}; "
                "pixels must be integers 0..255."
            )
    out_of_range = (values < 0) | (values > 255)
    if out_of_range.any():
        row, col = np.argwhere(out_of_range)[0]
        kind = "negative" if values[row, col] < 0 else ">255"
        raise ValueError(
            f"{path}: {kind} value {values[row, col]} at {where(out_of_range)}; "
            "pixels must be 0..255."
        )


def _is_int_literal(value: Any) -> bool:
    try:
        return float(value) == int(float(value))
    except (TypeError, ValueError):
        return False


def write_csv(path: str | os.PathLike, X: Any, y: Any) -> Path:
    """Write images and labels as a CSV in the Kaggle layout, atomically."""
    frame = to_frame(X, y)
    with atomic_write(path, "w") as fh:
        frame.to_csv(fh, index=False)
    return Path(path)


# --------------------------------------------------------------------------- loading


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


def stratified_subset(
    X: Any, y: Any, size: int | None, *, random_state: int | None = 0
) -> tuple[Any, Any]:
    """A class-balanced, seeded subset of ``size`` images, in their original order.

    The rows are chosen by :func:`sklearn.model_selection.train_test_split`
    with ``stratify=y`` (so each class keeps its share, to within one image)
    and returned sorted by position, so the same ``size`` and
    ``random_state`` always give the same images in the same order.

    Parameters
    ----------
    X : numpy.ndarray or pandas.DataFrame
        The images (or any rows), one per label.
    y : array-like of shape (n_samples,)
        The labels.
    size : int or None
        How many images to keep. ``None``, or ``len(y)`` and above, keeps
        all of them: ``X`` and ``y`` are returned as given.
    random_state : int or None, default=0
        Seed of the choice.

    Returns
    -------
    X_sub, y_sub
        The subset, of the same types as ``X`` and ``y`` (``y`` as an array
        when it was a list).

    Raises
    ------
    ValueError
        ``size`` is not a whole number, or is too small or too large to keep
        every class on both sides of the split (at least the number of
        classes, at most ``len(y)`` minus the number of classes), or ``X``
        and ``y`` differ in length.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.datasets import load_fashion_mnist, stratified_subset
    >>> X, y = load_fashion_mnist("test")
    >>> X_sub, y_sub = stratified_subset(X, y, 1000)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((1000, 28, 28), [100, 100, 100, 100, 100, 100, 100, 100, 100, 100])
    >>> stratified_subset(X, y, None)[0] is X
    True
    """
    import numbers

    from sklearn.model_selection import train_test_split

    from fashionnet._validation import check_labels

    n = len(X)
    labels = check_labels(y, n_samples=n)
    if size is not None and (not isinstance(size, numbers.Integral) or isinstance(size, bool)):
        raise ValueError(
            f"size must be a whole number of images (or None for all {n}); got {size!r}."
        )
    if size is None or size >= n:
        return X, y
    n_classes = len(np.unique(labels))
    if not n_classes <= size <= n - n_classes:
        raise ValueError(
            f"size must be between {n_classes} and {n - n_classes} for a stratified subset of "
            f"{n} images in {n_classes} classes (or None, or {n} and above, for all of them); "
            f"got {size}."
        )
    keep, _ = train_test_split(
        np.arange(n), train_size=int(size), stratify=labels, random_state=random_state
    )
    keep.sort()
    rows = X.iloc[keep] if hasattr(X, "iloc") else X[keep]
    return rows, (y.iloc[keep] if hasattr(y, "iloc") else labels[keep])

