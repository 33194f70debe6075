"""Cached outputs of a network's frozen prefix: train only what learns.

A fine-tuned backbone spends most of every epoch running its frozen layers
forward over the same images with the same weights. When that frozen prefix
is deterministic (no training-time randomness, normalisation in inference
mode, as Keras' ``trainable=False`` gives), its outputs are computed once and
the trainable tail and head train on them, at the speed of the part that
learns. This module holds the three parts of that:

- :func:`split_network`: where a network may be cut (the latest point whose
  layers before are all frozen and whose one tensor is all the rest reads:
  a residual network is cut at a block boundary) and the prefix and tail
  sub-models, sharing their layers (the very weights) with the network;
- :func:`row_digests` and :func:`prefix_fingerprint`: the cache key, a
  fingerprint of the frozen weights and of the split, and one digest per
  image, so that a fit on a subset of cached images (a CV fold, a search
  trial's training part) takes its rows from the cached set;
- :class:`FeatureCache`: the store, batched and memory-bounded extraction,
  float32 or float16, in memory below a budget and memory-mapped files above
  it, in a folder the user names (kept, capped) or in a temporary folder
  (removed when the entry is evicted and at exit).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import math
import os
import re
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np

from .._io import atomic_write, private_name, remove_stale

__all__ = [
    "NetworkSplit",
    "split_network",
    "prefix_fingerprint",
    "row_digests",
    "FeatureCache",
    "shared_cache",
    "MEMORY_BUDGET",
]

#: Features of one fit up to this many bytes stay in memory (and train exactly
#: as the uncached network would, shuffled by Keras); above it they are a
#: memory-mapped file read batch by batch.
MEMORY_BUDGET = 1 << 30

#: Images per prediction call while extracting features: bounds the float
#: copies made at once, whatever the number of images.
_EXTRACT_CHUNK = 1024

#: Layers whose output is random when training: none may precede the split.
_RANDOM_LAYERS = (
    keras.layers.Dropout,
    keras.layers.GaussianNoise,
    keras.layers.GaussianDropout,
    keras.layers.AlphaDropout,
    keras.layers.SpatialDropout1D,
    keras.layers.SpatialDropout2D,
    keras.layers.SpatialDropout3D,
)

_FILE_PREFIX = ".features-"
#: Names of the feature files the cache writes in a user's folder
#: (``<prefix digest>-<rows digest>.npy``): the only ones it ever removes.
_FEATURE_FILE = re.compile(r"[0-9a-f]{32}-[0-9a-f]{32}\.npy")


@dataclass(frozen=True)
class NetworkSplit:
    """A network cut in two at a tensor that carries everything after it.

    Attributes
    ----------
    prefix : keras.Model
        Network input to the cut; every layer frozen and deterministic.
    tail : keras.Model
        Cut tensor to network output; shares its layers with the network.
    cut : str
        Name of the backbone layer whose output is the cut.
    """

    prefix: keras.Model
    tail: keras.Model
    cut: str


def _inbound_indices(model: keras.Model) -> list[list[int]]:
    """For each layer of a functional ``model``, the indices of the layers it reads."""
    index = {id(layer): i for i, layer in enumerate(model.layers)}
    inbound = []
    for layer in model.layers:
        sources = []
        for node in layer._inbound_nodes:  # noqa: SLF001 - the graph has no public walk
            # A node of another graph (a tail model built by an earlier split)
            # may read a layer outside this model: it says nothing of this one.
            read = (index.get(id(t._keras_history[0])) for t in node.input_tensors)  # noqa: SLF001
            sources += [i for i in read if i is not None]
        inbound.append(sources)
    return inbound


def _cut_index(backbone: keras.Model) -> int | None:
    """Index of the latest backbone layer the backbone may be cut after, or None.

    A cut after layer ``i`` is valid when no later layer reads an earlier
    layer than ``i`` (so inside a residual block, whose shortcut crosses it,
    no cut is valid) and no layer up to ``i`` has trainable weights.
    """
    layers = backbone.layers
    inbound = _inbound_indices(backbone)
    earliest_read = [min(sources, default=j) for j, sources in enumerate(inbound)]
    # reads_before[i]: the earliest layer read by any layer after i.
    reads_before = [math.inf] * len(layers)
    for i in range(len(layers) - 2, -1, -1):
        reads_before[i] = min(reads_before[i + 1], earliest_read[i + 1])
    best = None
    for i, layer in enumerate(layers[:-1]):
        if layer.trainable_weights or isinstance(layer, _RANDOM_LAYERS):
            break
        if reads_before[i] >= i and i > 0:
            best = i
    return best


def split_network(model: keras.Model, backbone_name: str) -> NetworkSplit | str:
    """Cut ``model`` inside its nested ``backbone_name`` sub-model.

    Returns
    -------
    NetworkSplit or str
        The split, or why none is valid (a sentence).
    """
    backbone = model.get_layer(backbone_name)
    outer = model.layers
    position = outer.index(backbone)
    for layer in outer[:position]:
        if layer.trainable_weights or isinstance(layer, _RANDOM_LAYERS):
            return f"layer {layer.name!r} before the backbone is trainable or random"
        if "random" in type(layer).__name__.lower():
            return f"layer {layer.name!r} before the backbone augments images"
    cut = _cut_index(backbone)
    if cut is None:
        return "the backbone's first layers are trainable: there is no frozen prefix to cache"
    cut_tensor = backbone.layers[cut].output
    inner_prefix = keras.Model(backbone.input, cut_tensor, name="frozen_prefix")
    inner_tail = keras.Model(cut_tensor, backbone.output, name="trainable_tail")
    # The network is a chain around the backbone: the layers beside it hold the
    # backbone's input and output tensors in the network's own graph.
    backbone_in, backbone_out = outer[position - 1].output, outer[position + 1].input
    prefix = keras.Model(model.input, inner_prefix(backbone_in), name="prefix")
    head = keras.Model(backbone_out, model.output, name="head")
    features = keras.Input(shape=tuple(cut_tensor.shape[1:]), name="features")
    tail = keras.Model(features, head(inner_tail(features)), name="tail")
    return NetworkSplit(prefix=prefix, tail=tail, cut=backbone.layers[cut].name)


def prefix_fingerprint(split: NetworkSplit, *facts: object) -> str:
    """A digest of the prefix's weights, its cut and ``facts`` (input size, dtypes...)."""
    digest = hashlib.sha256()
    digest.update(repr((split.cut, keras.backend.backend(), *facts)).encode())
    for weight in split.prefix.weights:
        value = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
        digest.update(f"{weight.path}:{value.dtype}:{value.shape}".encode())
        digest.update(value.tobytes())
    return digest.hexdigest()[:32]


