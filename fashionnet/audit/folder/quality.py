"""Image quality checks scored against the dataset itself, 0 (worst) to 1.

A fixed threshold misfires on a dataset with its own look: every image of
Fashion-MNIST has a black ground, so "too dark" in absolute terms would flag
them all. Each check here measures one statistic of the scan
(:mod:`~fashionnet.audit.folder.scan`) and asks how far an image lies from
the dataset's median on the bad side, in robust standard deviations
(``1.4826 * MAD``, never below a floor that keeps a uniform dataset from
flagging its smallest wobble). The darkness checks compare logarithms, so
that an image at a fifth of its usual brightness is as far out in a dim
dataset as in a bright one. An image ``d`` deviations out scores
``2 ** (-d / z_threshold)``: 1 at or on the good side of the median, 0.5 at
the threshold, where it is flagged, towards 0 beyond.

================== ====================================== ==================
check              statistic                              bad side
================== ====================================== ==================
dark               log(1 + 99th percentile of the grey    low
                   levels): the brightest part
light              log(256 - 1st percentile): the         low
                   darkest part's distance from white
blurry             log(var(Laplacian) / var(image))       low
low_information    entropy of the grey-level histogram    low
odd_size           log(sqrt(width * height))              both
odd_aspect_ratio   abs(log(width / height))               high
================== ====================================== ==================

Two rules are absolute, whatever the dataset: an image whose side is three
times the median's or a third of it is of odd size (the robust deviation of
its size is capped at ``log(3) / z_threshold``), and one whose grey levels
carry less than half a bit of entropy (nearly uniform) is low information.

Colour is absolute, not relative: an image is grey when its channels differ
by at most :data:`GREY_CHROMA` levels nearly everywhere. In a dataset of
mostly colour images the grey ones are flagged (``grayscale``), in a mostly
grey dataset the colour ones (``color``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["QUALITY_CHECKS", "GREY_CHROMA", "ODD_SIZE_FACTOR", "LOW_ENTROPY", "quality_scores"]

#: The quality checks: statistic, bad side, smallest robust deviation.
QUALITY_CHECKS = {
    "dark": ("log_brightest", "low", 0.15),
    "light": ("log_headroom", "low", 0.15),
    "blurry": ("sharpness", "low", 0.25),
    "low_information": ("entropy", "low", 0.25),
    "odd_size": ("log_side", "both", 0.05),
    "odd_aspect_ratio": ("log_aspect", "high", 0.1),
}
#: An image whose channels differ by at most this many grey levels (99th
#: percentile over its pixels) is grey.
GREY_CHROMA = 6.0
#: An image whose side is this many times the median side (or this share of
#: it) is of odd size, however varied the sizes are.
ODD_SIZE_FACTOR = 3.0
#: Bits of grey-level entropy below which an image is low information.
LOW_ENTROPY = 0.5


def _deviation(values: np.ndarray, side: str, floor: float, cap: float = np.inf) -> np.ndarray:
    """Robust deviations from the median on the bad side (0 on the good side)."""
    median = np.median(values)
    scale = min(max(1.4826 * float(np.median(np.abs(values - median))), floor), cap)
    z = (values - median) / scale
    if side == "low":
        return np.maximum(0.0, -z)
    if side == "high":
        return np.maximum(0.0, z)
    return np.abs(z)


def quality_scores(
    columns: dict[str, np.ndarray], *, z_threshold: float = 4.0
) -> dict[str, tuple[np.ndarray, np.ndarray, list[str]]]:
    """Score every image on every quality check.

    Parameters
    ----------
    columns : dict of str to array
        The scan's statistics by name (``Scan.columns``).
    z_threshold : float, default=4.0
        Robust deviations at which an image is flagged (score 0.5).

    Returns
    -------
    dict
        ``check -> (score, flagged, detail)``: scores in 0..1 (lower is
        worse), a boolean flag per image and a short text per image (the
        measured value, for the report).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> n = 200
    >>> cols = {"width": np.full(n, 28.0), "height": np.full(n, 28.0),
    ...         "luma_high": rng.normal(220, 10, n), "luma_low": np.zeros(n),
    ...         "sharpness": rng.normal(1, 0.1, n), "entropy": rng.normal(3, 0.2, n),
    ...         "chroma": np.full(n, 40.0)}
    >>> cols["luma_high"][0] = 40  # a dark image
    >>> scores = quality_scores(cols)
    >>> bool(scores["dark"][1][0]), int(scores["dark"][1].sum())
    (True, 1)
    """
    width, height = columns["width"], columns["height"]
    derived = dict(columns)
    derived["log_side"] = 0.5 * np.log(width * height)
    derived["log_brightest"] = np.log1p(columns["luma_high"])
    derived["log_headroom"] = np.log(256.0 - columns["luma_low"])
    derived["log_aspect"] = np.abs(np.log(width / height))
    out = {}
    for check, (statistic, side, floor) in QUALITY_CHECKS.items():
        values = derived[statistic]
        cap = np.log(ODD_SIZE_FACTOR) / z_threshold if check == "odd_size" else np.inf
        d = _deviation(values, side, floor, cap) if len(values) else values
        score = np.power(2.0, -d / z_threshold)
        if check == "low_information":
            score = np.minimum(score, 0.5 * values / LOW_ENTROPY)
        if check in ("odd_size", "odd_aspect_ratio"):
            detail = [f"{int(w)}x{int(h)}" for w, h in zip(width, height, strict=True)]
        else:
            shown = columns[{"dark": "luma_high", "light": "luma_low"}.get(check, statistic)]
            name = {"dark": "brightest", "light": "darkest"}.get(check, statistic)
            detail = [f"{name} {v:.3g}" for v in shown]
        out[check] = (score, score < 0.5, detail)
    chroma = columns["chroma"]
    grey = chroma <= GREY_CHROMA
    detail = [f"chroma {v:.3g}" for v in chroma]
    if len(chroma) and grey.mean() < 0.5:
        score = np.minimum(1.0, chroma / (2 * GREY_CHROMA))
        out["grayscale"] = (score, grey, detail)
    elif len(chroma):
        score = np.minimum(1.0, 2 * GREY_CHROMA / np.maximum(chroma, 1e-9))
        out["color"] = (score, chroma > 2 * GREY_CHROMA, detail)
    return out
