"""Opening a folder and getting it ready to search: open -> index -> train or encode -> ready.

Each step is a core generator run by the window's ``JobRunner`` (one long job
at a time, progress and Cancel in the status bar); the next step starts when
the previous one has succeeded: a library with no network yet trains one
(which also encodes it), else it encodes to catch up new files. The engine is
imported when the first folder is opened, torch only inside the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog

from hashview.ui import settings as app_settings
from hashview.ui.thumbnail_model import ThumbnailLoader

if TYPE_CHECKING:
    from hashview.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

STAGES = {"index": "Indexing", "auto-train": "Training", "encode": "Encoding"}


def default_open(folder: Path) -> Any:
    from hashview.core.library import Library  # the engine loads with the first folder

    return Library.open(folder)


class LibraryFlow(QObject):
    """Opens and closes the window's library and runs its index -> train/encode chain."""

    def __init__(self, window: MainWindow, open_library: Callable[[Path], Any] | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.jobs = window.jobs
        self._open_library = open_library or default_open
        self._loader: ThumbnailLoader | None = None
        self._skipped = 0
        self.jobs.event_received.connect(self._chain_event)
        self.jobs.succeeded.connect(self._step_succeeded)
        self.jobs.failed.connect(self._step_failed)
        self.jobs.cancelled.connect(self._step_cancelled)

    # -- opening and closing ---------------------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        window = self.window
        start = str(window.library.root) if window.library is not None else ""
        folder = QFileDialog.getExistingDirectory(window, "Open a folder of images", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        window = self.window
        folder = Path(folder)
        self.close_library()
        try:
            library = self._open_library(folder)
        except Exception as exc:  # noqa: BLE001 - LibraryError and OS errors alike
            logger.exception("cannot open %s", folder)
            window.set_status(f"Cannot open {folder}: {exc}")
            window.stack.setCurrentWidget(window.welcome)
            return False
        window.library = library
        self._loader = ThumbnailLoader(library.thumbnail, parent=self)
        window.library_model.set_loader(self._loader)
        window.results_model.set_loader(self._loader)
        self.refresh_entries()
        window.show_browser()
        window.setWindowTitle(f"{Path(library.root).name} — hashview")
        app_settings.remember_folder(window.settings, Path(library.root))
        logger.info("opened library %s", library.root)
        window.library_opened.emit(Path(library.root))
        self._run_step("index")
        return True

    def close_library(self) -> None:
        """Stop the library's work, forget its views and close it."""
        window = self.window
        window.searches.stop()
        self.jobs.stop()
        window.ready = False
        window.library_model.set_entries([])
        window.results_model.clear()
        window.query_panel.clear()
        if self._loader is not None:
            window.library_model.set_loader(None)
            window.results_model.set_loader(None)
            self._loader.shutdown()
            self._loader.deleteLater()
            self._loader = None
        window.duplicates.set_library(None)  # its thumbnail threads read the catalog: stop them first
        if window.library is not None:
            window.library.close()
            window.library = None
        window.networks.refresh()

    def refresh_entries(self) -> None:
        """Show the catalog's entries in the grid, and their count."""
        window = self.window
        if window.library is None:
            return
        window.library_model.set_entries(window.library.entries())
        window.count_label.setText(f"{window.library_model.rowCount()} images")

    # -- the index -> train -> encode chain ------------------------------------------------
    def _run_step(self, step: str) -> None:
        library = self.window.library
        job = getattr(library, "train" if step == "auto-train" else step)
        options = self.window.first_training if step == "auto-train" else {}
        if step == "index":
            self._skipped = 0
            self.window.library_view.set_empty_text(
                "Scanning the folder…\nThe pictures appear here as soon as the scan has finished.")
        self.jobs.run(step, lambda cancel: job(cancel=cancel, **options), STAGES[step] + "…")
        self.window.set_status(f"{STAGES[step]} {library.root}…")

    def _chain_event(self, step: str, event: Any) -> None:
        if step in STAGES:
            self.show_event(event)

    def show_event(self, event: Any) -> None:
        """Count skipped files and show epoch summaries in the status bar."""
        from hashview.core.events import EpochDone, Skipped

        if isinstance(event, Skipped):
            self._skipped += 1
            logger.info("skipped %s: %s", event.path, event.reason)
        elif isinstance(event, EpochDone):
            loss = event.stats.get("loss")
            text = f"Training: epoch {event.epoch + 1} done"
            self.window.set_status(text + (f", loss {loss:.4f}" if isinstance(loss, float) else ""))

    def _step_succeeded(self, step: str, summary: Any) -> None:
        if step not in STAGES:
            return
        window = self.window
        logger.info("%s finished: %s", step, summary)
        if step == "index":
            self.refresh_entries()
            window.library_indexed.emit(summary)
            if window.library_model.rowCount() == 0:
                message = f"No images found in {window.library.root}: add some, then open it again."
                window.library_view.set_empty_text(message)
                window.set_status(message)
                window.pipeline_finished.emit(message)
                return
            self._run_step("auto-train" if window.library.current_network() is None else "encode")
            return
        network = window.library.current_network()
        count = window.library_model.rowCount()
        skipped = f" ({self._skipped} skipped)" if self._skipped else ""
        message = f"Ready: {count} images{skipped}, network {network.name if network else 'none'}"
        window.networks.refresh()
        window.set_ready(True, message)
        window.pipeline_finished.emit(message)

    def _step_failed(self, step: str, message: str, details: str) -> None:
        if step not in STAGES:
            return
        self.refresh_entries()
        text = f"{STAGES[step]} failed: {message} (details in the log)"
        self.window.report_error(f"{STAGES[step]} failed", message, details)
        self.window.set_status(text)
        self.window.pipeline_finished.emit(text)

    def _step_cancelled(self, step: str) -> None:
        if step not in STAGES:
            return
        self.refresh_entries()
        text = f"{STAGES[step]} cancelled; open the folder again to resume."
        self.window.set_status(text)
        self.window.pipeline_finished.emit(text)
