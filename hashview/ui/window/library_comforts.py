"""The window's part in the library comforts: the preferences, the grid's menu wiring, the changed-files offer.

Each comfort's work lives in its feature (the grid's menu in ``LibraryView``,
the watcher and rescan in ``LibraryController``, the dialog in
``settings_dialog``); what is here is only what one feature asks of another,
which is the window's to wire: "Find its duplicates" in the grid opens the
duplicates explorer on that file's group, the watcher's count becomes a
status-bar button that rescans, OK in the preferences reaches every
feature that reads them, the folder tree shows as View ▸ Folders says, Ctrl+F
goes to the grid's filter, and files that leave the library or come back
through the duplicates explorer (trash, undo, a bulk clean-up) leave the grid
at once: it reloads the catalog's entries.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QPushButton

from hashview.ui import settings as app_settings
from hashview.ui.library import grid_options
from hashview.ui.library.grid_filter import ALL_FOLDERS
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
        duplicates = window.duplicates
        duplicates.trashed.connect(self.reload_grid)
        duplicates.restored.connect(self.reload_grid)
        duplicates.bulk.finished.connect(self.reload_grid)
        window.folder_tree.setVisible(grid_options.folders_shown(window.settings))

    def reload_grid(self, *_what: object) -> None:
        """Show the catalog's entries again: files left the library (trash, bulk) or came back (undo)."""
        self.window.library_controller.refresh_entries()

    def set_folders_shown(self, shown: bool) -> None:
        """Show or hide the folder tree (View ▸ Folders) and remember it; hidden, it filters nothing."""
        window = self.window
        window.settings.setValue(grid_options.FOLDERS_KEY, int(shown))
        window.folder_tree.setVisible(shown)
        if not shown:
            window.folder_tree.choose(ALL_FOLDERS)

    def focus_filter(self) -> None:
        """Ctrl+F: the Library page to the front, the cursor in the filter box, its text selected."""
        window = self.window
        if window.session.library is None:
            window.session.show_status("Open a folder first, then filter its pictures.")
            return
        window.show_library_page()
        window.filter_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        window.filter_box.selectAll()

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
