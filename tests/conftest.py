"""Shared fixtures: small slices of the real Fashion-MNIST.

Tests that need the real data get it through ``fashion_train`` /
``fashion_test``. Where the data is missing they skip on a developer's
machine but FAIL under CI (``CI`` set), where the Debian package is installed.
"""

from __future__ import annotations

import os

import numpy as np
import pytest


def _load(kind: str):
    from fashionnet.datasets import load_fashion_mnist

    try:
        return load_fashion_mnist(kind, download=False)
    except FileNotFoundError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"real Fashion-MNIST is required under CI: {exc}")
        pytest.skip(f"real Fashion-MNIST not installed: {exc}")


@pytest.fixture(scope="session")
def fashion_train():
    """The full real training split, (60000, 28, 28) uint8 and (60000,) uint8."""
    return _load("train")


@pytest.fixture(scope="session")
def fashion_test():
    """The full real test split, (10000, 28, 28) uint8 and (10000,) uint8."""
    return _load("test")


def stratified_slice(X, y, n, seed=0):
    """A class-balanced random slice of ``n`` images (n a multiple of 10)."""
    rng = np.random.default_rng(seed)
    per_class = n // 10
    idx = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in range(10)]
    )
    rng.shuffle(idx)
    return X[idx], y[idx]


@pytest.fixture(scope="session")
def small_train(fashion_train):
    """600 balanced real training images (60 per class)."""
    return stratified_slice(*fashion_train, 600, seed=0)


@pytest.fixture(scope="session")
def small_test(fashion_test):
    """200 balanced real test images (20 per class)."""
    return stratified_slice(*fashion_test, 200, seed=1)


# --------------------------------------------------------------------------- backends
#: The tests CI also runs on Keras' JAX and PyTorch backends, without
#: TensorFlow (``make test-jax``: all of them; ``make test-torch``: those under
#: tests/models), marked ``backend`` here so that the list lives in one place:
#: what every backend must do (fit, predict, determinism, logs, save and load,
#: a search, evaluation, the CLI, the smoke study), a few seconds each. A name listed here that no
#: longer exists in its file fails the run, so no test drops out unseen.
BACKEND_TESTS = {
    "tests/test_backend.py": "*",
    "tests/models/test_base.py": {
        "test_fit_sets_learned_attributes",
        "test_random_state_gives_identical_predictions",
        "test_layouts_are_equivalent",
        "test_validation_split_and_early_stopping",
        "test_callbacks_tensorboard_and_csv",
        "test_partial_fit_adds_epochs",
    },
    "tests/models/test_lenet.py": {
        "test_default_is_the_study_network",
        "test_learns_real_fashion_mnist",
        "test_standardize_learns_pixel_moments_in_the_graph",
    },
    "tests/models/test_transfer.py": {"test_graph_does_the_preparation"},
    "tests/models/test_persistence.py": {
        "test_round_trip_gives_equal_predictions",
        "test_file_is_keras_native_and_loads_in_safe_mode",
        "test_loaded_model_keeps_training",
    },
    "tests/models/test_composition.py": {"test_pickle_round_trip"},
    # Refused on TensorFlow and PyTorch; on JAX, two host devices (the JAX job's XLA_FLAGS).
    "tests/models/test_distribution.py": "*",
    "tests/models/test_training_options.py": {
        "test_validation_data_feeds_the_history_and_early_stopping",
        "test_warm_start_goes_on_training_the_fitted_network",
    },
    "tests/models/test_resnet.py": {
        "test_learns_real_fashion_mnist",
        "test_save_load_keeps_predictions_identical",
    },
    "tests/tuning/test_search.py": {
        "test_search_results",
        "test_best_estimator_refit_on_all_data",
    },
    "tests/tuning/test_tuner.py": {
        "test_trial_score_is_best_epoch_of_its_csv_log",
        "test_lenet_cross_validated_trial_logs_each_fold",
    },
    "tests/evaluation/test_classification.py": {"test_evaluate_lenet_on_raw_images"},
    "tests/evaluation/test_cross_validation.py": {"test_cv_lenet_keeps_fold_histories"},
    "tests/test_cli.py": {
        "test_train_fits_evaluates_and_saves",
        "test_tune_runs_a_small_search_and_resumes",
    },
    # Not the smoke study's 150-s budget: it is TensorFlow's on this CPU, where
    # JAX compiles each of the study's models for longer (--durations shows it).
    "tests/study/test_runner.py": {
        "test_report_has_every_section_in_order",
        "test_metrics_hold_the_study_numbers",
        "test_outputs_models_and_records",
        "test_second_run_resumes_through_the_cli",
    },
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`BACKEND_TESTS` ``backend``; refuse stale entries."""
    root = config.rootpath
    stale = []
    for path, names in BACKEND_TESTS.items():
        source = root / path
        text = source.read_text() if source.is_file() else ""
        if not text:
            stale.append(path)
        elif names != "*":
            stale += [f"{path}::{name}" for name in sorted(names) if f"def {name}(" not in text]
    if stale:
        raise pytest.UsageError(
            f"tests/conftest.py BACKEND_TESTS lists tests that do not exist: {stale}"
        )
    for item in items:
        if not item.path.is_relative_to(root):
            continue
        names = BACKEND_TESTS.get(item.path.relative_to(root).as_posix())
        if names == "*" or (names and getattr(item, "originalname", item.name) in names):
            item.add_marker(pytest.mark.backend)
