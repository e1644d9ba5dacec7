"""A progress line on standard error for work that takes more than a second.

:class:`Progress` is a context manager: after ``delay`` seconds it draws one line
(``pcidesign findings: question 5 of 16 (idea3-downgrade), 12 s``) and redraws it in place a few
times a second from a background thread, so a long computation shows that it is alive even
between the steps it reports. It draws nothing when the stream is not a terminal (a pipe, a
file, a test), and it erases its line when the work ends, so the output that follows starts clean.
"""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import TextIO

from pcidesign.render.table import cut, terminal_width


class Progress:
    """One line of progress on ``stream`` (standard error by default), only on a terminal."""

    def __init__(self, label: str, total: int | None = None, unit: str = "step", *,
                 stream: TextIO | None = None, delay: float = 1.0, interval: float = 0.25,
                 enabled: bool | None = None) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.interval = interval
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.done = 0
        self.note = ""
        self._start = 0.0
        self._drawn = False
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def step(self, note: str = "", done: int | None = None, total: int | None = None) -> None:
        """Count one step (or set the count to ``done`` of ``total``), with a note of what is being done."""
        with self._lock:
            self.done = self.done + 1 if done is None else done
            self.total = self.total if total is None else total
            self.note = note

    def __call__(self, done: int, total: int, note: str) -> None:
        """The callback the analyses take (``progress=``): ``done`` of ``total`` finished, ``note`` next."""
        self.step(note, done, total)

    def set_note(self, note: str) -> None:
        """Say what is being done, without counting a step."""
        with self._lock:
            self.note = note

    def line(self) -> str:
        """The line as it would be drawn now."""
        with self._lock:
            done, note = self.done, self.note
        seconds = time.monotonic() - self._start if self._start else 0.0
        count = f"{self.unit} {min(done + 1, self.total)} of {self.total}" if self.total else ""
        parts = [p for p in (count, note, f"{seconds:.0f} s") if p]
        return f"{self.label}: " + ", ".join(parts)

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(self.interval)

    def _draw(self) -> None:
        width = terminal_width() - 1
        try:
            self.stream.write("\r" + cut(self.line(), width).ljust(width) + "\r")
            self.stream.flush()
            self._drawn = True
        except (OSError, ValueError):  # the terminal went away: stop drawing, never fail the work
            self._stop.set()

    def __enter__(self) -> "Progress":
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="pcidesign-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._drawn:
            try:
                self.stream.write("\r" + " " * (terminal_width() - 1) + "\r")
                self.stream.flush()
            except (OSError, ValueError):
                pass
