"""Time budgets: the epochs that fit in a number of seconds, and schedules laid out over them."""

from __future__ import annotations

import warnings

import keras
import numpy as np
import pytest
from sklearn.base import clone

from fashionnet.models import LeNet5Classifier, _budget
from fashionnet.models._budget import (
    Speed,
    plan_epochs,
    remember_speed,
    speed_key,
    stretch_schedule,
)
from fashionnet.models.persistence import load_model
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


# --------------------------------------------------------------------------- the closed loop
# A simulated clock drives the budget: each training step advances it by the
# seconds the test says, so what the loop decides does not depend on this
# machine's speed. The first plan comes from a speed the test plants.

STEPS = 12  # 600 images in batches of 50


class SimulatedClock(keras.callbacks.Callback):
    """A clock the test drives, and a record of the rate at each epoch's end."""

    def __init__(self, step_seconds):
        super().__init__()
        self.now = 0.0
        self.step_seconds = step_seconds  # epoch -> seconds per training step
        self.epoch = 0
        self.rates: list[float] = []

    def __call__(self) -> float:
        return self.now

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self.now += self.step_seconds(self.epoch)

    def on_epoch_end(self, epoch, logs=None):
        # The rate the optimizer is at after the epoch's last step.
        self.rates.append(float(self.model.optimizer.learning_rate))


@pytest.fixture
def planted(monkeypatch):
    """Plant a measured speed for a network (an empty speed memory for this test)."""
    monkeypatch.setattr(_budget, "_SPEEDS", {})

    def plant(clf, X, y, step_seconds):
        model = clone(clf).set_params(time_budget=None).initialize(X, y).model_
        remember_speed(
            speed_key(model, clf.batch_size),
            Speed(step_seconds=step_seconds, startup_seconds=0.0, probe_seconds=0.0,
                  timed_steps=10),
        )

    return plant


def budgeted_fit(clf, data, planted, clock, planted_step):
    X, y = data
    planted(clf, X, y, planted_step)
    clf.set_params(callbacks=[clock])
    clf._clock = clock  # the budget reads the simulated clock
    return clf.fit(X, y)


def lenet(**params):
    schedule = keras.optimizers.schedules.CosineDecay(0.01, 20 * STEPS, alpha=0.1)  # ends at 1e-3
    return LeNet5Classifier(
        **{**FAST, "batch_size": 50, "epochs": 20, "learning_rate": schedule, **params}
    )


def assert_landed(clf, clock, final):
    """The schedule ended at the last step that ran, within the budget and its grace."""
    facts = clf.budget_
    assert facts["landed"] and facts["cut"] is None
    assert clf.epochs_ == facts["epochs_run"] == len(clf.history_) == len(clock.rates)
    optimizer = clf.model_.optimizer
    assert int(optimizer.iterations) == clf.epochs_ * STEPS
    assert clock.rates[-1] == pytest.approx(final, rel=1e-4)
    assert float(optimizer.learning_rate) == pytest.approx(final, rel=1e-4)
    # A decaying rate, re-laid without a jump: it falls at every epoch, to its end.
    assert all(a > b for a, b in zip(clock.rates[:-1], clock.rates[1:], strict=True))
    assert clock.now <= facts["time_budget"] * (1 + _budget.GRACE)
    assert facts["fit_seconds"] == pytest.approx(clock.now)


def test_a_slowdown_mid_fit_is_planned_for_and_the_schedule_still_ends(data, planted):
    # 0.125 s a step as planted (1.5-s epochs), twice as slow from the fourth epoch on.
    clock = SimulatedClock(lambda epoch: 0.125 if epoch < 3 else 0.25)
    clf = budgeted_fit(lenet(time_budget=14.0), data, planted, clock, 0.125)
    # First plan: 90 % of 14 s in 1.5-s epochs, 8 epochs. The epochs timed
    # need no margin (9); the slowdown brings the plan down to 6.
    assert clf.budget_["epochs"] == 8
    assert clf.budget_["replans"] == [[1, 9], [4, 6]]
    assert clf.epochs_ == 6 and clock.now == pytest.approx(13.5)
    assert_landed(clf, clock, final=1e-3)


