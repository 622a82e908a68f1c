"""The library grid: a virtualised icon view that stays smooth at 100,000 images.

Smoothness comes from asking Qt to do as little as possible: uniform item
sizes (one size hint for every row, so layout is arithmetic), batched layout
(rows are laid out a batch at a time while the event loop keeps running) and
static movement. Only visible rows ask the model for thumbnails. Dragging items
out carries their file URLs, so they can be dropped on the query panel or on
any other application that takes files. A right click offers what one does
with a picture: open it, show it in its folder, copy its path, find similar
pictures, find its duplicates (``file_actions.py`` does the first three).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QDesktopServices, QFont, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from hashview.ui.library import file_actions
from hashview.ui.widgets.empty_text import paint_empty_text
from hashview.ui.widgets.thumbnails import THUMB_SIZE, Roles

logger = logging.getLogger(__name__)


class LibraryView(QListView):
    """Thumbnail grid of the library; activating an item asks for similar images."""

    similar_requested = Signal(list)
    """Emitted with ``[Path]`` when an item is activated (double-click or Enter) or its menu asks."""
    duplicates_requested = Signal(object)
    """Emitted with the ``Path`` whose duplicate group the context menu asks to see."""
    noted = Signal(str)
    """One line for the status bar about what a menu action did (or why it could not)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setAccessibleName("Library")
        self.activated.connect(self._request_similar)
        self._empty_text = ""
        self.url_opener: file_actions.UrlOpener = QDesktopServices.openUrl  # tests record the URLs instead
        self.process_starter: file_actions.ProcessStarter = file_actions.start_detached
        self.platform = sys.platform
        self.set_tile_size(THUMB_SIZE)

    def set_tile_size(self, size: int) -> None:
        """Lay the grid out for tiles of ``size`` pixels (the model and loader decode at that size)."""
        self.setIconSize(QSize(size, size))
        self.setGridSize(QSize(size + 20, size + 34))

    def set_empty_text(self, text: str) -> None:
        """What the grid says while it has no rows (scanning, empty folder...)."""
        self._empty_text = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        paint_empty_text(self, self._empty_text)

    # -- the context menu ----------------------------------------------------------------
    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802
        index = self.indexAt(event.pos())
        if not index.isValid():
            return
        self.context_menu_for(index).popup(event.globalPos())

    def context_menu_for(self, index: QModelIndex) -> QMenu:
        """The menu of the item at ``index``; "Copy paths" takes the whole selection when the item is in it."""
        path = index.data(Roles.Path)
        selected = (
            [i.data(Roles.Path) for i in self.selectionModel().selectedIndexes()] if self.selectionModel() else []
        )
        paths = selected if path in selected and len(selected) > 1 else [path]
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Open", lambda: self._open(path))
        menu.addAction(self._reveal_text(), lambda: self._reveal(path))
        copy_text = "Copy path" if len(paths) == 1 else f"Copy {len(paths)} paths"
        menu.addAction(copy_text, lambda: self._copy(paths))
        menu.addSeparator()
        similar = menu.addAction("Find similar pictures", lambda: self.similar_requested.emit([path]))
        bold = QFont(similar.font())
        bold.setBold(True)  # what a double-click does
        similar.setFont(bold)
        menu.addAction("Find its duplicates", lambda: self.duplicates_requested.emit(path))
        return menu

    def _reveal_text(self) -> str:
        if self.platform.startswith("win"):
            return "Show in Explorer"
        if self.platform == "darwin":
            return "Reveal in Finder"
        return "Open containing folder"

    def _open(self, path: Path) -> None:
        if not file_actions.open_file(path, self.url_opener):
            self.noted.emit(f"No application would open {path.name}.")

    def _reveal(self, path: Path) -> None:
        if not file_actions.reveal_in_file_manager(path, self.url_opener, self.process_starter, self.platform):
            self.noted.emit(f"Could not show {path.name} in a file manager.")

    def _copy(self, paths: list[Path]) -> None:
        file_actions.copy_paths(paths)
        self.noted.emit("Copied the path of " + (paths[0].name if len(paths) == 1 else f"{len(paths)} pictures"))

    def _request_similar(self, index: QModelIndex) -> None:
        path = index.data(Roles.Path)
        if isinstance(path, Path):
            self.similar_requested.emit([path])
