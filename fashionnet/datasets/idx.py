"""The IDX file format: read (gzipped or raw) and write, with the official checksums.

:func:`~fashionnet.datasets.read_idx` reads one file into a uint8 array,
:func:`~fashionnet.datasets.read_idx_pair` an images file with its labels
file as ``(X, y)``, and :func:`~fashionnet.datasets.write_idx` writes one,
atomically. A file carrying an official Fashion-MNIST name is checked against
the official SHA-256 of its decompressed payload on first read.
"""

from __future__ import annotations

import hashlib
import os
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from fashionnet._io import atomic_write
from fashionnet._ownership import check_target
from fashionnet.datasets._pairs import _check_pair

__all__ = ["read_idx", "read_idx_pair", "write_idx"]

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


def write_idx(
    path: str | os.PathLike, array: Any, *, compress: bool | None = None, overwrite: bool = False
) -> Path:
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
    overwrite : bool, default=False
        Replace a file that is already at ``path``. An IDX file carries no
        mark of who wrote it, so without it only a missing or empty file is
        written: a user's file is never replaced unasked.

    Returns
    -------
    pathlib.Path
        The written path.

    Raises
    ------
    FileExistsError
        ``path`` holds a file and ``overwrite`` is False (the message names
        it and the way out).
    """
    import gzip

    path = Path(path)
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise TypeError(f"IDX files hold uint8 here; got dtype {array.dtype}.")
    check_target(path, kind="file", ours=_unmarked, what="an empty file", overwrite=overwrite)
    header = bytes([0, 0, 0x08, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + np.ascontiguousarray(array).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, compresslevel=6, mtime=0)
    with atomic_write(path) as fh:
        fh.write(payload)
    return path


def _unmarked(path: Path) -> bool:
    """IDX and CSV files carry no mark of their writer: none is known to be ours."""
    return False
