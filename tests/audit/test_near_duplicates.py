"""DataAuditor.near_duplicates: planted copies found, nothing else, whatever the chunks."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.audit import NEAR_DUPLICATE_THRESHOLD, DataAuditor
from fashionnet.audit import near_duplicates as search


def _brute_force(a, b=None, threshold=NEAR_DUPLICATE_THRESHOLD):
    """Every pair within the threshold, from float64 distances of all pairs."""
    fa = a.reshape(len(a), -1).astype(np.float64) / 255
    fb = fa if b is None else b.reshape(len(b), -1).astype(np.float64) / 255
    squared = (fa**2).sum(1)[:, None] + (fb**2).sum(1)[None, :] - 2 * fa @ fb.T
    d = np.sqrt(np.maximum(squared, 0))
    i, j = np.nonzero(d <= threshold)
    if b is None:
        keep = i < j
        i, j = i[keep], j[keep]
    return {(int(p), int(q)): d[p, q] for p, q in zip(i, j, strict=True)}


def _found(frame):
    pairs = zip(frame["index"].tolist(), frame["other_index"].tolist(), strict=True)
    return dict(zip(pairs, frame["distance"].tolist(), strict=True))


def _noisy(image, rng, level=6):
    noise = rng.integers(-level, level + 1, image.shape)
    return np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def planted(fashion_train, fashion_test):
    """400 training and 200 test images with exact and noisy copies planted."""
    rng = np.random.default_rng(0)
    X_train, y_train = fashion_train[0][:400].copy(), fashion_train[1][:400].copy()
    X_test, y_test = fashion_test[0][:200].copy(), fashion_test[1][:200].copy()
    X_train[10] = X_train[300]  # exact copy within train
    X_train[20] = _noisy(X_train[310], rng)  # noisy copy within train
    X_test[5] = X_train[100]  # exact copy across
    X_test[6] = _noisy(X_train[101], rng)  # noisy copy across
    X_test[7], y_test[7] = X_train[102], (y_train[102] + 1) % 10  # a copy with another label
    return X_train, y_train, X_test, y_test


def test_planted_copies_within_a_split_are_found(planted):
    X_train, y_train, _, _ = planted
    pairs = DataAuditor().near_duplicates(X_train, y=y_train)
    found = _found(pairs)
    assert found[(10, 300)] == 0.0
    assert 0 < found[(20, 310)] < 0.5  # noise of +-6 grey levels: about 0.27
    assert found == pytest.approx(_brute_force(X_train), abs=1e-6)
    assert list(pairs.columns) == ["index", "other_index", "distance", "label", "other_label"]
    assert (pairs["index"] < pairs["other_index"]).all()
    assert pairs["distance"].is_monotonic_increasing


def test_planted_copies_across_splits_are_found_with_labels(planted):
    X_train, y_train, X_test, y_test = planted
    pairs = DataAuditor().near_duplicates(X_test, X_train, y=y_test, y_other=y_train)
    found = _found(pairs)
    assert found[(5, 100)] == 0.0 and found[(7, 102)] == 0.0
    assert 0 < found[(6, 101)] < 0.5
    assert found == pytest.approx(_brute_force(X_test, X_train), abs=1e-6)
    relabelled = pairs[pairs["index"] == 7].iloc[0]
    assert relabelled["label"] != relabelled["other_label"]


def test_a_clean_random_sample_has_none():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, (500, 28, 28), dtype=np.uint8)
    pairs = DataAuditor().near_duplicates(X)
    assert pairs.empty and list(pairs.columns) == ["index", "other_index", "distance"]
    assert DataAuditor().near_duplicates(X[:200], X[200:]).empty


def test_frames_floats_and_a_larger_threshold_agree(planted, fashion_train):
    X_train, y_train, _, _ = planted
    frame = pd.DataFrame(X_train.reshape(400, -1), columns=[f"pixel{i}" for i in range(1, 785)])
    frame.insert(0, "label", y_train)
    as_frame = DataAuditor().near_duplicates(frame, threshold=4.0)
    as_floats = DataAuditor().near_duplicates(X_train.astype(np.float32) / 255, threshold=4.0)
    assert as_frame["label"].tolist() == y_train[as_frame["index"]].tolist()
    assert _found(as_frame) == pytest.approx(_found(as_floats), abs=1e-5)
    assert len(as_frame) > 50  # 4.0 reaches into ordinary neighbours


@pytest.fixture(scope="module")
def references(planted):
    """The pairs within 4.0 of the planted images, within train and across, as found in order."""
    X_train, _, X_test, _ = planted
    auditor = DataAuditor()
    within = _found(auditor.near_duplicates(X_train, threshold=4.0))
    across = _found(auditor.near_duplicates(X_test, X_train, threshold=4.0))
    assert within == pytest.approx(_brute_force(X_train, threshold=4.0), abs=1e-6)
    assert across == pytest.approx(_brute_force(X_test, X_train, threshold=4.0), abs=1e-6)
    return within, across


@settings(max_examples=10, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    chunk=st.integers(1, 250),
    across=st.booleans(),
    project=st.booleans(),
)
def test_pairs_do_not_depend_on_chunk_size_or_row_order(
    planted, references, seed, chunk, across, project
):
    X_train, _, X_test, _ = planted
    rng = np.random.default_rng(seed)
    auditor = DataAuditor()
    # Small data is searched on full distances; from 0 pairs on, through the projection.
    with mock.patch.object(search, "_PROJECT_FROM_PAIRS", 0 if project else 1 << 24):
        mapped = _permuted_pairs(auditor, X_train, X_test, rng, chunk, across)
    reference = references[1] if across else references[0]
    assert len(reference) > 50
    assert mapped == reference  # the same pairs, bit-identical distances


def _permuted_pairs(auditor, X_train, X_test, rng, chunk, across):
    """The pairs found in permuted rows, in the original positions."""
    if across:
        p, q = rng.permutation(len(X_test)), rng.permutation(len(X_train))
        got = auditor.near_duplicates(X_test[p], X_train[q], threshold=4.0, chunk_size=chunk)
        mapped = {(int(p[a]), int(q[b])): d for (a, b), d in _found(got).items()}
    else:
        p = rng.permutation(len(X_train))
        got = auditor.near_duplicates(X_train[p], threshold=4.0, chunk_size=chunk)
        mapped = {tuple(sorted((int(p[a]), int(p[b])))): d for (a, b), d in _found(got).items()}
    return mapped


def test_bad_input_is_refused_with_the_fix():
    auditor = DataAuditor()
    X = np.zeros((5, 784), dtype=np.float32)
    with pytest.raises(ValueError, match="pass uint8 images or X / 255"):
        auditor.near_duplicates(X + 255)
    with pytest.raises(ValueError, match="same size"):
        auditor.near_duplicates(X, np.zeros((5, 100), dtype=np.uint8))
    with pytest.raises(ValueError, match="threshold must be a distance"):
        auditor.near_duplicates(X, threshold=-1)
    with pytest.raises(ValueError, match="chunk_size"):
        auditor.near_duplicates(X, chunk_size=0)


# ---------------------------------------------------------------- hostile thresholds


def _identical(n=50):
    return np.repeat(np.arange(784, dtype=np.uint32).reshape(1, 784) % 256, n, axis=0).astype(
        np.uint8
    )


@pytest.mark.parametrize(
    "threshold", [float("nan"), float("inf"), -float("inf"), -1e-9, np.float32("nan")], ids=repr
)
def test_non_finite_or_negative_thresholds_are_refused(threshold):
    # A NaN threshold used to find 0 pairs among 50 identical images, silently.
    with pytest.raises(ValueError, match="threshold must be a distance >= 0"):
        DataAuditor().near_duplicates(_identical(), threshold=threshold)


@pytest.mark.parametrize("threshold", ["2", None, [2.0], True], ids=repr)
def test_thresholds_that_are_not_numbers_are_refused(threshold):
    with pytest.raises(TypeError, match="threshold must be a distance >= 0; got"):
        DataAuditor().near_duplicates(_identical(), threshold=threshold)


@pytest.mark.parametrize(
    "threshold", [2, 2.0, np.float32(2.0), np.int64(2), np.float16(2)], ids=repr
)
def test_numpy_scalars_are_thresholds(threshold):
    found = DataAuditor().near_duplicates(_identical(), threshold=threshold)
    assert len(found) == 50 * 49 // 2


@pytest.mark.parametrize("chunk_size", [np.int64(7), 7])
def test_numpy_integers_are_chunk_sizes(chunk_size):
    assert len(DataAuditor().near_duplicates(_identical(10), chunk_size=chunk_size)) == 45


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    threshold=st.one_of(
        st.floats(0, 12, allow_nan=False, width=64),
        st.floats(0, 12, allow_nan=False, width=32).map(np.float32),
        st.integers(0, 12).map(np.int64),
        st.just(0.0),
    ),
    across=st.booleans(),
)
def test_any_finite_threshold_agrees_with_brute_force(seed, threshold, across):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (6, 784), dtype=np.uint8)
    # Small random data with copies and noisy copies, so that pairs exist.
    a = np.concatenate([base, base[:3], _noisy(base[3:], rng, 40)])
    b = np.concatenate([base[::2], _noisy(base[1::2], rng, 80)]) if across else None
    found = _found(DataAuditor().near_duplicates(a, b, threshold=threshold))
    assert found == _exact_reference(a, b, float(threshold))


def _exact_reference(a, b, threshold):
    """Every pair within ``threshold``, from exact integer differences of all pairs."""
    other = a if b is None else b
    diff = a[:, None, :].astype(np.int64) - other[None, :, :]
    d = np.sqrt((diff**2).sum(axis=2).astype(np.float64)) / 255.0
    i, j = np.nonzero(d <= threshold)
    keep = i < j if b is None else np.ones(len(i), bool)
    return {(int(p), int(q)): d[p, q] for p, q in zip(i[keep], j[keep], strict=True)}


@settings(max_examples=25, deadline=None)
@given(
    threshold=st.one_of(
        st.floats(allow_nan=True).filter(lambda t: not (t >= 0 and np.isfinite(t))),
        st.just(np.float32("nan")),
        st.just(np.float64("-inf")),
    )
)
def test_any_non_finite_or_negative_threshold_is_refused(threshold):
    with pytest.raises(ValueError, match="threshold must be a distance >= 0"):
        DataAuditor().near_duplicates(_identical(5), threshold=threshold)
