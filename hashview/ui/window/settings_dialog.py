"""Edit ▸ Preferences: the settings a person may want to change, each with one line on what it does.

Only what persists and means something to a person is here (the window's
geometry, the last training options and the keep rules' JSON persist too, but
are changed where they act). Values are read from and written to the
settings store through ``hashview.ui.settings`` and the modules that own each
key, so the dialog holds no defaults of its own; OK writes, Cancel writes
nothing, and ``applied`` tells the window to take the new values in at once.
The search's number of results and radius are set in the search panel, where
their effect shows, and are not repeated here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hashview.ui import settings as app_settings
from hashview.ui.library import grid_options
from hashview.ui.library.controller import CHANGE_KEY, CHANGE_MODES, LEARN_KEY

logger = logging.getLogger(__name__)

RECENT_KEY = "recent/max"


def _explained(form: QFormLayout, label: str, widget: QWidget, explanation: str) -> None:
    """A row with its widget, and under it one quiet line saying what the setting does."""
    form.addRow(label, widget)
    note = QLabel(explanation)
    note.setWordWrap(True)
    note.setEnabled(False)  # the palette's quiet text
    form.addRow("", note)
    widget.setToolTip(explanation)


def _combo(choices: dict[str, str]) -> QComboBox:
    combo = QComboBox()
    for value, text in choices.items():
        combo.addItem(text, value)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


class SettingsDialog(QDialog):
    """The preferences; ``applied`` is emitted after OK has written them."""

    applied = Signal()

    def __init__(
        self,
        settings: QSettings,
        parent: QWidget | None = None,
        edit_keep_rules: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("Preferences")
        self.settings = settings

        self.learn = QCheckBox("Learn each new folder in the background")
        self.on_change = _combo(CHANGE_MODES)
        self.recent = QSpinBox()
        self.recent.setRange(0, 20)
        library = QGroupBox("Library")
        form = QFormLayout(library)
        _explained(
            form,
            "Learning",
            self.learn,
            "After a new folder's first scan, refine the shipped network on its photos. "
            "Search works meanwhile; Cancel keeps the shipped network.",
        )
        _explained(
            form,
            "When files change",
            self.on_change,
            "hashview watches the open folder for pictures added, removed or edited; a rescan (F5) reads only those.",
        )
        _explained(form, "Recent folders", self.recent, "How many folders the welcome page and Open recent list.")

        self.tile_size = _combo(grid_options.SIZE_TEXT)
        self.sort = _combo(grid_options.SORT_TEXT)
        grid = QGroupBox("Library grid")
        form = QFormLayout(grid)
        _explained(form, "Thumbnail size", self.tile_size, "Larger tiles show more detail, smaller ones more pictures.")
        _explained(form, "Sort by", self.sort, "The grid's order; also in View ▸ Sort by.")

        layout = QVBoxLayout(self)
        layout.addWidget(library)
        layout.addWidget(grid)
        if edit_keep_rules is not None:
            rules = QPushButton("Keep rules for duplicates…")
            rules.setToolTip("Which copy of a duplicate group stays, and which folders are never touched.")
            rules.clicked.connect(edit_keep_rules)
            layout.addWidget(rules)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(self.restore_defaults)
        layout.addWidget(buttons)
        self.buttons = buttons
        self.setMinimumWidth(480)  # the explanations wrap in two lines at most
        self.load()

    def load(self) -> None:
        """Show the stored values."""
        settings = self.settings
        self.learn.setChecked(app_settings.get_flag(settings, LEARN_KEY))
        mode = str(settings.value(CHANGE_KEY, app_settings.DEFAULTS[CHANGE_KEY]))
        _select(self.on_change, mode if mode in CHANGE_MODES else app_settings.DEFAULTS[CHANGE_KEY])
        self.recent.setValue(app_settings.get_int(settings, RECENT_KEY))
        _select(self.tile_size, grid_options.thumbnail_size(settings))
        _select(self.sort, grid_options.sort_order(settings))

    def restore_defaults(self) -> None:
        """Show the declared defaults (written only on OK)."""
        defaults = app_settings.DEFAULTS
        self.learn.setChecked(bool(int(defaults[LEARN_KEY])))
        _select(self.on_change, defaults[CHANGE_KEY])
        self.recent.setValue(int(defaults[RECENT_KEY]))
        _select(self.tile_size, defaults[grid_options.SIZE_KEY])
        _select(self.sort, defaults[grid_options.SORT_KEY])

    def save(self) -> None:
        """Write the shown values; the recent list is cut to its new length at once."""
        settings = self.settings
        settings.setValue(LEARN_KEY, int(self.learn.isChecked()))
        settings.setValue(CHANGE_KEY, self.on_change.currentData())
        settings.setValue(RECENT_KEY, self.recent.value())
        recent = [str(p) for p in app_settings.recent_folders(settings)][: self.recent.value()]
        settings.setValue("recent/folders", json.dumps(recent))
        settings.setValue(grid_options.SIZE_KEY, self.tile_size.currentData())
        settings.setValue(grid_options.SORT_KEY, self.sort.currentData())
        settings.sync()
        logger.info("preferences saved")

    def accept(self) -> None:
        self.save()
        super().accept()
        self.applied.emit()
