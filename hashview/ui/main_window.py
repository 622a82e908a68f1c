"""The main window: welcome screen, library grid, search panel, training and networks docks.

The window is a small state machine over one open ``Library``:
open -> index -> (train, which also encodes, if there is no network; else
encode to catch up new files) -> ready. Each step is a core generator run by
the ``JobRunner`` (one long job at a time, progress and Cancel in the status
bar); the window starts the next step when the previous one has succeeded.
Training, switching and importing networks go through ``NetworkController``
on the same runner. Queries run ``Library.search`` in their own worker, so the
GUI thread never waits on the engine. The engine is imported when a folder is
opened, pyqtgraph when the training panel is first shown, and torch only
inside workers, so the first window shows fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QSplitter, QStackedWidget, QWidget

from hashview.ui import dialogs
from hashview.ui import settings as app_settings
from hashview.ui.duplicates_controller import DuplicatesController
from hashview.ui.jobs import JobRunner
from hashview.ui.library_view import LibraryView
from hashview.ui.network_controller import NetworkController
from hashview.ui.networks_view import NetworksPanel
from hashview.ui.progress_bar import ProgressStrip
from hashview.ui.query_panel import image_paths
from hashview.ui.result_actions import paths_from_clipboard
from hashview.ui.results_model import ResultsModel
from hashview.ui.search_panel import SearchPanel
from hashview.ui.thumbnail_model import ThumbnailLoader, ThumbnailModel
from hashview.ui.training_panel import TrainingPanel
from hashview.ui.welcome_view import WelcomeView
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)

STAGES = {"index": "Indexing", "auto-train": "Training", "encode": "Encoding"}


def _default_open(folder: Path) -> Any:
    from hashview.core.library import Library  # the engine loads with the first folder

    return Library.open(folder)


class MainWindow(QMainWindow):
    """The hashview window. Tests may pass ``open_library`` to use a fake engine.

    Signals tell tests and scripts where the flow is: ``library_opened(Path)``,
    ``library_indexed(dict)``, ``pipeline_finished(str)`` (ready, failed or
    cancelled, with the status text), ``results_shown(object)`` (a QueryResult),
    ``status_changed(str)`` for every status-bar message and
    ``error_reported(str)`` for every error dialog.
    """

    library_opened = Signal(object)
    library_indexed = Signal(object)
    pipeline_finished = Signal(str)
    results_shown = Signal(object)
    status_changed = Signal(str)
    error_reported = Signal(str)

    def __init__(self, settings: QSettings | None = None, open_library: Callable[[Path], Any] | None = None,
                 parent: QWidget | None = None, first_training: dict[str, Any] | None = None) -> None:
        """``first_training``: options of the run that trains a library with no network yet
        (default: the engine's recommendation for the folder; tests pass a fast method)."""
        super().__init__(parent)
        self.first_training = dict(first_training or {})
        self.setWindowTitle("hashview")
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        self.settings = settings or app_settings.open_settings()
        self._open_library = open_library or _default_open
        self.library: Any = None
        self._loader: ThumbnailLoader | None = None
        self._search: Worker | None = None
        self._skipped = 0
        self.ready = False

        self.welcome = WelcomeView()
        self.welcome.open_requested.connect(self.choose_folder)
        self.welcome.folder_chosen.connect(self.open_folder)
        self.welcome.set_recent(app_settings.recent_folders(self.settings))
        self.library_model = ThumbnailModel(parent=self)
        self.library_view = LibraryView()
        self.library_view.setModel(self.library_model)
        self.library_view.similar_requested.connect(self.search_images)
        self.results_model = ResultsModel(parent=self)
        self.search_panel = SearchPanel(self.results_model)
        self.search_panel.set_limits(app_settings.get_int(self.settings, "search/k"),
                                     app_settings.get_radius(self.settings))
        self.search_panel.options_changed.connect(self.search_again)
        self.search_panel.similar_requested.connect(self.search_images)
        self.search_panel.action_taken.connect(self.set_status)
        self.query_panel = self.search_panel.query_panel
        self.query_panel.query_dropped.connect(self.search_images)
        self.results_view = self.search_panel.results_view
        self.results_header = self.search_panel.header

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.library_view)
        splitter.addWidget(self.search_panel)
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
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.count_label)
        self.jobs = JobRunner(self.progress, self)
        self.jobs.event_received.connect(self._chain_event)
        self.jobs.succeeded.connect(self._step_succeeded)
        self.jobs.failed.connect(self._step_failed)
        self.jobs.cancelled.connect(self._step_cancelled)

        self.training_panel = TrainingPanel()
        self.networks_panel = NetworksPanel()
        self.training_dock = self._dock("Training", "TrainingDock", self.training_panel)
        self.networks_dock = self._dock("Networks", "NetworksDock", self.networks_panel)
        self.tabifyDockWidget(self.training_dock, self.networks_dock)
        self.networks = NetworkController(self)
        self.duplicates = DuplicatesController.install(self)
        self._build_menu()
        self._restore_window()

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() finds docks by name
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        return dock

    # -- menus ---------------------------------------------------------------------------
    def _action(self, menu, text: str, slot, keys=None) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Open folder…", self.choose_folder, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action(file_menu, "&Import a network file…", self.networks_panel.request_import)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self._action(edit_menu, "&Paste image as query", self.paste_query, QKeySequence.StandardKey.Paste)
        self._action(edit_menu, "Find &duplicates…", self.duplicates.show_explorer, QKeySequence("Ctrl+D"))
        view_menu = self.menuBar().addMenu("&View")
        for dock, keys in ((self.training_dock, "Ctrl+T"), (self.networks_dock, "Ctrl+N"),
                           (self.duplicates_dock, "Ctrl+Shift+D")):
            toggle = dock.toggleViewAction()
            toggle.setShortcut(QKeySequence(keys))
            view_menu.addAction(toggle)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About hashview", lambda: dialogs.show_about(self))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for folder in app_settings.recent_folders(self.settings):
            self.recent_menu.addAction(str(folder), lambda f=folder: self.open_folder(f))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    # -- opening a folder ----------------------------------------------------------------
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
        app_settings.remember_folder(self.settings, Path(library.root))
        logger.info("opened library %s", library.root)
        self.library_opened.emit(Path(library.root))
        self._run_step("index")
        return True

    def close_library(self) -> None:
        """Stop the library's work, forget its views and close it."""
        if self._search is not None:
            self._search.cancel()
            self._search.wait()
        self._search = None
        self.jobs.stop()
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
        if hasattr(self, "networks"):
            self.networks.refresh()
            self.duplicates.set_library(None)

    # -- the index -> train -> encode chain ------------------------------------------------
    def _run_step(self, step: str) -> None:
        library = self.library
        job = getattr(library, "train" if step == "auto-train" else step)
        options = self.first_training if step == "auto-train" else {}
        if step == "index":
            self._skipped = 0
            self.library_view.set_empty_text(
                "Scanning the folder…\nThe pictures appear here as soon as the scan has finished.")
        self.jobs.run(step, lambda cancel: job(cancel=cancel, **options), STAGES[step] + "…")
        self.set_status(f"{STAGES[step]} {library.root}…")

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
            self.set_status(text + (f", loss {loss:.4f}" if isinstance(loss, float) else ""))

    def _step_succeeded(self, step: str, summary: Any) -> None:
        if step not in STAGES:
            return
        logger.info("%s finished: %s", step, summary)
        if step == "index":
            self._refresh_entries()
            self.library_indexed.emit(summary)
            if self.library_model.rowCount() == 0:
                message = f"No images found in {self.library.root}: add some, then open it again."
                self.library_view.set_empty_text(message)
                self.set_status(message)
                self.pipeline_finished.emit(message)
                return
            self._run_step("auto-train" if self.library.current_network() is None else "encode")
            return
        network = self.library.current_network()
        count = self.library_model.rowCount()
        skipped = f" ({self._skipped} skipped)" if self._skipped else ""
        message = f"Ready: {count} images{skipped}, network {network.name if network else 'none'}"
        self.networks.refresh()
        self.set_ready(True, message)
        self.pipeline_finished.emit(message)

    def _step_failed(self, step: str, message: str, details: str) -> None:
        if step not in STAGES:
            return
        self._refresh_entries()
        text = f"{STAGES[step]} failed: {message} (details in the log)"
        self.report_error(f"{STAGES[step]} failed", message, details)
        self.set_status(text)
        self.pipeline_finished.emit(text)

    def _step_cancelled(self, step: str) -> None:
        if step not in STAGES:
            return
        self._refresh_entries()
        text = f"{STAGES[step]} cancelled; open the folder again to resume."
        self.set_status(text)
        self.pipeline_finished.emit(text)

    def cancel_pipeline(self) -> None:
        """Stop the running job after its current step."""
        self.jobs.cancel()

    def set_ready(self, ready: bool, text: str) -> None:
        """Whether search can run (a current network with codes), and the status that says so."""
        self.ready = ready
        network = self.library.current_network() if ready and self.library is not None else None
        if network is not None:
            self.search_panel.radius.setMaximum(network.bits)
        self.set_status(text)

    def _refresh_entries(self) -> None:
        if self.library is None:
            return
        self.library_model.set_entries(self.library.entries())
        self.count_label.setText(f"{self.library_model.rowCount()} images")

    # -- queries -----------------------------------------------------------------------
    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths`` (the slot a drop calls)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if self.library is None:
            self.set_status("Open a folder first, then drop an image to search it.")
            return
        if not self.ready:
            self.set_status("Not ready to search yet: wait until indexing, training and encoding "
                            "have finished, then drop the image again.")
            return
        if self._search is not None:
            self._search.cancel()
        if self.query_panel.current_query() != paths[0]:
            self.query_panel.show_query(paths[0], extra=len(paths) - 1)
        self._query = paths
        k, radius = self.search_panel.k(), self.search_panel.radius_value()
        library = self.library
        worker = Worker(lambda cancel: library.search(paths, k=k, radius=radius), name="search", parent=self)
        worker.finished.connect(lambda results: self._show_results(worker, results))
        worker.failed.connect(lambda message: self._search_failed(worker, message))
        self._search = worker
        self.set_status(f"Searching for images like {paths[0].name}…")
        worker.start()

    def search_again(self) -> None:
        """Run the current query again with the new top-k and radius, and remember them."""
        self.settings.setValue("search/k", self.search_panel.k())
        radius = self.search_panel.radius_value()
        self.settings.setValue("search/radius", -1 if radius is None else radius)
        query = getattr(self, "_query", None)
        if query and self.ready:
            self.search_images(query)

    def paste_query(self) -> None:
        """Search for the image (or image files) on the clipboard."""
        paths = paths_from_clipboard()
        if not paths:
            self.set_status("The clipboard holds no image: copy a picture or an image file, then paste.")
            return
        self.query_panel.submit(paths)

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
        radius = self.search_panel.radius_value()
        within = f" within distance {radius}" if radius is not None else ""
        self.results_header.setText(f"{len(first.hits)} nearest to {name}{within}{more}")
        self.results_view.scrollToTop()
        if first.hits:
            self.results_view.setCurrentIndex(self.results_model.index(0))
        self.set_status(f"Found {len(first.hits)} images like {name}.")
        self.results_shown.emit(first)

    def _search_failed(self, worker: Worker, message: str) -> None:
        if worker is self._search:
            self._search = None
            self.set_status(f"Search failed: {message}")

    # -- window-wide drops, status, errors, state ------------------------------------------
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

    def report_error(self, title: str, message: str, details: str = "") -> None:
        """Log the error and show it in a non-blocking dialog that names the log file."""
        logger.error("%s: %s", title, message)
        self.error_dialog = dialogs.show_error(self, title, message, details)
        self.error_reported.emit(f"{title}: {message}")

    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.close_library()
        super().closeEvent(event)
