"""The first screen: what hashview does, an "Open folder…" button, recent folders.

An empty window gives a person nothing to do; this page says what the app is
for and offers the one action that starts everything.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

logger = logging.getLogger(__name__)


class WelcomeView(QWidget):
    """Emits ``open_requested`` for the button and ``folder_chosen`` for a recent folder."""

    open_requested = Signal()
    folder_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = QLabel("hashview")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.4)
        font.setBold(True)
        title.setFont(font)
        blurb = QLabel(
            "Open a folder of photos. hashview learns a compact binary code for each "
            "image, then finds similar pictures the moment you drop one on the window."
        )
        blurb.setWordWrap(True)
        blurb.setFixedWidth(460)
        # a wrapped label placed with an alignment gets its one-line height; ask for all lines
        blurb.setMinimumHeight(blurb.heightForWidth(460))
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.open_button = QPushButton("Open folder…")
        self.open_button.setDefault(True)
        self.open_button.setMinimumWidth(180)
        self.open_button.clicked.connect(self.open_requested)
        hint = QLabel("or drop a folder anywhere on this window")
        hint.setEnabled(False)

        self._recent_box = QVBoxLayout()
        self._recent_box.setSpacing(2)

        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (title, blurb, self.open_button, hint):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addSpacing(6)
        layout.addSpacing(18)
        layout.addLayout(self._recent_box)
        layout.addStretch(3)

    def set_recent(self, folders: Sequence[Path]) -> None:
        """List recently opened folders as one-click buttons."""
        while self._recent_box.count():
            item = self._recent_box.takeAt(0)
            if item is None:  # cannot happen while count() > 0; stop rather than loop forever
                break
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        if not folders:
            return
        heading = QLabel("Recent folders")
        heading.setEnabled(False)
        self._recent_box.addWidget(heading, 0, Qt.AlignmentFlag.AlignHCenter)
        for folder in folders:
            button = QPushButton(str(folder))
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _=False, f=Path(folder): self.folder_chosen.emit(f))
            self._recent_box.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
