"""Opening a folder and getting it ready to search: open -> index -> train or encode -> ready.

Each step is a core generator run on the session's job runner (one long job
at a time, progress and Cancel in the status bar); the next step starts from
the previous one's success callback: a library with no network yet trains one
(which also encodes it), else it encodes to catch up new files. The grid
shows the catalog's entries once indexing has finished. The engine is
imported when the first folder is opened, torch only inside the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QLabel

from hashview.core.events import CancelToken, Skipped
from hashview.core.nets import general
from hashview.ui import settings as app_settings
from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.library.welcome_view import WelcomeView
from hashview.ui.session import LibrarySession

logger = logging.getLogger(__name__)

STAGES = {"index": "Indexing", "auto-train": "Training", "encode": "Encoding", "learn": "Learning this library"}
LEARN_KEY = "library/learn_in_background"  # refine the shipped network on a new library after its scan (default on)


class LibraryController(QObject):
    """Opens folders from the welcome page, runs the index -> train/encode chain, fills the grid.

    ``first_training``: the options of the run that trains a library with no
    network yet (default: the engine's recommendation for the folder; tests
    pass a fast method).
    """

    def __init__(
        self,
        session: LibrarySession,
        welcome: WelcomeView,
        grid: LibraryView,
        grid_model: ThumbnailModel,
        count_label: QLabel,
        first_training: Mapping[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.welcome = welcome
        self.grid = grid
        self.grid_model = grid_model
        self.count_label = count_label
        self.first_training = dict(first_training or {})
        self._skipped = 0
        welcome.open_requested.connect(self.choose_folder)
        welcome.folder_chosen.connect(self.open_folder)
        welcome.set_recent(app_settings.recent_folders(session.settings))
        session.opened.connect(self._show_library)
        session.about_to_close.connect(self._forget_library)

    # -- opening and closing ---------------------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        library = self.session.library
        start = str(library.root) if library is not None else ""
        folder = QFileDialog.getExistingDirectory(self.grid.window(), "Open a folder of images", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        if not self.session.open(folder):
            return False
        self._run_step("index")
        return True

    def refresh_entries(self) -> None:
        """Show the catalog's entries in the grid, and their count."""
        library = self.session.library
        if library is None:
            return
        self.grid_model.set_entries(library.entries())
        self.count_label.setText(f"{self.grid_model.rowCount()} images")

    def _show_library(self, _root: Path) -> None:
        self.grid_model.set_loader(self.session.thumbnails)
        self.refresh_entries()

    def _forget_library(self) -> None:
        self.grid_model.set_entries([])
        self.grid_model.set_loader(None)  # the session shuts the loader down next

    # -- the index -> train -> encode chain ------------------------------------------------
    def _run_step(self, step: str) -> None:
        library = self.session.library
        work = _step_work(library, step, self.first_training)
        if step == "index":
            self._skipped = 0
            self.grid.set_empty_text("Scanning the folder…\nThe pictures appear here as soon as the scan has finished.")
        if step == "learn":
            self.session.learning_started.emit()
        self.session.jobs.run(
            step,
            work,
            STAGES[step] + "…",
            on_event=self.session.learning_event.emit if step == "learn" else self._show_event,
            on_success=lambda summary: self._step_succeeded(step, summary),
            on_failure=lambda message, details: self._step_failed(step, message, details),
            on_cancel=lambda: self._step_cancelled(step),
        )
        self.session.show_status(f"{STAGES[step]} {library.root}…")

    def _show_event(self, event: Any) -> None:
        if isinstance(event, Skipped):
            self._skipped += 1
        self.session.show_event(event)

    def _step_succeeded(self, step: str, summary: Any) -> None:
        session = self.session
        logger.info("%s finished: %s", step, summary)
        if step == "index":
            self.refresh_entries()
            session.indexed.emit(summary)
            if self.grid_model.rowCount() == 0:
                message = f"No images found in {session.library.root}: add some, then open it again."
                self.grid.set_empty_text(message)
                session.show_status(message)
                session.pipeline_finished.emit(message)
                return
            # a library with no network answers with the shipped one (encoded now); without one, it trains its own
            untrained = session.library.networks.current() is None and general.general_file() is None
            self._run_step("auto-train" if untrained else "encode")
            return
        network = session.library.networks.current()
        count = self.grid_model.rowCount()
        skipped = f" ({self._skipped} skipped)" if self._skipped else ""
        if step == "learn":
            session.learning_ended.emit(summary)
            name = network.name if network else "none"
            if isinstance(summary, dict) and summary.get("switched") is False:
                message = f"Ready: {count} images, network {name} (learning this library measured no better)"
            else:
                message = f"Ready: {count} images, network {name}, learnt on this library"
            session.set_ready(True, message)
            return
        message = f"Ready: {count} images{skipped}, network {network.name if network else 'none'}"
        session.set_ready(True, message)
        session.pipeline_finished.emit(message)
        if self._should_learn():
            self._run_step("learn")
            session.show_status(
                f"{message}; learning this library in the background (search works meanwhile; Cancel keeps {network.name if network else 'it'})"
            )

    def _should_learn(self) -> bool:
        """Whether to refine the shipped network on this library now: it answers, nothing else was
        ever trained here, and the setting allows it (on by default; the tests turn it off)."""
        library = self.session.library
        if library is None or not app_settings.get_flag(self.session.settings, LEARN_KEY):
            return False
        current = library.networks.current()
        return current is not None and general.is_general(current.config) and len(library.networks.all()) == 1

    def _step_failed(self, step: str, message: str, details: str) -> None:
        self.refresh_entries()
        text = f"{STAGES[step]} failed: {message} (details in the log)"
        self.session.report_error(f"{STAGES[step]} failed", message, details)
        self.session.show_status(text)
        if step == "learn":  # the opening had finished (ready) before the learning began: not a second ending
            self.session.learning_ended.emit(None)
            return
        self.session.pipeline_finished.emit(text)

    def _step_cancelled(self, step: str) -> None:
        self.refresh_entries()
        text = f"{STAGES[step]} cancelled; open the folder again to resume."
        if step == "learn":  # the library was ready before: it stays so, on the network it had
            self.session.learning_ended.emit(None)
            network = self.session.library.networks.current() if self.session.library else None
            text = f"Learning this library cancelled: {network.name if network else 'the network'} stays in use."
            self.session.show_status(text)
            return
        self.session.show_status(text)
        self.session.pipeline_finished.emit(text)


def _step_work(library: Any, step: str, first_training: Mapping[str, Any]) -> Callable[[CancelToken], Any]:
    """The job of one step of the chain: ``index`` or ``encode`` as they are, ``auto-train`` with ``first_training``."""
    if step in ("auto-train", "learn"):  # learn: the same run, which refines the shipped network (start_from auto)
        options = dict(first_training)

        def train(cancel: CancelToken) -> Any:
            from hashview.core.train.pipeline import TrainOptions  # numpy: not on the way to the first window

            return library.train(TrainOptions(**options), cancel)

        return train
    run_step = getattr(library, step)  # index or encode

    def run(cancel: CancelToken) -> Any:
        return run_step(cancel=cancel)

    return run
