"""_validation: one rule per class of input, the same message everywhere."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fashionnet._checks import (
    InvalidParameterError,
    check_class_weight,
    check_int,
    check_n_folds,
    check_probabilities,
    check_real,
    check_sample_weight,
    check_training_weights,
)
from fashionnet._validation import check_labels

NUMPY_REALS = [
    np.float16(2), np.float32(2.0), np.float64(2.0), np.int8(2), np.int64(2), np.uint8(2)
]


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize("value", [2, 2.0, Fraction(2), *NUMPY_REALS], ids=repr)
def test_every_real_number_is_a_number(value):
    assert check_real(value, "threshold", low=0) == 2.0


@pytest.mark.parametrize(
    "value",
    ["2", b"2", None, [2.0], np.array([2.0]), True, np.bool_(True), 2j, object()],
    # repr of a bare object() holds its address, which differs between xdist workers
    ids=lambda v: type(v).__name__ if type(v) is object else repr(v),
)
def test_what_is_not_a_number_is_refused_by_name(value):
    with pytest.raises(InvalidParameterError, match=r"threshold must be a distance >= 0; got"):
        check_real(value, "threshold", low=0, what="a distance")
    # Both kinds, as scikit-learn's own InvalidParameterError.
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)


@given(st.sampled_from([math.nan, -math.nan, math.inf, -math.inf]), st.sampled_from(NUMPY_REALS))
def test_non_finite_numbers_are_refused_in_any_type(value, kind):
    typed = type(kind)(value) if isinstance(kind, np.floating) else value
    with pytest.raises(ValueError, match="threshold must be a number >= 0; got .*finite"):
        check_real(typed, "threshold", low=0)


def test_infinity_where_it_has_a_meaning():
    assert check_real(math.inf, "limit", low=0, finite=False) == math.inf
    with pytest.raises(ValueError, match="nan"):
        check_real(math.nan, "limit", low=0, finite=False)  # NaN never has one


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_bounds_hold_exactly(value):
    inside = 0 < value <= 1
    if inside:
        assert check_real(value, "share", low=0, high=1, low_open=True) == value
    else:
        with pytest.raises(ValueError, match=r"share must be a number in \(0, 1\]"):
            check_real(value, "share", low=0, high=1, low_open=True)


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint16(3)])
def test_integers_of_any_kind(value):
    assert check_int(value, "cv", low=2) == 3


@pytest.mark.parametrize("value", [3.0, np.float32(3), "3", True, None])
def test_non_integers_are_refused(value):
    with pytest.raises(InvalidParameterError, match="cv must be a whole number >= 2"):
        check_int(value, "cv", low=2)
    with pytest.raises(ValueError, match="cv must be a whole number >= 2; got 1"):
        check_int(1, "cv", low=2)


# ---------------------------------------------------------------- folds against the data


def test_folds_are_checked_against_the_smallest_class():
    y = np.repeat([0, 1, 2], [30, 30, 4])
    assert check_n_folds(4, y) == 4
    with pytest.raises(ValueError, match=r"cv asks for 5 folds, but class 2 has only 4 .*cv=4"):
        check_n_folds(5, y)
    with pytest.raises(ValueError, match=r"--folds asks for 400 folds.*Use --folds 4 or fewer"):
        check_n_folds(400, y, name="--folds")
    with pytest.raises(ValueError, match="class 'x' has only 1 image"):
        check_n_folds(2, ["a", "a", "x"])
    with pytest.raises(InvalidParameterError, match="--folds must be a number of folds"):
        check_n_folds(math.nan, y, name="--folds")


# ---------------------------------------------------------------- labels


def test_label_length_messages_name_both_arrays():
    with pytest.raises(ValueError, match="X_val has 3 images but y_val has 2 labels"):
        check_labels([0, 1], n_samples=3, x_name="X_val", name="y_val")


# ---------------------------------------------------------------- weights


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (["a", "b", "c"], "sample_weight must hold numbers.*dtype <U1"),
        ([{}, {}, {}], "sample_weight must hold numbers.*dtype object"),
        ([1.0, np.nan, 1.0], r"finite, non-negative.*positions \[1\]"),
        ([1.0, np.inf, 1.0], r"finite, non-negative.*positions \[1\]"),
        ([1.0, -1.0, 1.0], r"finite, non-negative.*positions \[1\]"),
        ([0.0, 0.0, 0.0], "zero for every image"),
        (0.0, "zero for every image"),
        ([1.0, 1.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
        ([[1.0, 1.0, 1.0]], r"sample_weight.shape == \(1, 3\)"),
    ],
    ids=["strings", "objects", "nan", "inf", "negative", "all-zero", "zero-scalar", "short", "2d"],
)
def test_hostile_sample_weights_are_refused_by_name(weights, match):
    with pytest.raises((ValueError, TypeError), match=match):
        check_sample_weight(weights, 3)


def test_good_sample_weights_pass():
    np.testing.assert_array_equal(check_sample_weight(2, 3), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(check_sample_weight([True, False, True], 3), [1, 0, 1])
    assert check_sample_weight(None, 3) is None


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [
        ({0: math.nan}, r"class_weight\[0\] must be a weight >= 0; got nan"),
        ({0: math.inf}, r"class_weight\[0\] must be a weight >= 0; got inf"),
        ({0: -1.0}, r"class_weight\[0\] must be a weight >= 0; got -1"),
        ({0: "2"}, r"class_weight\[0\] must be a weight >= 0; got '2'"),
        ("uniform", "class_weight must be None, 'balanced' or a dict"),
        ([1.0, 2.0], "class_weight must be None, 'balanced' or a dict"),
    ],
)
def test_hostile_class_weights_are_refused(class_weight, match):
    with pytest.raises(ValueError, match=match):
        check_class_weight(class_weight, owner="LeNet5Classifier")


def test_good_class_weights_pass():
    # A dict of zeros is fine on its own: classes left out of it weigh 1.
    for class_weight in (None, "balanced", {0: np.float32(2.0), 1: np.int64(0)}, {}, {0: 0}):
        check_class_weight(class_weight)


def test_weights_that_multiply_to_nothing_are_refused():
    assert check_training_weights(None) is None
    with pytest.raises(ValueError, match="class_weight and sample_weight together give every"):
        check_training_weights(np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="class_weight gives every image a weight of 0"):
        check_training_weights(np.zeros(4, np.float32), "class_weight")
    np.testing.assert_array_equal(check_training_weights(np.ones(2)), [1, 1])


# ---------------------------------------------------------------- probabilities


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ([np.nan, 1.0], r"NaN or infinite values in 1 rows \(first rows \[2\]\)"),
        ([np.inf, 0.0], r"NaN or infinite values in 1 rows \(first rows \[2\]\)"),
        ([1.5, -0.5], r"outside \[0, 1\] in 1 rows \(first rows \[2\]\).*softmax"),
        ([0.2, 0.2], r"1 rows that do not sum to 1 \(first rows \[2\]\)"),
    ],
    ids=["nan", "inf", "scores", "unnormalised"],
)
def test_hostile_probabilities_name_the_rows(row, match):
    probs = np.array([[0.9, 0.1], [0.3, 0.7], row, [0.5, 0.5]])
    with pytest.raises(ValueError, match=match):
        check_probabilities(probs, 4, 2)


def test_probabilities_of_the_wrong_shape_or_type():
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_classes\) = \(2, 2\).*\(2, 3\)"):
        check_probabilities(np.full((2, 3), 1 / 3), 2, 2)
    with pytest.raises(TypeError, match="pred_probs must be an array of numbers"):
        check_probabilities([["a", "b"], ["c", "d"]], 2, 2)
