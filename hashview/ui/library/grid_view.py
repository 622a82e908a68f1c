"""The library grid: a virtualised icon view that stays smooth at 100,000 images.

Smoothness comes from asking Qt to do as little as possible: uniform item
sizes (one size hint for every row, so layout is arithmetic), batched layout
(rows are laid out a batch at a time while the event loop keeps running) and
static movement. Only visible rows ask the model for thumbnails. Dragging items
out carries their file URLs, so they can be dropped on the query panel or on
any other application that takes files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from hashview.ui.widgets.empty_text import paint_empty_text
from hashview.ui.widgets.thumbnails import THUMB_SIZE, Roles

logger = logging.getLogger(__name__)


class LibraryView(QListView):
    """Thumbnail grid of the library; activating an item asks for similar images."""

    similar_requested = Signal(list)
    """Emitted with ``[Path]`` when an item is activated (double-click or Enter)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(THUMB_SIZE, THUMB_SIZE))
        self.setGridSize(QSize(THUMB_SIZE + 20, THUMB_SIZE + 34))
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

    def set_empty_text(self, text: str) -> None:
        """What the grid says while it has no rows (scanning, empty folder...)."""
        self._empty_text = text
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        paint_empty_text(self, self._empty_text)

    def _request_similar(self, index: QModelIndex) -> None:
        path = index.data(Roles.Path)
        if isinstance(path, Path):
            self.similar_requested.emit([path])
