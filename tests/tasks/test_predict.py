"""fashionnet.tasks.predict: image files classified as the saved model was trained."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from fashionnet._checks import InvalidParameterError
from fashionnet.images import UnreadableImageError
from fashionnet.tasks import Predictions, image_files, predict_files


@pytest.fixture(scope="module")
def photos(trained, small_test, tmp_path_factory):
    """Four test images as PNGs as they are, and as photo-like negatives in a folder."""
    from PIL import Image

    root = tmp_path_factory.mktemp("photos")
    images = small_test[0][:4]
    for i, image in enumerate(images):
        Image.fromarray(image).save(root / f"garment{i}.png")
        (root / "negatives").mkdir(exist_ok=True)
        Image.fromarray(255 - image).save(root / "negatives" / f"photo{i}.png")
    return root, images


def test_predictions_match_the_estimator(trained, photos):
    root, images = photos
    expected = trained.estimator.predict_proba(images)
    files = [root / f"garment{i}.png" for i in range(4)]
    predictions = predict_files(trained.model_path, files, top_k=3)
    assert isinstance(predictions, Predictions)
    assert predictions.background == "dark" and predictions.top_k == 3
    table = predictions.table
    assert list(table["file"]) == [str(p) for p in files]
    assert not table["inverted"].any()
    names = np.asarray(trained.evaluation.class_names)
    assert list(table["label"]) == list(names[expected.argmax(axis=1)])
    assert list(table["class"]) == list(expected.argmax(axis=1))
    np.testing.assert_allclose(table["probability"], expected.max(axis=1), atol=1e-6)
    assert [len(t) for t in table["top_k"]] == [3] * 4


def test_negatives_are_inverted_unless_asked_not_to(trained, photos):
    root, images = photos
    expected = trained.estimator.predict_proba(images)
    predictions = predict_files(trained.model_path, [root / "negatives"])
    assert predictions.table["inverted"].all()
    np.testing.assert_allclose(predictions.table["probability"], expected.max(axis=1), atol=1e-6)
    kept = predict_files(trained.model_path, [root / "negatives"], invert=False)
    assert not kept.table["inverted"].any()


def test_records_are_json_ready(trained, photos):
    root, _ = photos
    records = predict_files(trained.model_path, [root / "garment0.png"], top_k=2).records()
    text = json.dumps(records)  # numpy values would not serialise
    row = json.loads(text)[0]
    assert set(row) == {"file", "label", "class", "probability", "top_k", "inverted"}
    assert [set(t) for t in row["top_k"]] == [{"label", "probability"}] * 2


def test_mistakes_name_the_parameter_or_the_file(trained, photos, tmp_path):
    root, _ = photos
    with pytest.raises(InvalidParameterError, match="top_k must be between 1 and 10; got 11"):
        predict_files(trained.model_path, [root / "garment0.png"], top_k=11)
    with pytest.raises(FileNotFoundError, match="no such file or directory"):
        predict_files(trained.model_path, [tmp_path / "missing.png"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="holds no image file"):
        image_files([tmp_path / "empty"])
    notes = tmp_path / "notes.png"
    notes.write_text("not an image")
    with pytest.raises(UnreadableImageError, match="notes.png"):
        predict_files(trained.model_path, [notes])
    with pytest.warns(UserWarning, match="skipped 1 of 2"):
        skipped = predict_files(
            trained.model_path, [notes, root / "garment0.png"], skip_unreadable=True
        )
    assert len(skipped.table) == 1


def test_image_files_lists_folders_in_order_without_hidden_files(photos):
    root, _ = photos
    (root / "negatives" / ".hidden.png").write_bytes(b"")
    files = image_files([root / "garment1.png", root / "negatives"])
    assert [p.name for p in files] == ["garment1.png"] + [f"photo{i}.png" for i in range(4)]


# --------------------------------------------------------------------------- ONNX


@pytest.fixture(scope="module")
def exported(trained, tmp_path_factory):
    """The trained LeNet-5 exported to ONNX with the class names it was saved with."""
    from fashionnet.datasets import CLASS_NAMES

    folder = tmp_path_factory.mktemp("exported")
    return trained.estimator.export(folder / "lenet.onnx", class_names=CLASS_NAMES)


def write_pngs(images, folder):
    """Real test images as PNGs, every other one as a photo-like negative."""
    from PIL import Image

    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image if i % 2 else 255 - image).save(folder / f"{i:03d}.png")
    return folder


def assert_same_predictions(fast, slow):
    assert fast.background == slow.background and fast.top_k == slow.top_k
    for mine, theirs in zip(fast.records(), slow.records(), strict=True):
        for key in ("file", "label", "class", "inverted"):
            assert mine[key] == theirs[key], key
        assert mine["probability"] == pytest.approx(theirs["probability"], abs=1e-5)
        assert [t["label"] for t in mine["top_k"]] == [t["label"] for t in theirs["top_k"]]


def test_an_onnx_model_predicts_as_its_keras_file(trained, exported, small_test, tmp_path):
    folder = write_pngs(small_test[0][:100], tmp_path / "images")
    slow = predict_files(trained.model_path, [folder], top_k=3)
    fast = predict_files(exported, [folder], top_k=3)
    assert_same_predictions(fast, slow)
    assert fast.table["inverted"].sum() == 50
    assert list(fast.table.columns) == list(slow.table.columns)


def test_an_onnx_model_of_float_pixels_is_given_scaled_images(small_train, small_test, tmp_path):
    from fashionnet.datasets import CLASS_NAMES
    from fashionnet.models import LeNet5Classifier

    X, y = small_train
    clf = LeNet5Classifier(epochs=1, batch_size=64, random_state=0)
    clf.fit(X[:300].astype("float32") / 255, y[:300])
    assert clf.input_dtype_ == "float32"
    saved = clf.save(tmp_path / "float.keras", class_names=CLASS_NAMES)
    onnx_path = clf.export(tmp_path / "float.onnx", class_names=CLASS_NAMES)
    folder = write_pngs(small_test[0][:10], tmp_path / "images")
    assert_same_predictions(predict_files(onnx_path, [folder]), predict_files(saved, [folder]))


def test_the_onnx_path_imports_neither_keras_nor_tensorflow(exported, photos):
    root, _ = photos
    code = (
        "import json, sys\n"
        "from fashionnet.cli import main\n"
        f"status = main(['predict', '--model', {str(exported)!r}, {str(root)!r}, '--format', "
        "'json'])\n"
        "heavy = {'keras', 'tensorflow', 'pandas', 'sklearn', 'scipy'}\n"
        "print(json.dumps([status, sorted({m.split('.')[0] for m in sys.modules} & heavy)]),"
        " file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == [0, []], proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 8 and sum(row["inverted"] for row in rows) == 4


def test_an_older_onnx_export_is_refused_saying_how_to_export_again(exported, photos, tmp_path):
    import onnx

    root, _ = photos
    model = onnx.load(str(exported))
    old = [(e.key, e.value) for e in model.metadata_props if e.key in {"classes", "estimator"}]
    assert old, "an exported file holds classes and estimator"
    del model.metadata_props[:]
    for key, value in old:
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(model, str(tmp_path / "old.onnx"))
    with pytest.raises(ValueError, match=r"older fashionnet.*lacks format.*export\("):
        predict_files(tmp_path / "old.onnx", [root / "garment0.png"])
