"""The duplicates page (issue 22, items 6, 8 and 10): a whole page, split by selection, sort and filter, words.

Item 8: the explorer was a bottom dock (three groups visible, compare images
100 to 200 pixels tall at 1280x800) that its menu shortcut added as a tab
without raising it, with two menu items for one action. Item 6: splitting a
wrong group took one click per file. Item 10: the radius control spoke in
"Radius 19 (within distance 19, suggested)" with a 39-line tooltip of numbers.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabBar
from test_ui_duplicates import build, real_library
from test_ui_session import ClosableFake

from hashview.core.duplicates.near_identical import near_identical_limit
from hashview.core.errors import LibraryError
from hashview.core.library import Library
from hashview.ui import settings as app_settings
from hashview.ui.duplicates.groups_model import GroupRow, GroupsModel
from hashview.ui.duplicates.split import SplitPlan, plan_split, record_split
from hashview.ui.widgets.radius_control import EXACT, RadiusControl
from hashview.ui.window.main_window import MainWindow

SCAN_MS = 20_000


def menu_actions(window):
    return [a for m in window.menuBar().actions() for a in m.menu().actions()]


def shortcut_action(window, keys: str):
    [action] = [a for a in menu_actions(window) if a.shortcut().toString() == keys]
    return action


@pytest.fixture
def window(qtbot, tmp_path):
    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), open_library=ClosableFake)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


# -- item 8: a page of its own ---------------------------------------------------------------------
def test_ctrl_d_switches_to_the_duplicates_page_with_room_for_the_pictures(qtbot, window, tmp_path):
    assert window.session.open(tmp_path / "fake")
    assert window.pages.currentWidget() is window.library_page and not window.duplicates.explorer.isVisible()
    find = shortcut_action(window, "Ctrl+D")
    with qtbot.waitSignal(window.duplicates.scanned, timeout=SCAN_MS):
        find.trigger()
    explorer = window.duplicates.explorer
    assert window.pages.currentWidget() is explorer and explorer.isVisible()
    # the whole window: at 1280x800 the compare panes are several hundred pixels tall, and wide
    assert explorer.left.height() >= 300 and explorer.left.width() >= 350, explorer.left.size()
    assert explorer.groups_view.height() >= 400
    # one menu item for the action (Edit > Find duplicates and View > Duplicates were two)
    assert [a.text() for a in menu_actions(window) if "uplicates" in a.text()] == ["Find &duplicates…"]
    assert not window.findChildren(QDockWidget, "DuplicatesDock")
    # back to the library, then a click on the tab shows the groups again without a new scan
    shortcut_action(window, "Ctrl+L").trigger()
    assert window.pages.currentWidget() is window.library_page
    calls = len(window.library.calls)
    window.pages.setCurrentWidget(explorer)
    assert explorer.isVisible() and len(window.library.calls) == calls


def test_a_click_on_the_duplicates_tab_finds_duplicates_the_first_time(qtbot, window, tmp_path):
    assert window.session.open(tmp_path / "fake")
    with qtbot.waitSignal(window.duplicates.scanned, timeout=SCAN_MS) as scanned:
        window.pages.setCurrentIndex(window.pages.indexOf(window.duplicates.explorer))
    assert scanned.args == [3] and window.library.calls == [3]  # one scan, not one per way of asking


def test_ctrl_d_before_a_folder_is_open_says_what_to_do(qtbot, window):
    with qtbot.waitSignal(window.status_changed, timeout=5_000) as status:
        shortcut_action(window, "Ctrl+D").trigger()
    assert "Open a folder first" in status.args[0] and window.stack.currentWidget() is window.welcome


def test_the_view_menus_toggles_raise_their_dock(qtbot, window):
    """Training and Networks share one tabbed area: showing one put it behind the other, out of sight."""
    shortcut_action(window, "Ctrl+T").trigger()
    qtbot.waitUntil(window.training_panel.isVisible)
    shortcut_action(window, "Ctrl+N").trigger()
    assert dock_tab_in_front(window) == "Networks" and window.training_dock.toggleViewAction().isChecked()
    shortcut_action(window, "Ctrl+T").trigger()  # hides Training (its toggle was checked) ...
    shortcut_action(window, "Ctrl+T").trigger()  # ... and shows it again, in front
    assert dock_tab_in_front(window) == "Training"


def dock_tab_in_front(window) -> str:
    """The title of the dock whose tab is current in the Training / Networks tab bar."""
    [bar] = [
        b
        for b in window.findChildren(QTabBar)
        if b.isVisible() and {b.tabText(i) for i in range(b.count())} == {"Training", "Networks"}
    ]
    return bar.tabText(bar.currentIndex())


def old_state(settings: QSettings) -> None:
    """Save a window state as the old window did: a Duplicates dock tabbed with Training and Networks, shown."""
    old = QMainWindow()
    old.setCentralWidget(QLabel("library"))
    docks = []
    for title, name in (("Training", "TrainingDock"), ("Networks", "NetworksDock"), ("Duplicates", "DuplicatesDock")):
        dock = QDockWidget(title, old)
        dock.setObjectName(name)
        dock.setWidget(QLabel(title))
        old.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        docks.append(dock)
    old.tabifyDockWidget(docks[0], docks[1])
    old.tabifyDockWidget(docks[0], docks[2])
    old.resize(1280, 800)
    old.show()
    docks[2].raise_()
    settings.setValue("window/geometry", old.saveGeometry())
    settings.setValue("window/state", old.saveState())
    old.close()


def test_a_window_state_saved_with_the_old_duplicates_dock_restores(qtbot, tmp_path):
    settings = app_settings.open_settings()
    old_state(settings)
    window = MainWindow(settings=settings, open_library=ClosableFake)
    qtbot.addWidget(window)
    window.show()
    assert window.training_dock.toggleViewAction().isChecked()  # what the old state showed still shows
    assert window.pages.indexOf(window.duplicates.explorer) >= 0 and window.duplicates.explorer.parent() is not None
    assert window.session.open(tmp_path / "fake")
    with qtbot.waitSignal(window.duplicates.scanned, timeout=SCAN_MS):
        shortcut_action(window, "Ctrl+D").trigger()
    assert window.duplicates.explorer.isVisible() and window.duplicates.explorer.window() is window
    window.close()  # saves the new state over the old one; it restores in turn
    again = MainWindow(settings=settings, open_library=ClosableFake)
    qtbot.addWidget(again)
    again.show()
    assert again.training_dock.toggleViewAction().isChecked()


# -- item 6: split a wrong group by a selection --------------------------------------------------------
def member(name: str, digest: str) -> SimpleNamespace:
    return SimpleNamespace(path=Path("/lib") / name, digest=digest, id=name)


def test_plan_split_takes_identical_twins_along_and_keeps_the_selection_together():
    a, a2, b, c, c_twin = (
        member("a.jpg", "1"),
        member("a2.jpg", "2"),
        member("b.jpg", "3"),
        *[member(n, "4") for n in ("c.jpg", "c (1).jpg")],
    )
    plan = plan_split([b, a, a2, c, c_twin], [a, c])
    assert plan.part == [a, c, c_twin] and plan.rest == [b, a2]
    different = {frozenset((x, y)) for x, y, v in plan.verdicts if v == "different"}
    same = {frozenset((x, y)) for x, y, v in plan.verdicts if v == "same"}
    assert different == {frozenset((p.path, q.path)) for p in plan.part for q in plan.rest}
    assert same == {frozenset((a.path, c.path)), frozenset((a.path, c_twin.path))}  # not c with its twin
    whole = plan_split([a, c, c_twin], [a, c])
    assert whole.rest == [] and whole.verdicts == []  # the whole group: nothing to split


def test_record_split_puts_back_what_it_recorded_when_the_book_refuses(tmp_path):
    root = tmp_path / "photos"
    from imagefactory import make_photo

    paths = [make_photo(root / f"p{k}.jpg", (48, 36), seed=k) for k in range(3)]
    library = Library.open(root)
    for _event in library.index():
        pass
    library.decisions.record(paths[0], paths[1], "same")
    before = library.decisions.all()
    plan = SplitPlan(
        [],
        [],
        [
            (paths[0], paths[1], "different"),
            (paths[0], paths[2], "different"),
            (paths[0], root / "gone.jpg", "different"),
        ],
    )
    with pytest.raises(LibraryError):
        record_split(library.decisions, plan, "test")
    assert library.decisions.all() == before
    library.close()


def test_these_are_a_different_picture_splits_a_group_in_one_undoable_step(qtbot, tmp_path):
    """Two pictures in one group (glued by "same" marks): select one's three files, one action, two groups."""
    root = tmp_path / "photos"
    library = real_library(root)
    g0, g1 = ({root / f"g{g}" / n for n in ("original.jpg", "copy0.jpg", "copy1.jpg")} for g in (0, 1))
    glue = {frozenset((a, b)): "same" for a in g0 for b in g1}
    for pair in glue:
        library.decisions.record(*pair, "same")
    library, explorer, controller = build(qtbot, tmp_path, library)
    model = explorer.groups_model
    [row] = [r for r in range(model.rowCount()) if model.group(r).key() == g0 | g1]
    explorer.select_group(row)
    group = explorer.current_group()
    picked = [i for i, m in enumerate(group.members) if Path(m.path) in g1]
    explorer.select_members(picked)
    assert explorer.split_button.isEnabled() and {Path(m.path) for m in explorer.selected_members()} == g1
    with qtbot.waitSignal(controller.scanned, timeout=SCAN_MS):
        qtbot.keyClick(explorer.members_view, Qt.Key.Key_X, Qt.KeyboardModifier.ShiftModifier)
    assert verdicts(library) == {
        **{pair: "different" for pair in glue},
        **{frozenset((a, b)): "same" for a in g1 for b in g1 if a != b},
    }
    keys = [model.group(r).key() for r in range(model.rowCount())]
    assert g1 in keys and g0 in keys  # two groups now, each one picture
    assert explorer.current_group().key() == g1 and "one picture" in explorer.status.text()
    # one step back: the earlier verdicts (the glue) return, the new ones are forgotten
    with qtbot.waitSignal(controller.scanned, timeout=SCAN_MS):
        explorer.undo_button.click()
    assert verdicts(library) == glue
    assert g0 | g1 in [model.group(r).key() for r in range(model.rowCount())]
    assert "Undone" in explorer.status.text()


