"""Training on cached features: the feature cache's use by an estimator.

:class:`CachedFeaturesMixin` gives a classifier whose network is a
``keras.applications`` backbone with a trainable tail (the transfer
classifier) the training path of :mod:`fashionnet.models._feature_cache`: a
whole :meth:`fit` cuts ``model_`` after its frozen prefix, runs the images
through that prefix once (or takes them from the store) and trains the tail
on the features, reseeded so that shuffling and dropout repeat the uncached
fit's; ``cache_info_`` says how. :func:`clear_feature_cache` frees the store
that every such estimator of the process shares.

The host class provides the parameters ``cache_features``, ``cache_dir``,
``cache_size``, ``cache_dtype``, ``input_size`` and ``batch_size``, and
``_backbone_model()``, the backbone inside ``model_``.
"""

from __future__ import annotations

import os
import time
from typing import Any

import keras
import numpy as np

from . import _feature_cache
from ._distribution import fit_evenly, predict_evenly

__all__ = ["CachedFeaturesMixin", "clear_feature_cache", "DEFAULT_CACHE_SIZE"]

#: Bytes of cached features kept at most, per cache folder (4 GiB: the
#: features of all 60000 training images for either study backbone at 48x48).
DEFAULT_CACHE_SIZE = 4 << 30


class CachedFeaturesMixin:
    """Train the tail of ``model_`` on cached outputs of its frozen prefix."""

    def _fit_keras(self, X, targets, *, whole_fit: bool, seed: int | None, **fit_kwargs: Any):
        """Train the tail on cached features where ``model_`` can be cut, else all of it."""
        self.cache_info_ = {"used": False, "reason": None, "cut": None, "event": None}
        split = self._cache_split(whole_fit)
        if isinstance(split, str):
            self.cache_info_["reason"] = split
            if self.cache_features is True:
                raise ValueError(
                    f"TransferClassifier: cache_features=True but the features cannot be "
                    f"cached: {split}. Use cache_features='auto' (caches when it can) or "
                    "False, or freeze the backbone's first layers with a smaller "
                    "trainable_layers."
                )
            return super()._fit_keras(X, targets, whole_fit=whole_fit, seed=seed, **fit_kwargs)
        features = self._cached_features(split, X)
        validation = fit_kwargs.get("validation_data")
        if validation is not None:  # the tail takes features: so must its validation images
            X_val, targets_val = validation
            fit_kwargs["validation_data"] = (
                self._cached_features(split, X_val, record=False),
                targets_val,
            )
        tail = split.tail
        tail.compile(
            optimizer=self._fit_optimizer(X.shape[0]),
            loss=self._make_loss(),
            metrics=["accuracy"],
        )
        self.cache_info_.update(used=True, cut=split.cut, features_shape=list(features.shape))
        if seed is not None:
            # Computing features and compiling create TensorFlow ops, which move
            # its op-level seeds: reseed so shuffling and dropout repeat the
            # uncached fit's.
            keras.utils.set_random_seed(seed)
        if isinstance(features, np.memmap):
            return _feature_cache.fit_on_memmap(tail, features, targets, **fit_kwargs)
        return fit_evenly(tail, features, targets, **fit_kwargs)

    def _before_timing(self, X: np.ndarray) -> None:
        # A budgeted fit times the tail's steps on cached features: compute
        # them all first (the fit needs them anyway; the store keeps them).
        split = self._cache_split(whole_fit=True)
        if not isinstance(split, str):
            self._cached_features(split, X)

    def _cache_split(self, whole_fit: bool) -> _feature_cache.NetworkSplit | str:
        """The frozen prefix and trainable tail of ``model_``, or why not."""
        if self.cache_features is False:
            return "cache_features=False"
        if not whole_fit:
            return "partial_fit trains one epoch at a time: computing features costs an epoch"
        return _feature_cache.split_network(self.model_, self._backbone_model().name)

    def _cached_features(
        self, split: _feature_cache.NetworkSplit, X: np.ndarray, record: bool = True
    ) -> np.ndarray:
        key = _feature_cache.prefix_fingerprint(
            split,
            self.input_size,
            self.image_shape_,
            self.input_dtype_,
            self.dtype_policy_,
            self.cache_dtype,
        )
        cache = _feature_cache.shared_cache(self.cache_dir)
        batch_size = max(self.batch_size, 256)

        def extract(chunk: np.ndarray) -> np.ndarray:
            return predict_evenly(split.prefix, chunk, batch_size)

        shape = tuple(int(d) for d in split.prefix.output.shape[1:])
        start = time.perf_counter()
        features = cache.features(
            key, X, extract, shape, dtype=self.cache_dtype, max_bytes=int(self.cache_size)
        )
        if record:  # cache_info_ describes the training images
            self.cache_info_.update(event=cache.last_event, seconds=time.perf_counter() - start)
        return features


def clear_feature_cache(cache_dir: str | os.PathLike | None = None) -> None:
    """Forget the cached backbone features this process keeps for ``cache_dir``.

    Features are kept across fits, in a store shared by every
    :class:`TransferClassifier` of the process (so that the clones a search
    or a cross-validation fits reuse them), until ``cache_size`` evicts them
    or the process exits. This frees them now: the memory, and the
    temporary files of ``cache_dir=None``. Files in a named ``cache_dir``
    are kept on disk for later processes; delete the folder to remove them.

    Parameters
    ----------
    cache_dir : str, path or None, default=None
        The ``cache_dir`` of the estimators whose features to forget.

    Examples
    --------
    >>> from fashionnet.models import clear_feature_cache
    >>> clear_feature_cache()
    """
    _feature_cache.shared_cache(cache_dir).clear()
