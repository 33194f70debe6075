"""Grey to several channels: :class:`ChannelStacker`, e.g. for ImageNet backbones."""

from __future__ import annotations

import numbers

import numpy as np

from ._base import _ImageTransformer

__all__ = ["ChannelStacker"]


class ChannelStacker(_ImageTransformer):
    """Repeat the grey channel, e.g. to feed 3-channel ImageNet backbones.

    Parameters
    ----------
    channels : int, default=3
        Number of output channels.
    copy : bool, default=True
        With ``False``, return a read-only broadcast view instead of a new
        array: no memory at all, which suits a pipeline whose next step
        writes a new array anyway. :class:`ImageResizer` and
        :class:`PixelScaler` recognise such a view and process the grey
        channel once, writing it to every channel of their output.

    Attributes
    ----------
    n_features_in_ : int
        Values per image seen in :meth:`fit`.

    Examples
    --------
    >>> from fashionnet.datasets import load_fashion_mnist
    >>> from fashionnet.preprocessing import ChannelStacker
    >>> X, _ = load_fashion_mnist("test")
    >>> X3 = ChannelStacker(channels=3).fit_transform(X)
    >>> X3.shape, bool((X3[..., 0] == X3[..., 2]).all())
    ((10000, 28, 28, 3), True)
    """

    def __init__(self, channels: int = 3, copy: bool = True) -> None:
        self.channels = channels
        self.copy = copy

    def _check_params(self) -> None:
        if (
            isinstance(self.channels, bool)
            or not isinstance(self.channels, numbers.Integral)
            or self.channels < 1
        ):
            raise ValueError(f"channels must be a positive int; got {self.channels!r}.")

    def _transform(self, X: np.ndarray) -> np.ndarray:
        channels = int(self.channels)
        if X.ndim == 4:
            if X.shape[3] == channels:
                return X
            if X.shape[3] != 1:
                raise ValueError(
                    f"X already has {X.shape[3]} channels; ChannelStacker repeats a single grey "
                    f"channel, so it takes (n, H, W) or (n, H, W, 1) images (got {X.shape})."
                )
            X = X[..., 0]
        shape = (*X.shape, channels)
        if not self.copy:
            return np.broadcast_to(X[..., None], shape)
        out = np.empty(shape, dtype=X.dtype)
        for channel in range(channels):  # one plane at a time: faster than a broadcast copy
            out[..., channel] = X
        return out
