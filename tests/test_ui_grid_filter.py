"""The library grid's filter box and folder tree, and the grid following the duplicates explorer's trash.

The filter rules and the folder counts are tested on the model and on plain
relative paths, without a window; the box, the tree, the count, Ctrl+F and the
Folders toggle in a window over the fake library; the reload after a trash and
its undo on the real engine, through the real system trash (``private_trash``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from imagefactory import make_photo
from PySide6.QtCore import QSettings, Qt
from test_ui_library_comforts import action, entry, fake_window, menu_of, window_on  # noqa: F401 - fixture
from test_ui_session import ClosableFake as FakeLibrary

from hashview.core.duplicates import bulk
from hashview.ui.library.filter_box import FilterBox
from hashview.ui.library.folder_tree import FolderTree
from hashview.ui.library.grid_filter import ALL_FOLDERS, GridFilter, count_text, folder_counts
from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.widgets.thumbnails import Roles
from hashview.ui.window.main_window import MainWindow

PATHS = [
    "2023/Beach/IMG_1.jpg",
    "2023/beach/holiday_2.jpg",
    "2023/trip/HOLIDAY_3.jpg",
    "2023-old/holiday_4.jpg",  # "2023" is a prefix of its name, not its folder
    "other/2023/holiday_5.jpg",  # "2023" is in its path, not its top folder
    "top.jpg",
]


def model_of(paths=PATHS) -> ThumbnailModel:
    model = ThumbnailModel()
    model.set_entries([entry(i, p, 100 + i, i) for i, p in enumerate(paths)])
    return model


def shown(model: ThumbnailModel) -> list[str]:
    return sorted(model.entry(r).relpath for r in range(model.rowCount()))


# -- the rules, without a window ------------------------------------------------------------------------
def test_the_text_filter_matches_every_word_of_the_path_in_any_case():
    model = model_of()
    model.set_filter(GridFilter("holiday"))
    assert shown(model) == sorted(p for p in PATHS if "holiday" in p.lower())
    model.set_filter(GridFilter("  BEACH   holiday "))  # both words, any case, anywhere in the path
    assert shown(model) == ["2023/beach/holiday_2.jpg"]
    model.set_filter(GridFilter("trip 2023"))  # a folder's name matches too
    assert shown(model) == ["2023/trip/HOLIDAY_3.jpg"]
    assert model.total_count() == len(PATHS) and model.rowCount() == 1
    model.set_filter(GridFilter())
    assert shown(model) == sorted(PATHS)


def test_a_folder_shows_its_pictures_and_its_subfolders_and_nothing_that_only_shares_its_name():
    model = model_of()
    model.set_filter(GridFilter(folder="2023"))
    assert shown(model) == ["2023/Beach/IMG_1.jpg", "2023/beach/holiday_2.jpg", "2023/trip/HOLIDAY_3.jpg"]
    model.set_filter(GridFilter(folder="2023/beach"))  # folders are told apart by case, as on disk
    assert shown(model) == ["2023/beach/holiday_2.jpg"]


def test_folder_and_text_combine_and_survive_a_new_order_and_new_entries():
    model = model_of()
    model.set_filter(GridFilter("holiday", folder="2023"))
    assert shown(model) == ["2023/beach/holiday_2.jpg", "2023/trip/HOLIDAY_3.jpg"]
    model.set_order("size")
    assert [model.entry(r).relpath for r in range(model.rowCount())] == [
        "2023/trip/HOLIDAY_3.jpg",
        "2023/beach/holiday_2.jpg",
    ]  # largest first, still filtered
    model.set_entries([entry(i, p, 100 + i, i) for i, p in enumerate([*PATHS, "2023/new/holiday_6.jpg"])])
    assert "2023/new/holiday_6.jpg" in shown(model) and model.rowCount() == 3 and model.total_count() == 7


def test_rows_paths_and_drags_are_those_of_the_filtered_rows(tmp_path):
    model = model_of()
    model.set_filter(GridFilter("trip"))
    assert model.path_at(0) == Path("/lib/2023/trip/HOLIDAY_3.jpg")
    assert model.rows_of_paths([Path("/lib/2023/trip/HOLIDAY_3.jpg"), Path("/lib/top.jpg")]) == {
        Path("/lib/2023/trip/HOLIDAY_3.jpg"): 0
    }
    assert model.mimeData([model.index(0)]).urls()[0].toLocalFile() == "/lib/2023/trip/HOLIDAY_3.jpg"


def test_folder_counts_hold_every_folder_on_the_way_with_its_subfolders_pictures():
    counts = folder_counts(PATHS)
    assert counts == {
        ALL_FOLDERS: 6,
        "2023": 3,
        "2023/Beach": 1,
        "2023/beach": 1,
        "2023/trip": 1,
        "2023-old": 1,
        "other": 1,
        "other/2023": 1,
    }


def test_the_count_says_how_many_of_how_many():
    assert count_text(6, 6) == "6 images" and count_text(1, 1) == "1 image"
    assert count_text(2, 6) == "2 of 6 images" and count_text(0, 6) == "0 of 6 images"


# -- the widgets -----------------------------------------------------------------------------------------
def test_the_tree_lists_folders_with_counts_and_keeps_the_choice_across_a_rebuild(qtbot):
    tree = FolderTree()
    qtbot.addWidget(tree)
    tree.set_counts(folder_counts(PATHS))
    assert tree.folders()[0] == ALL_FOLDERS and tree.topLevelItem(0).text(0) == "All pictures"
    assert tree.topLevelItem(0).text(1) == "6" and tree.count_of("2023") == 3
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == [
        "All pictures",
        "2023",
        "2023-old",
        "other",
    ]
    assert tree.currentItem().text(0) == "All pictures"
    with qtbot.waitSignal(tree.folder_chosen) as chosen:
        tree.setCurrentItem(tree.topLevelItem(1).child(2))  # as a click does
    assert chosen.args == ["2023/trip"]
    tree.set_counts(folder_counts([*PATHS, "2023/trip/more.jpg"]))  # a refresh keeps the choice, says nothing
    assert tree.chosen() == "2023/trip" and tree.count_of("2023/trip") == 2
    with qtbot.waitSignal(tree.folder_chosen) as back:  # the chosen folder has gone: all pictures
        tree.set_counts(folder_counts(["top.jpg"]))
    assert back.args == [ALL_FOLDERS] and tree.chosen() == ALL_FOLDERS


def test_the_box_filters_once_typing_pauses_and_escape_clears_at_once(qtbot):
    box = FilterBox()
    qtbot.addWidget(box)
    sent: list[str] = []
    box.filter_changed.connect(sent.append)
    with qtbot.waitSignal(box.filter_changed, timeout=2_000):
        qtbot.keyClicks(box, "holi")
    assert sent == ["holi"] and box.placeholderText() == "Filter by name or folder…"
    with qtbot.waitSignal(box.filter_changed, timeout=100) as cleared:  # no debounce for "show all"
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert cleared.args == [""] and box.text() == ""


# -- in the window -----------------------------------------------------------------------------------------
@pytest.fixture
def window(fake_window):  # noqa: F811 - the fixture imported above
    """The comforts' window on the fake library: 9 pictures, g0 (2), g1 (3), g2 (3), alone.jpg."""
    return fake_window


