"""The library's folders as a collapsible tree beside the grid, each with its count of pictures.

The tree is built from the catalog's relative paths (``grid_filter.folder_counts``),
never by walking the disk: it shows what the grid can show, and a library of
100,000 pictures builds it in a fraction of a second, once per entries refresh.
Choosing a folder emits ``folder_chosen`` with its relative path (the grid then
shows that folder and its subfolders); "All pictures" at the top emits
``ALL_FOLDERS``. A rebuild keeps the chosen folder and the open branches, and
falls back to "All pictures" (emitting it) when the chosen folder has gone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from hashview.ui.library.grid_filter import ALL_FOLDERS, parent_folder

logger = logging.getLogger(__name__)

FOLDER_ROLE = Qt.ItemDataRole.UserRole + 1
ALL_TEXT = "All pictures"


class FolderTree(QTreeWidget):
    """Folders of the library with their picture counts; emits ``folder_chosen(str)`` when one is chosen."""

    folder_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FolderTree")
        self.setAccessibleName("Folders")
        self.setColumnCount(2)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)  # layout is arithmetic, as in the grid
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setRootIsDecorated(True)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._icon = self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._chosen = ALL_FOLDERS
        self.currentItemChanged.connect(self._current_changed)
        self.set_counts({})

    def chosen(self) -> str:
        """The chosen folder (``ALL_FOLDERS``: the whole library)."""
        return self._chosen

    def folders(self) -> list[str]:
        """Every folder the tree lists, "All pictures" (``ALL_FOLDERS``) first."""
        return list(self._items)

    def count_of(self, folder: str) -> int | None:
        item = self._items.get(folder)
        return None if item is None else int(item.data(1, Qt.ItemDataRole.UserRole))

    def choose(self, folder: str) -> bool:
        """Choose ``folder`` as if clicked (its branch opens); False when the tree has no such folder."""
        item = self._items.get(folder)
        if item is None:
            return False
        parent = item.parent()
        while parent is not None:
            parent.setExpanded(True)
            parent = parent.parent()
        self.setCurrentItem(item)
        self.scrollToItem(item)
        return True

    def set_counts(self, counts: Mapping[str, int]) -> None:
        """Show the folders of ``counts`` (``grid_filter.folder_counts``), keeping the choice and the open branches."""
        expanded = {folder for folder, item in self._items.items() if item.isExpanded()}
        fresh = len(self._items) <= 1  # a first build (a library just opened): its top folders open
        self.blockSignals(True)  # a rebuild is not a choice; the fall-back below says so itself
        try:
            self.clear()
            self._items = {ALL_FOLDERS: self._item(None, ALL_FOLDERS, ALL_TEXT, counts.get(ALL_FOLDERS, 0))}
            for folder in sorted((f for f in counts if f != ALL_FOLDERS), key=str.casefold):
                parent = self._items.get(parent_folder(folder)) if parent_folder(folder) != ALL_FOLDERS else None
                name = folder.rsplit("/", 1)[-1]
                self._items[folder] = self._item(parent, folder, name, counts[folder])
            for folder in expanded & self._items.keys():
                self._items[folder].setExpanded(True)
            if len(self._items) <= 12:  # a handful of folders: all open, nothing to hunt for
                self.expandAll()
            elif fresh:
                for folder, item in self._items.items():
                    if "/" not in folder:
                        item.setExpanded(True)
            kept = self._chosen in self._items
            self.setCurrentItem(self._items[self._chosen if kept else ALL_FOLDERS])
        finally:
            self.blockSignals(False)
        if not kept:
            logger.info("folder %r is no longer in the library: showing all pictures", self._chosen)
            self._chosen = ALL_FOLDERS
            self.folder_chosen.emit(ALL_FOLDERS)

    def _item(self, parent: QTreeWidgetItem | None, folder: str, name: str, count: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem([name, f"{count:,}"])
        item.setIcon(0, self._icon)
        item.setData(0, FOLDER_ROLE, folder)
        item.setData(1, Qt.ItemDataRole.UserRole, count)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setToolTip(0, f"{folder or 'The whole library'}: {count:,} picture{'s' if count != 1 else ''}")
        item.setForeground(1, self.palette().placeholderText())
        if parent is None:
            self.addTopLevelItem(item)
        else:
            parent.addChild(item)
        return item

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        folder = ALL_FOLDERS if current is None else str(current.data(0, FOLDER_ROLE))
        if folder != self._chosen:
            self._chosen = folder
            self.folder_chosen.emit(folder)
