"""The "keep rules" editor: the order of the rules, preferred folders, reference folders.

The rules decide which copy of every group stays, so the person must be able
to read them as a sentence and change their order; dragging is hard to
discover, so Up/Down buttons move the selected rule, and a rule can be
switched off with its check box. Folders are picked with the platform dialog.
Non-blocking: ``policy_chosen`` is emitted when the person presses OK.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hashview.core.duplicates.keep_rules import RULES, KeepPolicy

logger = logging.getLogger(__name__)


class KeepRulesDialog(QDialog):
    """Edits a ``KeepPolicy``; see the module docstring."""

    policy_chosen = Signal(object)

    def __init__(self, policy: KeepPolicy, root: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KeepRulesDialog")
        self.setWindowTitle("Keep rules")
        self.root = root
        self.rules = QListWidget()
        self.rules.setAccessibleName("Keep rules in order")
        order = list(policy.order) + [name for name in RULES if name not in policy.order]
        for name in order:
            item = QListWidgetItem(RULES[name])
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in policy.order else Qt.CheckState.Unchecked)
            self.rules.addItem(item)
        self.rules.setCurrentRow(0)
        self.up_button, self.down_button = up, down = QPushButton("Up"), QPushButton("Down")
        up.clicked.connect(lambda: self.move_rule(-1))
        down.clicked.connect(lambda: self.move_rule(1))
        self.preferred = self._folder_list(policy.preferred)
        self.reference = self._folder_list(policy.reference)
        self.folder_buttons: dict[QListWidget, tuple[QPushButton, QPushButton]] = {}
        """Each folder list's (Add…, Remove) buttons."""

        grid = QGridLayout()
        grid.addWidget(QLabel("Keep the copy that wins the first rule that tells them apart:"), 0, 0, 1, 2)
        grid.addWidget(self.rules, 1, 0, 2, 1)
        grid.addWidget(up, 1, 1)
        grid.addWidget(down, 2, 1)
        row = 3
        for title, widget in (
            ("Preferred folders (first is best):", self.preferred),
            ("Reference folders (never moved to the trash):", self.reference),
        ):
            grid.addWidget(QLabel(title), row, 0, 1, 2)
            grid.addWidget(widget, row + 1, 0, 2, 1)
            add, remove = QPushButton("Add…"), QPushButton("Remove")
            self.folder_buttons[widget] = (add, remove)
            add.clicked.connect(lambda _=False, w=widget: self.add_folder(w))
            remove.clicked.connect(lambda _=False, w=widget: w.takeItem(w.currentRow()))
            grid.addWidget(add, row + 1, 1)
            grid.addWidget(remove, row + 2, 1)
            row += 3
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(buttons)
        self.accepted.connect(lambda: self.policy_chosen.emit(self.policy()))

    @staticmethod
    def _folder_list(folders: Iterable[Path]) -> QListWidget:
        widget = QListWidget()
        widget.setMaximumHeight(90)
        widget.addItems([str(f) for f in folders])
        return widget

    def move_rule(self, step: int) -> None:
        """Move the selected rule up (-1) or down (+1)."""
        row = self.rules.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.rules.count():
            return
        item = self.rules.takeItem(row)
        self.rules.insertItem(target, item)
        self.rules.setCurrentRow(target)

    def add_folder(self, widget: QListWidget, folder: Path | None = None) -> None:
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "Choose a folder", str(self.root or ""))
            if not chosen:
                return
            folder = Path(chosen)
        widget.addItem(str(folder))

    def policy(self) -> KeepPolicy:
        """The policy the dialog shows now."""
        order = tuple(
            self.rules.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.rules.count())
            if self.rules.item(i).checkState() == Qt.CheckState.Checked
        )
        return KeepPolicy(order, _listed_folders(self.preferred), _listed_folders(self.reference))


def _listed_folders(widget: QListWidget) -> tuple[Path, ...]:
    """The folders a list shows, in its order."""
    return tuple(Path(widget.item(i).text()) for i in range(widget.count()))