def test_a_speed_up_uses_the_budget_up_to_epochs(data, planted):
    # Planted three times slower than it runs: a pessimistic first plan of 2.
    clock = SimulatedClock(lambda epoch: 0.125)
    clf = budgeted_fit(lenet(time_budget=14.0), data, planted, clock, 0.375)
    assert clf.budget_["epochs"] == 2
    assert clf.budget_["replans"] == [[1, 9]]
    assert clf.epochs_ == 9 and clock.now == pytest.approx(13.5)
    assert_landed(clf, clock, final=1e-3)
    # Fast enough for more than `epochs`: never beyond it, the schedule ending there.
    clock = SimulatedClock(lambda epoch: 1 / 128)
    for_six = keras.optimizers.schedules.CosineDecay(0.01, 6 * STEPS, alpha=0.1)
    clf = budgeted_fit(
        lenet(time_budget=14.0, epochs=6, learning_rate=for_six), data, planted, clock, 0.375
    )
    assert clf.budget_["epochs"] == 2 and clf.budget_["replans"] == [[1, 6]]
    assert clf.epochs_ == 6
    assert_landed(clf, clock, final=1e-3)


def test_a_fit_far_slower_than_its_budget_is_cut_and_says_so(data, planted):
    clock = SimulatedClock(lambda epoch: 0.125 if epoch < 1 else 10.0)
    clf = budgeted_fit(lenet(time_budget=14.0), data, planted, clock, 0.125)
    # The second epoch took 120 s: one more would pass the budget and its grace.
    assert clf.epochs_ == 2 and not clf.budget_["landed"]
    assert "past the 14-s budget" in clf.budget_["cut"]


def test_the_resnet_schedule_follows_the_replans_to_zero(data, planted):
    clock = SimulatedClock(lambda epoch: 0.125 if epoch < 2 else 0.1875)
    clf = ResNetClassifier(
        width=2, depth=0, augment=False, tta=False, batch_size=50, epochs=12,
        time_budget=8.0, random_state=0,
    )
    clf = budgeted_fit(clf, data, planted, clock, 0.125)
    # Planned 4, then 5 from the epochs timed, then 4 when they slowed down.
    assert clf.budget_["epochs"] == 4 and clf.budget_["replans"] == [[1, 5], [3, 4]]
    # The warm-up rose, then the cosine fell to 0 at the last step that ran.
    assert max(clock.rates) > clock.rates[-1]
    assert clock.rates[-1] == pytest.approx(0.0, abs=1e-7)
    assert int(clf.model_.optimizer.iterations) == clf.epochs_ * STEPS
    assert clf.budget_["landed"] and clock.now == pytest.approx(7.5)


def test_a_fit_without_a_budget_keeps_its_plain_schedule(data):
    X, y = data
    clf = ResNetClassifier(
        width=2, depth=0, augment=False, tta=False, batch_size=100, epochs=2, random_state=0,
    ).fit(X, y)
    config = clf.model_.optimizer.get_config()["learning_rate"]
    assert config["class_name"] == "CosineDecay"  # not laid out by a budget's loop
    assert config["config"]["decay_steps"] + config["config"]["warmup_steps"] == 2 * 6
    assert not hasattr(clf, "budget_") and clf.epochs_ == 2


def test_a_budgeted_model_saves_and_loads_its_optimizer(data, planted, tmp_path):
    clock = SimulatedClock(lambda epoch: 0.125)
    clf = budgeted_fit(lenet(time_budget=6.0), data, planted, clock, 0.125)
    assert clf.budget_["replans"]  # the schedule's variables were re-assigned
    clf.set_params(callbacks=None)
    with pytest.warns(UserWarning, match="not saved"):  # the schedule object, a parameter
        path = clf.save(tmp_path / "budgeted.keras")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = load_model(path)
    assert not [w for w in caught if "Skipping variable loading" in str(w.message)]
    np.testing.assert_allclose(
        again.predict_proba(data[0][:20]), clf.predict_proba(data[0][:20]), atol=1e-6
    )
