"""Stateless image transformers that turn flat pixels into the inputs each model needs.

Each step is a scikit-learn transformer (``fit`` learns nothing and returns
``self``), so they chain in a :class:`~sklearn.pipeline.Pipeline`, survive
:func:`~sklearn.base.clone` and work without ``fit``:

- :class:`ImageReshaper` -- flat rows ``(n, 784)`` to images ``(n, 28, 28)``;
- :class:`ImagePadder` -- a border, e.g. 28x28 to 32x32 for LeNet-5;
- :class:`ImageResizer` -- bilinear (or nearest) resizing, e.g. to 48x48;
- :class:`ChannelStacker` -- grey to 3 channels for ImageNet backbones;
- :class:`PixelScaler` -- grey levels to floats in [0, 1].

Every step accepts ``(n, 784)``, ``(n, H, W)`` and ``(n, H, W, C)`` arrays
and pixel DataFrames, refuses a label column, NaN and wrong shapes with a
message saying what to do, keeps uint8 until :class:`PixelScaler`, and
writes its output into one preallocated array chunk by chunk, so the peak
memory of a pipeline stays close to the size of its output.

One module per concept: :mod:`~fashionnet.preprocessing.shapes` (reshape,
pad), :mod:`~fashionnet.preprocessing.resizing`,
:mod:`~fashionnet.preprocessing.channels` and
:mod:`~fashionnet.preprocessing.scaling`, on the base that every step
shares (validation, chunking, ``set_output``) in ``_base``.

Examples
--------
The study's inputs for VGG16 and ResNet152V2, 48x48x3 floats in [0, 1]:

>>> from sklearn.pipeline import make_pipeline
>>> from fashionnet.datasets import load_fashion_mnist
>>> from fashionnet.preprocessing import ImageResizer, ChannelStacker, PixelScaler
>>> X, _ = load_fashion_mnist("test")
>>> to_vgg = make_pipeline(ImageResizer((48, 48)), ChannelStacker(3), PixelScaler())
>>> X48 = to_vgg.fit_transform(X[:100])
>>> X48.shape, X48.dtype, float(X48.max()) <= 1.0
((100, 48, 48, 3), dtype('float32'), True)
"""

from .channels import ChannelStacker
from .resizing import ImageResizer
from .scaling import PixelScaler
from .shapes import ImagePadder, ImageReshaper

__all__ = ["ImageReshaper", "ImagePadder", "ImageResizer", "ChannelStacker", "PixelScaler"]
