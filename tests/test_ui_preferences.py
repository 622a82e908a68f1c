"""Edit ▸ Preferences: what persists, each with one line, written on OK only, and read by the app at once."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings
from test_ui_library_comforts import menu_of
from test_ui_session import ClosableFake

from hashview.ui import settings as app_settings
from hashview.ui.library import grid_options
from hashview.ui.library.controller import CHANGE_KEY, LEARN_KEY
from hashview.ui.window.main_window import MainWindow
from hashview.ui.window.settings_dialog import SettingsDialog


def ini(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_the_dialog_shows_the_stored_values_and_writes_them_on_ok(qtbot, tmp_path):
    settings = ini(tmp_path)
    settings.setValue(LEARN_KEY, 0)
    settings.setValue(grid_options.SORT_KEY, "size")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    assert not dialog.learn.isChecked() and dialog.sort.currentData() == "size"
    assert dialog.on_change.currentData() == "notify" and dialog.tile_size.currentData() == "medium"
    dialog.learn.setChecked(True)
    dialog.on_change.setCurrentIndex(dialog.on_change.findData("off"))
    dialog.tile_size.setCurrentIndex(dialog.tile_size.findData("large"))
    dialog.recent.setValue(2)
    with qtbot.waitSignal(dialog.applied, timeout=1_000):
        dialog.accept()
    again = ini(tmp_path)
    assert app_settings.get_flag(again, LEARN_KEY) and again.value(CHANGE_KEY) == "off"
    assert grid_options.thumbnail_size(again) == "large" and app_settings.get_int(again, "recent/max") == 2


def test_cancel_writes_nothing_and_restore_defaults_shows_the_declared_ones(qtbot, tmp_path):
    settings = ini(tmp_path)
    settings.setValue(grid_options.SIZE_KEY, "small")
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.restore_defaults()
    assert dialog.tile_size.currentData() == app_settings.DEFAULTS[grid_options.SIZE_KEY] == "medium"
    dialog.reject()
    assert grid_options.thumbnail_size(ini(tmp_path)) == "small"


def test_every_setting_has_its_one_line_explanation(qtbot, tmp_path):
    dialog = SettingsDialog(ini(tmp_path))
    qtbot.addWidget(dialog)
    for widget in (dialog.learn, dialog.on_change, dialog.recent, dialog.tile_size, dialog.sort):
        assert widget.toolTip() and "\n" not in widget.toolTip(), widget


def test_preferences_from_the_edit_menu_apply_to_the_open_library(qtbot, tmp_path):
    for i in range(3):
        (tmp_path / f"recent{i}").mkdir()
        app_settings.remember_folder(ini(tmp_path), tmp_path / f"recent{i}")
    window = MainWindow(settings=ini(tmp_path), open_library=ClosableFake)
    qtbot.addWidget(window)
    window.show()
    assert window.session.open(tmp_path / "fake")
    window.library_controller.follow_changes()  # the fake has no index step: start watching by hand
    assert window.library_controller.watcher.root == tmp_path / "fake"
    [preferences] = [a for a in menu_of(window.menuBar(), "&Edit").actions() if a.text() == "Pr&eferences…"]
    assert preferences.shortcut().toString() == "Ctrl+,"
    preferences.trigger()
    dialog = window.comforts.preferences
    assert dialog is not None and dialog.isVisible()
    dialog.tile_size.setCurrentIndex(dialog.tile_size.findData("small"))
    dialog.sort.setCurrentIndex(dialog.sort.findData("name"))
    dialog.on_change.setCurrentIndex(dialog.on_change.findData("off"))
    dialog.recent.setValue(1)
    dialog.accept()
    assert window.library_view.iconSize().width() == grid_options.THUMBNAIL_SIZES["small"]
    assert window.library_model.order() == "name"
    assert window.library_controller.watcher.root is None  # "Do not watch": the watcher let go
    assert len(json.loads(str(window.settings.value("recent/folders")))) == 1
    window.close()
