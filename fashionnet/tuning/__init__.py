"""keras-tuner searches as scikit-learn estimators.

:class:`KerasTunerSearchCV` searches any parameter of any scikit-learn
estimator (learning rate, batch size, epochs, but also model parameters such
as ``activation``) with a keras-tuner oracle -- random search, Hyperband,
Bayesian optimisation or a grid -- and then behaves like
:class:`~sklearn.model_selection.RandomizedSearchCV`: ``best_params_``,
``best_score_``, ``best_estimator_``, ``cv_results_``, ``predict``.

The search space is written the scikit-learn way. A list of values becomes a
``hp.Choice``; continuous ranges use the small specifications below; a
:class:`keras_tuner.HyperParameters` object is used as it is::

    {"learning_rate": LogUniform(1e-4, 1e-1),   # hp.Float(sampling="log")
     "batch_size": [32, 64, 128],               # hp.Choice
     "epochs": IntRange(2, 10),                 # hp.Int
     "activation": ["tanh", "relu"]}            # any estimator parameter

Because keras-tuner's oracle does the bookkeeping, a search is resumable
(start it again with the same ``directory`` and ``project_name``) and runs in
keras-tuner's distributed mode (a chief and workers, set through the
``KERASTUNER_*`` environment variables) without any change to the code.

The package, one module per concept:

- :mod:`~fashionnet.tuning.space`: the space specifications and their
  translation to keras-tuner;
- :mod:`~fashionnet.tuning.tuner`: the oracle and the keras-tuner tuner that
  runs one trial (build, fit, score, report);
- :mod:`~fashionnet.tuning.search`: :class:`KerasTunerSearchCV`, and
  :mod:`~fashionnet.tuning.settings`: its parameters, checked;
- :mod:`~fashionnet.tuning.resume`: repairing damaged records and queuing
  interrupted or failed trials on resume;
- :mod:`~fashionnet.tuning.storage`: file faults as :class:`SearchStorageError`;
- :mod:`~fashionnet.tuning.results`: ``cv_results_`` and the best trial.

keras-tuner (and so TensorFlow) is imported on the first ``fit``, not when
this package is imported.
"""

from fashionnet._lock import LockedError
from fashionnet.tuning.search import KerasTunerSearchCV
from fashionnet.tuning.space import IntRange, LogUniform, Uniform, build_space
from fashionnet.tuning.storage import SearchStorageError

__all__ = [
    "KerasTunerSearchCV",
    "LogUniform",
    "Uniform",
    "IntRange",
    "build_space",
    "SearchStorageError",
    "LockedError",
]
