"""Moving duplicate copies to the system trash safely: checks, batches, undo, clean-up plans.

hashview never deletes. Copies go to the platform's trash through a *mover*
(``hashview.system_trash.move_to_trash``, Qt's ``QFile.moveToTrash``), which
this module takes as an argument so that it stays free of Qt and the app and
the command line share every rule:

- Each file is trashed exactly as listed. A symbolic link is moved as a link,
  never its target; nothing is resolved before the move.
- The whole batch is refused before anything moves when one file lies outside
  the library root (its folder resolved, so a symlinked folder pointing out of
  the library counts as outside), in a reference folder, is gone, or is the
  very file a kept copy links to (trashing it would leave the keeper a broken
  link). A half-checked batch is harder to reason about than none.
- When a move fails half-way, the files moved before it are still recorded
  (for undo and for the catalog) and the failure is returned with the batch.

Undo moves the files back from where the platform said it put them; on
freedesktop systems the ``info/NAME.trashinfo`` beside ``files/NAME`` is removed
too, so the trash does not list a ghost.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hashview.core.duplicates.keep_rules import KeepPolicy, is_link, keep_reason, kept_groups, undecided
from hashview.core.errors import HashviewError

logger = logging.getLogger(__name__)

Mover = Callable[[Path], "Path | None"]
"""Moves one file to the system trash; returns where it went (None if the platform does not say).
Raises OSError when the platform refuses."""

LARGE_SHARE = 0.2
"""A clean-up that would move more than this share of the library is called out before it runs:
real libraries rarely hold that many copies, a network that cannot tell photos apart easily does."""

LARGE_FLOOR = 10
"""Fewer files than this never count as a large clean-up: a small library's few copies are a large share."""


class TrashRefused(HashviewError):
    """The batch cannot be trashed; str() says which file and why, in one line."""


@dataclass(frozen=True)
class TrashedFile:
    original: Path
    trashed: Path | None
    """Where the platform put it; None when it does not say (then undo is impossible)."""


@dataclass
class TrashBatch:
    """The files one confirmation moved, for undo, and the failure that stopped it, if any."""

    files: list[TrashedFile] = field(default_factory=list)
    failure: tuple[Path, str] | None = None
    """The file that could not be moved and why; the files after it were not tried."""

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


def _real(path: Path) -> Path | None:
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link or loop
        return None


def check_trashable(
    paths: Sequence[Path], root: Path, policy: KeepPolicy | None = None, keep: Iterable[Path] = ()
) -> list[Path]:
    """The paths as they will be moved (absolute, links not resolved), or ``TrashRefused``.

    Args:
        paths: the copies to move.
        root: the library folder; nothing outside it is ever moved.
        policy: its reference folders are never touched.
        keep: the copies that stay (the group's keeper, reference copies); a
            listed file that one of them links to is refused.

    Raises:
        TrashRefused: a file is outside ``root``, in a reference folder, not a
            file or link any more, or the target of a kept link.
    """
    policy = policy or KeepPolicy()
    root = Path(root).resolve()
    kept_targets = {real for real in (_real(Path(k)) for k in keep) if real is not None}
    checked = []
    for listed in paths:
        path = Path(os.path.abspath(listed))
        # Resolve the folder, not the file: a link is moved as a link, but a folder that is
        # a link out of the library makes the file an outsider.
        located = path.parent.resolve() / path.name
        if not _within(located, root):
            raise TrashRefused(f"{listed} is outside the library folder {root}; hashview only moves files inside it.")
        if policy.is_reference(path) or policy.is_reference(located):
            raise TrashRefused(f"{listed} is in a reference folder; hashview never moves files from there.")
        if path.is_symlink():
            checked.append(path)
            continue
        if not path.is_file():
            raise TrashRefused(f"{listed} is not there any more (moved or deleted since the scan).")
        if located in kept_targets:
            raise TrashRefused(
                f"{listed} is the file a kept copy links to; moving it would leave only a broken link. "
                "Keep this file instead of the link."
            )
        checked.append(path)
    return checked


