"""The main window's menus: File, Edit, View (the docks) and Help, with their shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from hashview.ui import settings as app_settings
from hashview.ui.widgets import dialogs

if TYPE_CHECKING:
    from hashview.ui.window.main_window import MainWindow


def _action(
    window: MainWindow,
    menu: QMenu,
    text: str,
    slot: Callable[[], Any],
    keys: QKeySequence | QKeySequence.StandardKey | None = None,
) -> QAction:
    action = QAction(text, window)
    if keys is not None:
        action.setShortcut(keys)
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def build_menus(window: MainWindow) -> None:
    """Fill the window's menu bar; "Open recent" lists the remembered folders each time it opens."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    _action(window, file_menu, "&Open folder…", window.choose_folder, QKeySequence.StandardKey.Open)
    recent = file_menu.addMenu("Open &recent")
    recent.aboutToShow.connect(lambda: fill_recent(window, recent))
    file_menu.addSeparator()
    _action(window, file_menu, "&Import a network file…", window.networks_panel.request_import)
    file_menu.addSeparator()
    _action(window, file_menu, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    edit_menu = bar.addMenu("&Edit")
    _action(window, edit_menu, "&Paste image as query", window.paste_query, QKeySequence.StandardKey.Paste)
    _action(window, edit_menu, "Find &duplicates…", window.duplicates.show_explorer, QKeySequence("Ctrl+D"))
    view_menu = bar.addMenu("&View")
    for dock, keys in (
        (window.training_dock, "Ctrl+T"),
        (window.networks_dock, "Ctrl+N"),
        (window.duplicates_dock, "Ctrl+Shift+D"),
    ):
        toggle = dock.toggleViewAction()
        toggle.setShortcut(QKeySequence(keys))
        view_menu.addAction(toggle)
    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "&About hashview", lambda: dialogs.show_about(window))


def fill_recent(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for folder in app_settings.recent_folders(window.settings):
        menu.addAction(str(folder), _opener(window, folder))
    if menu.isEmpty():
        menu.addAction("(none yet)").setEnabled(False)


def _opener(window: MainWindow, folder: Path) -> Callable[[], Any]:
    """A slot that opens ``folder``, bound now (not to the loop variable of the caller)."""
    return lambda: window.open_folder(folder)
