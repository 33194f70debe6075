"""fashionnet.tasks.predict: image files classified as the saved model was trained."""

from __future__ import annotations

import json

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
