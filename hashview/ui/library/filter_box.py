"""The line above the library grid that filters it by words of the pictures' paths.

Typing waits a moment before it filters (``DEBOUNCE_MS``): on 100,000 pictures
each filter is a pass over every path, and typing "holiday" must not filter
seven times. Escape clears the box and shows every picture at once; the
clear button does the same.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

logger = logging.getLogger(__name__)

DEBOUNCE_MS = 150
PLACEHOLDER = "Filter by name or folder…"


class FilterBox(QLineEdit):
    """A search-style line edit; emits ``filter_changed(str)`` once typing pauses, at once when cleared."""

    filter_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GridFilter")
        self.setPlaceholderText(PLACEHOLDER)
        self.setAccessibleName("Filter pictures")
        self.setToolTip(
            "Show only pictures whose name or folder contains these words (any case; every word must match). "
            "Ctrl+F comes here, Escape clears it."
        )
        self.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)
        self.textChanged.connect(self._typed)

    def _typed(self, text: str) -> None:
        if text:
            self._debounce.start()
        else:  # cleared (Escape, the clear button, or deleted): all pictures come back without a wait
            self._debounce.stop()
            self._emit()

    def _emit(self) -> None:
        self.filter_changed.emit(self.text())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            return
        super().keyPressEvent(event)
