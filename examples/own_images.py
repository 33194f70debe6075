"""Your own images: train on a folder of PNGs, predict on photo-like files, export to ONNX.

Writes real Fashion-MNIST images as files (the training images as PNGs in one
folder per class; test images as "photos": dark garments on a white ground,
64 x 64 colour JPEGs), then does what a user with their own files does:

1. ``load_image_folder`` the training folder and fit a ``ResNetClassifier``;
2. ``load_image_folder`` the photos at the model's size, bring them to its
   polarity with ``match_background`` and score them (and the same test
   images as arrays, for reference);
3. save the model with its class names (for ``fashionnet predict``) and
   export it to ONNX, then serve the ONNX file with onnxruntime.

Run: ``python examples/own_images.py --out own-images`` (needs the images and
export extras; about two minutes on two CPU cores).
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

import numpy as np
from PIL import Image

from fashionnet.datasets import (
    CLASS_NAMES,
    load_fashion_mnist,
    load_image_folder,
    stratified_subset,
)
from fashionnet.images import match_background
from fashionnet.models import ResNetClassifier

FOLDER_NAMES = [name.replace("/", "-") for name in CLASS_NAMES]  # "T-shirt/top" is no folder name


def write_pngs(folder: Path, X: np.ndarray, y: np.ndarray) -> None:
    for i, (image, label) in enumerate(zip(X, y, strict=True)):
        (folder / FOLDER_NAMES[label]).mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / FOLDER_NAMES[label] / f"{i:05d}.png")


def write_photos(folder: Path, X: np.ndarray, y: np.ndarray) -> None:
    """Negatives (dark garment, white ground), enlarged to 64 x 64 colour JPEGs."""
    for i, (image, label) in enumerate(zip(X, y, strict=True)):
        (folder / FOLDER_NAMES[label]).mkdir(parents=True, exist_ok=True)
        photo = Image.fromarray(255 - image).resize((64, 64), Image.Resampling.BICUBIC)
        photo.convert("RGB").save(folder / FOLDER_NAMES[label] / f"{i:05d}.jpg", quality=90)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="own-images", type=Path)
    parser.add_argument("--train-size", type=int, default=3000)
    parser.add_argument("--test-size", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()

    X, y = stratified_subset(*load_fashion_mnist("train"), args.train_size, random_state=0)
    X_test, y_test = stratified_subset(*load_fashion_mnist("test"), args.test_size, random_state=0)
    write_pngs(args.out / "train", X, y)
    write_photos(args.out / "photos", X_test, y_test)
    print(f"wrote {len(y)} training PNGs and {len(y_test)} photo-like JPEGs under {args.out}/")

    # 1. Train on the folder: labels are the folder names.
    X_files, y_files = load_image_folder(args.out / "train")
    start = time.perf_counter()
    clf = ResNetClassifier(epochs=args.epochs, random_state=0).fit(X_files, y_files)
    print(
        f"fitted on {X_files.shape} in {time.perf_counter() - start:.0f} s; "
        f"classes {clf.classes_[:3].tolist()}...; background_ {clf.background_!r}"
    )

    # 2. The photos: resized to the model's 28 x 28 grey, inverted to its dark ground.
    photos, labels = load_image_folder(args.out / "photos", image_size=28)
    photos, inverted = match_background(photos, clf.background_)
    arrays = np.asarray(FOLDER_NAMES)[y_test]
    print(
        f"photo-like JPEGs: {inverted.mean():.0%} inverted, accuracy "
        f"{clf.score(photos, labels):.4f}; the same test images as arrays: "
        f"{clf.score(X_test, arrays):.4f}"
    )

    # 3. Save (for `fashionnet predict`) and export (for serving without fashionnet).
    model = clf.save(args.out / "resnet.keras")
    onnx_file = clf.export(args.out / "resnet.onnx")
    import json

    import onnxruntime

    session = onnxruntime.InferenceSession(str(onnx_file))
    classes = json.loads(session.get_modelmeta().custom_metadata_map["classes"])
    proba = session.run(["probabilities"], {"pixels": photos})[0]
    served = np.asarray(classes)[proba.argmax(axis=1)]
    print(
        f"ONNX under onnxruntime: accuracy {np.mean(served == labels):.4f}, max |p - "
        f"predict_proba| {np.abs(proba - clf.predict_proba(photos)).max():.2e}"
    )
    folder = shlex.quote(str(args.out / "photos" / FOLDER_NAMES[9]))
    print(f"saved {model} and {onnx_file}; try:")
    print(f"  fashionnet predict --model {shlex.quote(str(model))} {folder} --top-k 2")


if __name__ == "__main__":
    main()
