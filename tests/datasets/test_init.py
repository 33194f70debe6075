"""Tests for the surface of the fashionnet.datasets package: the names it re-exports."""

from __future__ import annotations

import fashionnet.datasets as datasets
from fashionnet import images
from fashionnet.datasets import fashion_mnist, frames, idx, subsets


def test_public_names_are_those_of_the_former_module():
    # The package replaced the module fashionnet/datasets.py: same names, same order.
    assert datasets.__all__ == [
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


def test_each_name_is_the_object_of_its_concept_module():
    homes = {
        fashion_mnist: ("CLASS_NAMES", "DEBIAN_DATA_DIR", "load_fashion_mnist", "data_locations"),
        idx: ("read_idx", "read_idx_pair", "write_idx"),
        frames: ("to_frame", "read_csv", "write_csv"),
        subsets: ("stratified_subset",),
        images: ("load_image_folder", "load_images"),
    }
    placed = [name for names in homes.values() for name in names]
    assert sorted(placed) == sorted(datasets.__all__)
    for module, names in homes.items():
        for name in names:
            assert getattr(datasets, name) is getattr(module, name), name
