"""The main window: welcome screen, library grid, query panel and results.

The window is a small state machine over one open ``Library``:
open -> index -> (train, which also encodes, if there is no network; else
encode to catch up new files) -> ready. Each step
is a core generator run by a ``Worker``; the window only starts the next step
when the previous one reports ``finished``, shows progress in the status bar,
and lets Cancel stop the chain. Queries are refused with a clear message until
codes are ready, then run ``Library.search`` in a worker too, so the GUI thread
never waits on the engine. The engine is imported when a folder is opened, and
torch only inside the workers, so the first window shows fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hashview.ui import settings as app_settings
from hashview.ui.library_view import LibraryView
from hashview.ui.progress_bar import ProgressStrip
from hashview.ui.query_panel import QueryPanel, image_paths
from hashview.ui.results_model import ResultsModel, ResultsView
from hashview.ui.thumbnail_model import ThumbnailLoader, ThumbnailModel
from hashview.ui.welcome_view import WelcomeView
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)

STAGES = {"index": "Indexing", "train": "Training", "encode": "Encoding"}


def _default_open(folder: Path) -> Any:
    from hashview.core.library import Library  # the engine loads with the first folder

    return Library.open(folder)


class MainWindow(QMainWindow):
    """The hashview window. Tests may pass ``open_library`` to use a fake engine.

    Signals tell tests and scripts where the flow is: ``library_opened(Path)``,
    ``library_indexed(dict)``, ``pipeline_finished(str)`` (ready, failed or
    cancelled, with the status text), ``results_shown(object)`` (a QueryResult)
    and ``status_changed(str)`` for every status-bar message.
    """

    library_opened = Signal(object)
    library_indexed = Signal(object)
    pipeline_finished = Signal(str)
    results_shown = Signal(object)
    status_changed = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        open_library: Callable[[Path], Any] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("hashview")
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        self._settings = settings or app_settings.open_settings()
        self._open_library = open_library or _default_open
        self.library: Any = None
        self._loader: ThumbnailLoader | None = None
        self._pipeline: Worker | None = None
        self._search: Worker | None = None
        self._skipped = 0
        self.ready = False

        self.welcome = WelcomeView()
        self.welcome.open_requested.connect(self.choose_folder)
        self.welcome.folder_chosen.connect(self.open_folder)
        self.welcome.set_recent(app_settings.recent_folders(self._settings))

        self.library_model = ThumbnailModel(parent=self)
        self.library_view = LibraryView()
        self.library_view.setModel(self.library_model)
        self.library_view.similar_requested.connect(self.search_images)

        self.query_panel = QueryPanel()
        self.query_panel.query_dropped.connect(self.search_images)
        self.results_header = QLabel("Results")
        self.results_header.setWordWrap(True)
        self.results_model = ResultsModel(parent=self)
        self.results_view = ResultsView()
        self.results_view.setModel(self.results_model)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(6, 0, 0, 0)
        side_layout.addWidget(self.query_panel)
        side_layout.addWidget(self.results_header)
        side_layout.addWidget(self.results_view, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library_view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 500])
        splitter.setChildrenCollapsible(False)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(splitter)
        self._browse_page = splitter
        self.setCentralWidget(self.stack)

        self.progress = ProgressStrip()
        self.progress.cancel_requested.connect(self.cancel_pipeline)
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.count_label)
        self._build_menu()

    # -- menus ---------------------------------------------------------------
    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open folder…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_folder)
        file_menu.addAction(open_action)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    # -- opening a folder ----------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        start = str(self.library.root) if self.library is not None else ""
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of images", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        folder = Path(folder)
        self.close_library()
        try:
            library = self._open_library(folder)
        except Exception as exc:  # noqa: BLE001 - LibraryError and OS errors alike
            logger.exception("cannot open %s", folder)
            self.set_status(f"Cannot open {folder}: {exc}")
            self.stack.setCurrentWidget(self.welcome)
            return False
        self.library = library
        self._loader = ThumbnailLoader(library.thumbnail, parent=self)
        self.library_model.set_loader(self._loader)
        self.results_model.set_loader(self._loader)
        self._refresh_entries()
        self.stack.setCurrentWidget(self._browse_page)
        self.setWindowTitle(f"{Path(library.root).name} — hashview")
        app_settings.remember_folder(self._settings, Path(library.root))
        logger.info("opened library %s", library.root)
        self.library_opened.emit(Path(library.root))
        self._run_step("index")
        return True

    def close_library(self) -> None:
        """Stop the library's work, forget its views and close it."""
        for worker in (self._pipeline, self._search):
            if worker is not None:
                worker.cancel()
                worker.wait()
        self._pipeline = self._search = None
        self.progress.stop()
        self.ready = False
        self.library_model.set_entries([])
        self.results_model.clear()
        self.query_panel.clear()
        if self._loader is not None:
            self.library_model.set_loader(None)
            self.results_model.set_loader(None)
            self._loader.shutdown()
            self._loader.deleteLater()
            self._loader = None
        if self.library is not None:
            self.library.close()
            self.library = None

    # -- the index -> train -> encode chain -----------------------------------
    def _run_step(self, step: str) -> None:
        library = self.library
        job = getattr(library, step)  # index, train or encode: generators with cancel=
        worker = Worker(lambda cancel: job(cancel=cancel), name=step, parent=self)
        worker.progressed.connect(self._show_event)
        worker.finished.connect(lambda summary: self._step_finished(worker, step, summary))
        worker.failed.connect(lambda message: self._step_failed(worker, step, message))
        worker.cancelled.connect(lambda: self._step_cancelled(worker, step))
        self._pipeline = worker
        if step == "index":
            self._skipped = 0
            self.library_view.set_empty_text(
                "Scanning the folder…\nThe pictures appear here as soon as the scan has finished."
            )
        self.progress.start(STAGES[step] + "…")
        self.set_status(f"{STAGES[step]} {library.root}…")
        worker.start()

    def _show_event(self, event: Any) -> None:
        from hashview.core.events import EpochDone, Progress, Skipped

        if isinstance(event, Progress):
            self.progress.show_progress(event)
        elif isinstance(event, Skipped):
            self._skipped += 1
            logger.info("skipped %s: %s", event.path, event.reason)
        elif isinstance(event, EpochDone):
            loss = event.stats.get("loss")
            text = f"Training: epoch {event.epoch + 1} done"
            self.set_status(text + (f", loss {loss:.4f}" if isinstance(loss, float) else ""))

    def _step_finished(self, worker: Worker, step: str, summary: Any) -> None:
        if worker is not self._pipeline:
            return
        logger.info("%s finished: %s", step, summary)
        if step == "index":
            self._refresh_entries()
            self.library_indexed.emit(summary)
            if self.library_model.rowCount() == 0:
                self._pipeline = None
                self.progress.stop()
                message = f"No images found in {self.library.root}: add some, then open it again."
                self.library_view.set_empty_text(message)
                self.set_status(message)
                self.pipeline_finished.emit(message)
                return
            network = self.library.current_network()
            self._run_step("train" if network is None else "encode")
        else:  # training encodes the library itself; encode caught up new files
            self._pipeline = None
            self.progress.stop()
            self.ready = True
            network = self.library.current_network()
            name = network.name if network is not None else "none"
            count = self.library_model.rowCount()
            skipped = f" ({self._skipped} skipped)" if self._skipped else ""
            message = f"Ready: {count} images{skipped}, network {name}"
            self.set_status(message)
            self.pipeline_finished.emit(message)

    def _step_failed(self, worker: Worker, step: str, message: str) -> None:
        if worker is not self._pipeline:
            return
        self._pipeline = None
        self.progress.stop()
        self._refresh_entries()
        text = f"{STAGES[step]} failed: {message} (details in the log)"
        self.set_status(text)
        self.pipeline_finished.emit(text)

    def _step_cancelled(self, worker: Worker, step: str) -> None:
        if worker is not self._pipeline:
            return
        self._pipeline = None
        self.progress.stop()
        self._refresh_entries()
        text = f"{STAGES[step]} cancelled; open the folder again to resume."
        self.set_status(text)
        self.pipeline_finished.emit(text)

    def cancel_pipeline(self) -> None:
        """Stop the running index/train/encode step after its current step."""
        if self._pipeline is not None:
            self._pipeline.cancel()

    def _refresh_entries(self) -> None:
        if self.library is None:
            return
        self.library_model.set_entries(self.library.entries())
        self.count_label.setText(f"{self.library_model.rowCount()} images")

    # -- queries ---------------------------------------------------------------
    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths`` (the slot a drop calls)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if self.library is None:
            self.set_status("Open a folder first, then drop an image to search it.")
            return
        if not self.ready:
            self.set_status(
                "Not ready to search yet: wait until indexing, training and encoding "
                "have finished, then drop the image again."
            )
            return
        if self._search is not None:
            self._search.cancel()
        if self.query_panel.current_query() != paths[0]:
            self.query_panel.show_query(paths[0], extra=len(paths) - 1)
        k = app_settings.get_int(self._settings, "search/k")
        library = self.library
        worker = Worker(lambda cancel: library.search(paths, k=k), name="search", parent=self)
        worker.finished.connect(lambda results: self._show_results(worker, results))
        worker.failed.connect(lambda message: self._search_failed(worker, message))
        self._search = worker
        self.set_status(f"Searching for images like {paths[0].name}…")
        worker.start()

    def _show_results(self, worker: Worker, results: Any) -> None:
        if worker is not self._search:
            return
        self._search = None
        if not results:
            self.results_model.clear()
            self.set_status("The search found nothing.")
            return
        first = results[0]
        self.results_model.set_hits(first.hits)
        name = Path(str(first.query)).name
        more = f" (showing the first of {len(results)} queries)" if len(results) > 1 else ""
        self.results_header.setText(f"{len(first.hits)} nearest to {name}{more}")
        self.results_view.scrollToTop()
        self.set_status(f"Found {len(first.hits)} images like {name}.")
        self.results_shown.emit(first)

    def _search_failed(self, worker: Worker, message: str) -> None:
        if worker is self._search:
            self._search = None
            self.set_status(f"Search failed: {message}")

    # -- window-wide drops and status ------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.source() is None and event.mimeData().hasUrls():
            urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
            if any(Path(u.toLocalFile()).is_dir() for u in urls) or image_paths(event.mimeData()):
                event.acceptProposedAction()
                return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        folders = [p for p in urls if p.is_dir()]
        event.acceptProposedAction()
        if folders:
            self.open_folder(folders[0])
        else:
            self.query_panel.submit(image_paths(event.mimeData()))

    def set_status(self, text: str) -> None:
        """Show ``text`` in the status bar until the next message."""
        self.statusBar().showMessage(text)
        self.status_changed.emit(text)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.close_library()
        super().closeEvent(event)
