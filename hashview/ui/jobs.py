"""One long job at a time for the open library, shown in the progress strip.

Indexing, training, encoding and importing all change the library's files, so
the window runs at most one of them at once. ``JobRunner`` starts a ``Worker``,
shows its progress (with Cancel) in the status-bar strip, forwards its events,
and reports exactly one outcome: ``succeeded``, ``failed`` (with the
traceback for the error dialog) or ``cancelled``. Outcomes of a worker that
was replaced or dropped are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from hashview.core.events import CancelToken, Progress
from hashview.ui.progress_bar import ProgressStrip
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)


class JobRunner(QObject):
    """Runs named steps (``"index"``, ``"train"``...) one at a time."""

    event_received = Signal(str, object)
    succeeded = Signal(str, object)
    failed = Signal(str, str, str)
    """(step, one-line message, traceback)."""
    cancelled = Signal(str)

    def __init__(self, progress: ProgressStrip, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.progress.cancel_requested.connect(self.cancel)
        self.worker: Worker | None = None
        self.step = ""

    def busy(self) -> bool:
        return self.worker is not None

    def run(self, step: str, job: Callable[[CancelToken], Any], text: str) -> Worker:
        """Start ``job`` as ``step``, showing ``text`` in the progress strip."""
        if self.worker is not None:
            raise RuntimeError(f"{self.step} is still running")
        worker = Worker(job, name=step, parent=self)
        worker.progressed.connect(lambda event: self._forward(worker, event))
        worker.finished.connect(lambda summary: self._end(worker) and self.succeeded.emit(step, summary))
        worker.failed.connect(lambda message: self._end(worker) and self.failed.emit(step, message, worker.details))
        worker.cancelled.connect(lambda: self._end(worker) and self.cancelled.emit(step))
        self.worker, self.step = worker, step
        self.progress.start(text)
        worker.start()
        return worker

    def cancel(self) -> None:
        """Ask the running step to stop at its next check."""
        if self.worker is not None:
            self.worker.cancel()

    def stop(self) -> None:
        """Cancel the running step, wait for it, and drop its outcome (closing the library)."""
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.cancel()
            worker.wait()
        self.progress.stop()

    def _forward(self, worker: Worker, event: Any) -> None:
        if worker is not self.worker:
            return
        if isinstance(event, Progress):
            self.progress.show_progress(event)
        self.event_received.emit(worker.name, event)

    def _end(self, worker: Worker) -> bool:
        if worker is not self.worker:
            return False
        self.worker = None
        self.progress.stop()
        return True
