"""The ``fashionnet`` command: audit, train, tune, and reproduce the whole study.

::

    fashionnet audit [PATH] [--near-duplicates] [--label-issues]
    fashionnet train --model MODEL [--param k=v ...]   (MODEL: see fashionnet.registry)
    fashionnet tune [--max-trials N] [--learning-rates ...] [--directory DIR]
    fashionnet study --profile smoke | quick | full --out DIR [--budget 15m] [--n-jobs N]
                     [--scheduler ADDRESS]
    fashionnet predict --model MODEL.keras|MODEL.onnx FILE_OR_FOLDER... [--top-k K] [--format F]

Each subcommand parses its options, calls one task of :mod:`fashionnet.tasks`
(or the study), and formats what it returns.

Mistakes a user can make (an unknown model, a path that cannot be read, a
bad parameter, data or an optional dependency that is missing) end with one
line on stderr, ``fashionnet: error: ...``, and exit status 2, unless
``--debug`` asks for the traceback. These are the errors fashionnet raises
on purpose (:func:`is_user_error`); any other exception is a bug and shows
as one: its traceback, and exit status 1. An interrupted command exits with
status 130.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from ._commands import cmd_predict, cmd_study, cmd_train, cmd_tune
from ._parser import UsageError, build_parser, parse_param

__all__ = ["main", "parse_param", "build_parser", "is_user_error", "UsageError"]


def cmd_audit(args: argparse.Namespace) -> int:
    """``fashionnet audit`` (:mod:`._audit`), whose scikit-learn and SciPy only it imports."""
    # A second of start-up that `fashionnet predict --model M.onnx` must not pay.
    from ._audit import cmd_audit as run

    return run(args)


_COMMANDS: dict[str, Callable] = {
    "audit": cmd_audit,
    "train": cmd_train,
    "tune": cmd_tune,
    "study": cmd_study,
    "predict": cmd_predict,
}

#: The folder of fashionnet's own code.
_PACKAGE = Path(__file__).resolve().parents[1]


def _raised_by_fashionnet(exc: BaseException) -> bool:
    """Whether the innermost frame of ``exc``'s traceback is fashionnet's own code."""
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    try:
        return Path(tb.tb_frame.f_code.co_filename).resolve().is_relative_to(_PACKAGE)
    except (OSError, ValueError):
        return False


def is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` reports a user's mistake (exit status 2) rather than a bug (1).

    A user's mistake is:

    - an ``OSError`` (a path that does not exist or cannot be read or
      written, a file that fashionnet did not write
      (:class:`~fashionnet._ownership.NotOursError`), a locked folder, a
      full disk);
    - an error that fashionnet raises on purpose, with a message naming
      the problem and the fix: a ``ValueError`` or ``TypeError`` (the
      documented refusals of bad parameters and data, their typed forms
      :class:`UsageError`, :class:`~fashionnet._checks.InvalidParameterError`,
      :class:`~fashionnet.models.persistence.DamagedModelError`,
      :class:`~fashionnet.images.UnreadableImageError`,
      :class:`~fashionnet.study.StudyError` among them) or an
      ``ImportError`` naming the optional dependency to install, raised
      by a ``raise`` statement of fashionnet's own code.

    The same classes raised anywhere else (inside NumPy, Keras or the
    standard library, or a ``KeyError``, ``AttributeError``...) are bugs.
    """
    if isinstance(exc, OSError):
        return True
    if isinstance(exc, (ValueError, TypeError, ImportError)):
        return _raised_by_fashionnet(exc)
    return False


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line each, like errors (no source line of fashionnet's)."""
    print(f"fashionnet: warning: {_one_line(message)}", file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _silence_stdout() -> None:
    """Point stdout at the null device, so that its unflushed rest fails nowhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fashionnet`` command; return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for a bug (its traceback is printed), 2 for a usage
        or data error (:func:`is_user_error`), 130 when interrupted, 141
        (quietly) when the reader of its output has gone, as in
        ``fashionnet audit | head -1``.

    Examples
    --------
    >>> main(["train", "--model", "alexnet"])
    2
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    shown = warnings.showwarning
    if not debug:
        warnings.showwarning = _show_warning
    try:
        args, unknown = build_parser().parse_known_args(argv)
        if unknown:
            raise UsageError(
                f"unrecognized arguments: {' '.join(unknown)} (see 'fashionnet "
                f"{args.command} --help')"
            )
        status = _COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return status
    except BrokenPipeError:
        # The reader of our output left (``fashionnet ... | head -1``): stop quietly,
        # as a program stopped by SIGPIPE, with nothing more to flush.
        _silence_stdout()
        return 141
    except KeyboardInterrupt:
        print(
            "fashionnet: interrupted (a study resumes where it stopped when run again with "
            "the same --out)",
            file=sys.stderr,
        )
        return 130
    except Exception as exc:
        if debug:
            raise
        if is_user_error(exc):
            print(f"fashionnet: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        traceback.print_exc()
        print(
            f"fashionnet: internal error ({type(exc).__name__}): this is a bug in fashionnet; "
            "please report it with the traceback above",
            file=sys.stderr,
        )
        return 1
    finally:
        warnings.showwarning = shown


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
