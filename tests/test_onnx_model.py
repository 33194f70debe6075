"""fashionnet._onnx_model: an exported ONNX file reads back as the saved .keras file does."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet._onnx_model import ONNX_FORMAT, OnnxModel, _read_info, onnx_metadata
from fashionnet.datasets import CLASS_NAMES


@pytest.fixture(scope="module")
def exported(small_train, tmp_path_factory):
    """A tiny fitted LeNet-5, saved to .keras and exported to .onnx with the same class names."""
    from fashionnet.models import LeNet5Classifier

    X, y = small_train
    folder = tmp_path_factory.mktemp("onnx")
    clf = LeNet5Classifier(activation="relu", pooling="max", epochs=1, random_state=0)
    clf.fit(X[:300], y[:300])
    keras_path = clf.save(folder / "lenet.keras", class_names=CLASS_NAMES)
    onnx_path = clf.export(folder / "lenet.onnx", class_names=CLASS_NAMES)
    return clf, keras_path, onnx_path


def with_metadata(source, target, change):
    """A copy of the ONNX file ``source`` whose metadata ``change(dict)`` edited."""
    import onnx

    model = onnx.load(str(source))
    metadata = {entry.key: entry.value for entry in model.metadata_props}
    change(metadata)
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(target))
    return target


def test_info_is_what_read_model_info_gives_for_the_keras_file(exported):
    from fashionnet.models import read_model_info

    _, keras_path, onnx_path = exported
    info = OnnxModel(onnx_path).info
    assert info == read_model_info(keras_path)
    assert info["class_names"] == list(CLASS_NAMES) and info["background"] == "dark"


def test_probabilities_are_the_estimators_in_any_layout(exported, small_test):
    clf, _, onnx_path = exported
    X = small_test[0][:50]
    model = OnnxModel(onnx_path)
    expected = clf.predict_proba(X)
    for images in (X, X.reshape(50, 784), X[..., None]):
        np.testing.assert_allclose(model.predict_proba(images), expected, atol=1e-5)
    assert model.predict_proba(X[:0]).shape == (0, 10)


def test_an_older_export_is_refused_naming_what_it_lacks(exported, tmp_path):
    _, _, onnx_path = exported
    old_keys = {"classes", "background", "estimator"}

    def strip(metadata):
        for key in set(metadata) - old_keys:
            del metadata[key]

    old = with_metadata(onnx_path, tmp_path / "old.onnx", strip)
    with pytest.raises(ValueError, match="exported by an older fashionnet") as info:
        OnnxModel(old)
    message = str(info.value)
    for key in ("format", "class_names", "image_shape", "input_shape", "input_dtype"):
        assert key in message
    assert "export('MODEL.onnx', class_names=" in message


def test_files_that_are_not_ours_or_damaged_are_refused_in_one_line(exported, tmp_path):
    _, _, onnx_path = exported
    foreign = with_metadata(onnx_path, tmp_path / "foreign.onnx", lambda m: m.clear())
    with pytest.raises(ValueError, match="not exported by fashionnet"):
        OnnxModel(foreign)
    newer = with_metadata(
        onnx_path, tmp_path / "newer.onnx", lambda m: m.update(format="fashionnet.onnx/99")
    )
    with pytest.raises(ValueError, match=r"format 'fashionnet.onnx/99'.*reads 'fashionnet.onnx/1'"):
        OnnxModel(newer)
    short = with_metadata(
        onnx_path, tmp_path / "short.onnx", lambda m: m.update(class_names='["a"]')
    )
    with pytest.raises(ValueError, match="damaged metadata.*1 class names for 10 classes"):
        OnnxModel(short)
    wrong = with_metadata(
        onnx_path, tmp_path / "wrong.onnx", lambda m: m.update(input_dtype="float32")
    )
    with pytest.raises(ValueError, match="does not match its metadata"):
        OnnxModel(wrong)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a protobuf at all")
    with pytest.raises(ValueError, match="not an ONNX model onnxruntime can open"):
        OnnxModel(garbage)
    with pytest.raises(FileNotFoundError, match="no exported model"):
        OnnxModel(tmp_path / "missing.onnx")


def test_without_onnxruntime_the_message_names_the_extra(exported, monkeypatch):
    _, _, onnx_path = exported
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r"needs onnxruntime: pip install 'fashionnet\[export\]'"):
        OnnxModel(onnx_path)


def test_the_module_imports_neither_keras_nor_tensorflow(exported, small_test, tmp_path):
    _, _, onnx_path = exported
    np.save(tmp_path / "x.npy", small_test[0][:5])
    code = (
        "import sys, numpy as np\n"
        "from fashionnet._onnx_model import OnnxModel\n"
        f"p = OnnxModel({str(onnx_path)!r}).predict_proba(np.load({str(tmp_path / 'x.npy')!r}))\n"
        "print(p.shape, sorted({m.split('.')[0] for m in sys.modules} & "
        "{'keras', 'tensorflow', 'pandas', 'sklearn'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(5, 10) []"


_names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8)


@settings(max_examples=50, deadline=None)
@given(
    classes=st.lists(st.integers(-5, 50) | _names, min_size=1, max_size=12, unique=True),
    shape=st.lists(st.integers(1, 64), min_size=1, max_size=3),
    dtype=st.sampled_from(["uint8", "float32"]),
    background=st.sampled_from(["dark", "light", None]),
)
def test_metadata_round_trips(classes, shape, dtype, background):
    info = {
        "estimator": "LeNet5Classifier",
        "classes": classes,
        "class_names": [f"name {c}" for c in classes],
        "image_shape": (*shape, 1),
        "input_shape": tuple(shape),
        "input_dtype": dtype,
        "background": background,
        "fashionnet_version": "0.1.0",
    }
    metadata = onnx_metadata(info)
    assert metadata["format"] == ONNX_FORMAT
    assert all(isinstance(v, str) for v in metadata.values())
    assert json.loads(metadata["classes"]) == classes
    assert _read_info("model.onnx", metadata) == info
