"""The explorer's bulk clean-up: one confirmation listing every path and the totals, a worker doing real moves.

Runs on ``test_ui_duplicates``' fake library (real files on disk: three groups
of a picture and its smaller copies) plus a group of two identical files the
keep rules cannot tell apart. Files are moved, trashed (into
``private_trash``) and exported for real; nothing fakes the move or the trash.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from test_ui_duplicates import FakeLibrary, build

from hashview.core.duplicates import bulk
from hashview.core.duplicates.export import groups_document


def library_with_a_tie(root: Path) -> FakeLibrary:
    """The fake's three groups, and ``t1/x.jpg`` = ``t2/x.jpg`` (same bytes, same time): the rules cannot choose."""
    library = FakeLibrary(root)
    first = root / "t1" / "x.jpg"
    first.parent.mkdir()
    shutil.copy2(library.groups[0][0], first)
    second = root / "t2" / "x.jpg"
    second.parent.mkdir()
    shutil.copy2(first, second)
    os.utime(second, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns))
    for path in (first, second):
        library.ids[path] = len(library.ids) + 1
    library.groups.append([first, second])
    return library


def copies_of(library: FakeLibrary) -> list[Path]:
    """The copies the keep rules would remove (the originals are larger): every ``copyN.jpg``."""
    return [p for g in library.groups[:3] for p in g[1:]]


def test_one_confirmation_lists_every_path_the_kept_files_and_the_totals(qtbot, tmp_path):
    library = library_with_a_tie(tmp_path / "fake")
    _library, _explorer, controller = build(qtbot, tmp_path, library)
    dialog = controller.bulk.request()
    assert dialog is not None and dialog.isVisible()
    listed = dialog.listed()
    rel = lambda p: p.relative_to(library.root)  # noqa: E731 - the list names the library folder once
    assert str(library.root) in dialog.where.text()
    size = sum(p.stat().st_size for p in copies_of(library))
    assert "Move 5 copies" in dialog.totals.text() and "from 3 groups to the system trash" in dialog.totals.text()
    assert f"{size / 1000:.1f} kB" in dialog.totals.text()
    assert "1 group is left alone" in dialog.left_alone.text() and "cannot choose" in dialog.left_alone.text()
    for members in library.groups[:3]:  # every path, the original shown as kept
        assert f"kept: {rel(members[0])}" in listed
        for copy in members[1:]:
            assert f"trash: {rel(copy)}" in listed
    tie = library.groups[3]
    assert any(line.startswith("Group") and "left alone" in line for line in listed)
    assert all(f"left: {rel(p)}" in listed for p in tie)
    assert dialog.go_button.isEnabled() and dialog.go_button.text() == "Move 5 copies to the trash"

    # a move needs a folder outside the library; the list shows where each copy will go
    dialog.set_action(bulk.MOVE)
    assert not dialog.go_button.isEnabled() and dialog.radios[bulk.MOVE].isChecked()
    assert not dialog.set_destination(library.root / "sorted")
    assert "inside the library" in dialog.folder_label.text() and not dialog.go_button.isEnabled()
    assert dialog.set_destination(tmp_path / "review") and dialog.go_button.isEnabled()
    copy = library.groups[1][1]
    assert f"move: {rel(copy)}  →  {tmp_path / 'review' / rel(copy)}" in dialog.listed()
    assert dialog.go_button.text() == "Move 5 copies to the folder"

    # hard links: the fake's copies are re-saves, not identical files: nothing to link, each says why
    dialog.set_action(bulk.HARDLINK)
    assert "Replace 0 copies" in dialog.totals.text() and not dialog.go_button.isEnabled()
    assert all(f"left: {rel(p)}  (not byte-identical" in " ".join(dialog.listed()) for p in copies_of(library))
    dialog.reject()


