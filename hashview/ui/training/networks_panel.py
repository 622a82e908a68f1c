"""The networks of the open library: a table model and the panel that manages them.

The model shows ``NetworkInfo`` rows (name, method, bits, created, retrieval
score (mAP, explained in its tooltip), images, training time), the current
one in bold. The panel asks the questions (rename to what, delete which and
what to use instead, import which file) and emits one domain signal per decision; the ``NetworkController`` runs the engine work.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hashview.core.nets.general import is_general

logger = logging.getLogger(__name__)


class Column(IntEnum):
    Name = 0
    Method = 1
    Bits = 2
    Created = 3
    Map = 4
    Images = 5
    TrainTime = 6


HEADERS = {
    Column.Name: "Name",
    Column.Method: "Method",
    Column.Bits: "Bits",
    Column.Created: "Created",
    Column.Map: "Retrieval score",
    Column.Images: "Images",
    Column.TrainTime: "Training time",
}
SCORE_TIP = (
    "Retrieval score (mAP, mean average precision), from 0 to 1; 1 is perfect.\n"
    "Measured when the network was trained: for held-out photos of this library, how near the top\n"
    "their edited copies (or, with folder labels, pictures of the same folder) came in a search.\n"
    "Compare the networks of one library with it; it is not a count of duplicates found."
)
HEADER_TIPS = {
    Column.Map: SCORE_TIP,
    Column.Bits: "Code length: the bits each picture's code has; longer codes tell more pictures apart.",
    Column.Images: "How many pictures the network was trained on.",
}
NetworkIdRole = Qt.ItemDataRole.UserRole + 1


def format_seconds(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def is_shipped(info: Any) -> bool:
    """Whether a network is the general one that ships inside the package (``general.is_general``)."""
    return is_general(getattr(info, "config", None) or {})


class NetworksModel(QAbstractTableModel):
    """One row per network of the library; the current one is bold and marked."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._infos: list[Any] = []
        self._current: str | None = None

    def set_networks(self, infos: Sequence[Any], current_id: str | None) -> None:
        self.beginResetModel()
        self._infos = list(infos)
        self._current = current_id
        self.endResetModel()

    def info(self, row: int) -> Any:
        return self._infos[row]

    def current_id(self) -> str | None:
        return self._current

    def row_of(self, network_id: str) -> int:
        return next((r for r, i in enumerate(self._infos) if i.id == network_id), -1)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._infos)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(Column(section))
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._infos):
            return None
        info = self._infos[index.row()]
        column = Column(index.column())
        current = info.id == self._current
        if role == Qt.ItemDataRole.DisplayRole:
            stats = info.stats or {}
            if column == Column.Name:
                name = f"{info.name} (shipped)" if is_shipped(info) else info.name
                return f"● {name}" if current else name
            if column == Column.Method:
                return info.method
            if column == Column.Bits:
                return info.bits
            if column == Column.Created:
                return info.created.replace("T", " ")
            if column == Column.Map:
                if is_shipped(info):  # its probe ran on its own training photos: not comparable with a library's
                    return "—"
                value = stats.get("map")
                return f"{value:.3f}" if isinstance(value, (int, float)) else "—"
            if column == Column.Images:
                return stats.get("images", "")
            if column == Column.TrainTime:  # a warm-started network (the shipped one) counts its whole line
                return format_seconds(stats.get("total_train_seconds", stats.get("train_seconds")))
        if role == Qt.ItemDataRole.FontRole and current:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.Map and not is_shipped(info):
            return SCORE_TIP
        if role == Qt.ItemDataRole.ToolTipRole:
            where = "in use for search" if current else "double-click to use it for search"
            device = (info.stats or {}).get("device")
            shipped = (
                "\nshipped with hashview: trained once on photos of every kind, it needs no training here; "
                "Train refines it on this library\n(no retrieval score shown: it was measured on its own "
                "training photos, not on this library's)"
                if is_shipped(info)
                else ""
            )
            return f"{info.id}\n{where}{shipped}" + (f"\ntrained on {device}" if device else "")
        if role == NetworkIdRole:
            return info.id
        return None


