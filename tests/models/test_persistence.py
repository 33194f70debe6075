"""save(path) / load_model(path): Keras' native format plus the estimator's state."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fashionnet.models import LeNet5Classifier, TransferClassifier, load_model
from fashionnet.models.persistence import DamagedModelError

FAST = dict(activation="relu", pooling="max", epochs=2, random_state=0)


@pytest.fixture(scope="module")
def lenet(small_train):
    X, y = small_train
    return LeNet5Classifier(**FAST, validation_split=0.2).fit(X[:200], y[:200])


def test_round_trip_gives_equal_predictions(lenet, small_test, tmp_path):
    X, _ = small_test
    path = lenet.save(tmp_path / "lenet.keras")
    loaded = load_model(path)
    assert type(loaded) is LeNet5Classifier
    assert loaded.get_params() == lenet.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X), lenet.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, lenet.classes_)
    assert loaded.classes_.dtype == lenet.classes_.dtype
    assert loaded.n_features_in_ == 784 and loaded.image_shape_ == (28, 28, 1)
    np.testing.assert_allclose(loaded.history_.to_numpy(), lenet.history_.to_numpy())
    assert list(loaded.history_.columns) == list(lenet.history_.columns)
    assert not list(tmp_path.glob(".*")), "no temporary file is left behind"


def test_file_is_keras_native_and_loads_in_safe_mode(lenet, small_test, tmp_path):
    X, _ = small_test
    path = lenet.save(tmp_path / "lenet.keras")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        state = json.loads(archive.read("fashionnet.json"))
    assert {"config.json", "model.weights.h5", "fashionnet.json"} <= names
    assert state["estimator"] == "LeNet5Classifier"
    plain = keras.saving.load_model(path, safe_mode=True)
    # The same call as predict_proba makes for one batch: XLA (JAX) compiles
    # a batched predict differently, which moves the last float32 bits.
    again = keras.ops.convert_to_numpy(plain(X, training=False))
    np.testing.assert_allclose(again, lenet.predict_proba(X))


def test_loaded_model_keeps_training(lenet, small_train, tmp_path):
    X, y = small_train
    loaded = load_model(lenet.save(tmp_path / "m.keras"))
    loaded.partial_fit(X[200:300], y[200:300])
    assert len(loaded.history_) == len(lenet.history_) + 1


def test_string_classes_and_frames(tmp_path):
    from fashionnet.datasets import CLASS_NAMES, load_fashion_mnist

    frame = load_fashion_mnist("test", as_frame=True).iloc[:100]
    y = np.asarray(CLASS_NAMES)[frame.pop("label")]
    est = LeNet5Classifier(**FAST).fit(frame, y)
    loaded = load_model(est.save(tmp_path / "names.keras"))
    np.testing.assert_array_equal(loaded.predict(frame), est.predict(frame))
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)


def test_transfer_round_trip(small_train, tmp_path):
    X, y = small_train
    est = TransferClassifier(
        "vgg16", weights=None, input_size=32, head=(8,), epochs=1, random_state=0
    ).fit(X[:40], y[:40])
    loaded = load_model(est.save(tmp_path / "vgg.keras"))
    assert loaded.backbone_ is est.backbone_
    np.testing.assert_array_equal(loaded.predict_proba(X[40:60]), est.predict_proba(X[40:60]))


def test_python_objects_are_not_saved(small_train, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**FAST, callbacks=[keras.callbacks.History()]).fit(X[:50], y[:50])
    with pytest.warns(UserWarning, match="callbacks"):
        path = est.save(tmp_path / "cb.keras")
    assert load_model(path).callbacks is None


def test_errors(lenet, tmp_path):
    with pytest.raises(ValueError, match=r"\.keras"):
        lenet.save(tmp_path / "model.h5")
    with pytest.raises(NotFittedError):
        LeNet5Classifier().save(tmp_path / "x.keras")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.keras")
    plain = tmp_path / "plain.keras"
    lenet.model_.save(plain)
    with pytest.raises(ValueError, match="not a classifier saved by fashionnet"):
        load_model(plain)


def test_standardized_lenet_keeps_its_moments(small_train, small_test, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**FAST, standardize=True).fit(X[:200], y[:200])
    loaded = load_model(est.save(tmp_path / "std.keras"))
    assert loaded.pixel_mean_ == est.pixel_mean_ and loaded.pixel_std_ == est.pixel_std_
    np.testing.assert_array_equal(loaded.predict(small_test[0]), est.predict(small_test[0]))


# --------------------------------------------------------------------------- faults
# Real files, really damaged; a real process, really killed.


@pytest.fixture(scope="module")
def saved(lenet, tmp_path_factory):
    return lenet.save(tmp_path_factory.mktemp("saved") / "lenet.keras")


def _damages(path):
    """(name, bytes) for truncations, flipped bytes, missing members and broken JSON."""
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        members = {info.filename: archive.read(info) for info in infos}
    end = len(data)
    cuts = [0, 3, 30, end // 2, end - 100, end - 22, end - 1]
    for info in infos:  # inside each member's local header, at its data, in the middle
        cuts.append(info.header_offset + 20)
    yield from ((f"cut at {n}", data[:n]) for n in sorted(set(cuts)))
    flips = {0, 2, 8, 10, 14, 18, 26, end - 22, end - 6, end - 1}
    for info in infos:
        start = info.header_offset + 30 + len(info.filename)  # first byte of its data
        flips |= {info.header_offset, info.header_offset + 14, start, start + info.file_size // 2}
    flips |= set(range(0, end, end // 16))
    for offset in sorted(o for o in flips if 0 <= o < end):
        blob = bytearray(data)
        blob[offset] ^= 0x5A
        yield f"byte {offset} changed", bytes(blob)
    for name in members:
        yield f"{name} missing", _zip({k: v for k, v in members.items() if k != name})
        if name.endswith(".json"):
            yield f"{name} cut", _zip({**members, name: members[name][:-7]})
    yield "state of another shape", _zip({**members, "fashionnet.json": b'{"format": 1}'})
    state = json.loads(members["fashionnet.json"])
    del state["fitted"]["classes"]
    yield "state without classes", _zip({**members, "fashionnet.json": json.dumps(state).encode()})


def _zip(members):
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_every_damaged_file_raises_one_documented_error(lenet, saved, small_test, tmp_path):
    # Before: zipfile.BadZipFile, KeyError, json.JSONDecodeError or "not a
    # classifier saved by fashionnet", depending on where the damage was.
    X = small_test[0][:20]
    expected = lenet.predict_proba(X)
    outcomes = {}
    for name, blob in _damages(saved):
        path = tmp_path / "damaged.keras"
        path.write_bytes(blob)
        try:
            model = load_model(path)
        except DamagedModelError as exc:
            assert isinstance(exc, ValueError)
            message = str(exc)
            assert str(path) in message, name
            assert "is damaged" in message or "fashionnet file that is damaged" in message, name
            outcomes[name] = "refused"
        else:  # only bytes nobody reads (a timestamp, a local header's copy of a CRC)
            np.testing.assert_array_equal(model.predict_proba(X), expected, err_msg=name)
            outcomes[name] = "loaded, identical"
    refused = [n for n, o in outcomes.items() if o == "refused"]
    assert all(outcomes[n] == "refused" for n in outcomes if not n.startswith("byte")), outcomes
    assert len(refused) > 0.8 * len(outcomes), outcomes


def test_saved_files_honour_the_umask(lenet, tmp_path):
    # Every file used to be 0600 whatever the umask (mkstemp's mode).
    old = os.umask(0o022)
    try:
        path = lenet.save(tmp_path / "shared.keras")
        os.umask(0o077)
        private = lenet.save(tmp_path / "private.keras")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


_KILLED_SAVE = textwrap.dedent(
    """
    import os, signal, sys
    from fashionnet.models import load_model, persistence

    clf = load_model(sys.argv[1])
    real_write = persistence.atomic_write

    class Killed:  # dies while the model is being copied into place
        def __init__(self, path, mode):
            self.inner = real_write(path, mode)
        def __enter__(self):
            fh = self.inner.__enter__()
            fh.write(b"PK half a model")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        def __exit__(self, *exc):
            return self.inner.__exit__(*exc)

    persistence.atomic_write = Killed
    clf.save(sys.argv[2])
    """
)


def test_a_killed_save_leaves_nothing_once_the_next_save_runs(lenet, saved, tmp_path):
    out = tmp_path / "models"
    out.mkdir()
    target = out / "lenet.keras"
    proc = subprocess.run(
        [sys.executable, "-c", _KILLED_SAVE, str(saved), str(target)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    left = sorted(p.name for p in out.iterdir())
    assert not target.exists()
    assert len(left) == 2, left  # its staging folder and its half-written copy
    assert any(n.startswith(".fashionnet-save-") for n in left), left
    assert any(n.startswith(".lenet.keras.") and n.endswith(".tmp") for n in left), left
    # A live process's staging folder must survive: this one's own, and a
    # sleeping child's.
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as sleeper:
        try:
            live = out / f".fashionnet-save-{sleeper.pid}-0123abcd"
            live.mkdir()
            lenet.save(target)
        finally:
            sleeper.kill()
    assert sorted(p.name for p in out.iterdir()) == sorted([live.name, target.name])
    np.testing.assert_array_equal(load_model(target).classes_, lenet.classes_)


def test_code_in_a_saved_file_is_refused_in_safe_mode(saved, tmp_path):
    # A Lambda layer carries Python bytecode; Keras' safe mode refuses it, and
    # the refusal reaches the user as a DamagedModelError, with Keras' reason.
    inputs = keras.Input((2,))
    injected = tmp_path / "lambda.keras"
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(injected)
    with zipfile.ZipFile(saved) as archive:
        state = archive.read("fashionnet.json")
    with zipfile.ZipFile(injected, "a") as archive:
        archive.writestr("fashionnet.json", state)
    with pytest.raises(DamagedModelError, match="Lambda") as info:
        load_model(injected)
    assert "is damaged: Keras cannot rebuild the network" in str(info.value)


def test_mixed_precision_round_trip_keeps_the_policy_and_loss_scaling(small_train, tmp_path):
    X, y = small_train
    est = LeNet5Classifier(**{**FAST, "epochs": 1}, dtype_policy="mixed_float16")
    est.fit(X[:64], y[:64])
    assert isinstance(est.model_.optimizer, keras.optimizers.LossScaleOptimizer)
    loaded = load_model(est.save(tmp_path / "fp16.keras"))
    assert loaded.get_params()["dtype_policy"] == "mixed_float16"
    assert loaded.dtype_policy_ == "mixed_float16"
    assert loaded.model_.get_layer("classes").compute_dtype == "float32"
    assert {layer.compute_dtype for layer in loaded.model_.layers[4:-1]} == {"float16"}
    # Compiled as saved: the loss-scaling optimizer and its state come back.
    assert isinstance(loaded.model_.optimizer, keras.optimizers.LossScaleOptimizer)
    assert keras.config.dtype_policy().name == "float32"
    np.testing.assert_array_equal(loaded.predict_proba(X[:50]), est.predict_proba(X[:50]))


def test_saved_file_carries_what_predict_needs(lenet, tmp_path):
    from fashionnet.datasets import CLASS_NAMES
    from fashionnet.models import read_model_info

    assert lenet.background_ == "dark"
    try:
        lenet.set_params(class_weight={0: 2.0, 9: 0.5})
        path = lenet.save(tmp_path / "named.keras", class_names=CLASS_NAMES)
    finally:
        lenet.set_params(class_weight=None)
    info = read_model_info(path)
    assert info["class_names"] == list(CLASS_NAMES) and info["classes"] == list(range(10))
    assert info["image_shape"] == (28, 28, 1) and info["input_shape"] == (28, 28)
    assert (info["input_dtype"], info["background"]) == ("uint8", "dark")
    loaded = load_model(path)
    assert loaded.background_ == "dark"
    assert loaded.class_weight == {0: 2.0, 9: 0.5}  # the keys stay classes, not "0"
    assert read_model_info(lenet.save(tmp_path / "plain.keras"))["class_names"][:2] == ["0", "1"]
    with pytest.raises(ValueError, match="class_names holds 2 names for 10 classes"):
        lenet.save(tmp_path / "bad.keras", class_names=["a", "b"])
    with pytest.raises(DamagedModelError, match="not a classifier saved by fashionnet"):
        lenet.model_.save(tmp_path / "keras.keras")
        read_model_info(tmp_path / "keras.keras")


# --------------------------------------------------------------------------- hostile destinations
def test_save_replaces_only_a_model_it_saved(lenet, small_test, tmp_path, monkeypatch):
    from fashionnet._ownership import NotOursError

    X_test, _ = small_test
    # Our own earlier file: replaced; an empty file: replaced; a missing parent: created.
    path = lenet.save(tmp_path / "new" / "deeper" / "lenet.keras")
    lenet.save(path)
    empty = tmp_path / "empty.keras"
    empty.touch()
    lenet.save(empty)
    np.testing.assert_array_equal(
        load_model(empty).predict(X_test[:20]), lenet.predict(X_test[:20])
    )
    # A user's file, a plain Keras model (not saved by fashionnet): refused and kept.
    for data in (b"my notes", None):
        mine = tmp_path / "mine.keras"
        if data is None:
            mine.unlink()
            lenet.model_.save(mine)
        else:
            mine.write_bytes(data)
        before = mine.read_bytes()
        with pytest.raises(
            NotOursError,
            match=r"mine\.keras exists and is not a model saved by "
            r"fashionnet; nothing was written: use another path, or "
            r"overwrite=True to replace it\.$",
        ):
            lenet.save(mine)
        assert mine.read_bytes() == before
    lenet.save(mine, overwrite=True)  # the explicit way out
    assert load_model(mine).classes_.tolist() == lenet.classes_.tolist()
    # A folder, a link to a user's file, the current folder.
    folder = tmp_path / "folder.keras"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    with pytest.raises(IsADirectoryError, match="is a folder"):
        lenet.save(folder, overwrite=True)
    target = tmp_path / "target.txt"
    target.write_text("mine")
    link = tmp_path / "link.keras"
    link.symlink_to(target)
    with pytest.raises(NotOursError, match="symbolic link"):
        lenet.save(link)
    lenet.save(link, overwrite=True)  # the link is replaced, its target kept
    assert not link.is_symlink() and target.read_text() == "mine"
    monkeypatch.chdir(folder)
    with pytest.raises(ValueError, match=r"got '\.'\. Try 'model\.keras'\.$"):
        lenet.save(".")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging left"


# ------------------------------------------------------- a state that disagrees with itself


def _with_state(saved, tmp_path, change):
    with zipfile.ZipFile(saved) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    state = json.loads(members["fashionnet.json"])
    change(state["fitted"])
    path = tmp_path / "inconsistent.keras"
    path.write_bytes(_zip({**members, "fashionnet.json": json.dumps(state).encode()}))
    return path


@pytest.mark.parametrize("n_classes", [9, 11])
def test_classes_that_disagree_with_the_network_are_refused_when_read(saved, tmp_path, n_classes):
    # 9 stored classes for 10 outputs used to end in an IndexError traceback from predict.
    def change(fitted):
        fitted["classes"] = list(range(n_classes))

    path = _with_state(saved, tmp_path, change)
    with pytest.raises(
        DamagedModelError, match=rf"network has 10 outputs but it stores {n_classes} classes"
    ):
        load_model(path)


def test_class_names_that_disagree_with_the_classes_are_refused_when_read(saved, tmp_path):
    from fashionnet.models.persistence import read_model_info

    def change(fitted):
        fitted["class_names"] = ["T-shirt", "Trouser"]

    path = _with_state(saved, tmp_path, change)
    for read in (load_model, read_model_info):
        with pytest.raises(DamagedModelError, match="stores 2 class names for 10 classes"):
            read(path)
