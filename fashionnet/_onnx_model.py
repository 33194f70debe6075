"""An exported ONNX classifier, run on onnxruntime without Keras or TensorFlow.

``estimator.export(path)`` (:mod:`fashionnet.models.export`) writes the
inference graph to ONNX and, in the file's metadata, what a caller needs to
give it images: the keys of :func:`onnx_metadata`, written in the layout
:data:`ONNX_FORMAT`. :class:`OnnxModel` reads them back into the same
"model info" that :func:`fashionnet.models.read_model_info` reads from a
``.keras`` file, and runs the graph, so that ``fashionnet predict`` treats
both files alike and only the ``.keras`` one starts Keras (about 6 s of
TensorFlow start-up against a fraction of a second for onnxruntime).

This module imports NumPy only, and onnxruntime when a model is opened: it
sits below :mod:`fashionnet.models`, whose import starts Keras, so that the
writer there and the readers above share one description of the metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ONNX_FORMAT", "OnnxModel", "onnx_metadata"]

#: The layout of the metadata :func:`onnx_metadata` writes. A file exported
#: before it (fashionnet 0.x wrote ``classes``, ``background`` and
#: ``estimator`` only) lacks what preparing an image needs.
ONNX_FORMAT = "fashionnet.onnx/1"
#: Keys of the model info stored as JSON, and the kind each must be.
_JSON_KEYS = {
    "classes": list,
    "class_names": list,
    "image_shape": list,
    "input_shape": list,
}
#: Keys stored as plain text.
_TEXT_KEYS = ("estimator", "input_dtype", "background", "fashionnet_version")
#: Images predicted per run of the graph: a test-time-augmented network holds
#: a batch in memory once per view.
_BATCH_SIZE = 1024
#: The input and output names every exported graph has.
INPUT_NAME, OUTPUT_NAME = "pixels", "probabilities"


def onnx_metadata(info: dict[str, Any]) -> dict[str, str]:
    """The metadata an exported ONNX file holds, as text: the format and ``info``'s keys.

    Parameters
    ----------
    info : dict
        The model info in :func:`fashionnet.models.read_model_info`'s
        layout: ``estimator``, ``classes``, ``class_names``,
        ``image_shape``, ``input_shape``, ``input_dtype``, ``background``
        (None when unknown) and ``fashionnet_version``.

    Returns
    -------
    dict of str to str
        ``format`` (:data:`ONNX_FORMAT`), the lists as JSON, the rest as
        text (an unknown background as ``"None"``, as before the format).

    Examples
    --------
    >>> meta = onnx_metadata({"estimator": "LeNet5Classifier", "classes": [0, 1],
    ...     "class_names": ["T-shirt/top", "Trouser"], "image_shape": (28, 28, 1),
    ...     "input_shape": (28, 28), "input_dtype": "uint8", "background": "dark",
    ...     "fashionnet_version": "0.1"})
    >>> meta["format"], meta["image_shape"], meta["background"]
    ('fashionnet.onnx/1', '[28, 28, 1]', 'dark')
    """
    metadata = {"format": ONNX_FORMAT}
    for key in _JSON_KEYS:
        metadata[key] = json.dumps(list(info[key]))
    for key in _TEXT_KEYS:
        metadata[key] = str(info[key])
    return metadata


class OnnxModel:
    """An ONNX file exported by fashionnet: its model info and its probabilities.

    Parameters
    ----------
    path : str or path-like
        A ``.onnx`` file written by a classifier's ``export``.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    info : dict
        What :func:`fashionnet.models.read_model_info` gives for the
        ``.keras`` file the classifier was saved to (``estimator``,
        ``classes``, ``class_names``, ``image_shape``, ``input_shape``,
        ``input_dtype``, ``background``, ``fashionnet_version``), read from
        the file's metadata.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ImportError
        onnxruntime is not installed (the message names the extra).
    ValueError
        ``path`` is not an ONNX file onnxruntime can open, was not exported
        by fashionnet, or was exported by an older fashionnet whose metadata
        lacks what preparing the images needs (the message names the keys
        and how to export it again).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist
    >>> from fashionnet.models import LeNet5Classifier
    >>> X, y = load_fashion_mnist("test")
    >>> clf = LeNet5Classifier(epochs=1, random_state=0).fit(X[:300], y[:300])
    >>> path = clf.export(pathlib.Path(tempfile.mkdtemp()) / "lenet.onnx",
    ...                   class_names=CLASS_NAMES)
    >>> model = OnnxModel(path)
    >>> model.info["class_names"][:2], model.info["input_dtype"]
    (['T-shirt/top', 'Trouser'], 'uint8')
    >>> model.predict_proba(X[:3]).shape
    (3, 10)
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no exported model at {str(self.path)!r}.")
        self._session = _open_session(self.path)
        metadata = self._session.get_modelmeta().custom_metadata_map
        self.info = _read_info(self.path, metadata)
        self._check_graph()

    def predict_proba(self, X: Any) -> np.ndarray:
        """The probabilities of ``info["classes"]`` for images prepared as the model takes them.

        Parameters
        ----------
        X : array-like
            Images of ``info["image_shape"]`` (or any layout of as many
            pixels each), uint8 pixels or floats in [0, 1] as
            ``info["input_dtype"]`` says.

        Returns
        -------
        numpy.ndarray of shape (n_images, n_classes)
        """
        X = np.asarray(X)
        batch = X.reshape((X.shape[0], *self.info["input_shape"])).astype(
            self.info["input_dtype"], copy=False
        )
        parts = [
            self._session.run([OUTPUT_NAME], {INPUT_NAME: batch[start : start + _BATCH_SIZE]})[0]
            for start in range(0, len(batch), _BATCH_SIZE)
        ]
        n_classes = len(self.info["classes"])
        return np.concatenate(parts) if parts else np.zeros((0, n_classes), np.float32)

    def _check_graph(self) -> None:
        """The graph must take ``pixels`` of the stored type and give one column per class."""
        (inputs,), (outputs,) = self._session.get_inputs(), self._session.get_outputs()
        expected = f"tensor({self.info['input_dtype']})"
        units = outputs.shape[-1] if outputs.shape else None
        if (
            inputs.name != INPUT_NAME
            or inputs.type.replace("float)", "float32)") != expected
            or outputs.name != OUTPUT_NAME
            or (isinstance(units, int) and units != len(self.info["classes"]))
        ):
            raise ValueError(
                f"{str(self.path)!r} does not match its metadata: its graph takes "
                f"{inputs.name!r} ({inputs.type}) and gives {outputs.name!r} of shape "
                f"{outputs.shape}, its metadata says {INPUT_NAME!r} ({expected}) and "
                f"{len(self.info['classes'])} classes. Export the classifier again."
            )