def verdicts(library) -> dict[frozenset[Path], str]:
    return {frozenset((Path(a), Path(b))): str(v.value) for a, b, v in library.decisions.all()}


def test_the_whole_group_selected_is_no_split(qtbot, tmp_path):
    library, explorer, _controller = build(qtbot, tmp_path)
    explorer.select_group(0)
    explorer.select_members(list(range(len(explorer.current_group().members))))
    assert not explorer.split_button.isEnabled()
    explorer.split_selection()
    assert library.decisions.all() == [] and "not the whole group" in explorer.status.text()


# -- sort and filter ------------------------------------------------------------------------------------
def row(names: list[str], digests: list[str], distance: int, near_limit: int = 4) -> GroupRow:
    members = [member(n, d) for n, d in zip(names, digests, strict=True)]
    return GroupRow(members, members[0], distance, near_limit=near_limit)


def test_groups_sort_and_filter_by_kind_and_folder_without_a_window():
    identical = row(["backup/a.jpg", "trips/a.jpg"], ["1", "1"], 0)
    near = row(["trips/b.jpg", "trips/b-small.jpg", "phone/b.jpg"], ["2", "3", "4"], 3)
    similar = row(["albums/c.jpg", "albums/c-crop.jpg"], ["5", "6"], 12)
    assert (identical.kind, near.kind, similar.kind) == ("identical", "near", "similar")
    model = GroupsModel()
    model.root = Path("/lib")
    model.set_rows([similar, identical, near])
    shown = lambda: [model.group(r) for r in range(model.rowCount())]  # noqa: E731
    assert shown() == [near, identical, similar]  # most files first
    model.set_sort("closest")
    assert shown() == [identical, near, similar]
    model.set_sort("folder")
    assert shown() == [similar, identical, near]  # by the kept file's folder: albums, backup, trips
    model.set_sort("kind")
    assert shown() == [identical, near, similar]
    model.set_filter("near")
    assert shown() == [near] and model.total == 3
    model.set_filter("all", "BACKUP")  # any file's path, relative to the library, any case
    assert shown() == [identical]
    model.set_filter("all", "lib")  # the library's own folder matches nothing
    assert shown() == []
    model.set_filter()
    assert len(shown()) == 3
    with pytest.raises(ValueError):
        model.set_filter("blurry")
    assert "near-identical" in model.index(0).data() or "identical files" in model.index(0).data()


