"""Job events on stderr: a live line on a terminal, a line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

from hashview.core.terminal_text import printable


class ProgressPrinter:
    """Prints job events on stderr: a live line on a terminal, a line every few seconds otherwise.

    File names and messages go through ``printable``: a name with a newline or
    an escape sequence in it can neither forge a line nor drive the terminal.
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self._last = 0.0
        self._live = False
        self.skipped = 0

    def _line(self, text: str) -> None:
        if self._live:
            self.stream.write("\r\033[K")
            self._live = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def handle(self, event: object) -> None:
        from hashview.core.events import EpochDone, Finished, Progress, Skipped

        if isinstance(event, Skipped):
            self.skipped += 1
            if not self.quiet:
                self._line(f"skipped {printable(event.path)}: {printable(event.reason)}")
        elif isinstance(event, Progress):
            now = time.monotonic()
            last = event.total is not None and event.done >= event.total
            if self.quiet or (now - self._last < self.interval and not last):
                return
            self._last = now
            if event.total is not None and event.total <= 1:  # a single step: its message says it all
                text = f"{event.stage}: {printable(event.message)}".rstrip(": ")
            else:
                total = f"/{event.total}" if event.total is not None else ""
                eta = f", {event.eta_s:.0f} s left" if event.eta_s is not None and not last else ""
                text = (
                    f"{event.stage}: {event.done}{total} ({event.rate:.1f}/s{eta}) {printable(event.message)}".rstrip()
                )
            if self.tty:
                self.stream.write("\r\033[K" + text)
                self.stream.flush()
                self._live = True
            else:
                self._line(text)
        elif isinstance(event, EpochDone) and not self.quiet:
            stats = ", ".join(f"{k} {v:.4g}" for k, v in event.stats.items() if isinstance(v, (int, float)))
            self._line(f"epoch {event.epoch + 1}: {stats}")
        elif isinstance(event, Finished) and self._live:
            self._line("")

    def drive(self, events: Iterable[object]) -> dict[str, Any]:
        """Consume a job's events, printing them; return the summary of its Finished event."""
        from hashview.core.events import drain

        summary: dict[str, Any] = drain(events, self.handle)  # the jobs driven here all end in Finished
        return summary
