"""The stages of a study run, each a function of what it needs.

:func:`build_stages` turns a :class:`~fashionnet.study.profiles.StudyProfile`
into the run's stages, binding each stage function to the profile settings
it reads: the data, audit, near-duplicate, label-error, exploration,
preprocessing, tuning and cross-validation stages, one :func:`train_model` stage per
:class:`~fashionnet.study.profiles.ModelPlan` (any registered model, no
per-model code), and the comparison. A stage returns what it measured as a
record (:mod:`fashionnet.study.records`); :mod:`fashionnet.study.runner`
writes it and resumes from it.

The stage functions live by concept: :mod:`.data` (the data, audit,
exploration and preprocessing stages), :mod:`.lenet` (tuning and
cross-validation), :mod:`.training` (any model) and :mod:`.comparison`;
the near-duplicate and label-error stages are
:mod:`fashionnet.study.data_quality`'s. :func:`build_stages` looks each one
up in this package when the stage runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fashionnet.progress import ProgressStream
from fashionnet.registry import get_model  # noqa: F401 (tests reach it here)

from ..data_quality import near_duplicates, suspected_label_errors
from ..jobs import IN_PROCESS, StudyJobs
from ..profiles import StudyProfile
from ..records import Record
from ..workspace import StudyData, StudyFiles
from .comparison import CV_STUDY_ACCURACY, CV_TITLE, compare
from .data import audit, describe_data, explore, show_preprocessing
from .lenet import cross_validate_lenet, tune_lenet
from .training import train_model

__all__ = [
    "CV_STUDY_ACCURACY",
    "CV_TITLE",
    "Stage",
    "audit",
    "build_stages",
    "compare",
    "cross_validate_lenet",
    "describe_data",
    "explore",
    "near_duplicates",
    "show_preprocessing",
    "suspected_label_errors",
    "train_model",
    "tune_lenet",
]


@dataclass(frozen=True)
class Stage:
    """One step of the study: a name (its record's), a title and a function.

    ``reads`` names the stages whose records ``run`` uses: when one of them
    runs again, so does this one. A ``budgeted`` stage trains models: its
    ``run`` takes the seconds it may spend (None: no budget; its fits train
    the epochs the profile gives).
    """

    name: str
    title: str
    run: Callable[..., Record]
    reads: tuple[str, ...] = ()
    budgeted: bool = False


def build_stages(
    profile: StudyProfile,
    *,
    data: StudyData,
    files: StudyFiles,
    progress: ProgressStream,
    results: dict[str, Record],
    jobs: StudyJobs = IN_PROCESS,
) -> tuple[Stage, ...]:
    """The stages of a run of ``profile``, in order, each bound to what it reads.

    ``results`` is the run's dict of finished stages' records (the tuned
    model stages and the comparison read it); ``files`` collects the files
    each stage writes; ``jobs`` says where the label-error and
    cross-validation stages fit their folds (the other stages run here).
    """
    tuned_title = next((p.title for p in profile.models if p.tuned), "LeNet-5")
    stages = [
        Stage("data", "Data", lambda: describe_data(data=data, profile=profile)),
        Stage(
            "audit",
            "Audit",
            lambda: audit(data=data, files=files, audit_size=profile.audit_size),
        ),
        Stage(
            "near_duplicates",
            "Near-duplicates and train/test leakage",
            lambda: near_duplicates(data=data, files=files, size=profile.near_duplicate_size),
        ),
        Stage(
            "label_issues",
            "Suspected label errors and odd images",
            lambda seconds=None: suspected_label_errors(
                data=data,
                files=files,
                progress=progress,
                profile=profile,
                seconds=seconds,
                jobs=jobs,
            ),
            budgeted=True,
        ),
        Stage("exploration", "Exploration figures", lambda: explore(data=data, files=files)),
        Stage(
            "preprocessing",
            "Preprocessing",
            lambda: show_preprocessing(data=data, profile=profile),
        ),
        Stage(
            "tuning",
            "Tuning LeNet-5",
            lambda seconds=None: tune_lenet(
                data=data, files=files, progress=progress, profile=profile, seconds=seconds
            ),
            budgeted=True,
        ),
    ]
    for plan in profile.models:
        stages.append(
            Stage(
                plan.stage,
                f"{plan.title}: fit and evaluation",
                lambda seconds=None, plan=plan: train_model(
                    plan,
                    data=data,
                    files=files,
                    progress=progress,
                    run_eagerly=profile.run_eagerly,
                    results=results,
                    seconds=seconds,
                ),
                reads=("tuning",) if plan.tuned else (),
                budgeted=True,
            )
        )
        if plan.tuned:
            stages.append(
                Stage(
                    "cross_validation",
                    f"Cross-validation of {tuned_title.split(',')[0]}",
                    lambda seconds=None: cross_validate_lenet(
                        data=data,
                        files=files,
                        progress=progress,
                        profile=profile,
                        results=results,
                        seconds=seconds,
                        jobs=jobs,
                    ),
                    reads=("tuning",),
                    budgeted=True,
                )
            )
    stages.append(
        Stage(
            "comparison",
            "Comparison",
            lambda: compare(profile=profile, results=results, data=data, files=files),
            reads=tuple(s.name for s in stages),
        )
    )
    return tuple(stages)