def trash_files(
    paths: Sequence[Path], root: Path, mover: Mover, policy: KeepPolicy | None = None, keep: Iterable[Path] = ()
) -> TrashBatch:
    """Check the batch, then move each file with ``mover``; stops at the first failure.

    Returns:
        The batch: every file that moved (even when a later one failed) and
        ``failure`` naming the file that did not.

    Raises:
        TrashRefused: before anything moved (see ``check_trashable``).
    """
    batch = TrashBatch()
    for path in check_trashable(paths, root, policy, keep):
        try:
            where = mover(path)
        except OSError as exc:
            batch.failure = (path, str(exc) or type(exc).__name__)
            logger.warning("moving %s to the trash failed: %s", path, exc)
            break
        logger.info("moved %s to the trash (%s)", path, where or "no path given")
        batch.files.append(TrashedFile(path, where))
    return batch


def restore(batch: TrashBatch) -> list[Path]:
    """Move a batch back from the trash; returns the files restored (skips ones in the way or gone)."""
    restored = []
    for item in batch.files:
        if item.trashed is None or not (item.trashed.exists() or item.trashed.is_symlink()):
            logger.warning("cannot restore %s: not in the trash any more", item.original)
            continue
        if item.original.exists() or item.original.is_symlink():
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


@dataclass(frozen=True)
class GroupPlan:
    """What a clean-up does with one duplicate group: the copy kept, why, and the copies moved."""

    keeper: Any
    reason: str
    moves: list[Any]
    kept: tuple[Path, ...]
    """The copies that stay: the keeper and any reference copies."""
    links: frozenset[Path]
    """The moved paths that are links: only the link goes, never the file it names."""
    refused: str | None = None
    """Why this group is left alone (a file outside the library, a kept link's target...)."""
    undecided: str | None = None
    """``keep_rules.UNDECIDED`` when only a path's spelling would choose the keeper: left alone, not a failure."""

    @property
    def moving(self) -> bool:
        """Whether this group's copies go (neither refused nor undecided)."""
        return self.refused is None and self.undecided is None


def plan_cleanup(
    groups: Iterable[Any], entries: Mapping[int, Any], root: Path, policy: KeepPolicy | None = None
) -> list[GroupPlan]:
    """The keep rules applied to every group: the same keeper the explorer shows, checked like its trash button.

    Args:
        groups: duplicate groups with ``file_ids``; members missing from
            ``entries`` are dropped (gone since the scan).
        entries: catalog entries by id.
    """
    policy = policy or KeepPolicy()
    plans = []
    for _group, keeper, members, others in kept_groups(groups, entries, policy):
        keep = [Path(m.path) for m in members if m not in others]
        refused = None
        try:
            check_trashable([Path(m.path) for m in others], root, policy, keep)
        except TrashRefused as exc:
            refused = str(exc)
        links = frozenset(Path(m.path) for m in others if is_link(m.path))
        plans.append(
            GroupPlan(
                keeper,
                keep_reason(keeper, members, policy),
                others,
                tuple(keep),
                links,
                refused,
                undecided(keeper, members, policy),
            )
        )
    return plans


def large_cleanup_warning(moving: int, library_size: int, share: float = LARGE_SHARE) -> str | None:
    """One line when a clean-up of near-duplicates would move more than ``share`` of the library, else None.

    Byte-identical groups need no such warning (they are copies whatever the
    network says): callers skip it for them.
    """
    if library_size <= 0 or moving <= max(share * library_size, LARGE_FLOOR):
        return None
    return (
        f"This moves {moving} of {library_size} photos ({moving / library_size:.0%}), more than "
        f"{share:.0%} of the library: groups this large usually mean the network cannot tell these photos "
        "apart. Look through a few groups first."
    )
