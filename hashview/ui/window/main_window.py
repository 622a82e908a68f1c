"""The main window: welcome screen, then two pages (Library: folders, grid and search; Duplicates), and two docks.

The window is the composition root: it builds the views, lays them out (the
pages and the Training and Networks docks are its own), makes the ``LibrarySession`` (the open library, the job
runner, the settings) and hands each feature's controller its views and the
session: ``LibraryController`` opens a folder and runs its index -> train or
encode -> ready chain, ``SearchController`` runs queries in their own worker
so the GUI thread never waits on the engine, ``NetworkController`` trains,
switches and imports networks, ``DuplicatesController`` runs the explorer.
The explorer has a whole page (a tab beside the library), not a dock: its
group list, copies and compare panes need the window's size to be usable.
The window wires what one feature asks of another and shows what the session
reports (status bar, error dialog, welcome or browser page); ``menus`` builds
the menus. The engine is imported when a folder is opened, pyqtgraph when
the training panel is first shown, and torch only inside workers, so the
first window shows fast.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hashview.ui import settings as app_settings
from hashview.ui.duplicates.controller import DuplicatesController
from hashview.ui.duplicates.explorer_view import DuplicatesExplorer
from hashview.ui.library.controller import LibraryController
from hashview.ui.library.filter_box import FilterBox
from hashview.ui.library.folder_tree import FolderTree
from hashview.ui.library.grid_filter import ALL_FOLDERS, folder_counts
from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.library.welcome_view import WelcomeView
from hashview.ui.search.controller import SearchController
from hashview.ui.search.panel import SearchPanel
from hashview.ui.search.query_panel import image_paths
from hashview.ui.search.results_model import ResultsModel
from hashview.ui.session import LibrarySession
from hashview.ui.training.controller import NetworkController
from hashview.ui.training.networks_panel import NetworksPanel
from hashview.ui.training.panel import TrainingPanel
from hashview.ui.widgets import dialogs
from hashview.ui.widgets.progress_strip import ProgressStrip
from hashview.ui.window.library_comforts import LibraryComforts
from hashview.ui.window.menus import build_menus

logger = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """The hashview window. Tests may pass ``open_library`` to use a fake engine.

    Signals tell tests and scripts where the flow is (the session's and the
    search's, forwarded, so a script needs to know no part of the window):
    ``library_opened(Path)``, ``library_indexed(dict)``,
    ``pipeline_finished(str)`` (ready, failed or cancelled, with the status
    text), ``results_shown(object)`` (a QueryResult), ``status_changed(str)``
    for every status-bar message and ``error_reported(str)`` for every error
    dialog.
    """

    library_opened = Signal(object)
    library_indexed = Signal(object)
    pipeline_finished = Signal(str)
    results_shown = Signal(object)
    status_changed = Signal(str)
    error_reported = Signal(str)

    def __init__(
        self,
        settings: QSettings | None = None,
        open_library: Callable[[Path], Any] | None = None,
        parent: QWidget | None = None,
        first_training: dict[str, Any] | None = None,
    ) -> None:
        """``first_training``: options of the run that trains a library with no network yet
        (default: the engine's recommendation for the folder; tests pass a fast method)."""
        super().__init__(parent)
        self.setWindowTitle("hashview")
        self.setAcceptDrops(True)
        self.resize(1280, 800)
        self.progress = ProgressStrip()
        self.count_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.count_label)
        self.session = LibrarySession(settings or app_settings.open_settings(), self.progress, open_library, self)
        self.settings = self.session.settings
        self.jobs = self.session.jobs
        self.error_dialog: Any = None

        self.welcome = WelcomeView()
        self.library_model = ThumbnailModel(parent=self)
        self.library_view = LibraryView()
        self.library_view.setModel(self.library_model)
        self.filter_box = FilterBox()
        self.folder_tree = FolderTree()
        self.results_model = ResultsModel(parent=self)
        self.search_panel = SearchPanel(self.results_model)
        self.query_panel = self.search_panel.query_panel
        self.results_view = self.search_panel.results_view
        self.results_header = self.search_panel.header
        self.training_panel = TrainingPanel()
        self.networks_panel = NetworksPanel()
        self.explorer = DuplicatesExplorer()
        self._lay_out()

        session = self.session
        self.library_controller = LibraryController(
            session, self.welcome, self.library_view, self.library_model, self.count_label, first_training, parent=self
        )
        self.searches = SearchController(session, self.search_panel, parent=self)
        self.networks = NetworkController(session, self.training_panel, self.networks_panel, parent=self)
        self.duplicates = DuplicatesController(self.explorer, session, parent=self)
        self._connect()
        self.comforts = LibraryComforts(self)  # preferences, the grid's menu, the changed-files offer
        build_menus(self)
        self._restore_window()

    def _lay_out(self) -> None:
        grid_column = QWidget()  # the filter box above the grid
        column = QVBoxLayout(grid_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.filter_box)
        column.addWidget(self.library_view)
        browse = QSplitter(Qt.Orientation.Horizontal)  # the folder tree beside the grid (View ▸ Folders hides it)
        browse.setObjectName("LibraryBrowse")
        browse.addWidget(self.folder_tree)
        browse.addWidget(grid_column)
        browse.setStretchFactor(0, 0)
        browse.setStretchFactor(1, 1)
        browse.setSizes([200, 560])
        browse.setChildrenCollapsible(False)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(browse)
        splitter.addWidget(self.search_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 500])
        splitter.setChildrenCollapsible(False)
        self.library_page = splitter
        self.pages = QTabWidget()  # Library | Duplicates: the explorer gets the whole window
        self.pages.setObjectName("Pages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self.library_page, "Library")
        self.pages.addTab(self.explorer, "Duplicates")
        self.pages.currentChanged.connect(self._page_changed)
        self._revealing = False
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.pages)
        self._browse_page = self.pages
        self.setCentralWidget(self.stack)
        self.training_dock = self._dock("Training", "TrainingDock", self.training_panel)
        self.networks_dock = self._dock("Networks", "NetworksDock", self.networks_panel)
        self.tabifyDockWidget(self.training_dock, self.networks_dock)

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)  # saveState() finds docks by name
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.hide()
        return dock

    def _connect(self) -> None:
        """What one feature asks of another, what the session reports, and the signals scripts watch."""
        session = self.session
        self.library_view.similar_requested.connect(self.searches.search_images)
        self.filter_box.filter_changed.connect(self.library_controller.filter_by_text)
        self.folder_tree.folder_chosen.connect(self.library_controller.filter_by_folder)
        self.library_model.entries_replaced.connect(self._count_folders)
        session.about_to_close.connect(self._forget_filter)
        self.duplicates.decided.connect(lambda _verdict: self.networks.show_decisions())
        self.duplicates.reveal_requested.connect(self.show_duplicates_page)
        session.opened.connect(self._show_browser)
        session.closed.connect(lambda: self.stack.setCurrentWidget(self.welcome))
        session.status_changed.connect(self._show_status)
        session.error_reported.connect(self._show_error)
        session.opened.connect(self.library_opened)
        session.indexed.connect(self.library_indexed)
        session.pipeline_finished.connect(self.pipeline_finished)
        self.searches.results_shown.connect(self.results_shown)

    # -- the library, for menus, drops and scripts ------------------------------------------
    @property
    def library(self) -> Any:
        """The open ``Library`` (None when no folder is open)."""
        return self.session.library

    @property
    def ready(self) -> bool:
        """Whether search can run: a current network with codes."""
        return self.session.ready

    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        self.library_controller.choose_folder()

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        return self.library_controller.open_folder(folder)

    def close_library(self) -> None:
        """Stop the library's work, forget its views and close it."""
        self.session.close()

    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths``."""
        self.searches.search_images(paths)

    def search_again(self) -> None:
        """Run the current query again with the new top-k and radius, and remember them."""
        self.searches.search_again()

    def paste_query(self) -> None:
        """Search for the image (or image files) on the clipboard."""
        self.searches.paste_query()

    # -- the grid's filter -------------------------------------------------------------------
    def _count_folders(self) -> None:
        """Build the folder tree from the grid's entries (once per entries refresh, not per filter)."""
        self.folder_tree.set_counts(folder_counts(self.library_model.relpaths()))

    def _forget_filter(self) -> None:
        """A closed library's filter means nothing in the next one."""
        self.filter_box.clear()
        self.folder_tree.choose(ALL_FOLDERS)

    # -- what the session reports ----------------------------------------------------------
    def _show_browser(self, root: Path) -> None:
        self.stack.setCurrentWidget(self._browse_page)
        self.pages.setCurrentWidget(self.library_page)
        self.setWindowTitle(f"{Path(root).name} — hashview")

    def _show_status(self, text: str) -> None:
        self.statusBar().showMessage(text)
        self.status_changed.emit(text)

    def _show_error(self, title: str, message: str, details: str) -> None:
        self.error_dialog = dialogs.show_error(self, title, message, details)
        self.error_reported.emit(f"{title}: {message}")

    def show_duplicates_page(self) -> None:
        """Switch to the Duplicates page (Find duplicates, Ctrl+D): the page comes to the front.

        With no folder open there is no page to show: the status bar says what to do.
        """
        if self.session.library is None:
            self._show_status("Open a folder first, then find duplicates in it.")
            return
        self._revealing = True  # the caller scans: the page switch must not start a second scan
        try:
            self.stack.setCurrentWidget(self._browse_page)
            self.pages.setCurrentWidget(self.explorer)
        finally:
            self._revealing = False

    def show_library_page(self) -> None:
        """Switch back to the library grid and search."""
        self.pages.setCurrentWidget(self.library_page)

    def _page_changed(self, _index: int) -> None:
        """A click on the Duplicates tab finds duplicates the first time, as Ctrl+D does."""
        if self._revealing or self.pages.currentWidget() is not self.explorer:
            return
        if self.duplicates.scan_result is None and self.session.library is not None:
            self.duplicates.show_explorer()

    # -- window-wide drops and state --------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.source() is None and event.mimeData().hasUrls():
            urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
            if any(Path(u.toLocalFile()).is_dir() for u in urls) or image_paths(event.mimeData()):
                event.acceptProposedAction()
                return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        urls = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        folders = [p for p in urls if p.is_dir()]
        event.acceptProposedAction()
        if folders:
            self.open_folder(folders[0])
        else:
            self.query_panel.submit(image_paths(event.mimeData()))

    def _restore_window(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.close_library()
        super().closeEvent(event)
