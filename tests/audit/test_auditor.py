"""fashionnet.audit: planted problems with exact answers, edge cases, and the real data."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from fashionnet.audit import AuditReport, DataAuditor, correlation_matrix
from fashionnet.datasets import to_frame


@pytest.fixture
def planted() -> pd.DataFrame:
    """12 rows with known problems.

    - nulls: pixel2 is NaN in rows 3 and 7;
    - duplicates: rows 5 and 9 repeat row 1 (label included); row 10 has
      row 2's pixels with another label;
    - constant: pixel3 is always 7;
    - redundant: pixel5 = 2 * pixel4 + 1 (r = 1), pixel6 = 255 - pixel4 (r = -1);
    - labels: six 0s, four 1s, two 2s (imbalance ratio 3).
    """
    rng = np.random.default_rng(0)
    n = 12
    frame = pd.DataFrame({f"pixel{i}": rng.integers(0, 100, n).astype(float) for i in range(1, 9)})
    frame.insert(0, "label", [0, 1, 0, 2, 0, 1, 0, 1, 0, 1, 2, 0])
    frame["pixel3"] = 7.0
    frame.loc[[5, 9], :] = frame.loc[[1, 1], :].to_numpy()
    frame.loc[10, "pixel1":] = frame.loc[2, "pixel1":].to_numpy()
    frame["pixel5"] = 2 * frame["pixel4"] + 1
    frame["pixel6"] = 255 - frame["pixel4"]
    frame.loc[[3, 7], "pixel2"] = np.nan
    assert (frame["label"].value_counts().to_dict()) == {0: 6, 1: 4, 2: 2}
    return frame


# --------------------------------------------------------------------------- planted problems


def test_planted_problems_are_found_exactly(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NaN / divide warnings from constant columns
        auditor = DataAuditor().fit(planted)
    assert auditor.n_rows_ == 12 and auditor.n_columns_ == 9
    nulls = auditor.null_counts_
    assert nulls.loc["pixel2", "null_count"] == 2
    assert nulls.loc["pixel2", "percent"] == pytest.approx(100 * 2 / 12)
    assert nulls["null_count"].drop("pixel2").eq(0).all()
    np.testing.assert_array_equal(auditor.duplicate_rows_, [5, 9])
    assert auditor.constant_features_ == ["pixel3"]
    pairs = auditor.redundant_pairs_
    assert list(pairs.columns) == ["feature_1", "feature_2", "correlation"]
    found = {(a, b): round(r, 4) for a, b, r in pairs.itertuples(index=False)}
    assert found == {
        ("pixel4", "pixel5"): 1.0,
        ("pixel4", "pixel6"): -1.0,
        ("pixel5", "pixel6"): -1.0,
    }
    assert auditor.class_counts_.to_dict() == {0: 6, 1: 4, 2: 2}
    assert auditor.imbalance_ratio_ == 3.0
    assert auditor.cardinality_.loc["pixel3", "n_unique"] == 1
    assert auditor.cardinality_.loc["label", "n_unique"] == 3
    assert auditor.cardinality_.loc["pixel2", "n_unique"] == planted["pixel2"].nunique()


def test_planted_problems_agree_with_pandas(planted):
    auditor = DataAuditor().fit(planted)
    pd.testing.assert_series_equal(
        auditor.null_counts_["null_count"], planted.isnull().sum(), check_names=False
    )
    np.testing.assert_array_equal(auditor.duplicate_rows_, np.flatnonzero(planted.duplicated()))
    pd.testing.assert_series_equal(
        auditor.cardinality_["n_unique"], planted.nunique(), check_names=False
    )


def test_duplicates_on_pixels_also_finds_relabelled_images(planted):
    auditor = DataAuditor(duplicates_on="pixels").fit(planted)
    np.testing.assert_array_equal(auditor.duplicate_rows_, [5, 9, 10])
    assert "pixels only" in auditor.report().summary()


def test_report_summary_frame_markdown_and_dict(planted):
    report = DataAuditor().fit(planted).report()
    assert isinstance(report, AuditReport)
    lines = report.summary().splitlines()
    assert lines[0] == "audit of 12 rows x 9 columns"
    assert lines[1] == "null values: 2 cells in 1 column: pixel2 (2)"
    assert lines[2] == "invalid values: none (every pixel is an integer 0..255)"
    assert lines[3].startswith("duplicated rows: 2 rows (16.67 %)") and "positions 5, 9" in lines[3]
    assert lines[4] == "constant features: pixel3"
    assert lines[5].startswith("redundant pairs: pixel4 ~ pixel5 (r = 1.000)")
    assert lines[7] == "classes: 3 classes, 2 to 6 rows each, imbalance ratio 3.00 (imbalanced)"
    frame = report.to_frame()
    assert list(frame["check"]) == [
        "null values",
        "invalid values",
        "duplicated rows",
        "constant features",
        "redundant pairs",
        "high-cardinality columns",
        "classes",
    ]
    assert list(frame["found"]) == [2, 0, 2, 1, 3, 0, 3]
    tables = report.tables()
    assert tables["duplicate_rows"]["position"].tolist() == [5, 9]
    assert tables["constant_features"]["feature"].tolist() == ["pixel3"]
    assert tables["class_counts"]["count"].tolist() == [6, 4, 2]
    assert set(tables) == {
        "null_counts",
        "invalid_values",
        "duplicate_rows",
        "constant_features",
        "redundant_pairs",
        "cardinality",
        "class_counts",
    }
    markdown = report.to_markdown()
    assert "| duplicated rows | 2 |" in markdown
    assert "### Redundant pairs" in markdown and "| pixel4 | pixel5 | 1 |" in markdown
    assert "| pixel2 | 2 | 16.67 |" in markdown
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["n_null_cells"] == 2 and data["n_duplicate_rows"] == 2
    assert data["n_invalid_cells"] == 0 and "### Invalid values" not in markdown
    assert data["duplicate_rows"] == [5, 9]
    assert data["n_constant_features"] == 1 and data["n_redundant_pairs"] == 3
    assert data["class_counts"] == {"0": 6, "1": 4, "2": 2}
    assert data["imbalance_ratio"] == 3.0 and data["n_rows"] == 12 and data["n_columns"] == 9


# The mean and correlation of a column holding inf are undefined: numpy warns.
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_values_that_are_not_grey_levels_are_reported(planted):
    # Planted: pixel1 has -3 (row 0) and 300 (row 1), pixel7 has 0.5 (row 2) and
    # -0.25 (row 4: below 0 and fractional, one invalid cell), pixel8 has inf
    # (row 6). NaN in pixel2 stays a null, not an invalid value.
    frame = planted.copy()
    frame.loc[[0, 1], "pixel1"] = [-3.0, 300.0]
    frame.loc[[2, 4], "pixel7"] = [0.5, -0.25]
    frame.loc[6, "pixel8"] = np.inf
    auditor = DataAuditor().fit(frame)
    table = auditor.invalid_values_
    assert list(table.columns) == ["below_0", "above_255", "non_integer", "invalid"]
    assert table.index.tolist() == [f"pixel{i}" for i in range(1, 9)]  # no label row
    assert table.loc["pixel1"].tolist() == [1, 1, 0, 2]
    assert table.loc["pixel7"].tolist() == [1, 0, 2, 2]
    assert table.loc["pixel8"].tolist() == [0, 1, 0, 1]
    assert table.drop(["pixel1", "pixel7", "pixel8"]).eq(0).all().all()
    report = auditor.report()
    line = report.summary().splitlines()[2]
    assert line == (
        "invalid values: 5 cells in 3 columns are not grey levels 0..255 (2 below 0, "
        "2 above 255, 2 non-integer); they are invalid for this data: "
        "pixel1 (2), pixel7 (2), pixel8 (1)"
    )
    assert report.to_frame().set_index("check").loc["invalid values", "found"] == 5
    assert report.tables()["invalid_values"].loc["pixel7", "non_integer"] == 2
    markdown = report.to_markdown()
    assert "| invalid values | 5 |" in markdown
    assert "### Invalid values" in markdown and "| pixel7 | 1 | 0 | 2 | 2 |" in markdown
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["n_invalid_cells"] == 5 and data["n_columns_with_invalid_values"] == 3
    assert data["invalid_values"] == {"below_0": 2, "above_255": 2, "non_integer": 2}
    # Integers outside 0..255 (int16 images) are found too, uint8 never scanned.
    images = np.zeros((3, 4, 4), np.int16)
    images[0, 0, 0], images[1, 3, 3] = -1, 256
    counts = DataAuditor().fit(images).invalid_values_
    assert counts.loc["pixel1"].tolist() == [1, 0, 0, 1]
    assert counts.loc["pixel16"].tolist() == [0, 1, 0, 1]
    assert DataAuditor().fit(images.astype(np.uint8)).invalid_values_["invalid"].sum() == 0


def test_drop_duplicates_returns_clean_copies(planted):
    auditor = DataAuditor()
    clean, y, dropped = auditor.drop_duplicates(planted)
    assert dropped == 2 and y is None
    assert list(clean.index) == [0, 1, 2, 3, 4, 6, 7, 8, 10, 11]
    assert len(planted) == 12  # the input is left alone
    X = planted.drop(columns="label").to_numpy()
    labels = planted["label"]
    result = DataAuditor(duplicates_on="pixels").drop_duplicates(X, labels)
    assert result.n_dropped == 3 and result.X.shape == (9, 8)
    assert list(result.y.index) == [0, 1, 2, 3, 4, 6, 7, 8, 11]


@settings(max_examples=60, deadline=None)
@given(
    values=st.integers(1, 30).flatmap(
        lambda n: st.integers(1, 5).flatmap(
            lambda k: st.sampled_from([np.uint8, np.int64, np.float64]).flatmap(
                lambda dtype: arrays(
                    dtype,
                    (n, k),
                    elements=st.sampled_from(
                        [0, 1, 2, np.nan] if dtype is np.float64 else [0, 1, 2]
                    ),
                )
            )
        )
    )
)
def test_duplicates_and_unique_counts_agree_with_pandas(values):
    frame = pd.DataFrame(values, columns=[f"pixel{i}" for i in range(1, values.shape[1] + 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auditor = DataAuditor().fit(frame)
    np.testing.assert_array_equal(auditor.duplicate_rows_, np.flatnonzero(frame.duplicated()))
    np.testing.assert_array_equal(auditor.cardinality_["n_unique"], frame.nunique())
    np.testing.assert_array_equal(auditor.null_counts_["null_count"], frame.isnull().sum())


# --------------------------------------------------------------------------- edge cases


def test_zero_variance_columns_are_constant_not_redundant():
    X = np.zeros((50, 16), np.uint8)
    X[:, 5] = 9  # two different constants, and many zero columns: all "equal" but not redundant
    X[:, 0] = np.arange(50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auditor = DataAuditor().fit(X)
    assert len(auditor.constant_features_) == 15
    assert auditor.redundant_pairs_.empty
    assert np.isnan(auditor.correlation_[5]).all() and auditor.correlation_[0, 0] == 1


def test_every_row_duplicated():
    X = np.full((6, 28, 28), 3, np.uint8)
    auditor = DataAuditor().fit(X, np.ones(6, int))
    np.testing.assert_array_equal(auditor.duplicate_rows_, [1, 2, 3, 4, 5])
    X_clean, y_clean, dropped = auditor.drop_duplicates(X, np.ones(6, int))
    assert dropped == 5 and X_clean.shape == (1, 28, 28) and y_clean.shape == (1,)


def test_single_class(small_train):
    X, _ = small_train
    auditor = DataAuditor().fit(X[:30], np.full(30, 4))
    assert auditor.class_counts_.to_dict() == {4: 30}
    assert auditor.imbalance_ratio_ == 1.0
    assert "label" not in auditor.constant_features_  # the target is not a feature
    assert "classes: 1 class, 30 to 30 rows each" in auditor.report().summary()


def test_nan_cell_is_counted_and_does_not_warn(small_train):
    X, y = small_train
    flat = X[:40].reshape(40, -1).astype(np.float32)
    flat[3, 400] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        auditor = DataAuditor().fit(flat, y[:40])
    assert auditor.null_counts_.loc["pixel401", "null_count"] == 1
    assert auditor.null_counts_["null_count"].sum() == 1
    assert auditor.report().to_dict()["n_columns_with_nulls"] == 1
    assert np.isfinite(auditor.correlation_[400, 399]) or np.isnan(auditor.correlation_[399, 399])


def test_nullable_integer_columns_count_missing_values():
    frame = pd.DataFrame(
        {"label": [0, 1, 1], "pixel1": pd.array([1, None, 3], dtype="Int64"), "pixel2": [4, 5, 6]}
    )
    auditor = DataAuditor().fit(frame)
    assert auditor.null_counts_.loc["pixel1", "null_count"] == 1


def test_non_numeric_column_is_a_clear_type_error():
    frame = pd.DataFrame({"label": [0, 1], "pixel1": [1, 2], "note": ["a", "b"]})
    with pytest.raises(TypeError, match=r"non-numeric column\(s\) \['note'\]"):
        DataAuditor().fit(frame)
    with pytest.raises(TypeError, match="must hold numbers"):
        DataAuditor().fit(np.array([["a", "b"]]))


def test_string_labels_are_allowed():
    frame = pd.DataFrame(
        {"label": ["Bag", "Coat", "Bag"], "pixel1": [1, 2, 1], "pixel2": [0, 5, 0]}
    )
    auditor = DataAuditor().fit(frame)
    assert auditor.class_counts_.to_dict() == {"Bag": 2, "Coat": 1}
    np.testing.assert_array_equal(auditor.duplicate_rows_, [2])


def test_empty_frame_is_refused():
    with pytest.raises(ValueError, match="empty"):
        DataAuditor().fit(pd.DataFrame(columns=["label", "pixel1"]))
    with pytest.raises(ValueError, match="empty"):
        DataAuditor().fit(np.zeros((0, 784), np.uint8))
    with pytest.raises(ValueError, match="empty"):
        DataAuditor().fit(pd.DataFrame())


def test_input_mistakes_have_clear_messages(planted, small_train):
    X, y = small_train
    with pytest.raises(ValueError, match="passed too"):
        DataAuditor().fit(planted, planted["label"])
    with pytest.raises(ValueError, match="must agree"):
        DataAuditor().fit(X, y[:10])
    with pytest.raises(ValueError, match="2-d"):
        DataAuditor().fit(np.zeros(5))
    for params in (
        {"redundancy_threshold": 0},
        {"cardinality_threshold": 2},
        {"duplicates_on": "rows"},
    ):
        with pytest.raises(ValueError, match=next(iter(params))):
            DataAuditor(**params).fit(X, y)
    with pytest.raises(NotFittedError):
        DataAuditor().report()


def test_pixel_frame_with_separate_labels(planted):
    pixels, labels = planted.drop(columns="label"), planted["label"]
    auditor = DataAuditor().fit(pixels, labels)
    assert auditor.columns_[0] == "label" and auditor.n_columns_ == 9
    np.testing.assert_array_equal(auditor.duplicate_rows_, [5, 9])
    assert auditor.class_counts_.to_dict() == {0: 6, 1: 4, 2: 2}
    assert DataAuditor().fit(pixels).class_counts_ is None


def test_high_cardinality_id_column():
    frame = pd.DataFrame({"id": np.arange(20), "pixel1": np.arange(20) % 3})
    auditor = DataAuditor(cardinality_threshold=0.5).fit(frame)
    assert auditor.high_cardinality_features_ == ["id"]
    assert auditor.cardinality_.loc["id", "percent"] == 100.0


def test_auditor_is_a_clonable_estimator():
    auditor = DataAuditor(redundancy_threshold=0.9, duplicates_on="pixels")
    assert clone(auditor).get_params() == auditor.get_params()
    assert "redundancy_threshold=0.9" in repr(auditor)


def test_report_markdown_writes_counts_as_integers():
    n = 12000  # more than four digits: a float format would show 1.1e+04
    frame = pd.DataFrame(
        {"label": np.arange(n) % 3, "pixel1": np.where(np.arange(n) < 11000, np.nan, 1.0)}
    )
    report = DataAuditor().fit(frame).report()
    markdown = report.to_markdown()
    assert "| pixel1 | 11000 | 91.67 |" in markdown
    assert "| 0 | 4000 |" in markdown
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["n_null_cells"] == 11000 and type(data["n_null_cells"]) is int


# --------------------------------------------------------------------------- leakage


def test_leakage_finds_planted_train_images_in_test(fashion_train, fashion_test):
    X_train, y_train = fashion_train
    X_test, y_test = fashion_test
    leaked_train = [10, 2000, 59999]
    mixed = np.concatenate([X_test[:5], X_train[leaked_train], X_test[5:7]])
    result = DataAuditor().leakage(X_train, mixed)
    assert result["test_index"].tolist() == [5, 6, 7]
    assert result["train_index"].tolist() == leaked_train


def test_leakage_with_frames_reports_labels(small_train):
    X, y = small_train
    train = to_frame(X[:50], y[:50])
    test = to_frame(X[[7, 60]], (y[[7, 60]] + 1) % 10)  # one leaked image, relabelled
    result = DataAuditor().leakage(train, test)
    assert result.to_dict("records") == [
        {"test_index": 0, "train_index": 7, "test_label": (y[7] + 1) % 10, "train_label": y[7]}
    ]
    with pytest.raises(ValueError, match="same size"):
        DataAuditor().leakage(X[:5], X[:5, :10, :10])


# --------------------------------------------------------------------------- real data


def test_correlation_matches_pandas_on_real_images(small_train):
    X, y = small_train
    frame = to_frame(X, y).drop(columns="label")
    ours = correlation_matrix(frame.to_numpy())
    expected = frame.astype(float).corr().to_numpy()
    both = ~np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(ours), ~both)
    np.testing.assert_allclose(ours[both], expected[both], atol=2e-5)


def test_audit_matches_pandas_on_a_real_slice(small_train):
    X, y = small_train
    frame = to_frame(X, y)
    auditor = DataAuditor(redundancy_threshold=0.9).fit(frame)
    pd.testing.assert_series_equal(
        auditor.cardinality_["n_unique"], frame.nunique(), check_names=False
    )
    corr = frame.drop(columns="label").astype(float).corr().abs()
    upper = corr.where(np.triu(np.ones(corr.shape, bool), k=1))
    expected = {(a, b) for (a, b), v in upper.stack().items() if v > 0.9}
    found = set(
        zip(
            auditor.redundant_pairs_["feature_1"],
            auditor.redundant_pairs_["feature_2"],
            strict=True,
        )
    )
    assert found == expected and found  # 600 images do have a few near-identical pixels
    assert auditor.constant_features_ == [c for c in frame.columns[1:] if frame[c].nunique() == 1]


def test_the_real_training_data_audits_clean(fashion_train):
    X, y = fashion_train
    frame = to_frame(X, y)
    report = DataAuditor().fit(frame).report()
    data = report.to_dict()
    assert data["n_rows"] == 60000 and data["n_columns"] == 785
    assert data["n_null_cells"] == 0 and data["n_invalid_cells"] == 0
    assert data["n_constant_features"] == 0
    assert data["n_duplicate_rows"] == 0  # Debian's official files (see study README)
    assert data["class_counts"] == {str(c): 6000 for c in range(10)}
    assert data["imbalance_ratio"] == 1.0
    assert data["n_redundant_pairs"] == 0  # as the study found at 0.98
