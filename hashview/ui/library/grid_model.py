"""The library grid's Qt list model: one row per catalog entry, its thumbnail decoded off-thread.

A grid of 100,000 photos cannot decode its thumbnails when it paints. The model
answers ``data()`` at once with a placeholder and asks the session's
``ThumbnailLoader`` for the real image, which tells the model which row to
repaint when it is ready (see ``widgets/thumbnails.py``). The rows are in
the chosen order (``set_order``: name, date modified, size, folder) and the
tiles of the chosen size (``set_tile_size``; the loader decodes at that size).
A filter (``set_filter``: words of the path, a folder) hides rows in the model
itself rather than behind a proxy, so every row number the view, its
selection, its menu and its drags use is a row of this model; the entries
hidden stay in ``all_entries`` and ``total_count`` counts them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from hashview.ui.library.grid_filter import GridFilter
from hashview.ui.library.grid_options import sorted_entries
from hashview.ui.widgets.thumbnails import THUMB_SIZE, FileListModel, Roles, ThumbnailLoader, placeholder_image

logger = logging.getLogger(__name__)


class ThumbnailModel(FileListModel):
    """One row per library entry that passes the filter: file name, thumbnail, path, id; drags as file URLs.

    ``entries_replaced`` is emitted when ``set_entries`` brings new entries (not on a new order or filter):
    the folder tree counts them again.
    """

    entries_replaced = Signal()

    def __init__(self, loader: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[Any] = []  # every entry, in order
        self._relpaths: list[str] = []  # theirs, and case-folded: computed once per set_entries, not per keystroke
        self._folded: list[str] = []
        self._filter = GridFilter()
        self._entries: list[Any] = []  # those shown: the rows
        self._row_of: dict[Any, int] = {}
        self._order = "folder"
        self._tile = THUMB_SIZE
        self._placeholder = placeholder_image()
        self._loader: ThumbnailLoader | None = None
        self.set_loader(loader)

    def set_loader(self, loader: ThumbnailLoader | None) -> None:
        """Use ``loader`` for thumbnails from now on (None: placeholders only)."""
        if self._loader is not None:
            self._loader.loaded.disconnect(self._repaint)
        self._loader = loader
        if loader is not None:
            loader.loaded.connect(self._repaint)

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Replace all rows with catalog entries (objects with id, path, relpath, size, mtime_ns...), in order."""
        self._arrange(sorted_entries(entries, self._order))
        self.entries_replaced.emit()

    def _arrange(self, ordered: list[Any]) -> None:
        """Show those of ``ordered`` that pass the filter (one reset: the view lays out once)."""
        self.beginResetModel()
        if ordered is not self._all:
            self._all = ordered
            self._relpaths = [str(e.relpath) for e in ordered]
            self._folded = [r.casefold() for r in self._relpaths]
        if self._filter.is_empty():
            self._entries = list(self._all)
        else:
            self._entries = [self._all[row] for row in self._filter.rows(self._relpaths, self._folded)]
        self._row_of = {e.id: row for row, e in enumerate(self._entries)}
        self.endResetModel()

    def filter(self) -> GridFilter:
        return self._filter

    def set_filter(self, grid_filter: GridFilter) -> None:
        """Show only the entries ``grid_filter`` lets through (a ``GridFilter()``: all of them)."""
        if grid_filter == self._filter:
            return
        self._filter = grid_filter
        self._arrange(self._all)

    def relpaths(self) -> list[str]:
        """Every entry's path relative to the library, shown or filtered out, in order."""
        return self._relpaths

    def all_entries(self) -> list[Any]:
        """Every entry, shown or filtered out, in order."""
        return self._all

    def total_count(self) -> int:
        """How many entries the library has, shown or not (``rowCount``: those shown)."""
        return len(self._all)

    def order(self) -> str:
        return self._order

    def set_order(self, order: str) -> None:
        """Sort the rows by ``order`` (``grid_options.SORT_TEXT``'s keys), now and for later entries."""
        if order == self._order:
            return
        self._order = order
        self._arrange(sorted_entries(self._all, order))

    def tile_size(self) -> int:
        return self._tile

    def set_tile_size(self, size: int) -> None:
        """Show tiles of ``size`` pixels (the loader is told separately: it may be shared)."""
        if size == self._tile:
            return
        self._tile = size
        self._placeholder = placeholder_image(size)
        if self._entries:
            self.dataChanged.emit(self.index(0), self.index(len(self._entries) - 1), [Qt.ItemDataRole.DecorationRole])

    def rows_of_paths(self, paths: Sequence[Path]) -> dict[Path, int]:
        """The rows showing ``paths`` (those shown), in one pass over the rows."""
        wanted = {Path(p) for p in paths}
        if not wanted:
            return {}
        return {Path(e.path): row for row, e in enumerate(self._entries) if Path(e.path) in wanted}

    def entry(self, row: int) -> Any:
        return self._entries[row]

    def path_at(self, row: int) -> Path:
        return Path(self._entries[row].path)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return Path(entry.relpath).name
        if role == Qt.ItemDataRole.DecorationRole:
            image = self._loader.get(entry.id) if self._loader else None
            if image is None:
                return self._placeholder
            if image.width() != self._tile:  # a loader of another size (shared, or changing): scale this once
                return image.scaled(self._tile, self._tile, Qt.AspectRatioMode.KeepAspectRatio)
            return image
        if role == Qt.ItemDataRole.ToolTipRole:
            dims = f"{entry.width} × {entry.height}" if entry.width else ""  # 0: not known
            return f"{entry.relpath}\n{dims}".strip()
        if role == Roles.FileId:
            return entry.id
        if role == Roles.Path:
            return Path(entry.path)
        if role == Roles.ThumbnailReady:
            return bool(self._loader and self._loader.has(entry.id))
        return None

    def _repaint(self, file_id: Any) -> None:
        row = self._row_of.get(file_id)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
