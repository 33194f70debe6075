"""estimator.export(): the exported model takes uint8 images and gives predict_proba's numbers."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fashionnet.models import LeNet5Classifier, ResNetClassifier, TransferClassifier


def onnx_proba(path, X):
    """Probabilities of an exported ONNX file under onnxruntime."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (inputs,), (outputs,) = session.get_inputs(), session.get_outputs()
    assert (inputs.name, inputs.type, outputs.name) == ("pixels", "tensor(uint8)", "probabilities")
    return session.run(["probabilities"], {"pixels": X})[0], session


@pytest.fixture(scope="module")
def data(small_train, small_test):
    (X, y), (X_test, _) = small_train, small_test
    return X[:300], y[:300], X_test[:100]


@pytest.fixture(scope="module")
def lenet(data):
    X, y, _ = data
    return LeNet5Classifier(activation="relu", pooling="max", epochs=1, random_state=0).fit(X, y)


def test_lenet_onnx_gives_its_probabilities(lenet, data, tmp_path):
    *_, X_test = data
    path = lenet.export(tmp_path / "lenet.onnx")
    proba, session = onnx_proba(path, X_test)
    expected = lenet.predict_proba(X_test)
    assert np.abs(proba - expected).max() < 1e-5
    metadata = session.get_modelmeta().custom_metadata_map
    assert json.loads(metadata["classes"]) == list(range(10))
    assert metadata["background"] == "dark"
    # What preparing image files needs (fashionnet._onnx_model), names as text by default.
    assert metadata["format"] == "fashionnet.onnx/1"
    assert json.loads(metadata["class_names"]) == [str(c) for c in range(10)]
    assert json.loads(metadata["image_shape"]) == [28, 28, 1]
    assert json.loads(metadata["input_shape"]) == [28, 28]
    assert metadata["input_dtype"] == "uint8"
    # Exporting again replaces the file and leaves no staging folder.
    lenet.export(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lenet.onnx"]


def test_resnet_onnx_holds_the_test_time_augmentation(data, tmp_path):
    X, y, X_test = data
    resnet = ResNetClassifier(
        width=4, epochs=1, batch_size=64, random_state=0, dtype_policy="float32"
    ).fit(X, y)
    assert resnet.tta
    proba, _ = onnx_proba(resnet.export(tmp_path / "resnet.onnx"), X_test)
    expected = resnet.predict_proba(X_test)
    assert np.abs(proba - expected).max() < 1e-5
    # The ten views are in the graph: without them the probabilities are others.
    plain = resnet.set_params(tta=False).predict_proba(X_test)
    assert np.abs(proba - plain).max() > 1e-4
    plain_onnx, _ = onnx_proba(resnet.export(tmp_path / "plain.onnx"), X_test)
    assert np.abs(plain_onnx - plain).max() < 1e-5


def test_a_bfloat16_network_goes_to_onnx_as_its_float32_twin(data, tmp_path):
    import keras

    from fashionnet.models.export import float32_twin

    X, y, X_test = data
    resnet = ResNetClassifier(
        width=4, epochs=1, batch_size=64, random_state=0, dtype_policy="mixed_bfloat16"
    ).fit(X, y)
    proba, _ = onnx_proba(resnet.export(tmp_path / "resnet.onnx"), X_test)
    twin = float32_twin(resnet.model_)
    assert {layer.compute_dtype for layer in twin.layers if layer.weights} == {"float32"}
    assert resnet.model_.get_layer("stem_conv").compute_dtype == "bfloat16", "left as it was"
    # The file computes what the twin computes, from the same weights...
    twin_proba = np.asarray(resnet._inference_graph(twin)(X_test))
    assert np.abs(proba - twin_proba).max() < 1e-5
    for mine, theirs in zip(twin.weights, resnet.model_.weights, strict=True):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(mine), np.asarray(theirs))
    # ... which is predict_proba's network up to bfloat16's rounding.
    expected = resnet.predict_proba(X_test)
    assert np.abs(proba - expected).max() < 2e-2
    assert (proba.argmax(axis=1) == expected.argmax(axis=1)).mean() >= 0.97