def _open_session(path: Path) -> Any:
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(
            f"running {str(path)!r} needs onnxruntime: pip install 'fashionnet[export]'"
        ) from exc
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: no notices on the command's output
    try:
        return onnxruntime.InferenceSession(
            os.fspath(path), options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # noqa: BLE001 - onnxruntime's own error classes, whatever the damage
        reason = " ".join(str(exc).split())[:300]
        raise ValueError(
            f"{str(path)!r} is not an ONNX model onnxruntime can open ({reason}). Export "
            "the classifier again, or restore the file from a copy."
        ) from exc


def _read_info(path: Path, metadata: dict[str, str]) -> dict[str, Any]:
    """The model info from an exported file's metadata, or why it cannot be read."""
    if "classes" not in metadata or "estimator" not in metadata:
        raise ValueError(
            f"{str(path)!r} was not exported by fashionnet (its metadata holds no classes "
            "nor estimator): export the classifier with its export() method."
        )
    missing = [k for k in ("format", *_JSON_KEYS, *_TEXT_KEYS) if k not in metadata]
    if missing:
        raise ValueError(
            f"{str(path)!r} was exported by an older fashionnet: its metadata lacks "
            f"{', '.join(missing)}, which preparing images needs. Export it again from the "
            "saved classifier: load_model('MODEL.keras').export('MODEL.onnx', "
            "class_names=read_model_info('MODEL.keras')['class_names']) "
            "(from fashionnet.models)."
        )
    if metadata["format"] != ONNX_FORMAT:
        raise ValueError(
            f"{str(path)!r} holds metadata of format {metadata['format']!r}, which this "
            f"fashionnet does not read (it reads {ONNX_FORMAT!r}); export the classifier "
            "again with this version."
        )
    info: dict[str, Any] = {key: metadata[key] for key in _TEXT_KEYS}
    try:
        for key, kind in _JSON_KEYS.items():
            value = json.loads(metadata[key])
            if not isinstance(value, kind):
                raise TypeError(f"{key} is {type(value).__name__}, not a list")
            info[key] = value
        info["image_shape"] = tuple(int(d) for d in info["image_shape"])
        info["input_shape"] = tuple(int(d) for d in info["input_shape"])
        info["class_names"] = [str(n) for n in info["class_names"]]
        if len(info["class_names"]) != len(info["classes"]):
            raise ValueError(
                f"{len(info['class_names'])} class names for {len(info['classes'])} classes"
            )
        if info["input_dtype"] not in ("uint8", "float32"):
            raise ValueError(f"input_dtype {info['input_dtype']!r}")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{str(path)!r} holds damaged metadata ({exc}). Export the classifier again."
        ) from exc
    if info["background"] == "None":
        info["background"] = None
    return info
