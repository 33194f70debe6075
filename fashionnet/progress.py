"""Text progress output on a stream: status lines and one-line bars (no Keras needed).

:class:`fashionnet.callbacks.ProgressBar` draws Keras training on it; the
study prints its stage lines with it.
"""

from __future__ import annotations

import sys
from typing import IO

__all__ = ["ProgressStream"]


class ProgressStream:
    """Status lines and progress bars on a text stream; tqdm-free on purpose.

    Parameters
    ----------
    stream : text stream or None, default=sys.stderr
        Where to write; None writes nothing.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = ProgressStream(out)
    >>> progress.bar("fit 1/1 epoch", 1, 2, "accuracy=0.5000")
    >>> progress.line("done")
    >>> print(out.getvalue(), end="")
      fit 1/1 epoch [##########..........] 1/2  accuracy=0.5000
    done
    """

    def __init__(self, stream: IO[str] | None = sys.stderr) -> None:
        self.stream = stream
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self._open = False

    def line(self, text: str) -> None:
        """Write one line (ending a bar drawn in place first)."""
        if self.stream is None:
            return
        self._end_bar()
        self.stream.write(text + "\n")
        self.stream.flush()

    def bar(self, label: str, done: int, total: int, note: str = "") -> None:
        """Draw ``label [####....] done/total  note``."""
        if self.stream is None:
            return
        width = 20
        filled = width if total <= 0 else int(width * min(done, total) / total)
        text = f"  {label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if note:
            text += f"  {note}"
        if self.tty:
            self.stream.write("\r" + text.ljust(100)[:150])
            self._open = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _end_bar(self) -> None:
        if self._open and self.stream is not None:
            self.stream.write("\n")
            self._open = False
