"""File faults of the search directory, made for real: a file in the way, a full
disk (a small tmpfs), a read-only mount, a file-size limit (RLIMIT_FSIZE).

Each fault is one SearchStorageError naming the file; the trials finished
before it are kept, and the search resumes once the fault is gone. The tmpfs
and read-only tests need to mount (root with CAP_SYS_ADMIN) and are skipped
where that is refused; the RLIMIT_FSIZE test runs everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import json
import subprocess
import sys
import textwrap

import pytest
from support import FITS, RecordingRidge, subprocess_env

from fashionnet.tuning import KerasTunerSearchCV, LogUniform, SearchStorageError


def _search(directory, max_trials=4, **kwargs):
    return KerasTunerSearchCV(
        RecordingRidge(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=max_trials,
        random_state=1, directory=directory, project_name="p", refit=False, **kwargs,
    )


def _finished(project):
    """Trial id -> (alpha, score) of the trials recorded COMPLETED on disk."""
    done = {}
    for path in project.glob("trial_*/trial.json"):
        with contextlib.suppress(ValueError):
            state = json.loads(path.read_text())
            if state["status"] == "COMPLETED":
                done[int(state["trial_id"])] = (
                    state["hyperparameters"]["values"]["alpha"], state["score"]
                )
    return done


def _assert_resumed_keeping(results, finished):
    assert (results["status"] == "COMPLETED").all()
    for trial, (alpha, score) in finished.items():
        assert results.loc[trial, "param_alpha"] == pytest.approx(alpha)
        assert results.loc[trial, "score"] == pytest.approx(score)
    rerun = {fit["alpha"] for fit in FITS}
    assert not rerun & {alpha for alpha, _ in finished.values()}  # not run again


def test_a_file_in_the_way_is_one_clear_error(flat_train, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    with pytest.raises(SearchStorageError, match="Not a directory") as caught:
        _search(blocker).fit(*flat_train)  # directory is a file
    assert caught.value.errno == errno.ENOTDIR
    assert str(blocker) in str(caught.value) and "\n" not in str(caught.value)

    (tmp_path / "p").write_text("a file")  # directory/project_name is a file
    with pytest.raises(SearchStorageError, match="File exists") as caught:
        _search(tmp_path).fit(*flat_train)
    assert caught.value.errno == errno.EEXIST and str(tmp_path / "p") in str(caught.value)
    assert isinstance(caught.value, OSError) and FITS == []


@contextlib.contextmanager
def _mounted(path, *args):
    """``mount args... path``, unmounted on leaving; skip where mounting is refused."""
    path.mkdir(exist_ok=True)
    done = subprocess.run(["mount", *args, path], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], check=False)


def test_full_disk_stops_the_search_and_it_resumes_once_space_is_freed(flat_train, tmp_path):
    disk = tmp_path / "disk"
    with _mounted(disk, "-t", "tmpfs", "-o", "size=32k", "tmpfs"):
        with pytest.raises(SearchStorageError, match="No space left on device") as caught:
            _search(disk, max_trials=10).fit(*flat_train)
        assert caught.value.errno == errno.ENOSPC
        assert str(disk / "p") in caught.value.filename and "\n" not in str(caught.value)
        finished = _finished(disk / "p")
        assert finished  # some trials finished before the disk was full

        subprocess.run(["mount", "-o", "remount,size=1m", disk], check=True)  # space freed
        FITS.clear()
        results = _search(disk, max_trials=10).fit(*flat_train).cv_results_
        assert results["trial"].tolist() == list(range(10))
        _assert_resumed_keeping(results, finished)


def test_read_only_directory(flat_train, tmp_path):
    _search(tmp_path, max_trials=2).fit(*flat_train)
    project = tmp_path / "p"
    with _mounted(project, "--bind", project):
        done = subprocess.run(["mount", "-o", "remount,bind,ro", project], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot remount read-only here")
        # A finished search can still be read...
        assert len(_search(tmp_path, max_trials=2).fit(*flat_train).cv_results_) == 2
        # ...but not continued: one error naming the file.
        with pytest.raises(SearchStorageError, match="Read-only file system") as caught:
            _search(tmp_path, max_trials=3).fit(*flat_train)
        assert caught.value.errno == errno.EROFS and str(project) in str(caught.value)


FILE_SIZE_SCRIPT = textwrap.dedent(
    """
    import resource, signal, sys
    from sklearn.linear_model import RidgeClassifier
    from fashionnet.datasets import load_fashion_mnist
    from fashionnet.tuning import KerasTunerSearchCV, LogUniform, SearchStorageError

    X, y = load_fashion_mnist("test")
    search = KerasTunerSearchCV(
        RidgeClassifier(), {"alpha": LogUniform(1e-3, 1e3)}, max_trials=8, random_state=1,
        directory=sys.argv[1], project_name="p", refit=False,
    )
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write (EFBIG), not the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (900, resource.RLIM_INFINITY))
    try:
        search.fit(X[:300].reshape(300, -1) / 255.0, y[:300])
    except SearchStorageError as exc:
        print(f"error: {exc}")
        sys.exit(2)
    """
)


@pytest.mark.slow
def test_file_size_limit_in_a_child_process(tmp_path):
    """No file may grow past 900 bytes: the oracle's record outgrows it after a few trials."""
    script = tmp_path / "search.py"
    script.write_text(FILE_SIZE_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        env=subprocess_env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 2, done.stderr[-3000:]
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith(f"error: search directory {tmp_path / 'p'}: cannot use ")
    assert "File too large" in line and "ulimit -f" in line
    finished = _finished(tmp_path / "p")
    assert 0 < len(finished) < 8

    from fashionnet.datasets import load_fashion_mnist

    X, y = load_fashion_mnist("test")  # the script's 300 images
    results = _search(tmp_path, max_trials=8).fit(X[:300].reshape(300, -1) / 255.0, y[:300])
    assert results.cv_results_["trial"].tolist() == list(range(8))
    _assert_resumed_keeping(results.cv_results_, finished)


def test_which_faults_are_the_searchs(tmp_path):
    """Permissions and missing files count on the search's own folders only; a full disk
    anywhere; TensorFlow's errors are read from their text; out of memory is not a file fault."""
    import tensorflow as tf

    from fashionnet.tuning.storage import as_storage_error

    root = tmp_path / "searches" / "p"
    inside, outside = str(root / "trial_1" / "trial.json"), "/elsewhere/weights.h5"
    cases = [
        (PermissionError(errno.EACCES, "Permission denied", inside), errno.EACCES),
        (PermissionError(errno.EACCES, "Permission denied", outside), None),
        (FileNotFoundError(errno.ENOENT, "No such file", str(tmp_path)), errno.ENOENT),  # parent
        (OSError(errno.ENOSPC, "No space left on device"), errno.ENOSPC),  # no file named
        (tf.errors.PermissionDeniedError(None, None, f"{inside}; Permission denied"), errno.EACCES),
        (tf.errors.ResourceExhaustedError(None, None, f"{inside}; No space left on device"),
         errno.ENOSPC),
        (tf.errors.FailedPreconditionError(None, None, f"{tmp_path} is not a directory"),
         errno.ENOTDIR),
        (tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor"), None),
        (ValueError("bad input"), None),
    ]
    for exc, code in cases:
        fault = as_storage_error(exc, root)
        if code is None:
            assert fault is None, exc
        else:
            assert isinstance(fault, SearchStorageError) and fault.errno == code, exc
            assert str(root) in str(fault) and "\n" not in str(fault)


# --------------------------------------------------------------------------- whose folder
def test_a_folder_of_user_files_is_never_searched_nor_emptied(flat_train, tmp_path):
    from fashionnet._ownership import NotOursError

    project = tmp_path / "p"
    project.mkdir()
    (project / "thesis.tex").write_text("years of work")
    for overwrite in (False, True):
        with pytest.raises(
            NotOursError,
            match=r"p holds files \(thesis.tex\) and is not a keras-tuner search .*use another "
            r"directory or project_name",
        ):
            _search(tmp_path, overwrite=overwrite).fit(*flat_train)
    assert sorted(p.name for p in project.iterdir()) == ["thesis.tex"] and FITS == []
    # A link to a folder: refused, nothing written behind it.
    (tmp_path / "link").mkdir()
    linked = tmp_path / "link" / "p"
    linked.symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(NotOursError, match="symbolic link"):
        _search(tmp_path / "link").fit(*flat_train)
    assert not list((tmp_path / "elsewhere").iterdir())


def test_a_new_an_empty_and_its_own_folder_are_searched(flat_train, tmp_path):
    new = tmp_path / "new" / "deeper"
    first = _search(new, max_trials=2).fit(*flat_train)
    assert len(first.cv_results_) == 2
    # Its own folder: resumed, and with overwrite=True emptied and searched afresh.
    assert len(_search(new, max_trials=3).fit(*flat_train).cv_results_) == 3
    again = _search(new, max_trials=2, overwrite=True).fit(*flat_train)
    assert len(again.cv_results_) == 2
    empty = tmp_path / "empty"
    (empty / "p").mkdir(parents=True)
    assert len(_search(empty, max_trials=1).fit(*flat_train).cv_results_) == 1
