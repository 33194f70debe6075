"""TransferClassifier's cached frozen-prefix features: same result, reuse, invalidation."""

from __future__ import annotations

import numpy as np
import pytest

from fashionnet.models import TransferClassifier, _feature_cache

# Random weights with the study's VGG16 depth (the last 5 layers train), the
# smallest input and a tiny head: the frozen prefix is blocks 1 to 4.
FAST = dict(
    weights=None,
    trainable_layers=5,
    input_size=32,
    head=(8,),
    epochs=1,
    batch_size=16,
    random_state=0,
    validation_split=0.25,
)


@pytest.fixture(scope="module")
def data(small_train):
    X, y = small_train
    return X[:64], y[:64]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("features")


@pytest.fixture(scope="module")
def pair(data, small_test, folder):
    """The same seeded fit without and with the cache."""
    plain = TransferClassifier(**FAST, cache_features=False).fit(*data)
    cached = TransferClassifier(**FAST, cache_features=True, cache_dir=folder).fit(*data)
    return plain, cached


def test_cached_fit_predicts_as_the_uncached_one(pair, small_test):
    plain, cached = pair
    assert cached.cache_info_["used"] and not plain.cache_info_["used"]
    # VGG16 is cut after block4_pool, its last weightless frozen layer.
    assert cached.cache_info_["cut"] == "block4_pool"
    assert cached.cache_info_["event"] == "computed"
    assert cached.cache_info_["seconds"] > 0
    # The fit's split left nodes of its tail graph on the layers: a second
    # split of the same network finds the same cut.
    assert _feature_cache.split_network(cached.model_, "vgg16").cut == "block4_pool"
    # model_ is the whole network: raw pixels in, the backbone nested inside.
    assert cached.model_.input.dtype == "uint8"
    assert [layer.name for layer in cached.model_.layers][:1] == ["pixels"]
    X_test = small_test[0][:100]
    np.testing.assert_allclose(cached.predict_proba(X_test), plain.predict_proba(X_test), atol=1e-5)
    np.testing.assert_allclose(cached.history_["val_loss"], plain.history_["val_loss"], rtol=1e-5)


def test_reuse_and_invalidation_by_each_key(pair, data, folder, small_train):
    X, y = data

    def event(X, y, **params):
        clf = TransferClassifier(**{**FAST, "cache_dir": folder, **params}).fit(X, y)
        return clf.cache_info_["event"]

    # Another head and learning rate: same frozen prefix and data, reused.
    assert event(X, y, head=(4,), learning_rate=1e-4) == "reused"
    # A CV fold: a subset of the cached images, taken from the cached set.
    assert event(X[8:40], y[8:40]) == "reused"
    # Each key changes the features: data, input size, split point, weights.
    other = small_train[0][64:112], small_train[1][64:112]
    assert event(*other) == "computed"  # images not in the cache
    assert event(X, y, input_size=40) == "computed"
    assert event(X, y, trainable_layers=3) == "computed"  # cut after block5_conv1
    assert event(X, y, random_state=1) == "computed"  # other random prefix weights


def test_cache_folder_survives_a_new_process_store(pair, data, folder):
    _feature_cache._SHARED.clear()  # what a new process sees
    clf = TransferClassifier(**FAST, cache_dir=folder).fit(*data)
    assert clf.cache_info_["event"] == "loaded"
    assert list(folder.glob("*.rows.npy"))


def test_memory_mapped_float16_features(data, monkeypatch):
    monkeypatch.setattr(_feature_cache, "MEMORY_BUDGET", 0)  # every set goes to a file
    cache = _feature_cache.shared_cache(None)
    params = {**FAST, "cache_dtype": "float16", "trainable_layers": 0}
    clf = TransferClassifier(**params).fit(*data)
    assert clf.cache_info_["used"]
    entry = next(reversed(cache._entries.values()))
    assert isinstance(entry.features, np.memmap) and entry.features.dtype == np.float16
    assert entry.path.is_file()
    assert clf.predict(data[0][:5]).shape == (5,)
    cache.clear()
    assert not entry.path.exists()


def test_true_says_why_it_cannot_cache(data):
    # weights=None without a depth trains every layer: nothing is frozen.
    params = {**FAST, "trainable_layers": None, "cache_features": True}
    with pytest.raises(ValueError, match="no frozen prefix to cache.*cache_features='auto'"):
        TransferClassifier(**params).fit(*data)
    auto = TransferClassifier(**{**params, "cache_features": "auto"}).fit(*data)
    assert not auto.cache_info_["used"] and "frozen prefix" in auto.cache_info_["reason"]


@pytest.mark.slow
def test_resnet152v2_splits_at_a_block_boundary(data):
    clf = TransferClassifier("resnet152v2", **{**FAST, "trainable_layers": 64}).initialize(*data)
    split = _feature_cache.split_network(clf.model_, "resnet152v2")
    # The last 64 layers start inside conv4_block34: the cut is the block before it.
    assert split.cut == "conv4_block33_out"
    backbone = clf.model_.get_layer("resnet152v2")
    assert backbone.layers[len(backbone.layers) - 64].name.startswith("conv4_block34_")
    tail = {w.path for w in split.tail.trainable_weights}
    assert tail == {w.path for w in clf.model_.trainable_weights}
    assert not split.prefix.trainable_weights


def test_clear_feature_cache_frees_the_store(data):
    from fashionnet.models import clear_feature_cache

    clf = TransferClassifier(**FAST).fit(*data)
    assert clf.cache_info_["used"]
    assert _feature_cache.shared_cache(None)._entries
    clear_feature_cache()
    assert not _feature_cache.shared_cache(None)._entries
    again = TransferClassifier(**FAST).fit(*data)
    assert again.cache_info_["event"] == "computed"
