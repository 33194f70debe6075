"""Quality scores relative to the dataset: Fashion-MNIST's black grounds are not 'dark'."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.audit.folder.quality import QUALITY_CHECKS, quality_scores
from fashionnet.audit.folder.scan import STATISTICS, reduce_image


def _columns(images):
    stats = np.array([reduce_image(np.dstack([x] * 3))[0] for x in images])
    return {name: stats[:, i] for i, name in enumerate(STATISTICS)}


def test_black_grounds_are_not_all_dark(small_test):
    X, _ = small_test
    scores = quality_scores(_columns(X))
    for check in QUALITY_CHECKS:
        assert scores[check][1].mean() <= 0.02, check
    # A grey dataset: nothing is 'grayscale'; a colour image would be 'color'.
    assert "grayscale" not in scores and scores["color"][1].sum() == 0


def test_a_darkened_image_is_flagged_and_scored_below_half(small_test):
    X, _ = small_test
    X = X.copy()
    X[0] = (X[0] * 0.2).astype(np.uint8)
    score, flagged, detail = quality_scores(_columns(X))["dark"]
    assert flagged[0] and score[0] < 0.5 and score[0] == score.min()
    assert detail[0].startswith("brightest")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(8, 200), min_size=3, max_size=30), st.floats(1.0, 8.0))
def test_scores_lie_in_0_1_and_flags_match_half(sides, z):
    n = len(sides)
    side = np.asarray(sides, float)
    cols = {
        "width": side,
        "height": side * 1.5,
        "luma_high": np.linspace(10, 250, n),
        "luma_low": np.linspace(0, 100, n),
        "sharpness": np.linspace(-3, 1, n),
        "entropy": np.linspace(0, 4, n),
        "chroma": np.linspace(0, 200, n),
    }
    for score, flagged, detail in quality_scores(cols, z_threshold=z).values():
        assert ((score >= 0) & (score <= 1)).all() and len(detail) == n
        assert flagged.dtype == bool and flagged.shape == (n,)
    for check in QUALITY_CHECKS:
        score, flagged, _ = quality_scores(cols, z_threshold=z)[check]
        np.testing.assert_array_equal(flagged, score < 0.5)
