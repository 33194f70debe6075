"""fashionnet.tasks.tune: the LeNet-5 search shared by ``fashionnet tune`` and the study."""

from __future__ import annotations

import pandas as pd

from fashionnet.tasks import TuneResult, tune_lenet

SPACE = {"learning_rate": [1e-3], "batch_size": [128], "epochs": [1]}


def test_a_small_search_writes_its_trials_and_resumes(tmp_path, small_train):
    X, y = small_train
    results_file = tmp_path / "lenet5" / "cv_results.csv"
    result = tune_lenet(X[:200], y[:200], space=SPACE, max_trials=1, directory=tmp_path,
                        results_file=results_file)
    assert isinstance(result, TuneResult)
    assert result.n_trials == 1 and result.n_failed_trials == 0
    assert result.best_params == {"learning_rate": 1e-3, "batch_size": 128, "epochs": 1}
    assert 0.0 <= result.best_score <= 1.0 and result.seconds > 0
    assert result.space == SPACE
    assert result.results_path == results_file
    assert len(pd.read_csv(results_file)) == 1
    # Again in the same directory: the finished trial is reloaded, not run.
    again = tune_lenet(X[:200], y[:200], space=SPACE, max_trials=1, directory=tmp_path)
    assert again.results_path is None
    assert again.best_score == result.best_score