def row_digests(X: np.ndarray) -> np.ndarray:
    """One 16-byte digest per image, as an ``(n,)`` array of ``S16`` bytes."""
    rows = np.ascontiguousarray(X).reshape(X.shape[0], -1)
    return np.array(
        [hashlib.blake2b(row.tobytes(), digest_size=16).digest() for row in rows], dtype="S16"
    )


@dataclass
class _Entry:
    """One cached set: features of the images whose digests are ``rows``."""

    slot: tuple[str, str]
    rows: np.ndarray
    features: np.ndarray
    path: Path | None = None
    index: dict = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(self.features.nbytes)

    def positions(self, rows: np.ndarray) -> np.ndarray | None:
        """Where each of ``rows`` is in this entry, or None if one is missing."""
        if not self.index:
            self.index = {digest: i for i, digest in enumerate(self.rows.tolist())}
        found = [self.index.get(digest) for digest in rows.tolist()]
        if any(i is None for i in found):
            return None
        return np.asarray(found, dtype=np.int64)


class FeatureCache:
    """Features of frozen prefixes, by prefix fingerprint and image digests.

    Parameters
    ----------
    folder : path or None
        Where feature files live. None: a temporary folder of this process,
        removed at exit; files there are removed as soon as their entry is
        evicted. A folder the user names keeps its files across processes
        (``<fingerprint>-<data digest>.npy`` and ``.rows.npy``).
    """

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._temp: Path | None = None
        #: How the last :meth:`features` call was served: "computed", "reused" or "loaded".
        self.last_event = ""

    # -------------------------------------------------------------- public

    def features(
        self,
        key: str,
        X: np.ndarray,
        extract: Callable[[np.ndarray], np.ndarray],
        shape: tuple[int, ...],
        *,
        dtype: str = "float32",
        max_bytes: int,
        memory_budget: int | None = None,
    ) -> np.ndarray:
        """The prefix features of ``X``: reused, loaded or computed and stored.

        ``extract`` maps a chunk of images to their features, each of
        ``shape``. The result is
        in memory when it fits ``memory_budget``, else memory-mapped. The
        cache then holds at most ``max_bytes`` (oldest entries evicted first;
        the newest entry is always kept). ``memory_budget`` None reads
        :data:`MEMORY_BUDGET`.
        """
        memory_budget = MEMORY_BUDGET if memory_budget is None else memory_budget
        rows = row_digests(X)
        data_key = hashlib.sha256(rows.tobytes()).hexdigest()[:32]
        entry = self._find(key, rows, data_key)
        if entry is not None:
            self._entries.move_to_end(entry.slot)
            return self._select(entry, rows, memory_budget)
        features = self._compute(X, extract, shape, np.dtype(dtype), memory_budget, key, data_key)
        entry = _Entry(slot=(key, data_key), rows=rows, features=features[0], path=features[1])
        self._entries[entry.slot] = entry
        self._evict(max_bytes)
        self.last_event = "computed"
        return entry.features

    def clear(self) -> None:
        """Forget every entry; remove the files of the temporary folder."""
        for key in list(self._entries):
            self._drop(key)

    # -------------------------------------------------------------- helpers

    def _find(self, key: str, rows: np.ndarray, data_key: str) -> _Entry | None:
        exact = self._entries.get((key, data_key))
        if exact is not None:
            self.last_event = "reused"
            return exact
        for (entry_key, _), entry in reversed(self._entries.items()):
            if entry_key == key and len(entry.rows) >= len(rows):
                if entry.positions(rows) is not None:
                    self.last_event = "reused"
                    return entry
        if self.folder is not None:
            path = self.folder / f"{key}-{data_key}.npy"
            with contextlib.suppress(FileNotFoundError, ValueError, OSError):
                stored_rows = np.load(path.with_suffix(".rows.npy"))
                features = np.load(path, mmap_mode="r")
                if np.array_equal(stored_rows, rows) and features.shape[0] == len(rows):
                    entry = _Entry(slot=(key, data_key), rows=rows, features=features, path=path)
                    self._entries[entry.slot] = entry
                    self.last_event = "loaded"
                    return entry
        return None

    def _select(self, entry: _Entry, rows: np.ndarray, memory_budget: int) -> np.ndarray:
        if len(rows) == len(entry.rows) and np.array_equal(rows, entry.rows):
            return entry.features
        positions = entry.positions(rows)
        nbytes = len(rows) * entry.features[:1].nbytes
        if nbytes <= memory_budget:
            return np.asarray(entry.features[positions])
        out = self._new_memmap(entry.features.dtype, (len(rows), *entry.features.shape[1:]))
        for start in range(0, len(rows), _EXTRACT_CHUNK):
            stop = start + _EXTRACT_CHUNK
            out[start:stop] = entry.features[positions[start:stop]]
        return out

    def _compute(self, X, extract, shape, dtype, memory_budget, key, data_key):
        shape = (X.shape[0], *shape)
        nbytes = math.prod(shape) * dtype.itemsize
        path = None
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_stale(self.folder, _FILE_PREFIX, ".npy")
            path = self.folder / f"{key}-{data_key}.npy"
            temp = self.folder / private_name(_FILE_PREFIX, ".npy")
            out = np.lib.format.open_memmap(temp, mode="w+", dtype=dtype, shape=shape)
        elif nbytes > memory_budget:
            out = self._new_memmap(dtype, shape)
            path = Path(out.filename)
        else:
            out = np.empty(shape, dtype=dtype)
        for start in range(0, X.shape[0], _EXTRACT_CHUNK):
            stop = start + _EXTRACT_CHUNK
            out[start:stop] = extract(X[start:stop])
        if self.folder is None:
            return out, path
        out.flush()
        del out
        os.replace(temp, path)
        with atomic_write(path.with_suffix(".rows.npy")) as handle:
            np.save(handle, row_digests(X))
        features = np.load(path, mmap_mode="r")
        if nbytes <= memory_budget:
            features = np.array(features)
        return features, path

    def _new_memmap(self, dtype: np.dtype, shape: tuple) -> np.memmap:
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix="fashionnet-features-"))
            atexit.register(shutil.rmtree, self._temp, True)
        path = self._temp / private_name(_FILE_PREFIX, ".npy")
        return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape)

    def _evict(self, max_bytes: int) -> None:
        while len(self._entries) > 1 and sum(e.nbytes for e in self._entries.values()) > max_bytes:
            self._drop(next(iter(self._entries)))
        if self.folder is not None:
            _cap_folder(self.folder, max_bytes, keep={e.path for e in self._entries.values()})

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key)
        if entry.path is not None and self.folder is None:
            with contextlib.suppress(FileNotFoundError):
                entry.path.unlink()


