"""The library's comforts: the grid's context menu, thumbnail size and sort, and the folder watcher.

The menu's actions run for real (the clipboard, the signals); opening and
revealing go through the view's URL opener and process starter, which the
tests replace with recorders to check the URL or command built, never
launching an application. The watcher watches real folders in tmp_path.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from imagefactory import make_photo
from PySide6.QtCore import QItemSelectionModel, QSettings, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu
from test_ui_library_view import FakeEntry
from test_ui_session import ClosableFake as FakeLibrary

from hashview.core.catalog.records import Entry
from hashview.ui.library import grid_options
from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.library.watcher import ADDED, MODIFIED, REMOVED, FolderWatcher
from hashview.ui.widgets.thumbnails import Roles
from hashview.ui.window.main_window import MainWindow


def grid(qtbot, tmp_path, names=("a.jpg", "b.jpg", "c.jpg")):
    model = ThumbnailModel()
    model.set_entries([FakeEntry(i, n, tmp_path / n) for i, n in enumerate(names)])
    view = LibraryView()
    view.setModel(model)
    qtbot.addWidget(view)
    opened: list[QUrl] = []
    started: list[tuple[str, list[str]]] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    def start(program: str, args: list[str]) -> bool:
        started.append((program, args))
        return True

    view.url_opener = open_url
    view.process_starter = start
    return view, model, opened, started


def menu_of(bar, text: str) -> QMenu:
    [menu] = [a.menu() for a in bar.actions() if a.text() == text]
    assert isinstance(menu, QMenu)
    return menu


def action(menu, text):
    [found] = [a for a in menu.actions() if a.text() == text]
    return found


# -- the context menu --------------------------------------------------------------------------------
def test_the_menu_opens_the_file_in_the_default_application(qtbot, tmp_path):
    view, model, opened, _ = grid(qtbot, tmp_path)
    action(view.context_menu_for(model.index(1)), "Open").trigger()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "b.jpg"))]


def test_reveal_opens_the_folder_on_linux_and_selects_the_file_elsewhere(qtbot, tmp_path):
    view, model, opened, started = grid(qtbot, tmp_path, ("sub/a.jpg",))
    view.platform = "linux"
    action(view.context_menu_for(model.index(0)), "Open containing folder").trigger()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "sub"))]
    view.platform = "win32"
    action(view.context_menu_for(model.index(0)), "Show in Explorer").trigger()
    view.platform = "darwin"
    action(view.context_menu_for(model.index(0)), "Reveal in Finder").trigger()
    path = str(tmp_path / "sub" / "a.jpg")
    assert started == [("explorer.exe", [f"/select,{path}"]), ("open", ["-R", path])]


def test_copy_path_puts_the_path_on_the_clipboard_and_says_so(qtbot, tmp_path):
    view, model, _, _ = grid(qtbot, tmp_path)
    with qtbot.waitSignal(view.noted, timeout=1_000) as noted:
        action(view.context_menu_for(model.index(2)), "Copy path").trigger()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "c.jpg")
    assert "c.jpg" in noted.args[0]


def test_copy_takes_the_whole_selection_when_the_item_is_in_it(qtbot, tmp_path):
    view, model, _, _ = grid(qtbot, tmp_path)
    for row in (0, 2):
        view.selectionModel().select(model.index(row), QItemSelectionModel.SelectionFlag.Select)
    action(view.context_menu_for(model.index(2)), "Copy 2 paths").trigger()
    assert sorted(QGuiApplication.clipboard().text().splitlines()) == [str(tmp_path / "a.jpg"), str(tmp_path / "c.jpg")]
    # an item outside the selection acts alone
    action(view.context_menu_for(model.index(1)), "Copy path").trigger()
    assert QGuiApplication.clipboard().text() == str(tmp_path / "b.jpg")


def test_find_similar_searches_and_find_duplicates_asks_for_the_group(qtbot, tmp_path):
    view, model, _, _ = grid(qtbot, tmp_path)
    menu = view.context_menu_for(model.index(0))
    with qtbot.waitSignal(view.similar_requested, timeout=1_000) as similar:
        action(menu, "Find similar pictures").trigger()
    assert similar.args == [[tmp_path / "a.jpg"]]
    with qtbot.waitSignal(view.duplicates_requested, timeout=1_000) as duplicates:
        action(menu, "Find its duplicates").trigger()
    assert duplicates.args == [tmp_path / "a.jpg"]


@pytest.fixture
def fake_window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, open_library=FakeLibrary)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.session.open(tmp_path / "fake")  # the fake has no encoder: no index -> encode chain
    yield window
    window.close()


def test_find_its_duplicates_opens_the_explorer_on_that_files_group(qtbot, fake_window, tmp_path):
    window = fake_window
    copy = tmp_path / "fake" / "g1" / "copy0.jpg"
    row = window.library_model.rows_of_paths([copy])[copy]
    menu = window.library_view.context_menu_for(window.library_model.index(row))
    with qtbot.waitSignal(window.duplicates.scanned, timeout=20_000):
        action(menu, "Find its duplicates").trigger()
    qtbot.waitUntil(lambda: window.duplicates.explorer.current_group() is not None, timeout=5_000)
    assert window.pages.currentWidget() is window.explorer
    assert copy in window.duplicates.explorer.current_group().key()


def test_find_its_duplicates_of_a_file_in_no_group_says_so(qtbot, fake_window, tmp_path):
    window = fake_window
    with qtbot.waitSignal(window.duplicates.scanned, timeout=20_000):
        window.comforts.find_duplicates_of(tmp_path / "fake" / "alone.jpg")
    assert "alone.jpg is in no duplicate group" in window.explorer.status.text()


# -- thumbnail size and sort -----------------------------------------------------------------------------
def entry(i: int, relpath: str, size: int, mtime_ns: int) -> Entry:
    return Entry(i, relpath, Path("/lib") / relpath, size, mtime_ns, "", 10, 10, 1, None, None)


def test_the_model_sorts_by_folder_name_date_and_size():
    entries = [
        entry(1, "b/zebra.jpg", 300, 2),
        entry(2, "a/Yak.jpg", 100, 3),
        entry(3, "b/ant.jpg", 200, 1),
    ]
    model = ThumbnailModel()
    model.set_entries(entries)
    names = lambda: [model.index(r).data() for r in range(model.rowCount())]  # noqa: E731
    assert model.order() == "folder" and names() == ["Yak.jpg", "ant.jpg", "zebra.jpg"]
    model.set_order("name")
    assert names() == ["ant.jpg", "Yak.jpg", "zebra.jpg"]  # letters, not upper case first
    model.set_order("modified")
    assert names() == ["Yak.jpg", "zebra.jpg", "ant.jpg"]  # newest first
    model.set_order("size")
    assert names() == ["zebra.jpg", "ant.jpg", "Yak.jpg"]  # largest first
    model.set_entries(entries[:2])  # new entries keep the order
    assert names() == ["zebra.jpg", "Yak.jpg"]


def test_thumbnail_size_and_sort_persist_and_a_new_window_reads_them(qtbot, fake_window, tmp_path):
    window = fake_window
    controller = window.library_controller
    controller.set_thumbnail_size("large")
    controller.set_sort("size")
    large = grid_options.THUMBNAIL_SIZES["large"]
    assert window.library_view.iconSize().width() == large and window.library_model.tile_size() == large
    assert window.session.thumbnails.size == large
    sizes = [window.library_model.entry(r).size for r in range(window.library_model.rowCount())]
    assert sizes == sorted(sizes, reverse=True)
    window.close()

    again = MainWindow(
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), open_library=FakeLibrary
    )
    qtbot.addWidget(again)
    assert again.session.open(tmp_path / "fake")
    assert again.library_view.iconSize().width() == large and again.library_model.order() == "size"
    sizes_menu = menu_of(menu_of(again.menuBar(), "&View"), "&Thumbnail size")
    sizes_menu.aboutToShow.emit()
    assert [a.text() for a in sizes_menu.actions() if a.isChecked()] == ["Large"]
    action(sizes_menu, "Small").trigger()
    assert again.library_view.iconSize().width() == grid_options.THUMBNAIL_SIZES["small"]
    again.close()


def test_the_loader_decodes_at_the_grids_size_after_a_change(qtbot, fake_window):
    window = fake_window
    model = window.library_model
    first = model.index(0)
    first.data(Roles.Path)
    first.data()  # the name
    model.data(first, 1)  # DecorationRole: queue its decode
    qtbot.waitUntil(lambda: first.data(Roles.ThumbnailReady), timeout=5_000)
    window.library_controller.set_thumbnail_size("large")
    model.data(first, 1)
    qtbot.waitUntil(lambda: first.data(Roles.ThumbnailReady), timeout=5_000)
    assert model.data(first, 1).width() == grid_options.THUMBNAIL_SIZES["large"]


# -- the folder watcher --------------------------------------------------------------------------------
def known_of(*paths: Path):
    return lambda: {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in paths}


def test_the_watcher_counts_a_new_file_once_the_folder_is_quiet(qtbot, tmp_path):
    old = make_photo(tmp_path / "old.jpg", (32, 24), seed=1)
    watcher = FolderWatcher(quiet_ms=50)
    watcher.start(tmp_path, known_of(old))
    assert tmp_path in watcher.watched_folders()
    with qtbot.waitSignal(watcher.changed, timeout=5_000, check_params_cb=lambda n: n == 1):
        new = make_photo(tmp_path / "new.jpg", (32, 24), seed=2)
        (tmp_path / "notes.txt").write_text("not a picture")
    assert watcher.changes() == {new: ADDED}
    watcher.stop()


def test_a_removed_and_a_rewritten_file_count_and_the_apps_own_moves_do_not(qtbot, tmp_path):
    a = make_photo(tmp_path / "a.jpg", (32, 24), seed=1)
    b = make_photo(tmp_path / "b.jpg", (32, 24), seed=2)
    known = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in (a, b)}
    watcher = FolderWatcher(quiet_ms=50)
    watcher.start(tmp_path, lambda: dict(known))
    with qtbot.waitSignal(watcher.changed, timeout=5_000, check_params_cb=lambda n: n == 2):
        a.unlink()
        tmp = tmp_path / "b.tmp"
        make_photo(tmp, (48, 36), seed=3).replace(b)  # an editor's save: a new file renamed over the old
    assert watcher.changes() == {a: REMOVED, b: MODIFIED}
    known.pop(a)  # the trash forgets what it moved before the folder's event arrives
    known[b] = (b.stat().st_size, b.stat().st_mtime_ns)
    with qtbot.waitSignal(watcher.changed, timeout=5_000, check_params_cb=lambda n: n == 0):
        os.utime(tmp_path)
        (tmp_path / "other.txt").write_text("x")
    watcher.stop()


def test_a_new_subfolder_is_followed_and_its_pictures_count(qtbot, tmp_path):
    watcher = FolderWatcher(quiet_ms=50)
    watcher.start(tmp_path, dict)
    with qtbot.waitSignal(watcher.changed, timeout=5_000, check_params_cb=lambda n: n == 2):
        make_photo(tmp_path / "trip" / "day1" / "x.jpg", (32, 24), seed=1)
        make_photo(tmp_path / "trip" / "y.jpg", (32, 24), seed=2)
    assert set(watcher.changes()) == {tmp_path / "trip" / "day1" / "x.jpg", tmp_path / "trip" / "y.jpg"}
    assert tmp_path / "trip" / "day1" in watcher.watched_folders()
    watcher.stop()


def test_folders_beyond_the_watch_limit_are_polled(qtbot, tmp_path):
    old = make_photo(tmp_path / "sub" / "old.jpg", (32, 24), seed=1)
    watcher = FolderWatcher(quiet_ms=10, max_watched=1)
    watcher.start(tmp_path, known_of(old))
    assert watcher.watched_folders() == [tmp_path] and watcher.polled_folders() == [tmp_path / "sub"]
    new = make_photo(tmp_path / "sub" / "new.jpg", (32, 24), seed=2)
    os.utime(tmp_path / "sub", ns=(1, 1))  # a folder time surely unlike the one seen at start
    with qtbot.waitSignal(watcher.changed, timeout=5_000, check_params_cb=lambda n: n == 1):
        watcher.poll()
    assert watcher.changes() == {new: ADDED}
    watcher.stop()


def test_while_a_job_runs_changes_are_noted_and_compared_only_after(qtbot, tmp_path):
    busy = [True]
    watcher = FolderWatcher(quiet_ms=10, busy=lambda: busy[0])
    counts: list[int] = []
    watcher.changed.connect(counts.append)
    watcher.start(tmp_path, dict)
    make_photo(tmp_path / "during.jpg", (32, 24), seed=1)
    qtbot.waitUntil(lambda: watcher.pending_folders() == [tmp_path], timeout=5_000)
    qtbot.wait(50)  # the quiet interval (10 ms) passes: nothing is compared while busy
    assert counts == [] and watcher.pending_folders() == [tmp_path]
    busy[0] = False
    with qtbot.waitSignal(watcher.changed, timeout=5_000):
        watcher.resume()
    assert counts == [1]
    watcher.stop()


# -- rescan and the changed-files offer, on the real engine -----------------------------------------------
def window_on(qtbot, root: Path) -> MainWindow:
    """The real window on the real engine, opened on ``root`` and ready (itq if a network must be trained)."""
    from hashview.ui.settings import open_settings

    window = MainWindow(settings=open_settings(), first_training={"method": "itq"})
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.pipeline_finished, timeout=60_000):
        assert window.open_folder(root)
    return window


@pytest.fixture
def real_window(qtbot, tmp_path, monkeypatch):
    from hashview.ui.library import watcher as watcher_module

    monkeypatch.setattr(watcher_module, "QUIET_MS", 50)
    root = tmp_path / "photos"
    for i in range(6):
        make_photo(root / f"photo_{i}.jpg", size=(96, 72), seed=i)
    window = window_on(qtbot, root)
    yield window, root
    window.close()


def test_a_new_file_is_offered_for_rescan_and_f5_takes_it_in(qtbot, real_window):
    window, root = real_window
    button = window.comforts.changes_button
    assert button.isHidden()
    with qtbot.waitSignal(window.library_controller.files_changed, timeout=10_000, check_params_cb=bool):
        make_photo(root / "new.jpg", size=(96, 72), seed=50)
    assert button.isVisible() and button.text() == "1 file changed — Rescan"
    rescan = action(menu_of(window.menuBar(), "&File"), "Re&scan folder")
    assert rescan.shortcut().toString() == "F5"
    with qtbot.waitSignal(window.pipeline_finished, timeout=60_000) as finished:
        rescan.trigger()
    assert finished.args[0].startswith("Ready: 7 images")
    assert window.library_model.rows_of_paths([root / "new.jpg"]) and button.isHidden()
    assert window.library.codes_ready()


def test_in_rescan_mode_the_folder_is_rescanned_by_itself_once_quiet(qtbot, real_window, monkeypatch):
    from hashview.ui.library import controller as controller_module

    window, root = real_window
    window.settings.setValue(controller_module.CHANGE_KEY, "rescan")
    window.library_controller._auto_rescan.setInterval(50)
    with qtbot.waitSignal(window.pipeline_finished, timeout=60_000) as finished:
        (root / "photo_0.jpg").unlink()
    assert finished.args[0].startswith("Ready: 5 images")
    assert window.comforts.changes_button.isHidden()