def test_typing_in_the_box_filters_the_grid_and_the_count_says_n_of_m(qtbot, window):
    model = window.library_model
    assert window.count_label.text() == "9 images" and window.filter_box.isVisible()
    with qtbot.waitSignal(window.filter_box.filter_changed, timeout=2_000):
        qtbot.keyClicks(window.filter_box, "COPY")
    assert model.rowCount() == 5 and all("copy" in model.entry(r).relpath for r in range(5))
    assert window.count_label.text() == "5 of 9 images"
    window.folder_tree.choose("g1")  # the tree and the text together
    assert shown(model) == ["g1/copy0.jpg", "g1/copy1.jpg"] and window.count_label.text() == "2 of 9 images"
    window.filter_box.setFocus()
    qtbot.keyClick(window.filter_box, Qt.Key.Key_Escape)
    assert window.filter_box.text() == "" and shown(model) == ["g1/copy0.jpg", "g1/copy1.jpg", "g1/original.jpg"]
    window.folder_tree.choose(ALL_FOLDERS)
    assert model.rowCount() == 9 and window.count_label.text() == "9 images"


def test_the_folder_tree_is_built_from_the_catalog_and_choosing_keeps_search_on_the_right_row(qtbot, window, tmp_path):
    tree = window.folder_tree
    assert tree.isVisible() and tree.folders() == [ALL_FOLDERS, "g0", "g1", "g2"]
    assert [tree.count_of(f) for f in tree.folders()] == [9, 2, 3, 3]
    tree.choose("g2")
    model = window.library_model
    assert window.count_label.text() == "3 of 9 images"
    with qtbot.waitSignal(window.library_view.similar_requested) as asked:  # a double-click searches for its row
        window.library_view.activated.emit(model.index(1))
    assert asked.args == [[tmp_path / "fake" / "g2" / "copy1.jpg"]]
    menu = window.library_view.context_menu_for(model.index(1))
    with qtbot.waitSignal(window.library_view.duplicates_requested) as dup:
        action(menu, "Find its duplicates").trigger()
    assert dup.args == [tmp_path / "fake" / "g2" / "copy1.jpg"]
    menu.close()


def test_a_filter_keeps_the_selected_picture_selected(qtbot, window, tmp_path):
    model, view = window.library_model, window.library_view
    chosen = tmp_path / "fake" / "g1" / "copy1.jpg"
    row = model.rows_of_paths([chosen])[chosen]
    view.selectionModel().select(model.index(row), view.selectionModel().SelectionFlag.Select)
    window.library_controller.filter_by_text("g1")
    assert [i.data(Roles.Path) for i in view.selectionModel().selectedIndexes()] == [chosen]