def test_the_worker_moves_every_copy_to_the_folder_then_undo_brings_them_back(qtbot, tmp_path):
    library = library_with_a_tie(tmp_path / "fake")
    _library, explorer, controller = build(qtbot, tmp_path, library)
    contents = {p: p.read_bytes() for g in library.groups for p in g}
    dialog = controller.bulk.request()
    dest = tmp_path / "review"
    dialog.set_destination(dest)
    with (
        qtbot.waitSignal(controller.bulk.finished, timeout=20_000) as ended,
        qtbot.waitSignal(controller.scanned, timeout=20_000),
    ):
        dialog.go_button.click()
    report = ended.args[0]
    assert sorted(r.path for r in report.done) == sorted(copies_of(library)) and report.skipped == []
    for copy in copies_of(library):
        assert not copy.exists() and (dest / copy.relative_to(library.root)).read_bytes() == contents[copy]
    for path in [g[0] for g in library.groups[:3]] + library.groups[3]:  # kept files and the tie: untouched
        assert path.read_bytes() == contents[path]
    assert library.forgotten == set(copies_of(library))
    summary = controller.bulk.summary
    assert summary.isVisible() and "5 files moved out of the library." in summary.label.text()
    assert explorer.groups_model.rowCount() == 1 and explorer.undo_button.isEnabled()

    summary.accept()  # the explorer's keys work again
    qtbot.waitUntil(explorer.isActiveWindow)
    with qtbot.waitSignal(controller.restored, timeout=20_000) as back:
        qtbot.keyClick(explorer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sorted(back.args[0]) == sorted(copies_of(library))
    assert all(p.read_bytes() == contents[p] for p in copies_of(library))


def test_one_bad_file_is_skipped_with_its_reason_and_the_rest_go_to_the_trash(qtbot, tmp_path, private_trash):
    library = library_with_a_tie(tmp_path / "fake")
    _library, _explorer, controller = build(qtbot, tmp_path, library)
    dialog = controller.bulk.request()
    gone = library.groups[2][2]
    gone.unlink()  # deleted after the confirmation listed it
    with qtbot.waitSignal(controller.bulk.finished, timeout=20_000) as ended:
        dialog.go_button.click()
    report = ended.args[0]
    assert [r.path for r in report.skipped] == [gone] and "not there any more" in report.skipped[0].detail
    assert len(report.done) == 4 and len(list((private_trash / "files").iterdir())) == 4
    summary = controller.bulk.summary
    assert "4 files moved to the system trash; 1 skipped" in summary.label.text()
    assert summary.skipped_lines() == [f"{gone}: {report.skipped[0].detail}"]


def test_export_writes_the_dups_json_or_a_csv_row_per_file(qtbot, tmp_path):
    library = library_with_a_tie(tmp_path / "fake")
    _library, _explorer, controller = build(qtbot, tmp_path, library)
    target = tmp_path / "groups.json"
    with qtbot.waitSignal(controller.bulk.exported, timeout=20_000):
        assert controller.bulk.export_to(target)
    assert json.loads(target.read_text()) == groups_document(controller.scan_result.groups)
    target = tmp_path / "groups.csv"
    with qtbot.waitSignal(controller.bulk.exported, timeout=20_000):
        assert controller.bulk.export_to(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == sum(len(g) for g in library.groups)
    assert {r["role"] for r in rows} == {"kept", "copy", "undecided"}
    assert not controller.bulk.export_to(tmp_path / "groups.txt")


def test_the_edit_menu_offers_both_and_says_what_to_do_first(qtbot):
    from hashview.ui.settings import open_settings
    from hashview.ui.window.main_window import MainWindow

    window = MainWindow(settings=open_settings(), first_training={"method": "itq"})
    qtbot.addWidget(window)
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    texts = {a.text(): a for a in edit.actions()}
    assert "E&xport duplicate groups…" in texts
    texts["&Apply keep rules to all groups…"].trigger()
    assert "Find duplicates first" in window.explorer.status.text()
    window.close()


def test_a_keeper_picked_by_hand_stands_in_a_group_the_filter_hides(qtbot, tmp_path):
    """The plan covers every group, so a keeper picked with Keep this holds there even when the sort-and-filter
    bar hides its group at the moment the clean-up is asked for (it fell back to the rules before)."""
    library = FakeLibrary(tmp_path / "fake")
    _library, explorer, controller = build(qtbot, tmp_path, library)
    explorer.select_group(0)
    group = explorer.current_group()
    explorer.select_member(2)
    picked = explorer.current_member()
    explorer.keep_current()
    assert group.keeper is picked and group.reason == "chosen by you"
    others = [g for g in library.groups if Path(picked.path) not in g]
    explorer.groups_model.set_filter("all", others[0][0].parent.name + "/")  # only another group is shown
    assert explorer.groups_model.rowCount() == 1 and Path(picked.path) not in explorer.groups_model.group(0).key()
    plan = controller.bulk.plan()
    planned = next(g for g in plan.groups if Path(picked.path) in {Path(m.path) for m in g.members})
    assert Path(planned.keeper.path) == Path(picked.path) and planned.reason == "chosen by you"
