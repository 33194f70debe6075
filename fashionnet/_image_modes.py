"""Pillow images of any mode brought to grey levels 0..255 (or RGB), or refused by mode.

A leaf of :mod:`fashionnet.images`, which reads the files.
"""

from __future__ import annotations

import numpy as np

__all__ = ["UnsupportedModeError", "to_grey_or_rgb"]


class UnsupportedModeError(ValueError):
    """A Pillow mode whose pixels cannot be brought to grey levels 0..255."""


#: Integer grey modes wider than 8 bits: their full range is 0..65535.
_WIDE_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I")
#: Modes with an alpha channel, laid on white.
_WITH_ALPHA = ("RGBA", "LA", "PA", "RGBa", "La")


def to_grey_or_rgb(image, mode: str):
    """``image`` in ``mode`` ("L" or "RGB"), every Pillow mode read as grey levels 0..255.

    Pillow's own ``convert("L")`` clips wide modes at 255 (16-bit grey would
    be almost white) and truncates 32-bit floats (0..1 would be black), so
    those are scaled here; modes Pillow cannot convert are refused by name.
    """
    from PIL import Image  # the caller has imported Pillow, an optional dependency

    if image.mode in _WIDE_GREY or image.mode == "F":
        image = Image.fromarray(_wide_to_levels(image), "L")
    if image.mode in _WITH_ALPHA or (image.mode == "P" and "transparency" in image.info):
        try:
            rgba = image.convert("RGBA")
        except ValueError:
            raise _unsupported(image.mode) from None
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    try:
        return image.convert(mode)
    except ValueError:
        raise _unsupported(image.mode) from None


def _unsupported(image_mode: str) -> UnsupportedModeError:
    return UnsupportedModeError(
        f"its pixels are in Pillow mode {image_mode!r}, which cannot be brought to grey "
        "levels or RGB here; save it as an 8-bit grey or RGB image (PNG, JPEG) first"
    )


def _wide_to_levels(image) -> np.ndarray:
    """Grey levels 0..255 from a 16/32-bit integer or a 32-bit float image.

    Integers span 0..65535 (16-bit grey). Floats are read as scaled to 0..1
    when they all lie there, else as grey levels 0..255; NaN, infinities and
    values outside both ranges are refused, naming the mode and the range.
    """
    values = np.asarray(image, dtype=np.float64)
    if values.size and not np.isfinite(values).all():
        raise UnsupportedModeError(
            f"its pixels are 32-bit floats (Pillow mode {image.mode!r}) holding NaN or "
            "infinite values; fill them before reading the image"
        )
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if image.mode != "F":
        if low < 0 or high > 65535:
            raise UnsupportedModeError(
                f"its pixels are integers (Pillow mode {image.mode!r}) from {low:g} to "
                f"{high:g}, outside 16-bit grey levels 0..65535; rescale it to 0..65535 or "
                "save it as an 8-bit image"
            )
        levels = values / 257.0
    elif low >= 0 and high <= 1:
        levels = values * 255.0
    elif low >= 0 and high <= 255:
        levels = values
    else:
        raise UnsupportedModeError(
            f"its pixels are 32-bit floats (Pillow mode 'F') from {low:g} to {high:g}; "
            "float images are read scaled to 0..1 or as grey levels 0..255. Rescale it to "
            "one of them first"
        )
    return np.clip(np.rint(levels), 0, 255).astype(np.uint8)
