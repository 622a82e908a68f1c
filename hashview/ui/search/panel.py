"""The right-hand side of the window: the query, the search controls and the results.

It groups the drop target, a top-k spin box, a radius control ("any" or 0..K)
and the ranked results with their actions (open, reveal, copy path, find
similar; Enter, Ctrl+C and arrow keys work too). It emits what the person
asked for; the ``SearchController`` runs the search.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSpinBox, QVBoxLayout, QWidget

from hashview.ui.search import result_actions
from hashview.ui.search.query_panel import QueryPanel
from hashview.ui.search.results_model import ResultsModel, ResultsView
from hashview.ui.widgets.thumbnails import Roles

logger = logging.getLogger(__name__)

ANY_RADIUS = -1


class SearchPanel(QWidget):
    """Query, controls and results; emits ``options_changed`` and ``similar_requested``."""

    options_changed = Signal()
    similar_requested = Signal(list)
    action_taken = Signal(str)
    """A one-line description of what a result action did, for the status bar."""

    def __init__(self, results_model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query_panel = QueryPanel()
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 10_000)
        self.top_k.setPrefix("top ")
        self.top_k.setToolTip("How many results to show, nearest first")
        self.radius = QSpinBox()
        self.radius.setRange(ANY_RADIUS, 1024)
        self.radius.setSpecialValueText("any distance")
        self.radius.setPrefix("within ")
        self.radius.setToolTip(
            "Show only results within this distance (how many of the code's bits differ from the query's), "
            "at most top-k of them"
        )
        self._debounce = QTimer(self)  # typing "250" must not search for 2, 25, then 250
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self.options_changed)
        # Through a slot that drops the value: connected straight to ``start``, the new
        # value would become the timer's interval (2 ms, 25 ms, then a negative one for "any").
        self.top_k.valueChanged.connect(self._restart_debounce)
        self.radius.valueChanged.connect(self._restart_debounce)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Show"))
        controls.addWidget(self.top_k)
        controls.addWidget(self.radius)
        controls.addStretch(1)
        self.header = QLabel("Results")
        self.header.setWordWrap(True)
        self.results_model = results_model
        self.results_view = ResultsView()
        self.results_view.setModel(results_model)
        self.results_view.activated.connect(self._open_index)
        self.results_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results_view.customContextMenuRequested.connect(self._show_menu)
        self._add_shortcuts()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.query_panel)
        layout.addLayout(controls)
        layout.addWidget(self.header)
        layout.addWidget(self.results_view, 1)

    # -- controls ------------------------------------------------------------------
    def set_limits(self, k: int, radius: int | None, n_bits: int | None = None) -> None:
        self.top_k.blockSignals(True)
        self.radius.blockSignals(True)
        self.top_k.setValue(k)
        if n_bits:
            self.radius.setMaximum(n_bits)
        self.radius.setValue(ANY_RADIUS if radius is None else radius)
        self.top_k.blockSignals(False)
        self.radius.blockSignals(False)

    def _restart_debounce(self) -> None:
        """Wait for the person to stop typing; each change restarts the same 300 ms wait."""
        self._debounce.start()

    def k(self) -> int:
        return self.top_k.value()

    def radius_value(self) -> int | None:
        value = self.radius.value()
        return None if value == ANY_RADIUS else value

    # -- result actions ------------------------------------------------------------
    def selected_paths(self) -> list[Path]:
        rows = sorted({i.row() for i in self.results_view.selectedIndexes()})
        if not rows and self.results_view.currentIndex().isValid():
            rows = [self.results_view.currentIndex().row()]
        return [Path(self.results_model.hit(r).path) for r in rows]

    def open_selected(self) -> None:
        for path in self.selected_paths()[:10]:
            result_actions.open_in_viewer(path)
            self.action_taken.emit(f"Opened {path.name} in the system viewer")

    def reveal_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            result_actions.reveal_in_file_manager(paths[0])
            self.action_taken.emit(f"Showed {paths[0].name} in the file manager")

    def copy_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            result_actions.copy_paths(paths)
            self.action_taken.emit(f"Copied {len(paths)} path{'s' if len(paths) > 1 else ''}")

    def find_similar_to_selected(self) -> None:
        paths = self.selected_paths()
        if paths:
            self.similar_requested.emit(paths[:1])

    def _open_index(self, index: QModelIndex) -> None:
        path = index.data(Roles.Path)
        if isinstance(path, Path):
            result_actions.open_in_viewer(path)
            self.action_taken.emit(f"Opened {path.name} in the system viewer")

    def _actions(self) -> list[tuple[str, Any, Any]]:
        return [
            ("&Open in viewer", self.open_selected, QKeySequence(Qt.Key.Key_Return)),
            ("Show in &file manager", self.reveal_selected, QKeySequence("Ctrl+Shift+R")),
            ("&Copy path", self.copy_selected, QKeySequence.StandardKey.Copy),
            # not Ctrl+F: that is the library's filter, window-wide (two owners of a key make it do nothing)
            ("Find &similar", self.find_similar_to_selected, QKeySequence("Ctrl+Shift+F")),
        ]

    def _add_shortcuts(self) -> None:
        for text, slot, keys in self._actions()[1:]:
            action = QAction(text.replace("&", ""), self.results_view)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.results_view.addAction(action)

    def _show_menu(self, point: QPoint) -> None:
        if not self.results_view.indexAt(point).isValid():
            return
        menu = QMenu(self)
        for text, slot, keys in self._actions():
            action = menu.addAction(text)
            action.setShortcut(keys)
            action.triggered.connect(slot)
        menu.exec(self.results_view.viewport().mapToGlobal(point))
