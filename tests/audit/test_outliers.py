"""class_outliers and odd_images: planted odd images on real data come out first."""

from __future__ import annotations

import numpy as np
import pytest

from fashionnet.audit import class_outliers, odd_images


@pytest.fixture(scope="module")
def planted(small_train):
    """600 real images; a blank, a saturated and a noise image planted, each labelled 0."""
    X, y = small_train[0].copy(), small_train[1].copy()
    rng = np.random.default_rng(0)
    X[3] = 0
    X[4] = 250
    X[5] = rng.integers(0, 256, (28, 28))
    y[[3, 4, 5]] = 0
    return X, y


def test_planted_odd_images_are_the_top_class_outliers(planted):
    X, y = planted
    table = class_outliers(X, y)
    assert list(table.columns) == ["index", "label", "distance", "score"]
    assert sorted(table["index"]) == list(range(len(X)))
    # The saturated and the noise image stand out; a blank one is close to the dim
    # T-shirts (odd_images catches it).
    assert {4, 5} <= set(table["index"][:4])
    assert table["score"].is_monotonic_decreasing
    typical = table.groupby("label")["score"].median()
    np.testing.assert_allclose(typical, 1.0, atol=0.02)  # per-class scale


def test_blank_and_saturated_images_are_flagged(planted):
    X, _ = planted
    table = odd_images(X)
    assert table["index"].tolist()[:1] == [3]
    assert table.set_index("index").loc[4, "kind"] == "nearly saturated"
    assert 5 not in set(table["index"])  # noise has ink but is not saturated
    assert table.set_index("index").loc[3, "ink"] == 0.0
    floats = odd_images(X.astype(np.float32) / 255)
    assert floats.equals(table)


def test_mistakes_have_clear_messages(planted):
    X, y = planted
    with pytest.raises(ValueError, match="needs more than n_neighbors=10 per class"):
        class_outliers(X[:30], y[:30])
    with pytest.raises(ValueError, match="blank must be a share"):
        odd_images(X, blank=2)
