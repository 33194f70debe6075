"""What depends on the Keras backend: importing it, TensorBoard logs, TensorFlow's chatter.

fashionnet runs on Keras' TensorFlow, JAX and PyTorch backends (chosen with
``KERAS_BACKEND``). Three things differ between them, and live here:

- importing Keras when the chosen backend is not installed fails with one
  line naming what to install (:func:`import_keras`), not a traceback about
  a missing module;
- TensorBoard logs: Keras' ``TensorBoard`` callback writes through
  ``tensorflow.summary`` on every backend, so it is used on the TensorFlow
  backend only; on JAX and PyTorch an epoch-scalar writer on tensorboardX
  writes the same ``train/`` and ``validation/`` logs, and without
  tensorboardX they are skipped with one warning per process
  (:func:`tensorboard_callback`);
- TensorFlow's log level is touched only when TensorFlow is the backend
  (:func:`configured_backend`, :func:`quiet_tensorflow`); the command
  imports it through :func:`import_keras_quietly`, which keeps TensorFlow's
  C++ start-up lines (CUDA probing, oneDNN notices) off its output.

- whether the device that trains computes bfloat16 in hardware, which
  decides ``dtype_policy="auto"`` (:func:`bfloat16_is_native`).

Nothing here imports Keras at import time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

__all__ = [
    "BACKENDS",
    "bfloat16_is_native",
    "configured_backend",
    "import_keras",
    "import_keras_quietly",
    "quiet_tensorflow",
    "tensorboard_callback",
]

#: Keras backend name -> (module it imports, what to install for it).
BACKENDS = {
    "tensorflow": ("tensorflow", "pip install fashionnet"),
    "jax": ("jax", "pip install 'fashionnet[jax]'"),
    "torch": ("torch", "pip install 'fashionnet[torch]'"),
}


def configured_backend() -> str:
    """The backend Keras uses or will use, read as Keras reads it, without importing it.

    ``KERAS_BACKEND`` wins over the ``backend`` of ``keras.json`` (in
    ``KERAS_HOME`` or ``~/.keras``); the default is ``"tensorflow"``.

    Examples
    --------
    >>> from fashionnet._backend import configured_backend
    >>> configured_backend() in ("tensorflow", "jax", "torch", "numpy", "openvino")
    True
    """
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "config"):
        return keras.config.backend()
    name = os.environ.get("KERAS_BACKEND")
    if name:
        return name
    if "KERAS_HOME" in os.environ:
        home = os.environ["KERAS_HOME"]
    else:
        base = os.path.expanduser("~")
        home = os.path.join(base if os.access(base, os.W_OK) else "/tmp", ".keras")
    try:
        with open(os.path.join(home, "keras.json"), encoding="utf-8") as fh:
            return str(json.load(fh).get("backend", "tensorflow"))
    except (OSError, ValueError, AttributeError):
        return "tensorflow"


def _installed_backends() -> list[str]:
    return [name for name, (module, _) in BACKENDS.items() if importlib.util.find_spec(module)]


def _missing_message(exc: ModuleNotFoundError) -> str | None:
    """One line for an import of Keras that failed on a missing backend or Keras itself."""
    missing = (exc.name or "").partition(".")[0]
    if missing == "keras":
        return "fashionnet needs Keras 3, which is not installed: pip install fashionnet."
    backend = configured_backend()
    module, install = BACKENDS.get(backend, (backend, f"pip install {backend}"))
    if missing != module:
        return None
    others = [name for name in _installed_backends() if name != backend]
    alternative = f", or set KERAS_BACKEND={others[0]} (installed here)" if others else ""
    return (
        f"Keras' backend {backend!r} is not installed ({module} is missing; the backend is "
        f"set by KERAS_BACKEND or keras.json): {install}{alternative}."
    )


def import_keras() -> Any:
    """Import Keras; a missing backend raises ImportError with one line naming the extra.

    Returns
    -------
    module
        The ``keras`` module.

    Raises
    ------
    ImportError
        Keras, or the module of the configured backend, is not installed.
    """
    try:
        import keras
    except ModuleNotFoundError as exc:
        message = _missing_message(exc)
        if message is None:
            raise
        raise ImportError(message) from None
    return keras


#: A line of TensorFlow's C++ logging (absl/glog style: ``I0000 00:00:17... 123
#: file.cc:31] message``; its severity letter in group 1), or absl's notice
#: that precedes them before its logging is initialised.
_NATIVE_LOG_LINE = re.compile(
    r"^(?:([IWE])\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w./-]+:\d+\] |"
    r"WARNING: All log messages before absl::InitializeLog\(\) is called)"
)
#: TF_CPP_MIN_LOG_LEVEL's meaning: the severities it hides.
_HIDDEN_AT_LEVEL = {0: "", 1: "I", 2: "IW", 3: "IWE"}


def import_keras_quietly() -> Any:
    """Import Keras (and start its backend) without TensorFlow's C++ start-up lines.

    TensorFlow >= 2.20 logs through absl before absl's logging is set up,
    so ``TF_CPP_MIN_LOG_LEVEL`` no longer silences its import-time lines
    ("Could not find cuda drivers", "failed call to cuInit", oneDNN
    notices). On the TensorFlow backend this sets ``TF_CPP_MIN_LOG_LEVEL``
    to 3 unless the user set it (a value of the user's is left as it is),
    then reads back what the native code writes to the process's standard
    error while Keras is imported and TensorFlow's devices are listed, and
    passes on every line but the native log lines that level hides (so a
    user's 0 shows them all). Other backends, or Keras already imported:
    plain :func:`import_keras`.

    Returns
    -------
    module
        The ``keras`` module.
    """
    if configured_backend() != "tensorflow" or "keras" in sys.modules:
        return import_keras()
    level = os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    hidden = _HIDDEN_AT_LEVEL.get(int(level) if level.strip().isdigit() else 0, "IWE")
    if not hidden:
        return import_keras()
    with _native_stderr_filtered(hidden):
        keras = import_keras()
        import tensorflow as tf

        tf.config.list_physical_devices()  # probes CUDA now, inside the filter
    return keras


@contextlib.contextmanager
def _native_stderr_filtered(hidden: str) -> Iterator[None]:
    """Capture file descriptor 2 for the block; replay all but the ``hidden`` native lines."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2: nothing to filter
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode(errors="replace")
            kept = [line for line in text.splitlines(True) if not _hides(line, hidden)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()


def _hides(line: str, hidden: str) -> bool:
    match = _NATIVE_LOG_LINE.match(line)
    if match is None:
        return False
    severity = match.group(1) or "W"  # absl's own notice is a warning
    return severity in hidden


@contextlib.contextmanager
def quiet_tensorflow() -> Iterator[None]:
    """On the TensorFlow backend, silence its start-up and retracing chatter for a block.

    Every fold and trial builds a fresh model, which TensorFlow reports as
    "retracing" warnings; they are expected and only hide the progress. On
    other backends this does nothing: TensorFlow is neither configured nor
    imported.
    """
    if configured_backend() != "tensorflow":
        yield
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_WARNED: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    """Warn the first time ``key`` is seen in this process (a search fits hundreds of models)."""
    if key in _WARNED:
        return
    _WARNED.add(key)
    warnings.warn(message, RuntimeWarning, stacklevel=4)


def tensorboard_callback(log_dir: str | os.PathLike) -> Any:
    """A callback writing TensorBoard logs in ``log_dir``, or None where no writer exists.

    TensorFlow backend: ``keras.callbacks.TensorBoard``. JAX and PyTorch:
    a callback writing each epoch's metrics with tensorboardX (the same
    ``train/`` and ``validation/`` folders and ``epoch_<metric>`` scalars). Without
    tensorboardX there: None, after one warning per process naming the
    package to install.

    Parameters
    ----------
    log_dir : str or path-like
        The log directory.

    Returns
    -------
    keras.callbacks.Callback or None
    """
    keras = import_keras()
    backend = keras.config.backend()
    if backend == "tensorflow":
        return keras.callbacks.TensorBoard(log_dir=os.fspath(log_dir))
    if importlib.util.find_spec("tensorboardX") is None:
        extra = BACKENDS.get(backend, ("", "pip install tensorboardX"))[1]
        _warn_once(
            "tensorboardX",
            f"TensorBoard logs are not written on the {backend} backend without tensorboardX "
            f"(Keras' TensorBoard callback needs TensorFlow): pip install tensorboardX, or "
            f"{extra}. CSV logs are written as usual.",
        )
        return None
    return _epoch_scalar_writer_class()(os.fspath(log_dir))


_EpochScalarWriter = None


def _epoch_scalar_writer_class() -> type:
    """The tensorboardX callback class, defined on first use (it subclasses a Keras class)."""
    global _EpochScalarWriter
    if _EpochScalarWriter is not None:
        return _EpochScalarWriter
    keras = import_keras()

    class EpochScalarWriter(keras.callbacks.Callback):
        """Write each epoch's metrics as TensorBoard scalars with tensorboardX.

        The layout is Keras' ``TensorBoard`` callback's: ``log_dir/train``
        holds ``epoch_loss``, ``epoch_accuracy``...; ``log_dir/validation``
        the ``val_`` metrics under the same tags.
        """

        def __init__(self, log_dir: str) -> None:
            super().__init__()
            self.log_dir = log_dir
            self._writers: dict[str, Any] = {}

        def _writer(self, split: str) -> Any:
            if split not in self._writers:
                from tensorboardX import SummaryWriter

                self._writers[split] = SummaryWriter(os.path.join(self.log_dir, split))
            return self._writers[split]

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            for name, value in (logs or {}).items():
                split = "validation" if name.startswith("val_") else "train"
                tag = "epoch_" + name.removeprefix("val_")
                self._writer(split).add_scalar(tag, float(value), epoch)

        def on_train_end(self, logs: Any = None) -> None:
            for writer in self._writers.values():
                writer.close()
            self._writers = {}

    _EpochScalarWriter = EpochScalarWriter
    return EpochScalarWriter


def bfloat16_is_native() -> bool:
    """Whether the device Keras trains on computes bfloat16 in hardware.

    True for an NVIDIA GPU of compute capability 8.0 or later (Ampere,
    Hopper and after) and for a TPU, on any backend; on a CPU, with the
    TensorFlow backend only (its oneDNN kernels use them), for processors
    with AVX512_BF16 or AMX instructions (read from ``/proc/cpuinfo``; False
    where it cannot be read). Elsewhere bfloat16 is emulated and slower than
    float32. Imports the backend.

    Returns
    -------
    bool

    Examples
    --------
    >>> from fashionnet._backend import bfloat16_is_native
    >>> bfloat16_is_native() in (True, False)
    True
    """
    backend = configured_backend()
    accelerator = _accelerator_bfloat16(backend)
    if accelerator is not None:
        return accelerator
    return backend == "tensorflow" and _cpu_has_bfloat16()


def _accelerator_bfloat16(backend: str) -> bool | None:
    """bfloat16 support of the backend's first accelerator; None without one."""
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if not gpus:
            return None
        capability = tf.config.experimental.get_device_details(gpus[0]).get("compute_capability")
        return capability is not None and tuple(capability) >= (8, 0)
    if backend == "jax":
        import jax

        device = jax.devices()[0]
        if device.platform == "tpu":
            return True
        if device.platform != "gpu":
            return None
        capability = str(getattr(device, "compute_capability", "0.0"))
        return tuple(int(part) for part in capability.split(".")[:2]) >= (8, 0)
    if backend == "torch":
        import torch

        if not torch.cuda.is_available():
            return None
        return torch.cuda.get_device_capability(0) >= (8, 0)
    return None


def _cpu_has_bfloat16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False
