"""Time budgets: the epochs that fit in a number of seconds, and schedules laid out over them."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from fashionnet.models import LeNet5Classifier
from fashionnet.models._budget import Speed, plan_epochs, stretch_schedule
from fashionnet.models.resnet import ResNetClassifier

FAST = dict(activation="relu", pooling="max", random_state=0)


@pytest.fixture(scope="module")
def data(small_train):
    return small_train  # 600 real images


@pytest.fixture(scope="module")
def tiny(data):
    """A budget too short for anything: one epoch, with a warning."""
    with pytest.warns(UserWarning, match="too short for one epoch"):
        return LeNet5Classifier(**FAST, epochs=30, time_budget=0.01).fit(*data)


def test_a_tiny_budget_trains_one_epoch_and_says_so(tiny):
    assert tiny.epochs_ == 1 and len(tiny.history_) == 1
    facts = tiny.budget_
    assert facts["overrun"] and facts["epochs"] == 1 and facts["max_epochs"] == 30
    assert facts["step_seconds"] > 0 and facts["epoch_seconds"] > 0
    assert facts["fit_seconds"] > facts["time_budget"]


def test_a_larger_budget_gives_more_epochs(tiny, data):
    # Enough for about six epochs more than one needs, by the tiny fit's own
    # measurement: whatever this machine's speed, more than one fits.
    seconds = tiny.budget_["expected_seconds"] + 6 * tiny.budget_["epoch_seconds"]
    clf = LeNet5Classifier(**FAST, epochs=30, time_budget=seconds).fit(*data)
    assert 1 < clf.epochs_ <= 30 and not clf.budget_["overrun"]
    # The same network and batch: the speed the tiny fit measured is reused.
    assert not clf.budget_["measured_now"]
    assert clf.budget_["step_seconds"] == tiny.budget_["step_seconds"]
    # All the planned epochs ran, unless the machine slowed down and the guard said so.
    cut = clf.budget_["cut"]
    assert len(clf.history_) == clf.epochs_ if cut is None else len(clf.history_) < clf.epochs_


def test_a_budgeted_fit_is_the_fit_of_its_epochs(tiny, data):
    X, y = data
    again = LeNet5Classifier(**FAST, epochs=tiny.epochs_).fit(X, y)
    np.testing.assert_allclose(tiny.predict_proba(X[:50]), again.predict_proba(X[:50]), atol=1e-6)


def test_the_schedule_ends_at_the_last_step_of_the_chosen_epochs(data):
    X, y = data
    clf = ResNetClassifier(
        width=2, depth=0, augment=False, tta=False, batch_size=100, epochs=40, time_budget=0.01,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="too short"):
        clf.fit(X, y)
    optimizer = clf.model_.optimizer
    assert int(optimizer.iterations) == clf.epochs_ * 6  # 600 images, batches of 100
    # Warm-up and cosine laid out over the one epoch trained, not the 40 allowed:
    assert float(optimizer.learning_rate) == pytest.approx(0.0, abs=1e-7)


def test_a_given_schedule_is_stretched_over_the_chosen_epochs(data):
    X, y = data
    schedule = keras.optimizers.schedules.CosineDecay(0.01, decay_steps=20 * 19)  # 20 epochs
    clf = LeNet5Classifier(**FAST, epochs=20, learning_rate=schedule, time_budget=0.01)
    with pytest.warns(UserWarning, match="too short"):
        clf.fit(X, y)  # 19 steps of 32 images: one epoch instead of 20
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.0, abs=1e-7)
    assert schedule.decay_steps == 380  # the user's schedule is left as it was


def test_plan_epochs_fits_the_budget():
    speed = Speed(step_seconds=0.01, startup_seconds=2.0, probe_seconds=1.0, timed_steps=10)
    plan = plan_epochs(
        100.0, elapsed=5.0, rebuild_seconds=1.0, speed=speed, steps_per_epoch=900,
        validation_steps=0, max_epochs=50,
    )
    # 10 % of 100 s kept as a margin, then 90 - 5 - 1 - 2 = 82 s left, 9 s an epoch.
    assert plan["epochs"] == 9 and plan["epoch_seconds"] == pytest.approx(9.0)
    assert plan["expected_seconds"] == pytest.approx(89.0) and not plan["overrun"]
    capped = plan_epochs(
        1e6, elapsed=0, rebuild_seconds=0, speed=speed, steps_per_epoch=900,
        validation_steps=0, max_epochs=50,
    )
    assert capped["epochs"] == 50


def test_stretch_schedule_scales_every_step_count():
    warm = keras.optimizers.schedules.CosineDecay(
        0.0, 900, warmup_target=0.1, warmup_steps=100
    )
    half = stretch_schedule(warm, 0.5)
    assert (half.decay_steps, half.warmup_steps) == (450, 50)
    steps = keras.optimizers.schedules.PiecewiseConstantDecay([100, 200], [0.1, 0.01, 0.001])
    assert stretch_schedule(steps, 2.0).boundaries == [200, 400]
