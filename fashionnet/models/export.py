"""Export a fitted classifier for serving: ONNX, TensorFlow SavedModel, LiteRT.

:func:`export_model` writes the classifier's
:meth:`~fashionnet.models.FashionNetClassifier.inference_model` with Keras
3's ``Model.export``: the in-graph preprocessing comes along, so the
exported model takes the uint8 images the estimator takes, and test-time
augmentation is in the graph, so it gives :meth:`predict_proba`'s
probabilities. ONNX gets a mixed-precision network's float32 twin
(:func:`float32_twin`). The packages a format needs are named in one line when
missing (``pip install 'fashionnet[export]'``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from sklearn.utils.validation import check_is_fitted

from .._io import private_name, remove_stale

__all__ = ["EXPORT_FORMATS", "export_model", "float32_twin"]

#: Formats :func:`export_model` writes, with the suffix a file of each
#: usually has ("" for a folder).
EXPORT_FORMATS = {"onnx": ".onnx", "tf_saved_model": "", "litert": ".tflite"}

#: Modules each format needs to be written, per Keras backend (Keras converts
#: through TensorFlow everywhere but ONNX on PyTorch).
_NEEDS = {
    ("onnx", "tensorflow"): ("onnx", "tf2onnx"),
    ("onnx", "jax"): ("tensorflow", "onnx", "tf2onnx"),
    ("onnx", "torch"): ("onnx", "onnxscript"),
    ("tf_saved_model", "tensorflow"): (),
    ("tf_saved_model", "jax"): ("tensorflow",),
    ("litert", "tensorflow"): (),
}
_STAGING_PREFIX = ".fashionnet-export-"
#: Keywords each format's Keras exporter reads; Keras would drop any other one
#: unread. LiteRT's are converter attributes, which Keras checks itself.
_KEYWORDS = {
    "onnx": {"verbose", "input_signature", "opset_version"},
    "tf_saved_model": {"verbose", "input_signature", "is_static", "jax2tf_kwargs"},
    "litert": None,
}
#: Name of the exported model's output (tf2onnx would call it "Identity:0").
OUTPUT_NAME = "probabilities"


def export_model(estimator: Any, path: str | os.PathLike, format: str = "onnx", **kwargs: Any):
    """Write ``estimator``'s inference graph to ``path`` in ``format``, atomically.

    See :meth:`fashionnet.models.FashionNetClassifier.export`, which calls it.

    Parameters
    ----------
    estimator : FashionNetClassifier
        A fitted classifier.
    path : str or path-like
        The file (ONNX, LiteRT) or folder (SavedModel) to write.
    format : {"onnx", "tf_saved_model", "litert"}, default="onnx"
        The format.
    **kwargs
        Passed to :meth:`keras.Model.export`.

    Returns
    -------
    pathlib.Path
        What was written.
    """
    import keras

    if format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {format!r}; use one of {list(EXPORT_FORMATS)}.")
    unread = sorted(set(kwargs) - _KEYWORDS[format]) if _KEYWORDS[format] is not None else []
    if unread:
        raise TypeError(
            f"export(format={format!r}) does not take the keyword(s) {unread}; it takes "
            f"{sorted(_KEYWORDS[format])}. Remove them, or choose the format they belong to."
        )
    import numpy as np

    check_is_fitted(estimator)
    backend = keras.backend.backend()
    if (format, backend) not in _NEEDS:
        raise ValueError(
            f"format={format!r} cannot be exported from Keras' {backend} backend; use "
            f"one of {[f for f, b in _NEEDS if b == backend]} there, or the TensorFlow backend."
        )
    _check_installed(format, _NEEDS[format, backend])
    network = estimator.model_
    if format == "onnx" and estimator.dtype_policy_ != "float32":
        network = float32_twin(network)
    model = estimator._inference_graph(network)
    # Keras exports models that have run once (it reads their input signature).
    model(np.zeros((1, *estimator.input_shape_), dtype=estimator.input_dtype_))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path.parent, _STAGING_PREFIX)
    staging = path.parent / private_name(_STAGING_PREFIX)
    staging.mkdir(mode=0o700)
    try:
        staged = staging / (path.name or "model")
        kwargs.setdefault("verbose", False)
        try:
            with warnings.catch_warnings():
                # Keras' tf2onnx shim probes np.object, which NumPy 2 warns about.
                warnings.filterwarnings("ignore", "In the future `np.object`", FutureWarning)
                model.export(os.fspath(staged), format=format, **kwargs)
        except ImportError as exc:
            raise _missing(format, getattr(exc, "name", None) or str(exc)) from exc
        if format == "onnx":
            _annotate_onnx(staged, estimator)
        _replace(staged, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def float32_twin(model: Any) -> Any:
    """``model`` computing in float32: the same layers, the same weights.

    A mixed-precision network keeps its weights in float32 and computes in
    bfloat16 or float16, which ONNX runtimes serve poorly or not at all;
    its twin computes in float32 from the same weights, so its
    probabilities agree with the network's to the low precision's rounding
    (about 1e-2 for bfloat16) and are themselves the more exact ones.

    Parameters
    ----------
    model : keras.Model
        A built model, nested models included.

    Returns
    -------
    keras.Model
        A new model; ``model`` is unchanged.
    """
    import keras

    def rebuild(layer: Any) -> Any:
        return type(layer).from_config({**layer.get_config(), "dtype": "float32"})

    twin = keras.models.clone_model(model, clone_function=rebuild, recursive=True)
    twin.set_weights(model.get_weights())
    return twin


def _check_installed(format: str, modules: tuple[str, ...]) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise _missing(format, ", ".join(missing))


def _missing(format: str, what: str) -> ImportError:
    # TensorFlow is not in the extra: a JAX user converts through it deliberately.
    extra = "tensorflow " if "tensorflow" in what else ""
    return ImportError(
        f"export(format={format!r}) needs {what}: pip install {extra}'fashionnet[export]'"
    )


def _annotate_onnx(path: Path, estimator: Any) -> None:
    """Name the output ``probabilities`` and keep the class labels in the metadata."""
    import onnx

    model = onnx.load(os.fspath(path))
    graph = model.graph
    old = graph.output[0].name
    for node in graph.node:
        node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
        node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
    graph.output[0].name = OUTPUT_NAME
    metadata = {
        "classes": json.dumps(estimator.classes_.tolist()),
        "background": str(getattr(estimator, "background_", None)),
        "estimator": type(estimator).__name__,
    }
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, os.fspath(path))


def _replace(staged: Path, path: Path) -> None:
    """Move ``staged`` onto ``path``: atomic for a file, for a folder nearly so."""
    if staged.is_dir() and path.is_dir():
        old = path.parent / private_name(_STAGING_PREFIX)
        os.replace(path, old)  # the old folder leaves only once the new one is complete
        os.replace(staged, path)
        shutil.rmtree(old, ignore_errors=True)
        return
    if path.is_dir():
        raise IsADirectoryError(f"cannot export a file onto the folder {str(path)!r}.")
    with contextlib.suppress(FileNotFoundError):
        if staged.is_dir() and path.exists():
            path.unlink()
    os.replace(staged, path)
