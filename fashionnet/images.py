"""A user's own images: PNG and JPEG files read into the arrays the estimators take.

:func:`load_image_folder` reads a folder with one sub-folder per class (the
layout of Keras' ``image_dataset_from_directory``) into uint8 images and
labels named after the sub-folders; :func:`load_images` reads a list of
files. Both bring every image to one size and colour mode the same way, so
that the images a model is trained on and the images it is later asked
about are prepared alike:

1. the EXIF orientation of a photo is applied, transparency is laid on white;
2. the image becomes grey (ITU-R 601-2 luma) or RGB, from any Pillow mode:
   16-bit grey is scaled from 0..65535, 32-bit floats from 0..1 (or taken as
   grey levels when they span 0..255); a mode that cannot be brought to grey
   levels (CIELab, floats outside both ranges) is refused, naming it;
3. with ``image_size``, it is padded to the target's aspect ratio with its
   own background (the median of its border pixels), so that nothing is
   stretched, then resized (area averaging when shrinking, bicubic when
   enlarging).

Fashion-MNIST shows light garments on a dark ground, where a photo shows a
dark garment on a light table. :func:`is_light_background` tells the two
apart by the border of each image, and :func:`match_background` inverts the
images whose ground differs from the one a model was trained on (every
fitted estimator records it as ``background_``).

Pillow reads the files; it is an optional dependency (``pip install
'fashionnet[images]'``), imported on first use. A file Pillow cannot read
raises :class:`UnreadableImageError` naming it, never Pillow's traceback.
"""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import numpy as np

from fashionnet._image_modes import UnsupportedModeError, to_grey_or_rgb

__all__ = [
    "IMAGE_SUFFIXES",
    "UnreadableImageError",
    "load_image_folder",
    "load_images",
    "is_light_background",
    "match_background",
]

#: File suffixes :func:`load_image_folder` and ``fashionnet predict`` take
#: for images when they list a folder (any case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")

_COLOR_MODES = {"grayscale": "L", "rgb": "RGB"}


class UnreadableImageError(ValueError):
    """A file that is not an image Pillow can read, or is damaged.

    The message names the file and what Pillow found; a subclass of
    :class:`ValueError`.
    """


def _pillow():
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise ImportError(
            "reading image files needs Pillow: pip install 'fashionnet[images]'"
        ) from None
    return Image, ImageOps


def _read_image(path: Path, mode: str):
    """One file as a Pillow image in ``mode`` ("L" or "RGB"), fully decoded."""
    Image, ImageOps = _pillow()
    try:
        with Image.open(path) as image:
            image.load()  # decode now: a truncated file fails here, not later
            image = ImageOps.exif_transpose(image)
            return to_grey_or_rgb(image, mode)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such image file: {str(path)!r}") from None
    except PermissionError:
        raise UnreadableImageError(f"cannot read {str(path)!r}: permission denied") from None
    except IsADirectoryError:
        raise UnreadableImageError(f"{str(path)!r} is a folder, not an image file") from None
    except UnsupportedModeError as exc:
        raise UnreadableImageError(f"{str(path)!r}: {exc}") from None
    except (Image.UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise UnreadableImageError(
            f"{str(path)!r} is not an image Pillow can read ({_reason(exc)})"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise UnreadableImageError(
            f"{str(path)!r} is a damaged or truncated image ({_reason(exc)})"
        ) from None


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if "cannot identify image file" in text:
        return "not a known image format"
    return text[:200] or type(exc).__name__


def _border(pixels: np.ndarray) -> np.ndarray:
    """The outer ring of an (H, W, C) array as (m, C) rows."""
    return np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]], axis=0)


