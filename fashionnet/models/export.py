"""Export a fitted classifier for serving: ONNX, TensorFlow SavedModel, LiteRT.

:func:`export_model` writes the classifier's
:meth:`~fashionnet.models.FashionNetClassifier.inference_model` with Keras
3's ``Model.export``: the in-graph preprocessing comes along, so the
exported model takes the uint8 images the estimator takes, and test-time
augmentation is in the graph, so it gives :meth:`predict_proba`'s
probabilities. ONNX gets a mixed-precision network's float32 twin
(:func:`float32_twin`), and its metadata holds what preparing images needs
(the model info :func:`~fashionnet.models.read_model_info` reads from a
``.keras`` file, class names included: :mod:`fashionnet._onnx_model`), so
that ``fashionnet predict --model MODEL.onnx`` runs without Keras. The
packages a format needs are named in one line when missing (``pip install
'fashionnet[export]'``).
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

from sklearn.utils.validation import check_is_fitted

from .._io import private_name, remove_stale
from .._onnx_model import OUTPUT_NAME, onnx_metadata
from .._ownership import check_target, folder_holds_only, replace_path
from .persistence import _check_class_names, _version

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
#: What a SavedModel folder written by Keras holds (``saved_model.pb`` always).
_SAVED_MODEL_ENTRIES = ("variables", "assets", "fingerprint.pb", "keras_metadata.pb")
#: What each format writes, for messages.
_WHAT = {
    "onnx": "an ONNX file exported by fashionnet",
    "tf_saved_model": "a SavedModel folder exported by fashionnet",
    "litert": "a LiteRT file exported by fashionnet",
}


def export_model(
    estimator: Any,
    path: str | os.PathLike,
    format: str = "onnx",
    *,
    class_names: Any = None,
    overwrite: bool = False,
    **kwargs: Any,
):
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
    class_names : sequence of str or None, default=None
        Display names of ``estimator.classes_``, in their order, kept in an
        ONNX file's metadata (None: the labels as text), as ``save`` keeps
        them.
    overwrite : bool, default=False
        Replace what is at ``path`` even when fashionnet did not write it
        (see :mod:`fashionnet._ownership`; a link is replaced, not its target).
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
    if class_names is not None and format != "onnx":
        raise ValueError(
            f"export(format={format!r}) keeps no class names (only an ONNX file's metadata "
            "does); leave class_names out, or export to ONNX."
        )
    names = _check_class_names(class_names, estimator.classes_)
    backend = keras.backend.backend()
    if (format, backend) not in _NEEDS:
        raise ValueError(
            f"format={format!r} cannot be exported from Keras' {backend} backend; use "
            f"one of {[f for f, b in _NEEDS if b == backend]} there, or the TensorFlow backend."
        )
    _check_installed(format, _NEEDS[format, backend])
    path = check_target(
        path,
        kind="folder" if format == "tf_saved_model" else "file",
        ours=_OURS[format],
        what=_WHAT[format],
        overwrite=overwrite,
    )
    network = estimator.model_
    if format == "onnx" and estimator.dtype_policy_ != "float32":
        network = float32_twin(network)
    model = estimator._inference_graph(network)
    # Keras exports models that have run once (it reads their input signature).
    model(np.zeros((1, *estimator.input_shape_), dtype=estimator.input_dtype_))
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
            _annotate_onnx(staged, estimator, names)
        replace_path(staged, path, staging / "replaced")
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


def _annotate_onnx(path: Path, estimator: Any, class_names: list[str] | None) -> None:
    """Name the output ``probabilities``; keep what preparing images needs in the metadata.

    The metadata is :func:`fashionnet._onnx_model.onnx_metadata` of the
    model info that :func:`~fashionnet.models.read_model_info` reads from a
    saved ``.keras`` file, so that an ONNX file is predicted with as a
    ``.keras`` one is, without Keras.
    """
    import onnx

    model = onnx.load(os.fspath(path))
    graph = model.graph
    old = graph.output[0].name
    for node in graph.node:
        node.output[:] = [OUTPUT_NAME if name == old else name for name in node.output]
        node.input[:] = [OUTPUT_NAME if name == old else name for name in node.input]
    graph.output[0].name = OUTPUT_NAME
    classes = estimator.classes_.tolist()
    metadata = onnx_metadata(
        {
            "estimator": type(estimator).__name__,
            "classes": classes,
            "class_names": class_names or [str(c) for c in classes],
            "image_shape": estimator.image_shape_,
            "input_shape": estimator.input_shape_,
            "input_dtype": estimator.input_dtype_,
            "background": getattr(estimator, "background_", None),
            "fashionnet_version": _version(),
        }
    )
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, os.fspath(path))


def _is_our_onnx(path: Path) -> bool:
    """An ONNX file whose metadata holds the estimator and classes :func:`_annotate_onnx` wrote."""
    import onnx

    if path.is_symlink() or not path.is_file():
        return False
    try:
        model = onnx.load(os.fspath(path), load_external_data=False)
    except Exception:  # noqa: BLE001 - whatever does not parse is not ours
        return False
    keys = {entry.key for entry in model.metadata_props}
    return {"classes", "estimator"} <= keys


def _is_our_litert(path: Path) -> bool:
    """A LiteRT flatbuffer (``TFL3``) of an inference graph: input ``pixels``, ``*_inference``."""
    if path.is_symlink() or not path.is_file() or path.stat().st_size < 8:
        return False
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return (
            data[4:8] == b"TFL3"
            and data.find(b"pixels") >= 0
            and data.find(b"Classifier_inference") >= 0
        )


def _is_our_saved_model(path: Path) -> bool:
    """A SavedModel folder: ``saved_model.pb`` and only what Keras writes beside it."""
    return folder_holds_only(path, "saved_model.pb", _SAVED_MODEL_ENTRIES)


_OURS = {"onnx": _is_our_onnx, "tf_saved_model": _is_our_saved_model, "litert": _is_our_litert}
