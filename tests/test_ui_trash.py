"""Trash from the explorer through the real platform call: confirm, move, undo, refusals, links.

Nothing here replaces ``QFile.moveToTrash``: files go to the real freedesktop
trash, which the ``private_trash`` fixture moves into the test's folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from test_ui_duplicates import build

from hashview.core.duplicates import cleanup
from hashview.core.duplicates.keep_rules import KeepPolicy
from hashview.core.library import Library


def trashed_names(bin_: Path) -> list[str]:
    return sorted(p.name for p in (bin_ / "files").iterdir()) if (bin_ / "files").exists() else []


def test_trash_confirm_undo(qtbot, tmp_path, private_trash):
    library, explorer, controller = build(qtbot, tmp_path)
    explorer.select_group(0)
    group = explorer.current_group()
    others = [Path(m.path) for m in group.others]
    keeper = Path(group.keeper.path)
    qtbot.keyClick(explorer, Qt.Key.Key_Delete)
    dialog = controller.confirmation
    assert dialog is not None and dialog.isVisible()
    assert dialog.listed() == [str(p) for p in others] and str(keeper) in dialog.label.text()
    assert group.reason and group.reason in dialog.label.text()  # the person sees why this copy stays
    with (
        qtbot.waitSignal(controller.trashed, timeout=10_000) as done,
        qtbot.waitSignal(controller.scanned, timeout=20_000),
    ):
        dialog.move_button.click()  # the person agrees
    assert done.args[0] == others
    assert not any(p.exists() for p in others) and keeper.exists()
    assert trashed_names(private_trash) == sorted(p.name for p in others)
    assert len(list((private_trash / "info").iterdir())) == len(others)
    assert not {e.path for e in library.entries()} & set(others)  # forgotten by the catalog
    assert all(keeper not in explorer.groups_model.group(r).key() for r in range(explorer.groups_model.rowCount()))
    assert explorer.undo_button.isEnabled()

    with (
        qtbot.waitSignal(controller.restored, timeout=20_000) as back,
        qtbot.waitSignal(controller.scanned, timeout=20_000),
    ):
        qtbot.keyClick(explorer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert back.args[0] == others and all(p.exists() for p in others)
    assert trashed_names(private_trash) == [] and not list((private_trash / "info").iterdir())
    assert set(others) <= {e.path for e in library.entries()}  # re-indexed
    assert explorer.groups_model.rowCount() == 3 and not explorer.undo_button.isEnabled()


def test_cancelled_confirmation_moves_nothing(qtbot, tmp_path, private_trash):
    _library, explorer, controller = build(qtbot, tmp_path)
    dialog = controller.request_trash(explorer.current_group())
    dialog.reject()
    assert trashed_names(private_trash) == [] and controller.undo_stack == []


def test_outside_root_and_reference_folders_are_refused(qtbot, tmp_path, private_trash):
    library, explorer, controller = build(qtbot, tmp_path)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"x")
    with pytest.raises(cleanup.TrashRefused, match="outside the library folder"):
        cleanup.check_trashable([outside], library.root)
    with pytest.raises(cleanup.TrashRefused, match="outside"):
        cleanup.check_trashable([library.root], library.root)
    linked_folder = library.root / "linked"
    linked_folder.symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(cleanup.TrashRefused, match="outside"):  # moving it would move the outside file
        cleanup.check_trashable([linked_folder / "elsewhere.jpg"], library.root)

    # in the explorer: a group whose copy lies in a reference folder is refused, nothing moves
    group = explorer.current_group()
    copy = Path(group.others[0].path)
    controller.policy = KeepPolicy(reference=(copy.parent,))
    with qtbot.waitSignal(controller.refused) as refused:
        assert controller.request_trash(group) is None
    assert "reference folder" in refused.args[0] and copy.exists()
    assert "reference folder" in explorer.status.text()
    with qtbot.waitSignal(controller.refused):
        controller.trash([outside])
    assert outside.exists() and trashed_names(private_trash) == []


def link_library(root: Path, link_first: bool) -> Library:
    """A real photo and a symlinked copy of it, in either path order, indexed (exact duplicates)."""
    from imagefactory import make_photo

    real = make_photo(root / ("b_photos" if link_first else "a_photos") / "IMG_0002.jpg", (96, 72), seed=3)
    link = root / ("a_album" if link_first else "z_album") / "best.jpg"
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.relpath(real, link.parent))
    make_photo(root / "other.jpg", (96, 72), seed=4)
    library = Library.open(root)
    for _event in library.index():
        pass
    return library


@pytest.mark.parametrize("link_first", [False, True])
def test_a_symlinked_copy_is_trashed_as_a_link_and_the_photo_stays(qtbot, tmp_path, private_trash, link_first):
    library = link_library(tmp_path / "lib", link_first)
    _library, explorer, controller = build(qtbot, tmp_path, library)  # no network yet: identical files
    group = explorer.current_group()
    assert group is not None
    keeper = Path(group.keeper.path)
    assert not keeper.is_symlink() and keeper.name == "IMG_0002.jpg"  # the real file is kept, whatever the order
    assert "real file" in group.reason
    link = next(Path(m.path) for m in group.others)
    dialog = controller.request_trash(group)
    assert dialog.listed() == [str(link) + "  (a link: only the link moves, the photo it points to stays)"]
    with qtbot.waitSignal(controller.trashed, timeout=10_000):
        dialog.move_button.click()
    assert keeper.is_file() and keeper.read_bytes()[:2] == b"\xff\xd8"  # the photo is untouched
    assert not link.is_symlink() and not link.exists()
    assert (private_trash / "files" / "best.jpg").is_symlink()  # the link went to the trash, not its target


def test_trashing_the_file_a_kept_link_points_to_is_refused(qtbot, tmp_path, private_trash):
    library = link_library(tmp_path / "lib", link_first=False)
    _library, explorer, controller = build(qtbot, tmp_path, library)
    group = explorer.current_group()
    real = Path(group.keeper.path)
    explorer.select_member(1)
    explorer.keep_current()  # the person keeps the link by hand
    assert Path(group.keeper.path).is_symlink() and group.reason == "chosen by you"
    with qtbot.waitSignal(controller.refused) as refused:
        assert controller.request_trash(group) is None
    assert "link" in refused.args[0] and real.is_file() and trashed_names(private_trash) == []


def test_a_failure_half_way_keeps_what_moved_for_undo_and_the_catalog(qtbot, tmp_path, private_trash, monkeypatch):
    library, explorer, controller = build(qtbot, tmp_path)
    group = next(
        explorer.groups_model.group(r)
        for r in range(explorer.groups_model.rowCount())
        if len(explorer.groups_model.group(r).others) >= 2
    )
    first, second = (Path(m.path) for m in group.others[:2])
    from hashview import system_trash
    from hashview.ui.duplicates import controller as duplicates_controller

    real_move = system_trash.move_to_trash

    def move_then_lose_the_next(path):
        """The real call; after the first file, the second disappears (deleted by another program)."""
        where = real_move(path)
        if path == first:
            second.unlink()
        return where

    monkeypatch.setattr(duplicates_controller, "move_to_trash", move_then_lose_the_next)
    with qtbot.waitSignal(controller.refused) as refused, qtbot.waitSignal(controller.trashed, timeout=10_000) as done:
        controller.trash([first, second], keep=[Path(group.keeper.path)])
    assert str(second) in refused.args[0]
    assert done.args[0] == [first] and trashed_names(private_trash) == [first.name]
    assert first not in {e.path for e in library.entries()}  # the catalog forgot what moved
    assert controller.undo_stack and controller.undo_stack[-1].originals == [first]
    assert controller.undo_stack[-1].failure[0] == second
    assert cleanup.restore(controller.undo_stack.pop()) == [first] and first.exists()


def test_the_real_call_reports_a_refusal(tmp_path, private_trash):
    from hashview.system_trash import move_to_trash

    with pytest.raises(OSError, match="refused"):
        move_to_trash(tmp_path / "not-there.jpg")
    photo = tmp_path / "a.jpg"
    photo.write_bytes(b"jpeg")
    where = move_to_trash(photo)
    assert where == private_trash / "files" / "a.jpg" and where.read_bytes() == b"jpeg" and not photo.exists()


def test_the_confirmation_warns_before_a_large_clean_up_and_cancel_is_the_default(qtbot, tmp_path):
    from PySide6.QtWidgets import QDialogButtonBox

    from hashview.ui.duplicates.trash_dialog import TrashConfirmation

    paths = [tmp_path / f"p{n}.jpg" for n in range(30)]
    large = TrashConfirmation(paths, tmp_path / "keep.jpg", reason="highest resolution", library_size=40)
    qtbot.addWidget(large)
    assert not large.warning.isHidden() and "30 of 40 photos" in large.warning.text()
    buttons = large.findChild(QDialogButtonBox)
    assert buttons.button(QDialogButtonBox.StandardButton.Cancel).isDefault() and not large.move_button.isDefault()
    assert "Kept: " + str(tmp_path / "keep.jpg") + " (highest resolution)" in large.label.text()
    usual = TrashConfirmation(paths[:3], tmp_path / "keep.jpg", library_size=40)
    qtbot.addWidget(usual)
    assert usual.warning.isHidden()
    identical = TrashConfirmation(paths, tmp_path / "keep.jpg", library_size=0)  # identical files: never warned
    qtbot.addWidget(identical)
    assert identical.warning.isHidden()
