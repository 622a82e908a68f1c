"""Moving duplicate copies to the system trash, safely, with undo.

hashview never deletes: copies go to the platform's trash through
``QFile.moveToTrash``, and only after a confirmation that lists every file.
Before anything moves, ``check_trashable`` refuses the whole batch if one file
lies outside the library root (a symlinked folder, a path from elsewhere) or in
a reference folder: a half-done batch is harder to reason about than none.

Undo moves the files back from where Qt says it put them (on platforms that
give no trash path, undo is not offered). On freedesktop systems the trash
keeps an ``info/NAME.trashinfo`` beside ``files/NAME``; it is removed when a
file comes back so the trash does not list a ghost.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QFile, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QVBoxLayout, QWidget

from hashview.core.keep_rules import KeepPolicy

logger = logging.getLogger(__name__)


class TrashRefused(Exception):
    """The batch cannot be trashed; str() says which file and why, in one line."""


@dataclass(frozen=True)
class TrashedFile:
    original: Path
    trashed: Path | None
    """Where the platform put it; None when it does not say (then undo is impossible)."""


@dataclass
class TrashBatch:
    """The files one confirmation moved, for undo."""

    files: list[TrashedFile] = field(default_factory=list)

    @property
    def originals(self) -> list[Path]:
        return [f.original for f in self.files]

    def can_undo(self) -> bool:
        return bool(self.files) and all(f.trashed is not None for f in self.files)


def _within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return path != root


def check_trashable(paths: Sequence[Path], root: Path, policy: KeepPolicy | None = None) -> list[Path]:
    """The resolved paths, or ``TrashRefused`` if any must not be touched.

    Raises:
        TrashRefused: a file is outside ``root`` (after resolving links), in a
            reference folder, or not a file any more.
    """
    policy = policy or KeepPolicy()
    root = Path(root).resolve()
    resolved = []
    for path in paths:
        real = Path(path).resolve()
        if not _within(real, root):
            raise TrashRefused(f"{path} is outside the library folder {root}; hashview only moves files inside it.")
        if policy.is_reference(Path(path)) or policy.is_reference(real):
            raise TrashRefused(f"{path} is in a reference folder; hashview never moves files from there.")
        if not real.is_file():
            raise TrashRefused(f"{path} is not there any more (moved or deleted since the scan).")
        resolved.append(real)
    return resolved


def move_to_trash(path: Path) -> Path | None:
    """Move one file to the system trash; where it went, or None if the platform does not say.

    Raises:
        OSError: the platform refused (no trash on this volume, permissions...).
    """
    ok, where = QFile.moveToTrash(str(path))
    if not ok:
        raise OSError(f"the system trash refused {path}")
    logger.info("moved %s to the trash (%s)", path, where or "no path given")
    return Path(where) if where else None


def trash_files(paths: Sequence[Path], root: Path, policy: KeepPolicy | None = None) -> TrashBatch:
    """Check the batch, then move each file to the trash; stops at the first failure.

    Raises:
        TrashRefused: before anything moved (see ``check_trashable``).
        OSError: a move failed; ``exc.batch`` holds the files moved before it.
    """
    batch = TrashBatch()
    for path in check_trashable(paths, root, policy):
        try:
            batch.files.append(TrashedFile(path, move_to_trash(path)))
        except OSError as exc:
            exc.batch = batch  # type: ignore[attr-defined]
            raise
    return batch


def restore(batch: TrashBatch) -> list[Path]:
    """Move a batch back from the trash; returns the files restored (skips ones in the way or gone)."""
    restored = []
    for item in batch.files:
        if item.trashed is None or not item.trashed.exists():
            logger.warning("cannot restore %s: not in the trash any more", item.original)
            continue
        if item.original.exists():
            logger.warning("not restoring %s: a file of that name is back already", item.original)
            continue
        item.original.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(item.trashed), str(item.original))
        info = item.trashed.parent.parent / "info" / (item.trashed.name + ".trashinfo")
        if item.trashed.parent.name == "files" and info.is_file():
            os.remove(info)
        logger.info("restored %s from the trash", item.original)
        restored.append(item.original)
    return restored


class TrashConfirmation(QDialog):
    """Lists the files that will move to the trash, and the one kept; non-blocking.

    ``confirmed`` is emitted with the paths when the person agrees.
    """

    confirmed = Signal(list)

    def __init__(self, paths: Sequence[Path], keeper: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrashConfirmation")
        self.setWindowTitle("Move to trash")
        self.paths = [Path(p) for p in paths]
        n = len(self.paths)
        text = f"Move {n} {'copy' if n == 1 else 'copies'} to the system trash?"
        if keeper is not None:
            text += f"\nKept: {keeper}"
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.list = QListWidget()
        self.list.addItems([str(p) for p in self.paths])
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        note = QLabel("You can undo this (Ctrl+Z in the duplicates explorer) or restore them from the trash.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.move_button = buttons.addButton("Move to trash", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.label, self.list, note, buttons):
            layout.addWidget(widget)
        self.resize(640, 320)
        self.accepted.connect(lambda: self.confirmed.emit(list(self.paths)))

    def listed(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]
