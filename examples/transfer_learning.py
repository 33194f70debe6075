"""Fine-tune VGG16 (or ResNet152V2, or any keras.applications model) on Fashion-MNIST.

Run::

    python examples/transfer_learning.py --backbone vgg16 --images 10000 --epochs 2

With internet, ``--weights imagenet`` (the default) lets Keras download the
ImageNet weights once into ``~/.keras/models/``; offline, the error names the
file to put there, or pass ``--weights path/to/weights.h5`` or
``--weights none`` (random initialisation; quick plumbing runs on CPU).

The raw uint8 images go straight in: the model's first layers resize them to
``--input-size`` (the study's 48), stack three channels and apply the
backbone's ``preprocess_input``, so no 48x48x3 float copy of the data is made.
"""

from __future__ import annotations

import argparse
import time

import keras

from fashionnet.datasets import load_fashion_mnist
from fashionnet.models import TransferClassifier

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--backbone", default="vgg16")
parser.add_argument("--weights", default="imagenet", help="'imagenet', 'none' or a file")
parser.add_argument("--images", type=int, default=10000, help="training images used")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--input-size", type=int, default=48)
parser.add_argument("--save", default=None, help="save the fitted model to this .keras file")
args = parser.parse_args()

X, y = load_fashion_mnist("train")
X, y = X[: args.images], y[: args.images]
X_test, y_test = load_fashion_mnist("test")

clf = TransferClassifier(
    args.backbone,
    weights=None if args.weights.lower() == "none" else args.weights,
    input_size=args.input_size,
    epochs=args.epochs,
    validation_split=0.2,
    early_stopping=2,
    random_state=0,
    verbose=2,
)
start = time.perf_counter()
clf.fit(X, y)
print(f"fit: {time.perf_counter() - start:.0f} s")
print(clf.history_.round(4).to_string())
print(f"test accuracy: {clf.score(X_test, y_test):.4f}")
backbone = next(layer for layer in clf.model_.layers if isinstance(layer, keras.Model))
print(
    f"{backbone.name}: {sum(layer.trainable for layer in backbone.layers)} of "
    f"{len(backbone.layers)} layers trained"
)
if args.save:
    print(f"saved {clf.save(args.save)}")