class NetworksPanel(QWidget):
    """The networks table with Use, Rename, Delete and Import buttons."""

    use_requested = Signal(str)
    rename_requested = Signal(str, str)
    delete_requested = Signal(str, object, bool)
    """(network id, id to make current instead or None, leave no network current)."""
    import_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = NetworksModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()  # the name takes the spare width; figures fit their text
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.Name, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.table.doubleClicked.connect(lambda index: self.request_use())
        self.table.setAccessibleName("Networks")
        self.hint = QLabel("No network yet: train one in the Training panel, or import a network file.")
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        self.use_button = QPushButton("Use for search")
        self.use_button.clicked.connect(self.request_use)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self.request_rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.request_delete)
        self.import_button = QPushButton("Import file…")
        self.import_button.clicked.connect(self.request_import)
        for button in (self.use_button, self.rename_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(self._update_enabled)
        self._update_enabled()

    def set_networks(self, infos: Sequence[Any], current_id: str | None) -> None:
        """Show ``infos``, keeping the selection on the same network when it is still there."""
        selected = self.selected()
        keep = selected.id if selected is not None else current_id
        self.model.set_networks(infos, current_id)
        row = self.model.row_of(keep) if keep else -1
        if row >= 0:
            self.table.selectRow(row)
        self.hint.setVisible(not infos)
        self._update_enabled()

    def selected(self) -> Any:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.model.info(rows[0].row()) if rows else None

    def select(self, network_id: str) -> None:
        row = self.model.row_of(network_id)
        if row >= 0:
            self.table.selectRow(row)

    def _update_enabled(self) -> None:
        info = self.selected()
        self.use_button.setEnabled(info is not None and info.id != self.model.current_id())
        self.rename_button.setEnabled(info is not None)
        self.delete_button.setEnabled(info is not None)

    # -- questions, then one signal each ---------------------------------------
    def request_use(self) -> None:
        info = self.selected()
        if info is not None and info.id != self.model.current_id():
            self.use_requested.emit(info.id)

    def request_rename(self) -> None:
        info = self.selected()
        if info is None:
            return
        name = self.ask_name(info)
        if name and name != info.name:
            self.rename_requested.emit(info.id, name)

    def request_delete(self) -> None:
        info = self.selected()
        if info is None:
            return
        choice = self.ask_delete(info)
        if choice is not None:
            make_current, leave_none = choice
            self.delete_requested.emit(info.id, make_current, leave_none)

    def request_import(self) -> None:
        path = self.ask_import_path()
        if path:
            self.import_requested.emit(Path(path))

    # -- the dialogs (tests replace these) --------------------------------------
    def ask_name(self, info: Any) -> str | None:
        name, ok = QInputDialog.getText(self, "Rename network", "New name (letters, digits, - _ .):", text=info.name)
        return name.strip() if ok else None

    def ask_delete(self, info: Any) -> tuple[str | None, bool] | None:
        """None to keep it; else (network to use instead, whether to leave none current)."""
        others = [self.model.info(r) for r in range(self.model.rowCount()) if self.model.info(r).id != info.id]
        if info.id != self.model.current_id():
            answer = QMessageBox.question(self, "Delete network", f"Delete {info.name} and its codes?")
            return (None, False) if answer == QMessageBox.StandardButton.Yes else None
        if others:
            labels = [f"{o.name} ({o.method}, {o.bits} bits)" for o in others]
            label, ok = QInputDialog.getItem(
                self,
                "Delete the network in use",
                f"{info.name} is in use for search. Which network should search use instead?",
                labels,
                0,
                False,
            )
            return (others[labels.index(label)].id, False) if ok else None
        answer = QMessageBox.warning(
            self,
            "Delete the only network",
            f"{info.name} is the only network. Without it, search waits until you train or import another. Delete it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return (None, True) if answer == QMessageBox.StandardButton.Yes else None

    def ask_import_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(
            self, "Import a network file", "", "hashview networks (*.pt);;All files (*)"
        )
        return path
