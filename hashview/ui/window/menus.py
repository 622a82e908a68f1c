"""The main window's menus: File, Edit, View (the pages and docks) and Help, with their shortcuts.

One item per action: "Find duplicates" (Edit, Ctrl+D) is the way to the
Duplicates page; View holds the way back to the library and the docks' toggles,
which raise their dock when they show it (two docks share one tabbed area, and
a toggle that only adds a tab behind the other looks like it did nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from hashview.ui import settings as app_settings
from hashview.ui.library import grid_options
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
    _action(window, file_menu, "Re&scan folder", window.library_controller.rescan, QKeySequence("F5"))
    file_menu.addSeparator()
    _action(window, file_menu, "&Import a network file…", window.networks_panel.request_import)
    file_menu.addSeparator()
    _action(window, file_menu, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    edit_menu = bar.addMenu("&Edit")
    _action(window, edit_menu, "&Paste image as query", window.paste_query, QKeySequence.StandardKey.Paste)
    _action(window, edit_menu, "&Filter pictures", window.comforts.focus_filter, QKeySequence("Ctrl+F"))
    _action(window, edit_menu, "Find &duplicates…", window.duplicates.show_explorer, QKeySequence("Ctrl+D"))
    _action(window, edit_menu, "&Apply keep rules to all groups…", lambda: window.duplicates.bulk.request())
    _action(window, edit_menu, "E&xport duplicate groups…", lambda: window.duplicates.bulk.request_export())
    edit_menu.addSeparator()
    _action(window, edit_menu, "Pr&eferences…", window.comforts.show_preferences, QKeySequence("Ctrl+,"))
    view_menu = bar.addMenu("&View")
    _action(window, view_menu, "&Library", window.show_library_page, QKeySequence("Ctrl+L"))
    view_menu.addSeparator()
    for dock, keys in ((window.training_dock, "Ctrl+T"), (window.networks_dock, "Ctrl+N")):
        toggle = dock.toggleViewAction()
        toggle.setShortcut(QKeySequence(keys))
        toggle.triggered.connect(_raiser(dock))
        view_menu.addAction(toggle)
    view_menu.addSeparator()
    add_grid_choices(window, view_menu)
    help_menu = bar.addMenu("&Help")
    _action(window, help_menu, "&About hashview", lambda: dialogs.show_about(window))


def _choice_menu(
    window: MainWindow,
    parent: QMenu,
    title: str,
    texts: Mapping[str, str],
    choose: Callable[[str], Any],
    chosen: Callable[[], str],
) -> QMenu:
    """A submenu of checkable exclusive choices, the one in the settings checked each time it opens."""
    menu = parent.addMenu(title)
    menu.aboutToShow.connect(lambda: _check(menu, chosen()))
    group = QActionGroup(menu)
    for value, text in texts.items():
        action = _action(window, menu, text, _bound(choose, value))
        action.setCheckable(True)
        action.setData(value)
        group.addAction(action)
    return menu


def add_grid_choices(window: MainWindow, view_menu: QMenu) -> None:
    """View ▸ Thumbnail size and View ▸ Sort by (one checked choice each, read from the settings as they
    open), and View ▸ Folders (the folder tree beside the grid)."""
    controller = window.library_controller
    _choice_menu(
        window,
        view_menu,
        "&Thumbnail size",
        grid_options.SIZE_TEXT,
        controller.set_thumbnail_size,
        lambda: grid_options.thumbnail_size(window.settings),
    )
    _choice_menu(
        window,
        view_menu,
        "&Sort by",
        grid_options.SORT_TEXT,
        controller.set_sort,
        lambda: grid_options.sort_order(window.settings),
    )
    folders = QAction("&Folders", window)
    folders.setCheckable(True)
    folders.setChecked(grid_options.folders_shown(window.settings))
    folders.toggled.connect(window.comforts.set_folders_shown)
    view_menu.addAction(folders)


def _check(menu: QMenu, value: str) -> None:
    for action in menu.actions():
        action.setChecked(action.data() == value)


def _bound(slot: Callable[[str], Any], value: str) -> Callable[[], Any]:
    """A slot that calls ``slot(value)``, bound now (not to the loop variable of the caller)."""
    return lambda: slot(value)


def fill_recent(window: MainWindow, menu: QMenu) -> None:
    menu.clear()
    for folder in app_settings.recent_folders(window.settings):
        menu.addAction(str(folder), _opener(window, folder))
    if menu.isEmpty():
        menu.addAction("(none yet)").setEnabled(False)


def _raiser(dock: QDockWidget) -> Callable[[bool], None]:
    """A slot for a dock's toggle: bring the dock to the front of its tabs when the toggle shows it."""

    def raise_if_shown(checked: bool) -> None:
        if checked:
            dock.raise_()

    return raise_if_shown


def _opener(window: MainWindow, folder: Path) -> Callable[[], Any]:
    """A slot that opens ``folder``, bound now (not to the loop variable of the caller)."""
    return lambda: window.open_folder(folder)
