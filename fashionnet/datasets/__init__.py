"""The real Fashion-MNIST: IDX files (gzipped or raw) and the Kaggle CSV layout.

Where the data is looked for: an explicit ``data_home`` argument is the only
place searched (a mistyped folder is an error, never a silent fall-back to
other data). Without it, in order:

1. the environment variable ``FASHIONNET_DATA``;
2. the Keras cache, ``$KERAS_HOME/datasets/fashion-mnist`` (``~/.keras/...``);
3. ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``);
4. with ``download=True``, a download of the official files into the Keras
   cache, written atomically and checksummed before it is kept.

In each place the official IDX files (``train-images-idx3-ubyte.gz`` and
friends, gzipped or not) are used first, then the Kaggle CSV export
(``fashion-mnist_train.csv``, ``fashion-mnist_test.csv``).

A user's own images (PNG, JPEG) load with :func:`load_image_folder` (one
sub-folder per class) and :func:`load_images`, defined in
:mod:`fashionnet.images` and re-exported here.

One module per concept, every name importable from here:
:mod:`~fashionnet.datasets.fashion_mnist` (:data:`CLASS_NAMES`,
:data:`DEBIAN_DATA_DIR`, :func:`load_fashion_mnist`, :func:`data_locations`),
:mod:`~fashionnet.datasets.idx` (the IDX format: :func:`read_idx`,
:func:`read_idx_pair`, :func:`write_idx`), :mod:`~fashionnet.datasets.frames`
(the ``label, pixel1 ... pixel784`` layout: :func:`to_frame`,
:func:`read_csv`, :func:`write_csv`) and :mod:`~fashionnet.datasets.subsets`
(:func:`stratified_subset`).
"""

from __future__ import annotations

from fashionnet.datasets.fashion_mnist import (
    CLASS_NAMES,
    DEBIAN_DATA_DIR,
    data_locations,
    load_fashion_mnist,
)
from fashionnet.datasets.frames import read_csv, to_frame, write_csv
from fashionnet.datasets.idx import read_idx, read_idx_pair, write_idx
from fashionnet.datasets.subsets import stratified_subset
from fashionnet.images import load_image_folder, load_images

__all__ = [
    "CLASS_NAMES",
    "DEBIAN_DATA_DIR",
    "load_fashion_mnist",
    "load_image_folder",
    "load_images",
    "read_idx",
    "read_idx_pair",
    "read_csv",
    "write_idx",
    "write_csv",
    "to_frame",
    "data_locations",
    "stratified_subset",
]
