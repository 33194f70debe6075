"""Predictions do not depend on the order or the company of the rows, to float32 precision.

scikit-learn's ``check_methods_sample_order_invariance`` and
``check_methods_subset_invariance`` ask the same at 1e-7 relative, which
batched float32 inference misses in the last bit on some processors (the
kernels sum a batch in an order that depends on where a row sits). They are
expected failures in test_composition.py; this file is their proof at the
precision float32 networks promise: 1e-6 absolute on probabilities, and the
same labels wherever the top two probabilities are further apart than that.
A network that computes in bfloat16 (ResNetClassifier's ``dtype_policy="auto"``
on a processor with bfloat16 instructions) promises bfloat16's precision:
1e-2.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fashionnet.models import LeNet5Classifier, TransferClassifier
from fashionnet.models.resnet import ResNetClassifier

#: Tolerance on probabilities: float32's, and bfloat16's for mixed precision.
ATOL = {"float32": 1e-6, "mixed_bfloat16": 1e-2}

ESTIMATORS = {
    "lenet5": lambda: LeNet5Classifier(epochs=1, random_state=0),
    "lenet5-relu": lambda: LeNet5Classifier(
        activation="relu", pooling="max", epochs=1, random_state=0
    ),
    "transfer": lambda: TransferClassifier(
        "vgg16", weights=None, input_size=32, trainable_layers=0, head=(16,), epochs=1,
        random_state=0,
    ),
    "resnet": lambda: ResNetClassifier(
        width=2, epochs=1, batch_size=64, random_state=0, dtype_policy="float32"
    ),
    "resnet-bfloat16": lambda: ResNetClassifier(
        width=2, epochs=1, batch_size=64, random_state=0, dtype_policy="mixed_bfloat16"
    ),
}


@pytest.fixture(scope="module", params=sorted(ESTIMATORS))
def fitted(request, small_train, fashion_test):
    X, y = small_train
    clf = ESTIMATORS[request.param]().fit(X[:300], y[:300])
    # 300 images: predicted in batches of 256 and 44; subsets go in one batch
    # or through Keras' batched predict.
    X_test = fashion_test[0][:300]
    return clf, X_test, clf.predict_proba(X_test)


def _assert_same_predictions(clf, proba, expected):
    atol = ATOL[clf.dtype_policy_]
    np.testing.assert_allclose(proba, expected, atol=atol, rtol=0)
    top2 = np.sort(expected, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 2 * atol
    labels = clf.classes_[np.argmax(proba, axis=1)]
    np.testing.assert_array_equal(labels[clear], clf.classes_[np.argmax(expected, axis=1)][clear])


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1))
def test_row_order_does_not_change_predictions(fitted, seed):
    clf, X, expected = fitted
    order = np.random.default_rng(seed).permutation(len(X))
    _assert_same_predictions(clf, clf.predict_proba(X[order]), expected[order])


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), size=st.integers(1, 299))
def test_a_subset_is_predicted_as_in_the_whole(fitted, seed, size):
    clf, X, expected = fitted
    rows = np.sort(np.random.default_rng(seed).choice(len(X), size, replace=False))
    _assert_same_predictions(clf, clf.predict_proba(X[rows]), expected[rows])


def test_one_image_at_a_time_matches_the_batch(fitted):
    clf, X, expected = fitted
    one_by_one = np.concatenate([clf.predict_proba(X[i : i + 1]) for i in range(10)])
    _assert_same_predictions(clf, one_by_one, expected[:10])
