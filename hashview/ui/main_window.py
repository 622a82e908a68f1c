"""The main window: welcome screen, library grid, search panel, training and networks docks.

The window holds the widgets, the open ``Library`` and the signals that tell
tests and scripts where the flow is; the work is done by small helpers, each
with one job: ``LibraryFlow`` opens a folder and runs its index -> train or
encode -> ready chain on the ``JobRunner`` (one long job at a time, progress
and Cancel in the status bar), ``SearchFlow`` runs queries in their own
worker so the GUI thread never waits on the engine, ``NetworkController``
trains, switches and imports networks, ``DuplicatesController`` runs the
explorer, and ``window_menus`` builds the menus. The engine is imported when a
folder is opened, pyqtgraph when the training panel is first shown, and torch
only inside workers, so the first window shows fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QSplitter, QStackedWidget, QWidget

from hashview.ui import dialogs
from hashview.ui import settings as app_settings
from hashview.ui.duplicates_controller import DuplicatesController
from hashview.ui.jobs import JobRunner
from hashview.ui.library_flow import LibraryFlow
from hashview.ui.library_view import LibraryView
from hashview.ui.network_controller import NetworkController
from hashview.ui.networks_view import NetworksPanel
from hashview.ui.progress_bar import ProgressStrip
from hashview.ui.query_panel import image_paths
from hashview.ui.results_model import ResultsModel
from hashview.ui.search_flow import SearchFlow
from hashview.ui.search_panel import SearchPanel
from hashview.ui.thumbnail_model import ThumbnailModel
from hashview.ui.training_panel import TrainingPanel
from hashview.ui.welcome_view import WelcomeView
from hashview.ui.window_menus import build_menus

logger = logging.getLogger(__name__)


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
        self.library: Any = None
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
        self.flow = LibraryFlow(self, open_library)
        self.searches = SearchFlow(self)

        self.training_panel = TrainingPanel()
        self.networks_panel = NetworksPanel()
        self.training_dock = self._dock("Training", "TrainingDock", self.training_panel)
        self.networks_dock = self._dock("Networks", "NetworksDock", self.networks_panel)
        self.tabifyDockWidget(self.training_dock, self.networks_dock)
        self.networks = NetworkController(self)
        self.duplicates = DuplicatesController.install(self)
        self.duplicates.decided.connect(lambda _verdict: self.networks.show_decisions())
        build_menus(self)
        self._restore_window()

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() finds docks by name
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        return dock

    def show_browser(self) -> None:
        """Show the grid and search panel instead of the welcome screen."""
        self.stack.setCurrentWidget(self._browse_page)

    # -- the library (LibraryFlow) -----------------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        self.flow.choose_folder()

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        return self.flow.open_folder(folder)

    def close_library(self) -> None:
        """Stop the library's work, forget its views and close it."""
        self.flow.close_library()

    def cancel_pipeline(self) -> None:
        """Stop the running job after its current step."""
        self.jobs.cancel()

    def show_event(self, event: Any) -> None:
        """Count skipped files and show epoch summaries in the status bar."""
        self.flow.show_event(event)

    def set_ready(self, ready: bool, text: str) -> None:
        """Whether search can run (a current network with codes), and the status that says so."""
        self.ready = ready
        network = self.library.current_network() if ready and self.library is not None else None
        if network is not None:
            self.search_panel.radius.setMaximum(network.bits)
        self.set_status(text)

    # -- queries (SearchFlow) ---------------------------------------------------------------
    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths`` (the slot a drop calls)."""
        self.searches.search_images(paths)

    def search_again(self) -> None:
        """Run the current query again with the new top-k and radius, and remember them."""
        self.searches.search_again()

    def paste_query(self) -> None:
        """Search for the image (or image files) on the clipboard."""
        self.searches.paste_query()

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
