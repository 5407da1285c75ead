"""The live progress line on stderr: requests, pages, rows and elapsed time.

It appears only on a terminal and only once a query has run for half a second, and is
erased before the result is printed on the same terminal (output to a pipe or a file
leaves it running until the query ends).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import IO, Any

DELAY_S = 0.5
TICK_S = 0.1


class ProgressLine:
    """Use as ``with ProgressLine() as p: con.sql(..., progress=p.update)``."""

    def __init__(self, stream: IO[str] | None = None, *, force: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.stats: Any = None
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    def update(self, stats: Any) -> None:
        """The engine's ``progress`` callback: remember the newest stats."""
        self.stats = stats

    def line(self) -> str:
        s = self.stats
        elapsed = time.monotonic() - self._started

        def n(attr: str) -> int:
            return int(getattr(s, attr, 0) or 0) if s is not None else 0

        return (
            f"{n('requests'):,} requests · {n('pages'):,} pages · {n('rows'):,} rows · "
            f"{elapsed:.1f} s  (Ctrl-C cancels)"
        )

    def _run(self) -> None:
        if self._stop.wait(DELAY_S):
            return
        while not self._stop.is_set():
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()
            self._drawn = True
            self._stop.wait(TICK_S)

    def __enter__(self) -> ProgressLine:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="distillr-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop drawing and erase the line (before output goes to the same terminal)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            self._drawn = False
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
