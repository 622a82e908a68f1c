"""The open library and what works on it: the job runner, the thumbnails, the settings.

Every feature of the window (the library grid, search, duplicates, training)
works on the same open library, runs its long jobs on the same runner (one at
a time, progress and Cancel in the status bar) and reports to the same status
bar and error dialog. ``LibrarySession`` holds these and says what happened
to them in signals, so the features' controllers follow the library without
knowing the window or each other (Anki's features reach the collection
through the main window, ``mw.col``; here they are handed the session).

Opening imports the engine (``hashview.core.library``), the first time a
folder is opened, so the first window shows fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from hashview.core.events import EpochDone, Skipped
from hashview.ui import settings as app_settings
from hashview.ui.jobs import JobRunner
from hashview.ui.widgets.progress_strip import ProgressStrip
from hashview.ui.widgets.thumbnails import ThumbnailLoader

logger = logging.getLogger(__name__)

LEARNING_JOB = "learn"
"""The job name of the background learning of a new library (the library feature runs it under this name):
it only adds a network, so the features that read codes (search, duplicates) go on beside it."""


def default_open(folder: Path) -> Any:
    """Open ``folder`` with the real engine (imported here: not on the way to the first window)."""
    from hashview.core.library import Library

    return Library.open(folder)


class LibrarySession(QObject):
    """The open library (``library``, None when none is), its job runner, its thumbnails, the settings.

    ``open_library`` opens a folder (default: ``Library.open``; the app passes
    one with the environment's options, tests a fake engine). Signals:

    - ``opened(Path)``: a library is open (its root); ``library`` is set.
    - ``about_to_close()``: stop everything that reads the catalog (workers,
      thumbnail threads) and forget its rows; the library is still open (Qt's
      name for it, as ``QIODevice.aboutToClose``).
    - ``closed()``: the library is closed (also emitted when none was open:
      the views are reset either way).
    - ``indexed(summary)`` and ``pipeline_finished(text)``: the open -> index ->
      train or encode chain, emitted by the ``LibraryController`` that runs it;
      they live here so the other features can follow it without knowing it.
      ``pipeline_finished`` comes once per opening: ready, failed, cancelled or
      nothing to do, with the status text.
    - ``ready_changed(bool)``: each time readiness is stated (``set_ready``),
      also when it stays the same: the current network may be another one.
    - ``status_changed(str)``: every status-bar message.
    - ``error_reported(title, message, details)``: every error to show in a dialog.
    - ``learning_started()``, ``learning_event(event)``, ``learning_ended(summary or None)``: the
      background learning of a new library (the library feature runs it; the training panel
      shows it, with its live plots, as it shows a run it started itself). None: failed or cancelled.
    """

    opened = Signal(object)
    about_to_close = Signal()
    closed = Signal()
    indexed = Signal(object)
    pipeline_finished = Signal(str)
    ready_changed = Signal(bool)
    status_changed = Signal(str)
    error_reported = Signal(str, str, str)
    learning_started = Signal()
    learning_event = Signal(object)
    learning_ended = Signal(object)

    def __init__(
        self,
        settings: QSettings,
        progress: ProgressStrip,
        open_library: Callable[[Path], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.jobs = JobRunner(progress, self)
        self.library: Any = None
        self.ready = False
        """Whether search can run: a current network with codes for the library."""
        self.thumbnails: ThumbnailLoader | None = None
        """The open library's thumbnails, shared by the grid and the results."""
        self._open_library = open_library or default_open

    # -- the library ----------------------------------------------------------------------
    def open(self, folder: Path) -> bool:
        """Close the open library and open ``folder``; False (and the reason in the status) if it cannot be."""
        folder = Path(folder)
        self.close()
        try:
            library = self._open_library(folder)
        except Exception as exc:
            logger.exception("cannot open %s", folder)
            self.show_status(f"Cannot open {folder}: {exc}")
            return False
        self.library = library
        self.thumbnails = ThumbnailLoader(library.thumbnail, parent=self)
        root = Path(library.root)
        app_settings.remember_folder(self.settings, root)
        logger.info("opened library %s", library.root)
        self.opened.emit(root)
        return True

    def close(self) -> None:
        """Stop the library's work, let the views forget it, and close it."""
        self.about_to_close.emit()
        self.jobs.stop()
        self.ready = False
        if self.thumbnails is not None:  # the views let go of it on about_to_close
            self.thumbnails.shutdown()
            self.thumbnails.deleteLater()
            self.thumbnails = None
        if self.library is not None:
            self.library.close()
            self.library = None
        self.closed.emit()

    def current_network(self) -> Any:
        """The open library's current network, or None (no library, or no network yet)."""
        return self.library.networks.current() if self.library is not None else None

    # -- what the person sees ------------------------------------------------------------
    def set_ready(self, ready: bool, text: str) -> None:
        """Whether search can run (a current network with codes), and the status that says so."""
        self.ready = ready
        self.ready_changed.emit(ready)
        self.show_status(text)

    def show_status(self, text: str) -> None:
        """Show ``text`` in the status bar until the next message."""
        self.status_changed.emit(text)

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Log the error and have it shown in a non-blocking dialog that names the log file."""
        logger.error("%s: %s", title, message)
        self.error_reported.emit(title, message, details)

    def show_event(self, event: Any) -> None:
        """Log skipped files and show epoch summaries of a job's events in the status bar."""
        if isinstance(event, Skipped):
            logger.info("skipped %s: %s", event.path, event.reason)
        elif isinstance(event, EpochDone):
            loss = event.stats.get("loss")
            text = f"Training: epoch {event.epoch + 1} done"
            self.show_status(text + (f", loss {loss:.4f}" if isinstance(loss, float) else ""))
