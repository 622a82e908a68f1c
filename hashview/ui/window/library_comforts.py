"""The window's part in the library comforts: the preferences, the grid's menu wiring, the changed-files offer.

Each comfort's work lives in its feature (the grid's menu in ``LibraryView``,
the watcher and rescan in ``LibraryController``, the dialog in
``settings_dialog``); what is here is only what one feature asks of another,
which is the window's to wire: "Find its duplicates" in the grid opens the
duplicates explorer on that file's group, the watcher's count becomes a
status-bar button that rescans, and OK in the preferences reaches every
feature that reads them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QPushButton

from hashview.ui import settings as app_settings
from hashview.ui.window.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from hashview.ui.window.main_window import MainWindow

logger = logging.getLogger(__name__)


class LibraryComforts(QObject):
    """Wires the comforts into ``window`` (built once, after the features); holds the button and the dialog."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.preferences: SettingsDialog | None = None
        button = QPushButton()
        button.setObjectName("FilesChanged")
        button.setAutoDefault(False)  # a real button: a flat one reads as plain status text and is missed
        button.setToolTip(
            "Pictures in the folder were added, removed or changed since the last scan: click to rescan (F5)."
        )
        button.hide()
        button.clicked.connect(window.library_controller.rescan)
        window.statusBar().insertPermanentWidget(0, button)
        self.changes_button = button
        window.library_controller.files_changed.connect(self.show_changes)
        window.library_view.duplicates_requested.connect(self.find_duplicates_of)
        window.library_view.noted.connect(window.session.show_status)

    def show_changes(self, count: int) -> None:
        """The status bar's offer to rescan: "N files changed — Rescan" (hidden at 0)."""
        self.changes_button.setText(f"{count} file{'s' if count != 1 else ''} changed — Rescan")
        self.changes_button.setVisible(count > 0)

    def find_duplicates_of(self, path: Path) -> None:
        """Open the duplicates explorer on the group that holds ``path`` (it scans first when it must)."""
        duplicates = self.window.duplicates
        duplicates.show_explorer()
        select = getattr(duplicates, "select_group_of", None)
        if select is not None:
            select(Path(path))

    def show_preferences(self) -> SettingsDialog:
        """Open Edit ▸ Preferences (window-modal); OK applies the new values at once."""
        window = self.window
        dialog = SettingsDialog(window.settings, window, edit_keep_rules=window.duplicates.edit_rules)
        dialog.applied.connect(self.apply_preferences)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.preferences = dialog
        return dialog

    def apply_preferences(self) -> None:
        """Take in the stored preferences: the grid's size and order, the folder watching, the recent list."""
        window = self.window
        window.library_controller.apply_grid_options()
        window.library_controller.follow_changes()
        window.welcome.set_recent(app_settings.recent_folders(window.settings))
