"""Read a folder of images in chunks and reduce each one to a few numbers and a thumbnail.

An image of any size and colour becomes, once read:

- its statistics (:data:`STATISTICS`): width and height, the brightness of
  its brightest and darkest parts, its sharpness, its information (the
  entropy of its grey levels) and its colour (how far its channels differ);
- a 28 x 28 grey thumbnail, on which duplicates, class outliers and the
  label-issue model work (784 bytes, whatever the file's size);
- a digest of its decoded pixels, which finds exact duplicates whatever
  their file format.

Only one chunk of full-size images per worker is held at a time, so the
memory of a scan grows with the number of files (about 1 kB each), never
with their size. Files are read by :func:`fashionnet.images.load_images`
(EXIF orientation applied, transparency laid on white); a file it cannot
read is listed with the reason, never raised.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fashionnet.images import IMAGE_SUFFIXES, UnreadableImageError, load_images

__all__ = ["STATISTICS", "THUMB", "Scan", "list_class_folder", "scan_files"]

#: Side of the grey thumbnail every image is reduced to (Fashion-MNIST's size).
THUMB = 28
#: Side of the square the quality statistics are measured on.
_STATS_SIDE = 32
#: Per-image statistics a scan keeps, in the columns of :attr:`Scan.stats`.
STATISTICS = (
    "width",
    "height",
    "luma_high",  # 99th percentile of the grey levels: how bright the brightest part is
    "luma_low",  # 1st percentile: how dark the darkest part is
    "sharpness",  # log of the Laplacian's variance over the image's variance
    "entropy",  # bits of the histogram of 32 grey levels
    "chroma",  # 99th percentile of max - min over the channels (0 for a grey image)
)
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass
class Scan:
    """What a scan keeps of a list of files (rows in the order of ``paths``)."""

    paths: list[Path]
    labels: np.ndarray
    stats: np.ndarray  # (n, len(STATISTICS)) float64
    thumbs: np.ndarray  # (n, THUMB * THUMB) uint8
    digests: list[str]
    unreadable: list[tuple[Path, str, str]] = field(default_factory=list)  # path, label, reason

    @property
    def columns(self) -> dict[str, np.ndarray]:
        return {name: self.stats[:, i] for i, name in enumerate(STATISTICS)}


def list_class_folder(path: str | os.PathLike, name: str = "path") -> tuple[list[Path], np.ndarray]:
    """The files of a folder with one sub-folder per class, and their labels.

    Files at any depth under a class sub-folder count (hidden ones aside),
    whatever their suffix: a file that is not an image is reported as
    unreadable by the scan, not skipped unseen.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a folder.
    ValueError
        No class sub-folder, or no file in any of them.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"{name}: no image folder at {str(root)!r}.")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        loose = [p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        hint = f" (it holds {len(loose)} image files directly)" if loose else ""
        raise ValueError(
            f"{name}: {str(root)!r} has no class sub-folder{hint}; put the images of each "
            "class in a sub-folder named after it (path/coat/*.png, path/shirt/*.png, ...)."
        )
    files: list[Path] = []
    labels: list[str] = []
    for folder in classes:
        found = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        files += found
        labels += [folder.name] * len(found)
    if not files:
        raise ValueError(
            f"{name}: the class sub-folders of {str(root)!r} "
            f"({', '.join(p.name for p in classes[:5])}) hold no file: nothing to audit."
        )
    return files, np.asarray(labels, dtype=object)


def _resize(array: np.ndarray, side: int, mode: str) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray(array)
    if mode == "L":
        image = image.convert("L")
    shrinking = image.size[0] >= side and image.size[1] >= side
    resample = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    return np.asarray(image.resize((side, side), resample))


def _entropy(grey: np.ndarray) -> float:
    counts = np.bincount(grey.ravel() >> 3, minlength=32).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def reduce_image(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Statistics, grey thumbnail and pixel digest of one (H, W, 3) uint8 image."""
    height, width = rgb.shape[:2]
    small = _resize(rgb, _STATS_SIDE, "RGB").astype(np.float32)
    grey = small @ _LUMA
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    sharpness = np.log((lap.var() + 1.0) / (grey.var() + 1.0))
    chroma = small.max(axis=2) - small.min(axis=2)
    high, low = np.percentile(grey, [99, 1])
    stats = np.array(
        [
            width,
            height,
            high,
            low,
            sharpness,
            _entropy(np.clip(grey, 0, 255).astype(np.uint8)),
            np.percentile(chroma, 99),
        ]
    )
    thumb = _resize(rgb, THUMB, "L").reshape(-1)
    digest = hashlib.blake2b(
        rgb.tobytes() + f"{height}x{width}".encode(), digest_size=16
    ).hexdigest()
    return stats, thumb, digest


def _read_chunk(paths: list[Path]) -> list[tuple[np.ndarray, np.ndarray, str] | str]:
    out: list = []
    for path in paths:
        try:
            X, _ = load_images([path], color_mode="rgb")
        except (UnreadableImageError, FileNotFoundError) as exc:
            out.append(" ".join(str(exc).split()))
            continue
        except MemoryError:
            out.append(f"{str(path)!r} is too large to decode in memory")
            continue
        out.append(reduce_image(X[0]))
        del X
    return out


def scan_files(
    paths: list[Path],
    labels: np.ndarray,
    *,
    chunk_size: int = 256,
    n_jobs: int = 2,
    progress=None,
) -> Scan:
    """Read and reduce every file, ``n_jobs`` chunks at a time.

    ``progress(done, total)`` is called after each chunk when given.
    """
    n = len(paths)
    stats = np.empty((n, len(STATISTICS)))
    thumbs = np.empty((n, THUMB * THUMB), dtype=np.uint8)
    digests: list[str] = [""] * n
    ok = np.zeros(n, dtype=bool)
    unreadable = []
    chunks = [list(range(s, min(s + chunk_size, n))) for s in range(0, n, chunk_size)]
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, n_jobs)) as pool:
        # Pillow releases the GIL while decoding and resizing: threads share the cores.
        # map() keeps at most the submitted chunks' results; they are reduced already.
        for rows, results in zip(
            chunks, pool.map(lambda r: _read_chunk([paths[i] for i in r]), chunks), strict=True
        ):
            for i, result in zip(rows, results, strict=True):
                if isinstance(result, str):
                    unreadable.append((paths[i], str(labels[i]), result))
                else:
                    stats[i], thumbs[i], digests[i] = result
                    ok[i] = True
            done += len(rows)
            if progress is not None:
                progress(done, n)
    keep = np.flatnonzero(ok)
    return Scan(
        paths=[paths[i] for i in keep],
        labels=np.asarray(labels)[keep],
        stats=stats[keep],
        thumbs=thumbs[keep],
        digests=[digests[i] for i in keep],
        unreadable=unreadable,
    )
