"""Predict files: classify image files with a saved model, as it was trained.

The use case behind ``fashionnet predict``: read the model's needs from its
file (image size, grey or colour, the polarity of its training images, its
input scaling, its class names), bring each image file to them, and predict.

Two kinds of file give the same answers: a ``.keras`` file saved by a
classifier's ``save`` (loaded with Keras, whose TensorFlow start-up takes
seconds) and a ``.onnx`` file written by its ``export`` (run on onnxruntime
by :class:`fashionnet._onnx_model.OnnxModel`, which reads the same needs
from the file's metadata). Only :func:`_open_model` tells them apart; it
imports Keras for a ``.keras`` file only, and pandas is imported only when
:attr:`Predictions.table` is read, so that the ONNX path starts in a
fraction of a second.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from fashionnet._backend import import_keras_quietly
from fashionnet._checks import InvalidParameterError
from fashionnet._onnx_model import OnnxModel
from fashionnet.images import IMAGE_SUFFIXES, load_images, match_background

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Predictions", "image_files", "predict_files"]


@dataclass
class Predictions:
    """What :func:`predict_files` predicted: one row per image file.

    Attributes
    ----------
    rows : list of dict
        One per image: ``file`` (str), ``label`` (the most likely class's
        name), ``class`` (its label, as the model was fitted),
        ``probability``, ``top_k`` (a list of ``(name, probability)``, most
        likely first) and ``inverted`` (whether the image was inverted to
        the model's polarity).
    background : {"dark", "light"} or None
        The ground of the model's training images (None: unknown, nothing
        inverted).
    top_k : int
        The labels kept per image.
    """

    rows: list[dict]
    background: str | None
    top_k: int

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame, one column per key of :attr:`rows`."""
        # pandas takes most of a second to import: only a reader of the table pays for it.
        import pandas as pd

        return pd.DataFrame(self.rows, columns=_COLUMNS)

    def records(self) -> list[dict]:
        """The rows as JSON-ready dicts (``top_k`` as ``{"label", "probability"}`` dicts)."""
        return [
            {**row, "top_k": [{"label": name, "probability": p} for name, p in row["top_k"]]}
            for row in self.rows
        ]


_COLUMNS = ["file", "label", "class", "probability", "top_k", "inverted"]


