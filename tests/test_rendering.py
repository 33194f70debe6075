"""fashionnet.rendering: Markdown tables, the two number rules and strict JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet import report
from fashionnet.rendering import (
    format_cell,
    format_number,
    frame_to_markdown,
    markdown_table,
    rounded,
    to_json_value,
)


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table line, split at the unescaped bars."""
    assert line.startswith("| ") and line.endswith(" |"), line
    return line[2:-2].split(" | ")  # a bar inside a cell is always escaped: "\\|"


# --------------------------------------------------------------------------- tables


def test_markdown_table_layout():
    text = markdown_table(["model", "accuracy", "params"], [["LeNet-5", 0.854399967, [1, 2]]])
    assert text.splitlines() == [
        "| model | accuracy | params |",
        "|---|---|---|",
        "| LeNet-5 | 0.8544 | (1, 2) |",
    ]
    assert markdown_table(["x"], [[0.5], [2]], floatfmt=".3f").splitlines()[2:] == [
        "| 0.500 |",
        "| 2 |",
    ]


_tricky_text = st.text(alphabet="a |\\\n\r", max_size=6)


@settings(max_examples=40, deadline=None)
@given(
    header=st.lists(_tricky_text, min_size=1, max_size=3),
    cells=st.lists(st.one_of(_tricky_text, st.floats(), st.integers(), st.none()), max_size=9),
)
def test_no_cell_can_break_the_table(header, cells):
    width = len(header)
    rows = [cells[i : i + width] for i in range(0, len(cells) - width + 1, width)]
    text = markdown_table(header, rows)
    assert "\r" not in text
    lines = text.split("\n")
    assert len(lines) == 2 + len(rows)  # a line break in a cell does not add a line
    for line in [lines[0], *lines[2:]]:
        assert len(_cells(line)) == len(header)  # a bar in a cell does not add a column
    assert lines[1] == "|" + "---|" * len(header)


def test_frame_to_markdown_keeps_each_column_dtype():
    # pandas' iterrows would turn the counts into floats next to the percent
    # column (11000 -> "1.1e+04" with ".4g"); each column keeps its dtype.
    frame = pd.DataFrame(
        {"null_count": [11000, 2], "percent": [91.666, 0.01234]},
        index=pd.Index(["pixel1", "pixel|2"], name="column"),
    )
    assert frame_to_markdown(frame, index=True, floatfmt=".4g").splitlines() == [
        "| column | null_count | percent |",
        "|---|---|---|",
        "| pixel1 | 11000 | 91.67 |",
        "| pixel\\|2 | 2 | 0.01234 |",
    ]
    assert frame_to_markdown(frame).splitlines()[2] == "| 11000 | 91.666 |"


@pytest.mark.parametrize(
    ("value", "floatfmt", "text"),
    [
        # the report's rule: format_number, lists as tuples
        (0.854399967, None, "0.8544"),
        (np.float32(0.5), None, "0.5"),
        (np.int64(60000), None, "60000"),
        (None, None, "-"),
        (float("nan"), None, "-"),
        (True, None, "yes"),
        ((1, 0.123456), None, "(1, 0.1235)"),
        ({"lr": 0.001, "layers": [2]}, None, "lr=0.001, layers=(2)"),
        ("a|b", None, "a|b"),  # escaping is the table's job
        # the result tables' rule: a format spec
        (0.854399967, ".4f", "0.8544"),
        (0.9, ".4f", "0.9000"),
        (np.float64(1.0), ".4g", "1"),
        (np.int64(11000), ".4g", "11000"),
        (None, ".4f", ""),
        (float("nan"), ".4f", ""),
        (np.bool_(True), ".4f", "True"),
        (
            {"alpha": 10.0, "tol": None, "fit_intercept": False},
            ".4f",
            "alpha=10, tol=, fit_intercept=False",
        ),
        ([1, 2], ".4f", "[1, 2]"),
    ],
)
def test_format_cell(value, floatfmt, text):
    assert format_cell(value, floatfmt) == text


# --------------------------------------------------------------------------- numbers


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**12), 10**12))
def test_format_number_is_the_json_spelling_of_rounded(value):
    text = format_number(value)
    assert text == ("-" if rounded(value) is None else json.dumps(rounded(value)))
    if text != "-":
        assert json.loads(text) == rounded(value)
        if isinstance(value, float):
            assert abs(json.loads(text) - value) <= 0.5e-4 * (1 + 1e-9) + abs(value) * 1e-15


def test_rounded_key_decimals_as_the_study_rounds_seconds_and_mib():
    metrics = {
        "stage_seconds": {"audit": 1.26, "tuning": [12.34, 0.04]},
        "fit_seconds": np.float64(3.14159),
        "float_copy_mb": 183.75,
        "accuracy": 0.854399967,
        "curve": [0.123456, float("inf")],
    }
    assert rounded(metrics, key_decimals={"seconds": 1, "_mb": 1}) == {
        "stage_seconds": {"audit": 1.3, "tuning": [12.3, 0.0]},
        "fit_seconds": 3.1,
        "float_copy_mb": 183.8,
        "accuracy": 0.8544,
        "curve": [0.1235, None],
    }


def test_report_reexports_the_one_number_rule():
    assert report.format_number is format_number and report.rounded is rounded
    assert {"format_number", "rounded"} <= set(report.__all__)


# --------------------------------------------------------------------------- JSON


_numpy_values = st.one_of(
    st.floats().map(np.float64),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**31), 2**31 - 1).map(np.int64),
    st.booleans().map(np.bool_),
    st.lists(st.floats(), max_size=4).map(np.array),
)
_plain_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5))
_nested = st.recursive(
    _plain_values | _numpy_values,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=4) | st.integers(), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(_nested)
def test_to_json_value_is_strict_json(value):
    plain = to_json_value(value)
    text = json.dumps(plain, allow_nan=False)  # no NaN, no Infinity, nothing unknown
    assert json.loads(text) == plain


def test_to_json_value_conversions():
    frame = pd.DataFrame({"fold": [1, 2], "score": [0.5, np.nan]})
    value = {
        "frame": frame,
        "series": frame["score"],
        "matrix": np.arange(4).reshape(2, 2),
        "scalar": np.array(2.5),
        "path": Path("runs") / "a.json",
        "pair": (np.int64(1), np.str_("x")),
        7: -np.inf,
    }
    assert to_json_value(value) == {
        "frame": [{"fold": 1, "score": 0.5}, {"fold": 2, "score": None}],
        "series": [0.5, None],
        "matrix": [[0, 1], [2, 3]],
        "scalar": 2.5,
        "path": str(Path("runs") / "a.json"),
        "pair": [1, "x"],
        "7": None,
    }
    assert type(to_json_value(np.int64(3))) is int
    assert type(to_json_value(np.float32(0.5))) is float


def test_to_json_value_names_what_it_cannot_write():
    with pytest.raises(TypeError, match=r"cannot write set at \['stage'\]\[1\] as JSON"):
        to_json_value({"stage": [1, {2, 3}]})
    with pytest.raises(TypeError, match="at the top level"):
        to_json_value(object())
    assert to_json_value({"model": {2, 3}}, default=repr) == {"model": "{2, 3}"}
