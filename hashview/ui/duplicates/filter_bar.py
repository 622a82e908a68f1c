"""The bar above the duplicate groups: sort them, show one kind of copy, find a folder or a name.

A scan of a real library gives dozens of groups of three kinds (identical
files, near-identical, similar; see ``groups_model.KINDS``). Cleaning up goes
kind by kind and folder by folder ("first the identical files", "now the
Downloads folder"), so the bar offers exactly those, and says how many groups
the filter leaves. It only asks; the explorer applies the choices to its
``GroupsModel``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from hashview.ui.duplicates.groups_model import KINDS, SORTS

logger = logging.getLogger(__name__)


class GroupFilterBar(QWidget):
    """Sort order, kind of copy and a text filter on the paths, with "N of M groups"."""

    sort_chosen = Signal(str)
    """A key of ``SORTS``."""
    filter_changed = Signal(str, str)
    """(kind: "all" or a key of ``KINDS``, text to find in the paths)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sort = QComboBox()
        self.sort.setAccessibleName("Sort groups")
        for key, text in SORTS.items():
            self.sort.addItem(text, key)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of copy")
        self.kind.addItem("All kinds", "all")
        for key, text in KINDS.items():
            self.kind.addItem(text[:1].upper() + text[1:], key)
        self.kind.setToolTip(
            "Identical files: the same bytes. Near-identical: re-saved or resized, the same picture.\n"
            "Similar: edited (cropped, captioned, rotated) or, at loose settings, another shot of the scene."
        )
        self.text = QLineEdit()
        self.text.setPlaceholderText("Filter by folder or name…")
        self.text.setClearButtonEnabled(True)
        self.text.setAccessibleName("Filter groups by folder or name")
        self.count = QLabel()
        self.count.setObjectName("GroupCount")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.sort, 0, 0)
        layout.addWidget(self.kind, 0, 1)
        layout.addWidget(self.text, 1, 0, 1, 2)
        layout.addWidget(self.count, 2, 0, 1, 2)
        self.sort.currentIndexChanged.connect(lambda: self.sort_chosen.emit(self.sort.currentData()))
        self.kind.currentIndexChanged.connect(self._emit_filter)
        self.text.textChanged.connect(self._emit_filter)

    def _emit_filter(self) -> None:
        self.filter_changed.emit(self.kind.currentData(), self.text.text())

    def show_sort(self, key: str) -> None:
        """Show ``key`` as the chosen order without asking again."""
        self.sort.blockSignals(True)
        self.sort.setCurrentIndex(self.sort.findData(key))
        self.sort.blockSignals(False)

    def show_count(self, shown: int, total: int) -> None:
        """ "12 groups", or "3 of 12 groups" while a filter hides some."""
        if shown == total:
            self.count.setText(f"{total} group{'' if total == 1 else 's'}")
        else:
            self.count.setText(f"{shown} of {total} groups match the filter")