def _fit_to(image, size: tuple[int, int]):
    """Pad ``image`` to the aspect ratio of ``size`` with its background, then resize."""
    Image, _ = _pillow()
    height, width = size
    w, h = image.size
    if (h, w) == (height, width):
        return image
    # The smallest canvas with the target's aspect ratio that holds the image.
    if w * height > h * width:
        canvas = (w, max(h, round(w * height / width)))
    else:
        canvas = (max(w, round(h * width / height)), h)
    if canvas != (w, h):
        pixels = np.asarray(image).reshape(h, w, -1)
        fill = np.median(_border(pixels), axis=0).round().astype(int)
        fill = int(fill[0]) if image.mode == "L" else tuple(int(v) for v in fill)
        padded = Image.new(image.mode, canvas, fill)
        padded.paste(image, ((canvas[0] - w) // 2, (canvas[1] - h) // 2))
        image = padded
    shrinking = canvas[0] >= width and canvas[1] >= height
    resample = Image.Resampling.BOX if shrinking else Image.Resampling.BICUBIC
    return image.resize((width, height), resample)


def _check_size(image_size: Any) -> tuple[int, int] | None:
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    try:
        height, width = (int(v) for v in image_size)
        valid = (height, width) == tuple(image_size) and height >= 1 and width >= 1
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValueError(
            f"image_size must be None, an int or a (height, width) pair of positive "
            f"integers; got {image_size!r}."
        )
    return height, width


def _check_mode(color_mode: str) -> str:
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"color_mode must be 'grayscale' or 'rgb'; got {color_mode!r}.")
    return _COLOR_MODES[color_mode]


def load_images(
    paths: Iterable[str | os.PathLike],
    image_size: int | tuple[int, int] | None = None,
    color_mode: Literal["grayscale", "rgb"] = "grayscale",
    *,
    on_error: Literal["raise", "skip"] = "raise",
) -> tuple[np.ndarray, list[Path]]:
    """Read image files into one uint8 array.

    Parameters
    ----------
    paths : iterable of str or path-like
        Image files (PNG, JPEG or any format Pillow reads).
    image_size : int, (height, width) or None, default=None
        Size every image is brought to: padded to that aspect ratio with its
        own background, then resized. None keeps the files' size, which must
        then be the same for all.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        Grey images give an array ``(n, H, W)``, RGB ones ``(n, H, W, 3)``.
    on_error : {"raise", "skip"}, default="raise"
        What a file that is not a readable image does: raise
        :class:`UnreadableImageError` naming it, or be left out (one
        warning gives how many were, and the first names).

    Returns
    -------
    X : numpy.ndarray of uint8
        The images, 0..255.
    paths : list of pathlib.Path
        The files read, in the order of ``X`` (without the skipped ones).

    Raises
    ------
    FileNotFoundError
        A file does not exist.
    UnreadableImageError
        A file is not a readable image (with ``on_error="raise"``).
    ValueError
        No image could be read, or the images differ in size and
        ``image_size`` is None.
    ImportError
        Pillow is not installed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from fashionnet.images import load_images
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "square.png"
    ...     Image.fromarray(np.full((40, 60), 200, np.uint8)).save(path)
    ...     X, read = load_images([path], image_size=28)
    >>> X.shape, int(X.max()), [p.name for p in read]
    ((1, 28, 28), 200, ['square.png'])
    """
    size = _check_size(image_size)
    mode = _check_mode(color_mode)
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip'; got {on_error!r}.")
    images, kept, skipped = [], [], []
    for path in map(Path, paths):
        try:
            image = _read_image(path, mode)
        except UnreadableImageError as exc:
            if on_error == "raise":
                raise
            skipped.append((path, str(exc)))
            continue
        if size is not None:
            image = _fit_to(image, size)
        images.append(np.asarray(image, dtype=np.uint8))
        kept.append(path)
    if skipped:
        names = ", ".join(p.name for p, _ in skipped[:5]) + (", ..." if len(skipped) > 5 else "")
        warnings.warn(
            f"skipped {len(skipped)} of {len(skipped) + len(kept)} files that are not "
            f"readable images: {names}",
            UserWarning,
            stacklevel=2,
        )
    if not images:
        raise ValueError(
            "no image to read: "
            + ("every file was skipped" if skipped else "the list of files is empty")
        )
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        first = images[0].shape
        other = next(i for i, image in enumerate(images) if image.shape != first)
        raise ValueError(
            f"the images differ in size: {kept[0].name} is {first[1]}x{first[0]} and "
            f"{kept[other].name} is {images[other].shape[1]}x{images[other].shape[0]} "
            "(width x height); pass image_size=(height, width) to bring them to one size."
        )
    return np.stack(images), kept


def load_image_folder(
    path: str | os.PathLike,
    image_size: int | tuple[int, int] | None = None,
    color_mode: Literal["grayscale", "rgb"] = "grayscale",
    *,
    on_error: Literal["raise", "skip"] = "raise",
) -> tuple[np.ndarray, np.ndarray]:
    """Read a folder of images, one sub-folder per class, into images and labels.

    The layout of Keras' ``image_dataset_from_directory``::

        path/
            coat/  img001.png  img002.jpg ...
            shirt/ ...

    Every file under a class sub-folder (at any depth, hidden files aside)
    must be an image; files directly in ``path`` are not read. A file
    reached twice through links is read once.

    Parameters
    ----------
    path : str or path-like
        The folder.
    image_size : int, (height, width) or None, default=None
        Size every image is brought to (padded to its aspect ratio with the
        image's own background, then resized); None keeps the files' size,
        which must then be the same for all.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        Grey images give ``X`` of shape ``(n, H, W)``, RGB ones
        ``(n, H, W, 3)``.
    on_error : {"raise", "skip"}, default="raise"
        A file that is not a readable image raises
        :class:`UnreadableImageError` naming it, or, with ``"skip"``, is
        left out with one warning giving the count.

    Returns
    -------
    X : numpy.ndarray of uint8
        The images, 0..255, sorted by class then file path.
    y : numpy.ndarray of str
        The sub-folder name of each image.

    Raises
    ------
    FileNotFoundError
        ``path`` is not a folder.
    UnreadableImageError
        A file is not a readable image (with ``on_error="raise"``).
    ValueError
        The folder has no class sub-folder, a class sub-folder holds no
        file, two class folders (or files in two classes) are one through a
        link, or the images differ in size and ``image_size`` is None.
    ImportError
        Pillow is not installed.

    See Also
    --------
    load_images : Read a list of files.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from PIL import Image
    >>> from fashionnet.datasets import load_image_folder
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for label, level in [("dark", 30), ("light", 220)]:
    ...         folder = pathlib.Path(tmp) / label
    ...         folder.mkdir()
    ...         for i in range(3):
    ...             Image.fromarray(np.full((28, 28), level, np.uint8)).save(folder / f"{i}.png")
    ...     X, y = load_image_folder(tmp)
    >>> X.shape, X.dtype.name, sorted(set(y.tolist()))
    ((6, 28, 28), 'uint8', ['dark', 'light'])
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"no image folder at {str(root)!r}.")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ValueError(
            f"{str(root)!r} has no class sub-folder: put the images of each class in a "
            "sub-folder named after it (path/coat/*.png, path/shirt/*.png, ...)."
        )
    files, labels = [], []
    class_of: dict[Path, str] = {}  # real path of each folder and file -> its class
    for folder in classes:
        real = folder.resolve()
        if real in class_of:
            raise ValueError(
                f"class folders {class_of[real]!r} and {folder.name!r} are the same folder "
                f"{str(real)!r}, reached through a link: an image has one label. Remove the "
                "link, or copy the images where both labels are meant."
            )
        class_of[real] = folder.name
        found = sorted(
            p
            for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
        if not found:
            raise ValueError(f"class folder {str(folder)!r} holds no file.")
        for file in found:
            # A file reached twice through links is read once; in two classes, refused.
            real = file.resolve()
            if real in class_of:
                if class_of[real] == folder.name:
                    continue
                raise ValueError(
                    f"{str(file)!r} is the same file as one in class {class_of[real]!r} "
                    "(through a link): an image has one label. "
                    "Remove the link."
                )
            class_of[real] = folder.name
            files.append(file)
            labels.append(folder.name)
    X, kept = load_images(files, image_size, color_mode, on_error=on_error)
    label_of = dict(zip(files, labels, strict=True))
    return X, np.asarray([label_of[p] for p in kept])


def is_light_background(X: Any) -> np.ndarray:
    """Whether each image shows its subject on a light ground.

    The ground is the median grey level of the image's outer ring of pixels
    (the mean of the channels for colour images); it is light above half
    the pixel range.

    Parameters
    ----------
    X : array-like of shape (n, H, W) or (n, H, W, C)
        uint8 (or integer) images in 0..255, or floats in 0..1. H and W
        must be at least 3.

    Returns
    -------
    numpy.ndarray of bool, shape (n,)

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.images import is_light_background
    >>> dark = np.zeros((1, 28, 28), np.uint8); dark[0, 8:20, 8:20] = 230
    >>> is_light_background(np.concatenate([dark, 255 - dark])).tolist()
    [False, True]
    """
    X = np.asarray(X)
    if X.ndim == 3:
        X = X[..., None]
    if X.ndim != 4 or min(X.shape[1:3]) < 3:
        raise ValueError(
            f"is_light_background needs images (n, H, W) or (n, H, W, C) with H, W >= 3; "
            f"got an array of shape {X.shape}."
        )
    top_bottom = X[:, [0, -1]].reshape(X.shape[0], -1, X.shape[3])
    sides = X[:, 1:-1][:, :, [0, -1]].reshape(X.shape[0], -1, X.shape[3])
    ring = np.concatenate([top_bottom, sides], axis=1).mean(axis=2)
    half = 0.5 if np.issubdtype(X.dtype, np.floating) else 127.5
    return np.median(ring, axis=1) > half


def match_background(X: Any, background: Literal["dark", "light"]) -> tuple[np.ndarray, np.ndarray]:
    """Invert the images whose ground is not ``background``.

    Fashion-MNIST's garments are light on a dark ground; a photo of a dark
    garment on a white table is the negative of that. Give a fitted
    estimator's ``background_`` to bring images to what it was trained on.

    Parameters
    ----------
    X : array-like of shape (n, H, W) or (n, H, W, C)
        uint8 images 0..255 or floats in 0..1 (see
        :func:`is_light_background`).
    background : {"dark", "light"}
        The ground the images should have.

    Returns
    -------
    X : numpy.ndarray
        The images, those on the other ground inverted (``255 - x``, or
        ``1 - x`` for floats); a copy only when one is inverted.
    inverted : numpy.ndarray of bool, shape (n,)
        Which images were inverted.

    Examples
    --------
    >>> import numpy as np
    >>> from fashionnet.images import match_background
    >>> photo = np.full((1, 28, 28), 250, np.uint8); photo[0, 8:20, 8:20] = 40
    >>> X, inverted = match_background(photo, "dark")
    >>> inverted.tolist(), int(X[0, 0, 0]), int(X[0, 10, 10])
    ([True], 5, 215)
    """
    if background not in ("dark", "light"):
        raise ValueError(f"background must be 'dark' or 'light'; got {background!r}.")
    X = np.asarray(X)
    inverted = is_light_background(X) != (background == "light")
    if inverted.any():
        top = 1.0 if np.issubdtype(X.dtype, np.floating) else 255
        X = X.copy()
        X[inverted] = top - X[inverted]
    return X, inverted
