"""How big a study run is, and which models it trains: :class:`StudyProfile`.

A profile holds the LeNet-5 tuning and cross-validation settings of the
study and one :class:`ModelPlan` per trained model. A plan names a model of
:mod:`fashionnet.registry` and gives its data sizes and estimator
parameters, so a setting can be followed from here to the ``fit`` call:
:func:`fashionnet.study.stages.build_stages` binds each plan to
:func:`fashionnet.study.stages.train_model`, which passes ``plan.params`` to
:meth:`fashionnet.registry.ModelSpec.make`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

__all__ = ["ModelPlan", "StudyProfile", "PROFILES", "SMOKE", "QUICK", "FULL"]

#: Seed of every subset, split and fit of a study run.
SEED = 0
#: The quick profile's wall-clock budget: 15 minutes on any machine.
QUICK_BUDGET = 900.0
#: Training images of the quick profile's VGG16 and ResNet152V2 with ImageNet
#: weights: their frozen layers run once per image (cached features), so
#: they afford more images than the 1000 of uncached fine-tuning.
QUICK_TRANSFER_IMAGES = (4000, 3000)
#: The fast LeNet-5 whose out-of-fold probabilities flag suspected label
#: errors: ReLU, max pooling and standardised pixels learn in a few epochs
#: where the study's tanh network needs tens. ``epochs`` is the knob that
#: sizes the stage (each fold fits this many epochs).
FAST_LENET_PARAMS = {
    "standardize": True,
    "activation": "relu",
    "pooling": "max",
    "learning_rate": 3e-3,
    "batch_size": 128,
}


@dataclass(frozen=True)
class ModelPlan:
    """How a profile trains one registered model.

    Parameters
    ----------
    stage : str
        Name of the stage (and of its ``metrics.json`` entry, figures and
        saved model): the model's registry key, unless a profile trains one
        model twice.
    model : str
        Registry key of the model (:func:`fashionnet.registry.get_model`).
    title : str
        How the report names this run of the model.
    train_size, test_size : int or None, default=None
        Balanced subsets of the training and test splits; None is all.
    params : dict, default={}
        Estimator parameters. ``weights="imagenet"`` falls back to random
        weights, said in the report, when they cannot be downloaded.
    tuned : bool, default=False
        Take the tuning stage's best parameters on top of ``params``.
    save_model : bool, default=True
        Save the fitted model under ``models/``.
    without_weights : {"scratch", "skip"}, default="scratch"
        What a model asked for ``weights="imagenet"`` does when they cannot
        be had (no network): ``"scratch"`` trains every layer from random
        weights, with ``scratch_params``; ``"skip"`` leaves the model out,
        and the report says why. Training VGG16 or ResNet152V2 from scratch
        takes a GPU: on 2 CPU cores, VGG16 at 32x32 reaches 0.21 test
        accuracy after 3 epochs on 3000 images (111 s), so a CPU-sized
        profile skips them.
    scratch_params : dict, default={}
        Parameters added to ``params`` for training from scratch (a learning
        rate that trains the whole network without collapsing).
    """

    stage: str
    model: str
    title: str
    train_size: int | None = None
    test_size: int | None = None
    params: dict = field(default_factory=dict)
    tuned: bool = False
    save_model: bool = True
    without_weights: str = "scratch"
    scratch_params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.without_weights not in ("scratch", "skip"):
            raise ValueError(
                f"ModelPlan {self.stage!r}: without_weights must be 'scratch' or 'skip'; "
                f"got {self.without_weights!r}."
            )


@dataclass(frozen=True)
class StudyProfile:
    """The scale of a study run.

    Sizes of ``None`` mean all the data. See :data:`PROFILES` for the three
    predefined profiles.

    Parameters
    ----------
    name : str
        Profile name.
    description : str
        One line on what the profile is for.
    train_size, test_size : int or None
        Training and test images of LeNet-5's tuning and cross-validation;
        balanced subsets of the real splits.
    audit_size : int or None
        Training rows audited.
    max_trials : int
        Random-search trials.
    learning_rates, batch_sizes, epochs : tuple
        The search space.
    early_stopping : int or None
        Patience in epochs (on the validation loss) in every LeNet-5 fit of
        the tuning and the cross-validation.
    cv_folds : int
        Folds of the cross-validation.
    models : tuple of ModelPlan
        The models trained and compared, in report order.
    preprocessing_size : int
        Side of the square RGB input shown for the ImageNet backbones in the
        preprocessing table.
    run_eagerly : bool
        Train and predict eagerly: for a handful of steps, tracing a graph
        (ResNet152V2's 564 layers above all) costs far more than running it.
    cv_size : int or None
        Training images of the cross-validation (balanced subset; None is
        all), split into ``cv_folds`` folds.
    budget : float or None
        Default wall-clock budget of a run, in seconds (``--budget``
        overrides it); None trains every model for the epochs its plan gives.
    budget_shares : dict of str to float
        With a budget: the relative share of the budget each training stage
        gets (by stage name), out of the time left when it starts (see
        :class:`~fashionnet.study.budget.RunBudget`). Within a budget the
        epochs of the plans and of the search space are the most a fit
        trains: each fit trains the epochs that fit in its share.
    budget_reserve : float
        With a budget: seconds kept for the stages after the last training
        stage (the comparison, the report).
    near_duplicate_size : int or None
        Training images searched for near-duplicates, within the split and
        against every test image.
    label_issue_size : int or None
        Training images scored out of fold for suspected label errors and
        class outliers.
    label_issue_cv : int
        Folds of those out-of-fold probabilities.
    label_issue_params : dict
        Parameters of the LeNet-5 that computes them
        (:data:`FAST_LENET_PARAMS` plus its epochs).
    """

    name: str
    description: str
    train_size: int | None
    test_size: int | None
    audit_size: int | None
    max_trials: int
    learning_rates: tuple = (1e-2, 1e-3, 1e-4)
    batch_sizes: tuple = (32, 64, 128)
    epochs: tuple = (10, 20, 30)
    early_stopping: int | None = 5
    cv_folds: int = 5
    models: tuple = ()
    preprocessing_size: int = 48
    run_eagerly: bool = False
    cv_size: int | None = None
    budget: float | None = None
    budget_shares: dict = field(default_factory=dict)
    budget_reserve: float = 0.0
    near_duplicate_size: int | None = None
    label_issue_size: int | None = None
    label_issue_cv: int = 5
    label_issue_params: dict = field(default_factory=lambda: {**FAST_LENET_PARAMS, "epochs": 10})

    def settings(self) -> dict:
        """The profile as plain JSON-serialisable Python."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def plan(self, stage: str) -> ModelPlan:
        """The model plan of ``stage``."""
        for plan in self.models:
            if plan.stage == stage:
                return plan
        raise KeyError(f"profile {self.name!r} has no model stage {stage!r}.")


def _transfer_plans(
    *,
    train_size: int | None | tuple[int | None, int | None],
    test_size: int | None,
    epochs: int,
    batch_size: int,
    input_size: int,
    weights: str | None,
    save_model: bool,
    head: tuple | None = None,
    without_weights: str = "scratch",
    extra: dict | None = None,
) -> tuple[ModelPlan, ...]:
    """The study's two fine-tuned backbones, trained alike.

    ``train_size`` may be a pair (VGG16, ResNet152V2). Without ImageNet
    weights they follow ``without_weights`` (see :class:`ModelPlan`); from
    scratch they train with Adam at 1e-4, which does not collapse to one
    class as 1e-3 does.
    """
    params = {
        "weights": weights,
        "input_size": input_size,
        "epochs": epochs,
        "batch_size": batch_size,
        "validation_split": 0.2,
        **(extra or {}),
    }
    if head is not None:
        params["head"] = head
    sizes = train_size if isinstance(train_size, tuple) else (train_size, train_size)
    return tuple(
        ModelPlan(
            stage=key,
            model=key,
            title=f"{display} transfer",
            train_size=size,
            test_size=test_size,
            params=dict(params),
            save_model=save_model,
            without_weights=without_weights,
            scratch_params={"learning_rate": 1e-4},
        )
        for (key, display), size in zip(
            (("vgg16", "VGG16"), ("resnet152v2", "ResNet152V2")), sizes, strict=True
        )
    )


def _lenet_plan(train_size: int | None, test_size: int | None, early_stopping: int | None):
    """LeNet-5 refitted with the best hyperparameters of the search."""
    return ModelPlan(
        stage="lenet5",
        model="lenet5",
        title="LeNet-5, best hyperparameters",
        train_size=train_size,
        test_size=test_size,
        params={"validation_split": 0.2, "early_stopping": early_stopping},
        tuned=True,
    )


def _lenet_sgd_plan(train_size: int | None, test_size: int | None, epochs: int, batch_size: int):
    """The study's LeNet-5 network with fashionnet's recipe (0.896 in 30 epochs).

    Standardised pixels, SGD with Nesterov momentum 0.9 and a cosine decay of
    the learning rate from 0.05 to 0 over the fit, as Keras configs so that
    the profile stays plain data.
    """
    n_train = 60000 if train_size is None else train_size
    steps = epochs * -(-n_train // batch_size)
    return ModelPlan(
        stage="lenet5_sgd",
        model="lenet5",
        title="LeNet-5, SGD recipe",
        train_size=train_size,
        test_size=test_size,
        params={
            "standardize": True,
            "optimizer": {"class_name": "SGD", "config": {"momentum": 0.9, "nesterov": True}},
            "learning_rate": {
                "class_name": "CosineDecay",
                "config": {"initial_learning_rate": 0.05, "decay_steps": steps},
            },
            "batch_size": batch_size,
            "epochs": epochs,
        },
    )


def _resnet_plan(
    train_size: int | None, test_size: int | None, params: dict | None = None
) -> ModelPlan:
    """The compact residual CNN, trained with its own recipe (its defaults)."""
    return ModelPlan(
        stage="resnet",
        model="resnet",
        title="Compact ResNet (beyond the study)",
        train_size=train_size,
        test_size=test_size,
        params=dict(params or {}),
    )


#: The study's own settings. Its report lists the learning rates it searched
#: (1.0, 1e-2, 1e-3, 1e-4: 1.0 is dropped here, Adam diverges at once); the
#: batch sizes and epochs it searched are not in the report, so fashionnet
#: searches 32/64/128 and 10/20/30 epochs with the study's early stopping.
#: Beyond the study: LeNet-5 with fashionnet's SGD recipe and the compact
#: ResNet with its benchmark recipe, both on all the data.
FULL = StudyProfile(
    name="full",
    description="the study's settings: 100 trials, 5 folds, all the data, 48x48x3 "
    "transfer inputs (hours on a CPU; use a GPU)",
    train_size=None,
    test_size=None,
    audit_size=None,
    max_trials=100,
    models=(
        _lenet_plan(None, None, 5),
        _lenet_sgd_plan(None, None, epochs=30, batch_size=32),
        *_transfer_plans(
            train_size=None,
            test_size=None,
            epochs=10,
            batch_size=128,
            input_size=48,
            weights="imagenet",
            save_model=True,
        ),
        _resnet_plan(None, None),
    ),
)

#: 15 minutes of wall time on any machine (``--budget``), measured, not
#: guessed: each training stage gets its share of the time left when it
#: starts, and each fit trains the epochs that fit in it. The study's own
#: LeNet-5 learns slowly (its sigmoid-squashed average pooling; about 0.85
#: test accuracy after 25 epochs on 48000 images), so the refit and the
#: cross-validation train on all the data for as long as their shares allow.
#: The refit's share is sized for the study's 0.85 (13 epochs gave 0.847 on a
#: slow machine, where a plain-Keras LeNet-5 epoch took 10 s). The study's
#: cross-validation figure, 0.8828, came from one model trained on across its
#: five folds; fresh fold models cannot reach it in 15 minutes of CPU (three
#: on all the data gave 0.7779), so the quick profile does not try: its three
#: folds split the tuning's 12000 images, a small share measuring how a fold
#: model varies, and the report sets both figures side by side. The `full`
#: profile gives the fresh-fold figure at the study's scale (on a GPU). The
#: compact ResNet, the best model, gets the largest share, last, with
#: whatever the other stages left.
QUICK = StudyProfile(
    name="quick",
    description="the whole study within a 15-minute wall-clock budget, on any machine",
    train_size=12000,
    test_size=None,
    audit_size=None,
    max_trials=6,
    epochs=(30,),
    cv_folds=3,
    cv_size=12000,
    models=(
        _lenet_plan(None, None, 5),
        _lenet_sgd_plan(None, None, epochs=30, batch_size=32),
        *_transfer_plans(
            train_size=QUICK_TRANSFER_IMAGES,
            test_size=1000,
            epochs=5,
            batch_size=64,
            input_size=48,
            weights="imagenet",
            save_model=True,
            without_weights="skip",
        ),
        _resnet_plan(None, None, {"epochs": 30}),
    ),
    budget=QUICK_BUDGET,
    budget_shares={
        "label_issues": 1.2,
        "tuning": 1.0,
        "lenet5": 4.5,
        "cross_validation": 1.0,
        "lenet5_sgd": 1.0,
        "vgg16": 2.0,
        "resnet152v2": 2.0,
        "resnet": 10.0,
    },
    budget_reserve=15.0,
    label_issue_cv=3,
    label_issue_params={**FAST_LENET_PARAMS, "epochs": 2},
)

SMOKE = StudyProfile(
    name="smoke",
    description="every stage end to end on tiny subsets in under a minute (for tests)",
    train_size=300,
    test_size=200,
    audit_size=2000,
    max_trials=2,
    batch_sizes=(64, 128),
    epochs=(1,),
    early_stopping=None,
    cv_folds=2,
    cv_size=300,
    models=(
        _lenet_plan(300, 200, None),
        _lenet_sgd_plan(300, 200, epochs=1, batch_size=64),
        *_transfer_plans(
            train_size=64,
            test_size=100,
            epochs=1,
            batch_size=32,
            input_size=32,
            weights=None,
            save_model=False,
            head=(16,),
            # Two trainable layers: the smoke run goes through the feature cache.
            extra={"trainable_layers": 2},
        ),
        _resnet_plan(300, 200, {"width": 4, "epochs": 1, "batch_size": 64}),
    ),
    preprocessing_size=32,
    run_eagerly=True,
    near_duplicate_size=1000,
    label_issue_size=600,
    label_issue_cv=2,
    label_issue_params={**FAST_LENET_PARAMS, "epochs": 1},
)

#: The predefined profiles by name.
PROFILES: dict[str, StudyProfile] = {p.name: p for p in (SMOKE, QUICK, FULL)}
