"""fashionnet._folds: the splitter a ``cv`` argument stands for (public as
fashionnet.evaluation.check_folds)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import KFold, StratifiedKFold

import fashionnet._folds
from fashionnet.evaluation import check_folds


def test_check_folds_is_the_leaf_modules():
    assert check_folds is fashionnet._folds.check_folds


def test_check_folds_kinds():
    by_default = check_folds(random_state=3)
    assert isinstance(by_default, StratifiedKFold)
    assert (by_default.n_splits, by_default.shuffle, by_default.random_state) == (5, True, 3)
    assert repr(check_folds(4, random_state=None)) == repr(StratifiedKFold(4, shuffle=True))
    splitter = KFold(3)
    assert check_folds(splitter) is splitter  # used as given
    pairs = [(np.arange(5), np.arange(5, 8)), ([0, 1], [2])]
    fixed = check_folds(iter(pairs))  # an iterable is read once and kept
    assert fixed.get_n_splits() == 2
    for _ in range(2):  # the iterator was read once; its pairs can be split again
        assert [list(map(list, p)) for p in fixed.split()] == [list(map(list, p)) for p in pairs]
    with pytest.raises(ValueError, match="at least 2 folds; got 1"):
        check_folds(1)
    for bad in ("five", True, 2.5, [1, 2, 3], [(np.arange(3),)]):
        with pytest.raises(TypeError, match="cv must be None, a number of folds"):
            check_folds(bad)
