"""Trash: confirmation lists the files, moves go to a fake trash, undo brings them back, refusals.

``QFile.moveToTrash`` is replaced by a move into a temporary folder laid out
like the freedesktop trash, so no test touches the real one; one test checks
that the real call is made with the right path.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QFile, Qt
from test_ui_duplicates import build

from hashview.core.keep_rules import KeepPolicy
from hashview.ui import trash


@pytest.fixture
def fake_trash(tmp_path, monkeypatch):
    """A trash folder (files/ and info/) that ``QFile.moveToTrash`` moves into."""
    bin_ = tmp_path / "Trash"
    (bin_ / "files").mkdir(parents=True)
    (bin_ / "info").mkdir()
    moved = []

    def move(name: str):
        source = Path(name)
        target = bin_ / "files" / f"{len(moved)}-{source.name}"
        shutil.move(str(source), str(target))
        (bin_ / "info" / (target.name + ".trashinfo")).write_text(f"[Trash Info]\nPath={source}\n")
        moved.append(source)
        return True, str(target)

    monkeypatch.setattr(QFile, "moveToTrash", staticmethod(move))
    return bin_, moved


def test_trash_confirm_undo(qtbot, tmp_path, fake_trash):
    bin_, moved = fake_trash
    library, explorer, controller = build(qtbot, tmp_path)
    explorer.select_group(0)
    group = explorer.current_group()
    others = [Path(m.path) for m in group.others]
    keeper = Path(group.keeper.path)
    qtbot.keyClick(explorer, Qt.Key.Key_Delete)
    dialog = controller.confirmation
    assert dialog is not None and dialog.isVisible()
    assert dialog.listed() == [str(p) for p in others] and str(keeper) in dialog.label.text()
    with qtbot.waitSignal(controller.trashed, timeout=10_000) as done, \
            qtbot.waitSignal(controller.scanned, timeout=20_000):
        dialog.move_button.click()  # the person agrees
    assert done.args[0] == others and moved == others
    assert not any(p.exists() for p in others) and keeper.exists()
    assert not {e.path for e in library.entries()} & set(others)  # forgotten by the catalog
    assert len(list((bin_ / "files").iterdir())) == len(others)
    assert all(keeper not in explorer.groups_model.group(r).key() for r in range(explorer.groups_model.rowCount()))
    assert explorer.undo_button.isEnabled()

    with qtbot.waitSignal(controller.restored, timeout=20_000) as back, \
            qtbot.waitSignal(controller.scanned, timeout=20_000):
        qtbot.keyClick(explorer, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert back.args[0] == others and all(p.exists() for p in others)
    assert not list((bin_ / "files").iterdir()) and not list((bin_ / "info").iterdir())
    assert set(others) <= {e.path for e in library.entries()}  # re-indexed
    assert explorer.groups_model.rowCount() == 3 and not explorer.undo_button.isEnabled()


def test_cancelled_confirmation_moves_nothing(qtbot, tmp_path, fake_trash):
    _bin, moved = fake_trash
    _library, explorer, controller = build(qtbot, tmp_path)
    dialog = controller.request_trash(explorer.current_group())
    dialog.reject()
    assert moved == [] and controller.undo_stack == []


def test_outside_root_and_reference_folders_are_refused(qtbot, tmp_path, fake_trash):
    _bin, moved = fake_trash
    library, explorer, controller = build(qtbot, tmp_path)
    outside = tmp_path / "elsewhere.jpg"
    outside.write_bytes(b"x")
    with pytest.raises(trash.TrashRefused, match="outside the library folder"):
        trash.check_trashable([outside], library.root)
    link = library.root / "link.jpg"
    link.symlink_to(outside)
    with pytest.raises(trash.TrashRefused, match="outside"):
        trash.check_trashable([link], library.root)
    with pytest.raises(trash.TrashRefused, match="outside"):
        trash.check_trashable([library.root], library.root)

    # in the explorer: a group whose copy lies in a reference folder is refused, nothing moves
    group = explorer.current_group()
    copy = Path(group.others[0].path)
    controller.policy = KeepPolicy(reference=(copy.parent,))
    with qtbot.waitSignal(controller.refused) as refused:
        assert controller.request_trash(group) is None
    assert "reference folder" in refused.args[0] and copy.exists() and moved == []
    assert "reference folder" in explorer.status.text()
    with qtbot.waitSignal(controller.refused):
        controller.trash([outside])
    assert outside.exists() and moved == []


def test_the_real_call_gets_the_path(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(QFile, "moveToTrash", staticmethod(lambda name: calls.append(name) or (True, "")))
    photo = tmp_path / "lib" / "a.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"jpeg")
    batch = trash.trash_files([photo], tmp_path / "lib")
    assert calls == [str(photo.resolve())]
    assert batch.files[0].trashed is None and not batch.can_undo()
    monkeypatch.setattr(QFile, "moveToTrash", staticmethod(lambda name: (False, "")))
    with pytest.raises(OSError, match="refused"):
        trash.move_to_trash(photo)