def test_near_identical_means_within_k_over_32_bits():
    assert [near_identical_limit(b) for b in (None, 16, 32, 64, 128)] == [0, 0, 1, 2, 4]


def test_the_filter_bar_filters_the_explorers_groups(qtbot, tmp_path):
    _library, explorer, _controller = build(qtbot, tmp_path)
    assert explorer.groups_model.group(0).near_limit == near_identical_limit(32)  # the itq-32 network's
    assert explorer.filters.count.text() == "3 groups"
    qtbot.keyClicks(explorer.filters.text, "g1/")
    assert explorer.groups_model.rowCount() == 1 and explorer.filters.count.text() == "1 of 3 groups match the filter"
    assert all("g1" in str(m.path) for m in explorer.current_group().members)
    explorer.filters.kind.setCurrentIndex(explorer.filters.kind.findData("identical"))  # none: edited copies
    assert explorer.groups_model.rowCount() == 0 and explorer.current_group() is None
    assert not explorer.trash_button.isEnabled()
    explorer.filters.text.clear()
    explorer.filters.kind.setCurrentIndex(0)
    explorer.filters.sort.setCurrentIndex(explorer.filters.sort.findData("folder"))
    names = [explorer.groups_model.group(r).keeper.path.parent.name for r in range(3)]
    assert names == ["g0", "g1", "g2"] and explorer.groups_model.sort_key == "folder"