def test_transfer_onnx_and_validation_data_on_cached_features(data, small_test, tmp_path):
    X, y, X_test = data
    X_val, y_val = small_test[0][100:200], small_test[1][100:200]
    transfer = TransferClassifier(
        "vgg16",
        weights=None,
        trainable_layers=5,
        input_size=32,
        head=(16,),
        epochs=1,
        random_state=0,
    ).fit(X, y, validation_data=(X_val, y_val))
    # The tail trained on cached features, and was validated on X_val's features.
    assert transfer.cache_info_["used"]
    assert transfer.history_["val_accuracy"].iloc[-1] == pytest.approx(transfer.score(X_val, y_val))
    proba, _ = onnx_proba(transfer.export(tmp_path / "vgg16.onnx"), X_test)
    assert np.abs(proba - transfer.predict_proba(X_test)).max() < 1e-5


def test_saved_model_and_litert(lenet, data, tmp_path):
    import tensorflow as tf

    *_, X_test = data
    expected = lenet.predict_proba(X_test[:8])
    folder = lenet.export(tmp_path / "saved", format="tf_saved_model")
    loaded = tf.saved_model.load(str(folder))
    served = loaded.serve(X_test[:8]).numpy()
    assert np.abs(served - expected).max() < 1e-5
    lenet.export(folder, format="tf_saved_model")  # replaces the folder
    path = lenet.export(tmp_path / "lenet.tflite", format="litert")
    try:  # LiteRT's own runtime (the export extra), else TensorFlow's deprecated copy
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # tf.lite's deprecation notice
        interpreter = Interpreter(model_path=str(path))
    (inputs,), (outputs,) = interpreter.get_input_details(), interpreter.get_output_details()
    interpreter.resize_tensor_input(inputs["index"], [8, 28, 28])
    interpreter.allocate_tensors()
    interpreter.set_tensor(inputs["index"], X_test[:8])
    interpreter.invoke()
    assert inputs["dtype"] == np.uint8
    assert np.abs(interpreter.get_tensor(outputs["index"]) - expected).max() < 1e-5


def test_export_mistakes_are_one_line(lenet, tmp_path, monkeypatch):
    with pytest.raises(NotFittedError):
        LeNet5Classifier().export(tmp_path / "x.onnx")
    with pytest.raises(ValueError, match=r"unknown export format 'tflite'.*'litert'"):
        lenet.export(tmp_path / "x.tflite", format="tflite")
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "tf2onnx" else find_spec(name, *a),
    )
    with pytest.raises(
        ImportError,
        match=r"^export\(format='onnx'\) needs tf2onnx: pip install "
        r"'fashionnet\[export\]'$",
    ):
        lenet.export(tmp_path / "x.onnx")
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------- hostile destinations
SUFFIX = {"onnx": ".onnx", "tf_saved_model": "", "litert": ".tflite"}


def _user_folder(path):
    path.mkdir()
    (path / "thesis.tex").write_text("years of work")
    return path


@pytest.mark.parametrize("format", ["tf_saved_model", "onnx", "litert"])
def test_export_never_removes_what_fashionnet_did_not_write(lenet, tmp_path, monkeypatch, format):
    from fashionnet._ownership import NotOursError

    # An existing file of the user's: refused, kept (a SavedModel replaced it by a folder).
    mine = tmp_path / f"mine{SUFFIX[format]}"
    mine.write_text("my notes")
    with pytest.raises(OSError, match=rf"{mine}.*(is a file|not an? .* exported by fashionnet)"):
        lenet.export(mine, format=format)
    assert mine.read_text() == "my notes"
    # A folder of the user's files: refused, kept (a SavedModel deleted it).
    folder = _user_folder(tmp_path / f"work{SUFFIX[format]}")
    with pytest.raises(OSError, match=rf"{folder}.*(is a folder|is not a SavedModel)") as caught:
        lenet.export(folder, format=format, overwrite=format != "tf_saved_model")
    assert "\n" not in str(caught.value)
    assert (folder / "thesis.tex").read_text() == "years of work"
    # A link to the user's folder: refused; the folder behind it is never touched.
    link = tmp_path / f"link{SUFFIX[format]}"
    link.symlink_to(folder)
    with pytest.raises(NotOursError, match="symbolic link"):
        lenet.export(link, format=format)
    # The current folder (it ended in "Device or resource busy"): a clear refusal.
    monkeypatch.chdir(folder)
    with pytest.raises(NotOursError, match=r"refusing to replace \.: it is the current folder"):
        lenet.export(".", format=format, overwrite=True)
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, folder.name, link.name]
    ), "no staging folder is left behind"


