"""The confirmation that lists every file a clean-up would move to the trash, and the one kept.

The checks, the moves and undo live in ``core.cleanup`` (shared with the
command line); the platform call is ``hashview.system_trash``. This dialog
says what will happen in the person's words: which copy stays and why, which
listed files are links (only the link moves), and a warning when the batch is
a large share of the library.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from hashview.core.duplicates.cleanup import large_cleanup_warning

logger = logging.getLogger(__name__)

LINK_NOTE = "  (a link: only the link moves, the photo it points to stays)"


class TrashConfirmation(QDialog):
    """Lists the files that will move to the trash, and the one kept; non-blocking.

    ``confirmed`` is emitted with the paths when the person agrees.
    """

    confirmed = Signal(list)

    def __init__(
        self,
        paths: Sequence[Path],
        keeper: Path | None,
        parent: QWidget | None = None,
        *,
        reason: str | None = None,
        links: Collection[Path] = (),
        library_size: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("TrashConfirmation")
        self.setWindowTitle("Move to trash")
        self.paths = [Path(p) for p in paths]
        n = len(self.paths)
        text = f"Move {n} {'copy' if n == 1 else 'copies'} to the system trash?"
        if keeper is not None:
            text += f"\nKept: {keeper}" + (f" ({reason})" if reason else "")
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.warning = QLabel(large_cleanup_warning(n, library_size) or "")
        self.warning.setObjectName("LargeCleanupWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.warning.setVisible(bool(self.warning.text()))
        self.list = QListWidget()
        self.list.addItems([str(p) + (LINK_NOTE if p in links else "") for p in self.paths])
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        note = QLabel("You can undo this (Ctrl+Z in the duplicates explorer) or restore them from the trash.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = buttons.addButton("Move to trash", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        if self.warning.text():  # a large batch is never the default answer
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
            self.move_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        for widget in (self.label, self.warning, self.list, note, buttons):
            layout.addWidget(widget)
        self.resize(640, 320)
        self.accepted.connect(lambda: self.confirmed.emit(list(self.paths)))

    def listed(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