# -- item 10: the radius control in words ---------------------------------------------------------------
PROFILE = [{"radius": r, "groups": 3 + r, "pairs": 4 + 2 * r, "precision": None, "judged": 0} for r in range(13)]


def test_the_radius_control_speaks_of_exact_edited_and_similar(qtbot):
    control = RadiusControl()
    qtbot.addWidget(control)
    control.set_profile(PROFILE, 6)
    control.set_value(EXACT)
    assert control.summary.text().startswith("<b>Exact copies</b>") and control.stops["exact"].isChecked()
    control.set_value(6)
    text = control.summary.text()
    assert text.startswith("<b>Edited copies</b> (suggested): 9 groups") and control.stops["edited"].isChecked()
    assert "Radius" not in text and "within distance 6" in text  # the number is there, after the words
    control.set_value(2)
    assert control.summary.text().startswith("<b>Edited copies</b>: 5 groups")
    control.set_value(9)
    assert control.summary.text().startswith("<b>Similar pictures</b>") and control.stops["similar"].isChecked()
    # a short tooltip; the figures are behind "Details"
    assert len(control.slider.toolTip().splitlines()) <= 2
    assert control.details.isHidden() and "Groups at each distance: 0: 3, 1: 4" in control.details.text()
    control.details_button.click()
    assert not control.details.isHidden()
    # the stops jump: exact, the suggestion, a looser setting
    for stop, expected in (("exact", EXACT), ("edited", 6), ("similar", 9)):
        with qtbot.waitSignal(control.radius_chosen, timeout=1_000) as chosen:
            control.stops[stop].click()
        assert chosen.args == [expected] and control.value() == expected


def test_a_network_that_cannot_tell_photos_apart_calls_every_radius_similar(qtbot):
    control = RadiusControl()
    qtbot.addWidget(control)
    control.set_profile(PROFILE, EXACT)
    control.set_value(0)
    assert control.summary.text().startswith("<b>Similar pictures</b>")
    assert control.stop_radius("edited") == 0 and control.stop_radius("similar") == 2
    assert "Suggested: exact copies only." in control.details.text()