def image_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files named, and the image files of the folders named (sub-folders too), in order.

    Raises
    ------
    FileNotFoundError
        A path that does not exist, or a folder without image files
        (:data:`fashionnet.images.IMAGE_SUFFIXES`; hidden files are left out).
    """
    files: list[Path] = []
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
            )
            if not found:
                raise FileNotFoundError(
                    f"{text}: the folder holds no image file ({', '.join(IMAGE_SUFFIXES)})"
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"cannot read {text}: no such file or directory")
    return files


def predict_files(
    model: str | os.PathLike,
    paths: Sequence[str | os.PathLike],
    *,
    top_k: int = 1,
    invert: bool = True,
    skip_unreadable: bool = False,
) -> Predictions:
    """Classify image files (PNG, JPEG...) with a classifier saved by fashionnet.

    Each image is brought to what the model was trained on: its size, grey
    or colour, its polarity (Fashion-MNIST shows light garments on a dark
    ground, so a photo of a dark garment on a light table is inverted) and
    its input scaling.

    Parameters
    ----------
    model : str or path-like
        A ``.keras`` file written by a classifier's ``save``, or a ``.onnx``
        file written by its ``export`` (run on onnxruntime, without
        importing Keras or TensorFlow; same preparation, same labels).
    paths : sequence of str or path-like
        Image files, or folders whose image files are read, sub-folders
        included.
    top_k : int, default=1
        The most likely labels kept per image.
    invert : bool, default=True
        Invert the images whose ground is not the model's; False uses them
        as they are.
    skip_unreadable : bool, default=False
        Leave out the files that are not readable images (one warning)
        instead of raising.

    Returns
    -------
    Predictions
        One row per image read, in the order of ``paths``.

    Raises
    ------
    FileNotFoundError
        ``model`` or a path does not exist, or a folder holds no image.
    DamagedModelError
        ``model`` is not a classifier saved by fashionnet, or is damaged.
    ValueError
        A ``.onnx`` ``model`` that onnxruntime cannot open, that fashionnet
        did not export, or that an older fashionnet exported without what
        preparing images needs (the message says how to export it again).
    ImportError
        A ``.onnx`` ``model`` without onnxruntime installed.
    InvalidParameterError
        ``top_k`` outside ``1..n_classes``, or a model trained on arrays
        that are no grey or colour images.
    UnreadableImageError
        A file is not a readable image (without ``skip_unreadable``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from PIL import Image
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.models import LeNet5Classifier
    >>> from fashionnet.tasks import predict_files
    >>> X, y = load_fashion_mnist("train")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> model = LeNet5Classifier(epochs=1, random_state=0).fit(X[:300], y[:300])
    >>> path = model.save(folder / "lenet.keras", class_names=CLASS_NAMES)
    >>> Image.fromarray(255 - X[0]).save(folder / "photo.png")  # dark on light
    >>> predictions = predict_files(path, [folder / "photo.png"], top_k=2)
    >>> list(predictions.table.columns)
    ['file', 'label', 'class', 'probability', 'top_k', 'inverted']
    >>> bool(predictions.table["inverted"][0]), predictions.background
    (True, 'dark')

    The same model exported to ONNX gives the same answer without Keras:

    >>> onnx_path = model.export(folder / "lenet.onnx", class_names=CLASS_NAMES)
    >>> fast = predict_files(onnx_path, [folder / "photo.png"], top_k=2)
    >>> fast.records()[0]["label"] == predictions.records()[0]["label"]
    True
    """
    info, predict_proba = _open_model(Path(model))
    height, width, channels = info["image_shape"]
    if min(height, width) < 3 or channels not in (1, 3):
        raise InvalidParameterError(
            f"model {model} was trained on arrays of shape {info['image_shape']}, not "
            "on grey or colour images: it cannot classify image files"
        )
    n_classes = len(info["classes"])
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= n_classes:
        raise InvalidParameterError(f"top_k must be between 1 and {n_classes}; got {top_k}")
    X, files = load_images(
        image_files(paths),
        (height, width),
        "grayscale" if channels == 1 else "rgb",
        on_error="skip" if skip_unreadable else "raise",
    )
    inverted = np.zeros(len(files), dtype=bool)
    if info["background"] is not None and invert:
        X, inverted = match_background(X, info["background"])
    if info["input_dtype"] == "float32":
        X = X.astype("float32") / 255
    proba = predict_proba(X)
    names = info["class_names"]
    order = np.argsort(proba, axis=1)[:, ::-1][:, :top_k]
    rows = [
        {
            "file": str(path),
            "label": names[best[0]],
            "class": info["classes"][best[0]],
            "probability": float(p[best[0]]),
            "top_k": [(names[i], float(p[i])) for i in best],
            "inverted": bool(flipped),
        }
        for path, p, best, flipped in zip(files, proba, order, inverted, strict=True)
    ]
    return Predictions(rows=rows, background=info["background"], top_k=top_k)


def _open_model(path: Path) -> tuple[dict, Callable[[np.ndarray], np.ndarray]]:
    """The model info of ``path`` and its ``predict_proba``, by the file's suffix."""
    if path.suffix.lower() == ".onnx":
        model = OnnxModel(path)
        return model.info, model.predict_proba
    # Keras is imported for a .keras file only: its start-up is what the ONNX path saves.
    import_keras_quietly()
    from fashionnet.models import load_model, read_model_info

    info = read_model_info(path)
    return info, lambda X: load_model(path).predict_proba(X)
