"""A user's own image files: PNG and JPEG, grey and colour, damaged and foreign files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from fashionnet.datasets import load_image_folder, load_images
from fashionnet.images import (
    UnreadableImageError,
    is_light_background,
    match_background,
)


def write_class_folders(root, images, labels, suffix=".png", mode="L"):
    """One sub-folder per class; returns the files in the order written."""
    paths = []
    for i, (image, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"img{i:04d}{suffix}"
        Image.fromarray(image).convert(mode).save(path, quality=95)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def real_images(small_test):
    X, y = small_test
    return X[:40], y[:40]


def test_png_folder_round_trips_real_images_exactly(tmp_path, real_images):
    X, y = real_images
    names = np.array(["coat", "shirt", "bag", "boot"] * 10)
    write_class_folders(tmp_path, X, names)
    (tmp_path / "README.txt").write_text("files at the top are not read")
    (tmp_path / "coat" / ".DS_Store").write_bytes(b"\0\1")
    X_read, y_read = load_image_folder(tmp_path)
    assert X_read.dtype == np.uint8 and X_read.shape == (40, 28, 28)
    # Sorted by class then file: each image comes back bit for bit with its folder's name.
    order = np.lexsort((np.arange(40), names))
    np.testing.assert_array_equal(X_read, X[order])
    np.testing.assert_array_equal(y_read, names[order])
    assert y_read.dtype.kind == "U"


def test_jpeg_colour_and_resizing(tmp_path, real_images):
    X, _ = real_images
    colour = np.stack([X[:6], X[:6] // 2, 255 - X[:6]], axis=-1)  # (6, 28, 28, 3)
    big = np.stack([np.asarray(Image.fromarray(c).resize((56, 56))) for c in colour])
    write_class_folders(tmp_path, big, ["a", "b"] * 3, suffix=".jpg", mode="RGB")
    rgb, y = load_image_folder(tmp_path, image_size=28, color_mode="rgb")
    assert rgb.shape == (6, 28, 28, 3) and sorted(set(y)) == ["a", "b"]
    grey, _ = load_image_folder(tmp_path, image_size=(28, 28))
    assert grey.shape == (6, 28, 28)
    # JPEG and a 2x area average: close to the original grey levels, not equal.
    reference = np.asarray(Image.fromarray(colour[0]).convert("L"), dtype=float)
    first = np.flatnonzero(y == "a")[0]
    assert np.abs(grey[first].astype(float) - reference).mean() < 6


def test_aspect_ratio_is_kept_by_padding_with_the_background(tmp_path):
    wide = np.full((20, 60), 10, np.uint8)
    wide[5:15, 25:35] = 240  # a light square on a dark ground
    path = tmp_path / "wide.png"
    Image.fromarray(wide).save(path)
    (X,), _ = load_images([path], image_size=30)
    assert X.shape == (30, 30)
    assert X[0, 0] == 10 and X[-1, -1] == 10  # padding is the image's own ground
    # The square stays square: as many light rows as light columns.
    light = X > 128
    assert abs(int(light.any(axis=1).sum()) - int(light.any(axis=0).sum())) <= 1


def test_grey_png_read_as_rgb_repeats_its_channel(tmp_path, real_images):
    X, _ = real_images
    path = tmp_path / "grey.png"
    Image.fromarray(X[0]).save(path)
    rgb, _ = load_images([path], color_mode="rgb")
    np.testing.assert_array_equal(rgb[0], np.repeat(X[0][..., None], 3, axis=2))


def test_transparent_and_16_bit_pngs(tmp_path):
    rgba = np.zeros((10, 10, 4), np.uint8)
    rgba[3:7, 3:7] = (0, 0, 0, 255)  # an opaque black square, the rest transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    deep = (np.arange(100, dtype=np.uint16).reshape(10, 10) * 600).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    X, _ = load_images([tmp_path / "alpha.png", tmp_path / "deep.png"])
    assert X[0, 0, 0] == 255 and X[0, 5, 5] == 0  # transparency laid on white
    np.testing.assert_array_equal(X[1], np.rint(deep / 257).astype(np.uint8))


def test_corrupt_and_non_image_files_are_refused_by_name(tmp_path, real_images):
    X, _ = real_images
    write_class_folders(tmp_path, X[:4], ["a", "b"] * 2)
    good = tmp_path / "a" / "img0000.png"
    truncated = tmp_path / "a" / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:60])
    with pytest.raises(UnreadableImageError, match=r"truncated\.png.*damaged or truncated"):
        load_image_folder(tmp_path)
    truncated.unlink()
    notes = tmp_path / "b" / "notes.txt"
    notes.write_text("not an image")
    with pytest.raises(UnreadableImageError, match=r"notes\.txt.*not an image"):
        load_image_folder(tmp_path)
    truncated.write_bytes(good.read_bytes()[:60])
    with pytest.warns(UserWarning, match=r"skipped 2 of 6 files .*notes\.txt"):
        X_read, y_read = load_image_folder(tmp_path, on_error="skip")
    assert X_read.shape == (4, 28, 28) and y_read.tolist() == ["a", "a", "b", "b"]


def test_folder_and_size_mistakes_are_explained(tmp_path, real_images):
    with pytest.raises(FileNotFoundError, match="no image folder"):
        load_image_folder(tmp_path / "missing")
    Image.fromarray(real_images[0][0]).save(tmp_path / "loose.png")
    with pytest.raises(ValueError, match="no class sub-folder"):
        load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no file"):
        load_image_folder(tmp_path)
    (tmp_path / "empty" / "small.png").write_bytes(b"")
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "empty" / "small.png")
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "empty" / "tiny.png")
    with pytest.raises(ValueError, match=r"differ in size: small\.png is 12x10 .*image_size"):
        load_image_folder(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such image file"):
        load_images([tmp_path / "nope.png"])
    with pytest.raises(ValueError, match="color_mode must be"):
        load_images([tmp_path / "loose.png"], color_mode="cmyk")
    with pytest.raises(ValueError, match="image_size must be"):
        load_images([tmp_path / "loose.png"], image_size=(0, 5))


def test_real_fashion_mnist_is_dark_ground_and_inverted_photos_are_matched(real_images):
    X, _ = real_images
    assert not is_light_background(X).any()
    photos = 255 - X
    assert is_light_background(photos).all()
    matched, inverted = match_background(np.concatenate([X[:5], photos[:5]]), "dark")
    assert inverted.tolist() == [False] * 5 + [True] * 5
    np.testing.assert_array_equal(matched, np.concatenate([X[:5], X[:5]]))
    floats, inverted = match_background(photos[:3] / 255.0, "dark")
    assert inverted.all()
    np.testing.assert_allclose(floats, X[:3] / 255.0)


@settings(max_examples=25, deadline=None)
@given(
    height=st.integers(3, 40),
    width=st.integers(3, 40),
    target=st.tuples(st.integers(1, 32), st.integers(1, 32)),
    level=st.integers(0, 255),
)
def test_any_size_reaches_the_target_and_a_flat_image_stays_flat(
    tmp_path_factory, height, width, target, level
):
    path = tmp_path_factory.mktemp("flat") / "flat.png"
    Image.fromarray(np.full((height, width), level, np.uint8)).save(path)
    X, _ = load_images([path], image_size=target)
    assert X.shape == (1, *target)
    assert np.all(X == level)


# ---------------------------------------------------------------- every Pillow mode

RAMP = np.tile(np.array([0, 32, 64, 128, 200, 255], np.uint8), (6, 1))


def _grey_ramp_in(mode):
    """A 6 x 6 grey ramp as a Pillow image in ``mode``, the same grey levels in each."""
    grey = Image.fromarray(RAMP, "L")
    wide = {
        "I;16": lambda: Image.fromarray(RAMP.astype(np.uint16) * 257),
        "I": lambda: Image.fromarray(RAMP.astype(np.int32) * 257),
        "F": lambda: Image.fromarray(RAMP.astype(np.float32) / 255),
        "F-levels": lambda: Image.fromarray(RAMP.astype(np.float32)),
    }
    if mode in wide:
        return wide[mode]()
    if mode in ("RGB", "CMYK", "YCbCr", "RGBA"):
        return grey.convert("RGB").convert(mode)
    return grey.convert(mode)  # L, LA, P (a palette of greys)


@pytest.mark.parametrize(
    "mode", ["L", "P", "RGB", "RGBA", "LA", "I", "I;16", "F", "F-levels", "CMYK", "YCbCr"]
)
@pytest.mark.parametrize("color_mode", ["grayscale", "rgb"])
def test_every_pillow_mode_gives_the_same_grey_levels(tmp_path, mode, color_mode):
    # A 32-bit float image with values 0..1 used to be read as black.
    image = _grey_ramp_in(mode)
    path = tmp_path / "ramp.tiff"
    image.save(path)
    with Image.open(path) as reread:
        assert reread.mode == image.mode  # the file keeps the mode under test
    X, _ = load_images([path], color_mode=color_mode)
    expected = RAMP if color_mode == "grayscale" else np.repeat(RAMP[..., None], 3, axis=2)
    np.testing.assert_allclose(X[0].astype(int), expected, atol=1)


def test_one_bit_images_are_black_and_white(tmp_path):
    path = tmp_path / "bits.png"
    Image.fromarray(RAMP > 100).convert("1").save(path)
    X, _ = load_images([path])
    np.testing.assert_array_equal(X[0], np.where(RAMP > 100, 255, 0))


@pytest.mark.parametrize(
    ("pixels", "match"),
    [
        (np.full((6, 6), np.nan, np.float32), r"mode 'F'\) holding NaN or infinite values"),
        (np.full((6, 6), np.inf, np.float32), r"mode 'F'\) holding NaN or infinite values"),
        (np.linspace(-1, 1, 36, dtype=np.float32).reshape(6, 6), r"mode 'F'\) from -1 to 1"),
        (np.linspace(0, 300, 36, dtype=np.float32).reshape(6, 6), r"mode 'F'\) from 0 to 300"),
        (np.full((6, 6), 70000, np.int32), r"mode 'I'\) from 70000 to 70000"),
        (np.full((6, 6), -5, np.int32), r"mode 'I'\) from -5 to -5"),
    ],
    ids=["nan", "inf", "negative-floats", "floats-above-255", "above-16-bit", "negative-ints"],
)
def test_wide_pixels_that_are_no_grey_levels_are_refused(tmp_path, pixels, match):
    path = tmp_path / "odd.tiff"
    Image.fromarray(pixels).save(path)
    with pytest.raises(UnreadableImageError, match=match) as info:
        load_images([path])
    assert "odd.tiff" in str(info.value)
    # With on_error="skip", such a file is skipped like any unreadable one.
    other = tmp_path / "fine.png"
    Image.fromarray(RAMP).save(other)
    with pytest.warns(UserWarning, match="skipped 1 of 2 files"):
        X, kept = load_images([path, other], on_error="skip")
    assert kept == [other]


def test_a_mode_pillow_cannot_convert_is_refused_by_name(tmp_path):
    path = tmp_path / "lab.tiff"
    Image.fromarray(RAMP).convert("RGB").convert("LAB").save(path)
    with Image.open(path) as reread:
        assert reread.mode == "LAB"
    with pytest.raises(UnreadableImageError, match=r"lab.tiff.*Pillow mode 'LAB'") as info:
        load_images([path])
    assert "damaged" not in str(info.value)  # the file is fine; its mode is not supported


# ---------------------------------------------------------------- links


def test_a_class_folder_reached_twice_through_a_link_is_refused(tmp_path, real_images):
    X, y = real_images
    root = tmp_path / "data"
    write_class_folders(root, X[:6], ["coat"] * 3 + ["shirt"] * 3)
    (root / "coats").symlink_to(root / "coat", target_is_directory=True)
    with pytest.raises(ValueError, match=r"class folders 'coat' and 'coats' are the same folder"):
        load_image_folder(root)


def test_a_file_reached_twice_within_a_class_is_read_once(tmp_path, real_images):
    X, y = real_images
    root = tmp_path / "data"
    paths = write_class_folders(root, X[:6], ["coat"] * 3 + ["shirt"] * 3)
    (root / "coat" / "again.png").symlink_to(paths[0])
    (root / "coat" / "nested").symlink_to(root / "coat", target_is_directory=True)
    images, labels = load_image_folder(root)
    assert len(images) == 6
    assert labels.tolist() == ["coat"] * 3 + ["shirt"] * 3


def test_a_file_linked_into_two_classes_is_refused(tmp_path, real_images):
    X, y = real_images
    root = tmp_path / "data"
    paths = write_class_folders(root, X[:6], ["coat"] * 3 + ["shirt"] * 3)
    (root / "shirt" / "which.png").symlink_to(paths[0])
    with pytest.raises(ValueError, match=r"which.png' is the same file as one in class 'coat'"):
        load_image_folder(root)
