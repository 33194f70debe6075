"""Evaluate, cross-validate and compare classifiers.

Three calls replace the study's hand-written loops:

- :func:`evaluate` -- accuracy, the classification report and the confusion
  matrix of a fitted classifier on labelled images;
- :func:`cross_validate_folds` -- a fresh clone of the estimator per
  stratified fold, with each fold's validation accuracy and, as in the study,
  each fold model's accuracy on a separate test set;
- :func:`compare_models` -- one table of models, best first.

Everything here works with any scikit-learn classifier (the fashionnet
estimators, a :class:`~sklearn.pipeline.Pipeline`, a
:class:`~fashionnet.tuning.KerasTunerSearchCV`) and does not import
TensorFlow itself. Every result has ``to_dict()`` (plain JSON-serialisable
Python) and ``to_markdown()``.

One module per concept, all importable from here:
:mod:`~fashionnet.evaluation.classification` (:func:`evaluate`),
:mod:`~fashionnet.evaluation.cross_validation` (:func:`cross_validate_folds`,
:func:`check_folds`) and :mod:`~fashionnet.evaluation.comparison`
(:func:`compare_models`).
"""

from __future__ import annotations

from fashionnet._folds import check_folds
from fashionnet.evaluation.classification import EvaluationReport, evaluate
from fashionnet.evaluation.comparison import ComparisonTable, compare_models
from fashionnet.evaluation.cross_validation import CrossValidationResult, cross_validate_folds

__all__ = [
    "EvaluationReport",
    "evaluate",
    "CrossValidationResult",
    "cross_validate_folds",
    "check_folds",
    "ComparisonTable",
    "compare_models",
]