def test_ctrl_f_goes_to_the_filter_box_even_from_the_search_results(qtbot, window):
    filter_action = action(menu_of(window.menuBar(), "&Edit"), "&Filter pictures")
    assert filter_action.shortcut().toString() == "Ctrl+F"
    window.activateWindow()
    window.results_view.setFocus()
    qtbot.waitUntil(window.results_view.hasFocus, timeout=2_000)
    qtbot.keyClick(window.results_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.filter_box.hasFocus, timeout=2_000)  # one owner of the key: not an ambiguous shortcut


def test_the_folders_toggle_hides_the_tree_and_a_new_window_remembers_it(qtbot, window, tmp_path):
    toggle = action(menu_of(window.menuBar(), "&View"), "&Folders")
    assert toggle.isCheckable() and toggle.isChecked()
    window.folder_tree.choose("g0")
    toggle.trigger()
    assert not window.folder_tree.isVisible() and window.library_model.rowCount() == 9  # hidden: filters nothing
    window.close()
    again = MainWindow(
        settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat), open_library=FakeLibrary
    )
    qtbot.addWidget(again)
    again.show()
    assert again.folder_tree.isHidden()
    toggle = action(menu_of(again.menuBar(), "&View"), "&Folders")
    assert not toggle.isChecked()
    toggle.trigger()
    assert not again.folder_tree.isHidden() and again.settings.value("library/show_folders") in (1, "1")
    again.close()


def test_a_new_library_starts_unfiltered(qtbot, window, tmp_path):
    window.filter_box.setText("copy")
    window.library_controller.filter_by_text("copy")
    window.folder_tree.choose("g1")
    assert window.session.open(tmp_path / "other")
    assert window.filter_box.text() == "" and window.folder_tree.chosen() == ALL_FOLDERS
    assert window.library_model.rowCount() == 9 and window.count_label.text() == "9 images"


# -- the grid follows the duplicates explorer, on the real engine ------------------------------------------------
@pytest.fixture
def real_window(qtbot, tmp_path):
    root = tmp_path / "photos"
    for i in range(5):
        make_photo(root / f"photo_{i}.jpg", size=(96, 72), seed=i)
    (root / "backup").mkdir()
    shutil.copyfile(root / "photo_0.jpg", root / "backup" / "photo_0.jpg")  # a byte-identical backup copy
    window = window_on(qtbot, root)
    yield window, root
    window.close()


def test_a_trashed_file_leaves_the_grid_and_undo_brings_it_back(qtbot, real_window, private_trash):
    window, root = real_window
    copy, original = root / "backup" / "photo_0.jpg", root / "photo_0.jpg"
    model = window.library_model
    assert copy in model.rows_of_paths([copy]) and window.count_label.text() == "6 images"
    with qtbot.waitSignal(window.duplicates.trashed, timeout=10_000):
        window.duplicates.trash([copy], keep=[original])
    assert not copy.exists() and (private_trash / "files" / "photo_0.jpg").is_file()  # the real trash
    assert model.rows_of_paths([copy]) == {} and window.count_label.text() == "5 images"
    assert window.folder_tree.folders() == [ALL_FOLDERS]  # its folder is empty now: gone from the tree
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=20_000)
    with qtbot.waitSignal(window.duplicates.restored, timeout=20_000):
        assert window.duplicates.undo()
    assert copy.exists() and copy in model.rows_of_paths([copy]) and window.count_label.text() == "6 images"


def test_a_bulk_clean_up_leaves_the_grid_at_once(qtbot, real_window, private_trash):
    window, root = real_window
    copy = root / "backup" / "photo_0.jpg"
    with qtbot.waitSignal(window.duplicates.scanned, timeout=20_000):
        window.duplicates.show_explorer()
    dialog = window.duplicates.bulk.request(bulk.TRASH)
    assert dialog is not None and dialog.go_button.isEnabled()
    with qtbot.waitSignal(window.duplicates.bulk.finished, timeout=20_000) as ended:
        dialog.go_button.click()
    gone = [r.path for r in ended.args[0].done]
    assert gone and not any(p.exists() for p in gone)
    assert window.library_model.rows_of_paths(gone) == {} and window.count_label.text() == f"{6 - len(gone)} images"
    assert copy in gone or (root / "photo_0.jpg") in gone
    window.duplicates.bulk.summary.accept()


# -- words: the search's distance in plain words -----------------------------------------------------------------
def test_the_search_tooltips_say_what_a_distance_is_without_hamming(qtbot):
    from types import SimpleNamespace

    from hashview.ui.search.panel import SearchPanel
    from hashview.ui.search.results_model import ResultsModel

    model = ResultsModel()
    panel = SearchPanel(model)
    qtbot.addWidget(panel)
    model.set_hits([SimpleNamespace(file_id=1, path=Path("/lib/a.jpg"), distance=7)], copy_radius=None)
    tips = [panel.radius.toolTip(), model.index(0).data(Qt.ItemDataRole.ToolTipRole)]
    assert all("Hamming" not in tip and "bits differ" in tip for tip in tips), tips
    assert tips[1].startswith("/lib/a.jpg\ndistance 7 (how many of the code's bits differ")