def _cap_folder(folder: Path, max_bytes: int, keep: set) -> None:
    """Remove the oldest feature files of ``folder`` beyond ``max_bytes``, except ``keep``.

    Only files named as the cache names them are counted and removed: the
    user's own ``.npy`` files in the same folder are never touched.
    """
    files = sorted(
        (p for p in folder.glob("*.npy") if _FEATURE_FILE.fullmatch(p.name) and not p.is_symlink()),
        key=lambda p: p.stat().st_mtime,
    )
    total = sum(p.stat().st_size for p in files)
    for path in files:
        if total <= max_bytes:
            break
        if path in keep:
            continue
        total -= path.stat().st_size
        for stale in (path, path.with_suffix(".rows.npy")):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


_SHARED: dict[Path | None, FeatureCache] = {}


def shared_cache(folder: str | os.PathLike | None) -> FeatureCache:
    """The process-wide cache of ``folder`` (None: the temporary one).

    Estimators are cloned by searches and cross-validation; sharing the store
    per folder lets each clone reuse what another computed.
    """
    key = None if folder is None else Path(folder).resolve()
    if key not in _SHARED:
        _SHARED[key] = FeatureCache(key)
    return _SHARED[key]


class _Batches(keras.utils.PyDataset):
    """Batches of rows ``[start, stop)`` of memory-mapped features, reshuffled per epoch."""

    def __init__(self, features, targets, weights, rows, batch_size, shuffle, seed):
        super().__init__()
        self.features, self.targets, self.weights = features, targets, weights
        self.rows, self.batch_size, self.shuffle = rows, batch_size, shuffle
        self._rng = np.random.default_rng(seed)
        self.order = self.rows.copy()
        self.on_epoch_end()

    def __len__(self) -> int:
        return math.ceil(len(self.rows) / self.batch_size)

    def __getitem__(self, i: int):
        # Sorted positions read the file forwards; the batch's order is irrelevant.
        take = np.sort(self.order[i * self.batch_size : (i + 1) * self.batch_size])
        batch = (np.asarray(self.features[take], dtype=np.float32), self.targets[take])
        return batch if self.weights is None else (*batch, self.weights[take])

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.order = self._rng.permutation(self.rows)


def fit_on_memmap(
    model,
    features,
    targets,
    *,
    sample_weight=None,
    batch_size,
    validation_split,
    shuffle,
    **fit_kwargs,
):
    """Keras ``fit`` of ``model`` on memory-mapped ``features``, batch by batch.

    The validation rows are the last ``validation_split`` of them, as Keras
    takes them; the training rows are reshuffled every epoch with a
    generator seeded from Keras' seed, so runs repeat but do not follow the
    in-memory order.
    """
    n = features.shape[0]
    split_at = int(math.floor(n * (1.0 - validation_split)))
    seed = int(keras.random.randint((), 0, 2**31 - 1, seed=None))
    train = _Batches(
        features, targets, sample_weight, np.arange(split_at), batch_size, shuffle, seed
    )
    if split_at < n:
        rows = np.arange(split_at, n)
        fit_kwargs["validation_data"] = _Batches(
            features, targets, sample_weight, rows, batch_size, False, seed
        )
    return model.fit(train, **fit_kwargs)
