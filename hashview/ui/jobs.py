"""One long job at a time for the open library, shown in the progress strip.

Indexing, training, encoding and importing all change the library's files, so
the window runs at most one of them at once. ``JobRunner.run`` starts a
``Worker`` on a job (a function of a ``CancelToken``, usually a core
generator of events), shows its progress (with Cancel) in the status-bar
strip, and returns a ``Job`` handle. The caller says there what to do with
the outcome, as picard's ``run_task(func, next_func)`` and Anki's
``QueryOp(...).success(...)`` do: ``on_event`` for each event, then exactly
one of ``on_success(result)``, ``on_failure(message, traceback)`` or
``on_cancel()``, on the main thread. Nobody else filters outcomes by job
name. Outcomes of a job dropped by ``stop()`` (the library is closing) are
ignored.

Two signals remain for observers that are not the job's owner: ``ended``
(the runner is free again, after the owner's callback ran: a queued request
may start now) and ``event_received`` (every event, named, for scripts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from hashview.core.events import CancelToken, Progress
from hashview.ui.widgets.progress_strip import ProgressStrip
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)

SUCCEEDED, FAILED, CANCELLED = "succeeded", "failed", "cancelled"


class Job:
    """A running (or ended) job: its name, its worker, its outcome, and its owner's callbacks.

    Cancel means what ``Worker.cancel`` says: the job stops at its next check
    and ``on_cancel`` is called instead of ``on_success``.
    """

    def __init__(
        self,
        name: str,
        worker: Worker,
        *,
        on_event: Callable[[Any], None] | None = None,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> None:
        self.name = name
        self.worker = worker
        self.outcome: str | None = None
        """``SUCCEEDED``, ``FAILED`` or ``CANCELLED`` once the job has ended; None while it runs."""
        self.on_event = on_event
        self.on_success = on_success
        self.on_failure = on_failure
        self.on_cancel = on_cancel

    def cancel(self) -> None:
        """Ask the job to stop at its next check."""
        self.worker.cancel()

    def __repr__(self) -> str:
        return f"Job({self.name!r}, outcome={self.outcome!r})"


class JobRunner(QObject):
    """Runs one job at a time and hands each outcome to the job's own callbacks."""

    ended = Signal(object)
    """The ``Job`` that just ended (its ``outcome`` set), after its callback ran."""
    event_received = Signal(str, object)
    """(job name, event) for every event of the running job; the owner gets them through ``on_event``."""

    def __init__(self, progress: ProgressStrip, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.progress = progress
        self.progress.cancel_requested.connect(self.cancel)
        self.current: Job | None = None

    def busy(self) -> bool:
        return self.current is not None

    def run(
        self,
        name: str,
        work: Callable[[CancelToken], Any],
        text: str,
        *,
        on_event: Callable[[Any], None] | None = None,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[str, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> Job:
        """Start ``work`` as the job ``name``, showing ``text`` in the progress strip.

        Raises:
            RuntimeError: another job is running (callers check ``busy()`` first).
        """
        if self.current is not None:
            raise RuntimeError(f"{self.current.name} is still running")
        worker = Worker(work, name=name, parent=self)
        job = Job(name, worker, on_event=on_event, on_success=on_success, on_failure=on_failure, on_cancel=on_cancel)
        worker.progressed.connect(lambda event: self._forward(job, event))
        worker.finished.connect(lambda result: self._end(job, SUCCEEDED, result))
        worker.failed.connect(lambda message: self._end(job, FAILED, message, worker.details))
        worker.cancelled.connect(lambda: self._end(job, CANCELLED))
        self.current = job
        self.progress.start(text)
        worker.start()
        return job

    def cancel(self) -> None:
        """Ask the running job to stop at its next check."""
        if self.current is not None:
            self.current.cancel()

    def stop(self) -> None:
        """Cancel the running job, wait for it, and drop its outcome (closing the library)."""
        job, self.current = self.current, None
        if job is not None:
            job.cancel()
            job.worker.wait()
        self.progress.stop()

    def _forward(self, job: Job, event: Any) -> None:
        if job is not self.current:
            return
        if isinstance(event, Progress):
            self.progress.show_progress(event)
        if job.on_event is not None:
            job.on_event(event)
        self.event_received.emit(job.name, event)

    def _end(self, job: Job, outcome: str, *payload: Any) -> None:
        if job is not self.current:
            return  # dropped by stop(): the library it worked on is closed
        self.current = None
        self.progress.stop()
        job.outcome = outcome
        callback = {SUCCEEDED: job.on_success, FAILED: job.on_failure, CANCELLED: job.on_cancel}[outcome]
        try:
            if callback is not None:
                callback(*payload)
        finally:  # a failing callback must not leave a queued request waiting forever
            self.ended.emit(job)
