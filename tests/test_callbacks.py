"""ProgressStream and the ProgressBar callback, on real fits."""

from __future__ import annotations

import copy
import io
import re
import warnings

from sklearn.base import clone

from fashionnet.callbacks import ProgressBar
from fashionnet.models import LeNet5Classifier, load_model
from fashionnet.progress import ProgressStream


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stream_draws_bars_in_place_on_a_terminal_and_lines_elsewhere():
    tty = _Terminal()
    progress = ProgressStream(tty)
    progress.bar("fit 1/1 epoch", 1, 4)
    progress.bar("fit 1/1 epoch", 4, 4)
    progress.line("done")
    assert tty.getvalue().count("\r") == 2 and tty.getvalue().endswith("\ndone\n")
    log = io.StringIO()
    ProgressStream(log).bar("x", 3, 0)  # an unknown total draws a full bar
    assert log.getvalue() == "  x [####################] 3/0\n"
    ProgressStream(None).line("nothing")  # silent


def test_one_bar_counts_every_fit_of_a_series_and_is_not_saved(small_train, tmp_path):
    X, y = small_train
    out = io.StringIO()
    bars = ProgressBar("fold", 2, out)
    assert copy.deepcopy(bars) is bars  # survives clone and keras-tuner's copies
    clf = LeNet5Classifier(epochs=1, batch_size=128, callbacks=[bars], random_state=0)
    for _ in range(2):
        clone(clf).fit(X[:200], y[:200])
    lines = out.getvalue().splitlines()
    assert [re.match(r"  fold (\d)/2 epoch", line).group(1) for line in lines] == ["1", "2"]
    assert "accuracy=" in lines[0]
    fitted = clf.fit(X[:200], y[:200])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = fitted.save(tmp_path / "m.keras")
    assert not [w for w in caught if "Python objects" in str(w.message)]
    assert load_model(path).callbacks is None
