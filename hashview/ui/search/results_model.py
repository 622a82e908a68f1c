"""Ranked search results as a Qt list model, and the view that shows them.

Each row is one ``Hit`` (file id, path, Hamming distance), in rank order. The
item's text is the file's name and its distance; a hit within the library's
duplicate radius says "copy" (the duplicates explorer would group it with the
query), so the copies stand apart from the merely similar pictures after them.
The thumbnail comes from the same off-thread loader as the library grid.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QImage, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from hashview.ui.widgets.empty_text import paint_empty_text
from hashview.ui.widgets.thumbnails import (
    THUMB_SIZE,
    FileListModel,
    Roles,
    ThumbnailLoader,
    placeholder_image,
)

logger = logging.getLogger(__name__)

RESULT_ICON = THUMB_SIZE * 3 // 4
"""Edge of a result's thumbnail: results are denser than the library grid."""


class ResultsModel(FileListModel):
    """Rows of hits ranked by Hamming distance; the text of each is its name and ``d = N`` (``copy`` within the
    duplicate radius).

    Thumbnails are handed to the view already scaled to ``RESULT_ICON``: Qt
    draws a QImage decoration at its own size, and the way around that (a
    delegate that changes the decoration size while painting) corrupts
    reference counts in PySide6 6.12 and aborts the process later
    (tests/test_ui_models.py guards against it). The scaled copies are kept
    for the rows on show only.
    """

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[Any] = []
        self._rows_of: dict[Any, list[int]] = {}
        self._copy_radius: int | None = None
        self._placeholder = placeholder_image(RESULT_ICON)
        self._scaled: dict[Any, QImage] = {}
        self._loader: ThumbnailLoader | None = None
        self.set_loader(loader)

    def set_loader(self, loader: ThumbnailLoader | None) -> None:
        if self._loader is not None:
            self._loader.loaded.disconnect(self._repaint)
        self._loader = loader
        if loader is not None:
            loader.loaded.connect(self._repaint)

    def set_hits(self, hits: Sequence[Any], copy_radius: int | None = None) -> None:
        """Show ``hits`` (objects with file_id, path, distance) in the given order; those within ``copy_radius``
        (the library's duplicate radius; None: no network safe to say) are marked as copies."""
        self.beginResetModel()
        self._hits = list(hits)
        self._copy_radius = copy_radius
        self._rows_of = {}
        self._scaled = {}
        for row, hit in enumerate(self._hits):
            self._rows_of.setdefault(hit.file_id, []).append(row)
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([])

    def hit(self, row: int) -> Any:
        return self._hits[row]

    def is_copy(self, hit: Any) -> bool:
        """Within the duplicate radius: the explorer would group this hit with the query."""
        return self._copy_radius is not None and int(hit.distance) <= self._copy_radius

    def path_at(self, row: int) -> Path:
        return Path(self._hits[row].path)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{Path(hit.path).name}\n{'copy · ' if self.is_copy(hit) else ''}d = {hit.distance}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(hit.file_id)
        if role == Qt.ItemDataRole.ToolTipRole:
            verdict = ""
            if self._copy_radius is not None:
                verdict = (
                    f"\nwithin the duplicate radius ({self._copy_radius}): likely a copy of the query"
                    if self.is_copy(hit)
                    else f"\nbeyond the duplicate radius ({self._copy_radius}): a similar picture, not a copy"
                )
            return (
                f"{hit.path}\ndistance {hit.distance} (how many of the code's bits differ from the query's), "
                f"rank {index.row() + 1}{verdict}"
            )
        if role == Roles.FileId:
            return hit.file_id
        if role == Roles.Path:
            return Path(hit.path)
        if role == Roles.Distance:
            return int(hit.distance)
        if role == Roles.ThumbnailReady:
            return bool(self._loader and self._loader.has(hit.file_id))
        return None

    def _thumbnail(self, file_id: Any) -> QImage:
        scaled = self._scaled.get(file_id)
        if scaled is not None:
            return scaled
        image = self._loader.get(file_id) if self._loader is not None and file_id is not None else None
        if image is None:
            return self._placeholder
        scaled = image.scaled(
            RESULT_ICON, RESULT_ICON, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self._scaled[file_id] = scaled
        return scaled

    def _repaint(self, file_id: Any) -> None:
        for row in self._rows_of.get(file_id, ()):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


EMPTY_TEXT = (
    "Drop a picture on the panel above, or double-click one in the grid: "
    "the most similar images appear here, nearest first."
)


class ResultsView(QListView):
    """A compact icon grid of results; items can be dragged on as new queries."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        icon = RESULT_ICON
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(icon, icon))
        self.setGridSize(QSize(icon + 28, icon + 44))  # two lines under each: the name, then "copy · d = N"
        self.setUniformItemSizes(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setAccessibleName("Search results")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        paint_empty_text(self, EMPTY_TEXT)
