"""The whole Fashion-MNIST study as one resumable run that ends in a report.

:func:`run_study` does what the study did -- load and audit the data, draw
it, prepare each model's input, tune LeNet-5 with keras-tuner's random
search, refit and evaluate the best, cross-validate it, fine-tune VGG16 and
ResNet152V2, compare everything and conclude -- and writes into one
directory:

- ``report.md`` and a self-contained ``report.html`` (figures inline);
- ``metrics.json``: every number the report shows;
- ``figures/*.png``;
- ``models/*.keras`` (fitted models) and their training logs;
- ``stages/*.json``: one record per finished stage.

**Resuming.** Each stage writes its files atomically and then its record.
Running again with the same directory skips every stage whose record and
files are intact, so an interrupted run loses only the stage in progress
(and the tuning stage keeps keras-tuner's finished trials even then).

**Profiles** (:data:`PROFILES`) set the scale: ``smoke`` (the whole study
in under a minute, for tests), ``quick`` (under 15 minutes on a 2-core CPU)
and ``full`` (the study's settings: 100 trials, 5 folds, all the data,
48x48x3 transfer inputs). A profile lists the models it trains as
:class:`ModelPlan` entries naming models of :mod:`fashionnet.registry`.

The modules: :mod:`~fashionnet.study.profiles` (settings),
:mod:`~fashionnet.study.stages` (what each stage does),
:mod:`~fashionnet.study.runner` (records and resuming),
:mod:`~fashionnet.study.metrics` (``metrics.json`` and the conclusion) and
:mod:`~fashionnet.study.report` (the report's text).
"""

from .metrics import study_metrics
from .profiles import PROFILES, ModelPlan, StudyProfile
from .reduced import reductions
from .report import build_report
from .runner import StudyError, StudyResult, run_study
from .stages import Stage, build_stages

__all__ = [
    "PROFILES",
    "ModelPlan",
    "Stage",
    "StudyError",
    "StudyProfile",
    "StudyResult",
    "build_report",
    "build_stages",
    "reductions",
    "run_study",
    "study_metrics",
]
