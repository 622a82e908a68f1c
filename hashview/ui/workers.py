"""Run a core job off the GUI thread and forward what it yields as Qt signals.

The engine's long jobs (index, train, encode) are plain generators that yield
events and honour a ``CancelToken`` between steps; short ones (search) are plain
functions. ``Worker`` runs either kind in a QThread so the window never freezes,
and hands back exactly one of ``finished``, ``failed`` or ``cancelled`` on the
main thread. ``run_inline`` runs the same code on the calling thread, so tests
can drive a job without threads at all.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable
from typing import Any, ClassVar

from PySide6.QtCore import QObject, QThread, Signal

from hashview.core.events import Cancelled, CancelToken, Finished

logger = logging.getLogger(__name__)

Job = Callable[[CancelToken], Any]


def one_line(exc: BaseException) -> str:
    """A short, single-line description of an error for a status bar."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    name = type(exc).__name__
    if not first:
        return name
    if name.endswith("LibraryError"):
        return first
    return f"{name}: {first}"


class _Runner(QThread):
    """The thread that runs one worker's job; it only calls back into the worker."""

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self._worker = worker

    def run(self) -> None:
        self._worker.run_inline()


class Worker(QObject):
    """Runs ``job(cancel_token)`` and reports its events, result or error.

    The job is called with a ``CancelToken``. If it returns a generator, every
    yielded event except ``Finished`` is emitted as ``progressed``; the
    ``Finished`` event's summary (or the generator's return value) becomes the
    ``finished`` payload. If it returns anything else, that value is the payload.

    Cancel means: set the token. The generator notices it at its next check and
    stops cleanly (raising ``Cancelled``), and the worker also stops pulling
    events at the next yield; either way ``cancelled`` is emitted instead of
    ``finished``. A plain function cannot be interrupted; its result is then
    dropped and ``cancelled`` emitted.

    The public signals are always emitted on the thread that owns the worker
    (the main thread): the job thread emits private twins that Qt queues to the
    worker's own slots, which re-emit them. So any receiver, lambdas included,
    runs on the main thread, in the order the events were yielded.
    """

    progressed = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    _live: ClassVar[set[Worker]] = set()
    """Started workers, kept alive until their thread has really ended."""

    _progressed = Signal(object)
    _finished = Signal(object)
    _failed = Signal(str)
    _cancelled = Signal()

    def __init__(self, job: Job, name: str = "job", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.name = name
        self.token = CancelToken()
        self.details = ""
        """The traceback of the error, once ``failed`` has been emitted."""
        self._thread: _Runner | None = None
        self._progressed.connect(self._relay_progressed)
        self._finished.connect(self._relay_finished)
        self._failed.connect(self._relay_failed)
        self._cancelled.connect(self._relay_cancelled)

    # -- control -----------------------------------------------------------
    def start(self) -> None:
        """Run the job in a new QThread and return at once."""
        if self._thread is not None:
            raise RuntimeError(f"worker {self.name!r} was already started")
        self._thread = _Runner(self)
        self._thread.setObjectName(f"hashview-{self.name}")
        self._thread.finished.connect(self._forget)
        Worker._live.add(self)
        self._thread.start()

    @classmethod
    def cancel_all(cls, timeout_ms: int = 30_000) -> None:
        """Cancel every running worker and wait for their threads (on quit)."""
        workers = list(cls._live)
        for worker in workers:
            worker.cancel()
        for worker in workers:
            if not worker.wait(timeout_ms):
                logger.error("%s did not stop within %d ms", worker.name, timeout_ms)

    def cancel(self) -> None:
        """Ask the job to stop at its next check; see the class docstring."""
        logger.info("cancelling %s", self.name)
        self.token.cancel()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.isRunning()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the thread has ended (used on shutdown only)."""
        if self._thread is None:
            return True
        return self._thread.wait(timeout_ms)

    # -- the work ----------------------------------------------------------
    def run_inline(self) -> None:
        """Run the job on the calling thread, emitting the same signals."""
        try:
            result = self._run_job()
        except Cancelled:
            logger.info("%s cancelled", self.name)
            self._cancelled.emit()
            return
        except Exception as exc:
            logger.exception("%s failed", self.name)
            self.details = "".join(traceback.format_exception(exc))
            self._failed.emit(one_line(exc))
            return
        if self.token.cancelled:
            logger.info("%s cancelled", self.name)
            self._cancelled.emit()
        else:
            self._finished.emit(result)

    def _run_job(self) -> Any:
        outcome = self._job(self.token)
        if not inspect.isgenerator(outcome):
            return outcome
        result: Any = None
        try:
            while True:
                if self.token.cancelled:
                    raise Cancelled()
                try:
                    event = next(outcome)
                except StopIteration as stop:
                    return result if result is not None else stop.value
                if isinstance(event, Finished):
                    result = event.summary
                else:
                    self._progressed.emit(event)
        finally:
            outcome.close()

    # -- hops back to the owning thread --------------------------------------
    def _relay_progressed(self, event: object) -> None:
        self.progressed.emit(event)

    def _relay_finished(self, result: object) -> None:
        self.finished.emit(result)

    def _relay_failed(self, message: str) -> None:
        self.failed.emit(message)

    def _relay_cancelled(self) -> None:
        self.cancelled.emit()

    def _forget(self) -> None:
        Worker._live.discard(self)