def test_saved_model_goes_into_an_empty_folder_and_replaces_only_its_own(lenet, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    lenet.export(empty, format="tf_saved_model")
    assert (empty / "saved_model.pb").is_file()
    lenet.export(empty, format="tf_saved_model")  # our own: replaced
    (empty / "notes.txt").write_text("added by the user")
    with pytest.raises(FileExistsError, match="is not a SavedModel folder exported by fashionnet"):
        lenet.export(empty, format="tf_saved_model")
    assert (empty / "notes.txt").is_file()
    # With overwrite=True, a link is replaced itself, never its target.
    target = _user_folder(tmp_path / "target")
    link = tmp_path / "link"
    link.symlink_to(target)
    lenet.export(link, format="tf_saved_model", overwrite=True)
    assert not link.is_symlink() and (link / "saved_model.pb").is_file()
    assert sorted(p.name for p in target.iterdir()) == ["thesis.tex"]


def test_file_exports_replace_their_own_and_create_missing_folders(lenet, tmp_path):
    path = lenet.export(tmp_path / "new" / "deeper" / "m.tflite", format="litert")
    lenet.export(path, format="litert")  # a LiteRT file of ours: replaced
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"")  # an empty file holds nothing to lose
    lenet.export(onnx)
    lenet.export(onnx)
    mine = tmp_path / "mine.onnx"
    mine.write_text("not onnx")
    lenet.export(mine, overwrite=True)  # the explicit way out
    assert mine.stat().st_size > 1000
    with pytest.raises(FileExistsError, match="not a LiteRT file exported by fashionnet"):
        lenet.export(onnx, format="litert")  # an ONNX file is not a LiteRT one


@pytest.mark.parametrize(
    ("format", "keyword"),
    [
        ("onnx", "is_static"),
        ("onnx", "opset"),
        ("tf_saved_model", "opset_version"),
        ("tf_saved_model", "verbos"),
    ],
)
def test_a_keyword_the_format_does_not_take_is_refused(lenet, tmp_path, format, keyword):
    # Keras used to drop such keywords unread.
    with pytest.raises(
        TypeError,
        match=rf"export\(format='{format}'\) does not take the "
        rf"keyword\(s\) \['{keyword}'\]",
    ):
        lenet.export(tmp_path / "model", format=format, **{keyword: 1})
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_class_names_travel_in_the_onnx_metadata(lenet, tmp_path):
    from fashionnet.datasets import CLASS_NAMES

    path = lenet.export(tmp_path / "named.onnx", class_names=CLASS_NAMES)
    _, session = onnx_proba(path, np.zeros((1, 28, 28), np.uint8))
    metadata = session.get_modelmeta().custom_metadata_map
    assert json.loads(metadata["class_names"]) == list(CLASS_NAMES)
    with pytest.raises(ValueError, match="class_names holds 2 names for 10 classes"):
        lenet.export(tmp_path / "short.onnx", class_names=["a", "b"])
    assert not (tmp_path / "short.onnx").exists()
    with pytest.raises(ValueError, match="keeps no class names"):
        lenet.export(tmp_path / "x.tflite", format="litert", class_names=CLASS_NAMES)
