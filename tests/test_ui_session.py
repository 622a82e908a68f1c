"""The library session: what it says when a library opens and closes, and the window that follows it.

Controllers get the session and their views, never the window; these tests
check the order the session promises them (readers stop while the catalog
is still open) and the window's part: its docks, its pages, its status bar.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from test_ui_duplicates import FakeLibrary

from hashview.ui import settings as app_settings
from hashview.ui.session import LibrarySession
from hashview.ui.widgets.progress_strip import ProgressStrip
from hashview.ui.window.main_window import MainWindow


class NoNetworks:
    """``library.networks`` of a library that has none yet."""

    def current(self):
        return None


class RecordingLibrary:
    """A stand-in engine that writes down when it is closed."""

    networks: NoNetworks

    def __init__(self, root: Path, log: list) -> None:
        self.root = root
        self.log = log
        self.networks = NoNetworks()

    def thumbnail(self, file_id):
        return None

    def close(self):
        self.log.append("library closed")


class ClosableFake(FakeLibrary):
    closed = False

    def close(self):
        self.closed = True


def make_session(qtbot, tmp_path, open_library) -> LibrarySession:
    strip = ProgressStrip()
    qtbot.addWidget(strip)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return LibrarySession(settings, strip, open_library=open_library, parent=strip)


def test_opening_then_closing_tells_readers_to_stop_before_the_catalog_closes(qtbot, tmp_path):
    log: list = []
    session = make_session(qtbot, tmp_path, lambda folder: RecordingLibrary(folder, log))
    session.opened.connect(lambda root: log.append(("opened", root, session.library is not None)))
    session.about_to_close.connect(
        lambda: log.append(("about to close", session.library is not None, session.thumbnails is not None))
    )
    session.closed.connect(lambda: log.append(("closed", session.library, session.thumbnails)))
    assert session.open(tmp_path)
    assert log == [("about to close", False, False), ("closed", None, None), ("opened", tmp_path, True)]
    assert app_settings.recent_folders(session.settings) == [tmp_path]
    log.clear()
    session.ready = True
    session.close()
    assert log == [("about to close", True, True), "library closed", ("closed", None, None)]
    assert not session.ready


def test_a_folder_that_cannot_be_opened_is_reported_not_raised(qtbot, tmp_path):
    def refuse(folder):
        raise OSError(f"cannot read {folder}")

    session = make_session(qtbot, tmp_path, refuse)
    with qtbot.waitSignal(session.status_changed) as status:
        assert not session.open(tmp_path / "photos")
    assert status.args[0] == f"Cannot open {tmp_path / 'photos'}: cannot read {tmp_path / 'photos'}"
    assert session.library is None and session.thumbnails is None


def test_find_duplicates_shows_the_windows_page_and_scans(qtbot, tmp_path):
    """The explorer's controller asks for room; the window, which owns the Duplicates page, shows it."""
    window = MainWindow(
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), open_library=ClosableFake
    )
    qtbot.addWidget(window)
    window.show()
    assert window.session.open(tmp_path / "fake")  # no index -> encode chain: the fake has no encoder
    assert window.stack.currentWidget() is not window.welcome and window.windowTitle() == "fake — hashview"
    assert window.duplicates.library is window.library and not window.duplicates.explorer.isVisible()
    [find] = [a for m in window.menuBar().actions() for a in m.menu().actions() if a.text() == "Find &duplicates…"]
    with qtbot.waitSignal(window.duplicates.scanned, timeout=20_000) as scanned:
        find.trigger()
    assert window.pages.currentWidget() is window.duplicates.explorer and scanned.args == [3]
    library = window.library
    window.close_library()
    assert library.closed and window.duplicates.library is None
    assert window.stack.currentWidget() is window.welcome and window.duplicates.explorer.groups_model.rowCount() == 0
