"""Write a folder of real Fashion-MNIST images, colourised and resized, with planted problems.

Shared by the folder-audit tests and benchmarks/bench_folder_audit.py (which
imports it by path). Every planted file's name starts with its kind, so a
test can tell what it planted from the path alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

#: Planted kind -> the issue that must flag it.
EXPECTED = {
    "dark": "dark",
    "light": "light",
    "blurry": "blurry",
    "uniform": "low_information",
    "tiny": "odd_size",
    "huge": "odd_size",
    "stretched": "odd_aspect_ratio",
    "grey": "grayscale",
    "copy": "exact_duplicate",
    "crossclass": "exact_duplicate",
    "moved": "label_issue",
}
SIZES = (28, 36, 48, 64)
# Pairs of classes far apart: an image moved between them is surely mislabelled.
_FAR = {0: 7, 1: 8, 2: 9, 3: 5, 4: 7, 5: 1, 6: 9, 7: 0, 8: 1, 9: 2}


def colour_image(grey: np.ndarray, rng: np.random.Generator, size: int | None = None):
    """A grey 28 x 28 image tinted with a random colour and resized (bicubic)."""
    tint = rng.uniform(0.25, 1.0, 3)
    tint[rng.integers(3)] = 1.0
    rgb = np.clip(grey[..., None].astype(np.float32) * tint, 0, 255).astype(np.uint8)
    size = int(size or rng.choice(SIZES))
    image = Image.fromarray(rgb, "RGB")
    return image if size == 28 else image.resize((size, size), Image.Resampling.BICUBIC)


def _plant(kind: str, image: Image.Image, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image).astype(np.float32)
    if kind == "dark":
        return Image.fromarray((pixels * 0.2).astype(np.uint8))
    if kind == "light":
        return Image.fromarray((255 - (255 - pixels) * 0.25).astype(np.uint8))
    if kind == "blurry":
        return image.filter(ImageFilter.GaussianBlur(1.8 * image.size[0] / 28))
    if kind == "uniform":
        return Image.new("RGB", image.size, tuple(int(v) for v in pixels.mean(axis=(0, 1))))
    if kind == "tiny":
        return image.resize((9, 9), Image.Resampling.BOX)
    if kind == "huge":
        return image.resize((420, 420), Image.Resampling.BICUBIC)
    if kind == "stretched":
        w, h = image.size
        return image.resize((w * 4, h), Image.Resampling.BICUBIC)
    if kind == "grey":
        return image.convert("L")
    raise ValueError(kind)


def write_folder(
    root: Path,
    X: np.ndarray,
    y: np.ndarray,
    *,
    per_kind: int = 5,
    class_names: list[str] | None = None,
    seed: int = 0,
    jpeg_share: float = 0.0,
) -> dict[str, list[Path]]:
    """Write ``X, y`` under ``root/<class>/``, planting ``per_kind`` files of every kind.

    Returns the planted paths by kind, plus ``"clean"``: the images left as
    they were (the sources of copies excluded, since they have a twin).
    """
    rng = np.random.default_rng(seed)
    names = class_names or [f"class_{c}" for c in range(10)]
    for name in names:
        (root / name).mkdir(parents=True, exist_ok=True)
    order = rng.permutation(len(X))
    kinds = [k for k in EXPECTED for _ in range(per_kind)]
    planted: dict[str, list[Path]] = {k: [] for k in EXPECTED}
    planted["clean"] = []
    sources = []
    for n, i in enumerate(order):
        label = int(y[i])
        image = colour_image(X[i], rng)
        kind = kinds[n] if n < len(kinds) else None
        suffix = ".jpg" if kind is None and rng.random() < jpeg_share else ".png"
        folder = root / names[_FAR[label] if kind == "moved" else label]
        path = folder / f"{kind or 'img'}_{n:05d}{suffix}"
        if kind in ("copy", "crossclass", "moved", None):
            image.save(path, **({"quality": 95} if suffix == ".jpg" else {}))
        else:
            _plant(kind, image, rng).save(path)
        if kind in ("copy", "crossclass"):
            sources.append(path)
            other = names[label] if kind == "copy" else names[_FAR[label]]
            twin = root / other / f"{kind}_twin_{n:05d}.png"
            shutil.copyfile(path, twin)
            planted[kind] += [path, twin]
        elif kind is not None:
            planted[kind].append(path)
        else:
            planted["clean"].append(path)
    return planted
