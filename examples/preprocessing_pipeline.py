"""Build the study's model inputs with fashionnet's transformers.

Run::

    python examples/preprocessing_pipeline.py
    python examples/preprocessing_pipeline.py --images 60000

LeNet-5 takes 32x32x1 images (28x28 padded by 2 pixels); VGG16 and
ResNet152V2 take 48x48x3 (resized, grey stacked into 3 channels). Both are
scikit-learn pipelines of stateless steps that keep uint8 until the last
step and fill one preallocated output chunk by chunk.
"""

from __future__ import annotations

import argparse
import resource
import time

from sklearn.pipeline import make_pipeline

from fashionnet.datasets import load_fashion_mnist
from fashionnet.preprocessing import (
    ChannelStacker,
    ImagePadder,
    ImageReshaper,
    ImageResizer,
    PixelScaler,
)

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--images", type=int, default=10000, help="training images to transform")
args = parser.parse_args()

frame = load_fashion_mnist("train", as_frame=True).iloc[: args.images]
y = frame.pop("label")  # the transformers refuse a label column: split it off first
pixels = frame  # pixel1 ... pixel784, uint8

to_lenet = make_pipeline(
    ImageReshaper(shape=(28, 28, 1)),  # flat rows to images with a channel axis
    ImagePadder(padding=2),  # 28x28 -> 32x32, as tf.pad in the study
    PixelScaler(),  # / 255 -> float32 in [0, 1]
)
to_vgg = make_pipeline(
    ImageResizer(size=(48, 48)),  # bilinear, half-pixel centres (tf.image.resize)
    ChannelStacker(3, copy=False),  # a view: PixelScaler writes the only copy
    PixelScaler(),
)

for name, pipeline in (("LeNet-5", to_lenet), ("VGG16 / ResNet152V2", to_vgg)):
    start = time.perf_counter()
    out = pipeline.fit_transform(pixels)
    print(
        f"{name:20s} {out.shape} {out.dtype} in [{out.min():.0f}, {out.max():.0f}], "
        f"{out.nbytes / 1e6:.0f} MB, {time.perf_counter() - start:.2f} s"
    )

peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
print(f"labels: {y.shape}; peak memory of this process: {peak:.2f} GB")
