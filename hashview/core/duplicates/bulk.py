"""The keep rules applied to every group at once: one plan, its totals, and three ways to carry it out.

A person with 64 groups wants one look at everything that will happen and one
answer, not 64 dialogs. ``plan_bulk`` applies the keep rules to every group at
the radius on screen (a keeper picked by hand in the explorer stands) and says
for each group which copy stays, which go, and which groups are left alone:

- **undecided**: the rules cannot choose, because the copies tie on every rule
  and only the length or spelling of their paths would pick one
  (``keep_rules.deciding_rule``). Such a group is counted and skipped, never
  guessed; picking a keeper by hand or a preferred folder decides it.
- **refused**: a copy fails the trash's own checks (``cleanup.check_trashable``:
  outside the library, in a reference folder, gone, the file a kept link names).

``run_bulk`` carries the plan out as a job (a generator of ``Progress`` that
honours a cancel token between files) in one of three ways: the system trash
(through ``cleanup.trash_files``, the one safe trash path), a move to a folder
outside the library (``file_ops.move_file``: the path under the library root is
kept under the destination, nothing is overwritten, a cross-drive move is
copied and verified before the original goes), or a hard link to the kept file
(``file_ops.replace_with_link``: byte-identical files only, hashed again now).

Before each file it checks again that the kept file is still there and
unchanged, and that the copy is the file the scan saw (size and modification
time); a file that fails is skipped with a one-line reason and the batch goes
on. Every file gets a ``FileResult`` in the caller's ``BulkReport``, filled as
the job runs, so a cancelled run still says what it did and can be undone
(``undo``). Each action and each skip is logged, as the trash logs its moves.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hashview.core.duplicates import cleanup, file_ops, keep_rules
from hashview.core.duplicates.keep_rules import KeepPolicy, choose_keeper, keep_reason, removable
from hashview.core.errors import HashviewError
from hashview.core.events import CancelToken, Finished, Progress, ProgressMeter

logger = logging.getLogger(__name__)

TRASH, MOVE, HARDLINK = "trash", "move", "hardlink"
ACTIONS = {
    TRASH: "Move the copies to the system trash",
    MOVE: "Move the copies to a folder outside the library",
    HARDLINK: "Replace identical copies with hard links to the kept file",
}

UNDECIDED = keep_rules.UNDECIDED  # what the app, the CLI and the export say of a group left alone

UndoBatch = cleanup.TrashBatch | file_ops.MoveBatch | file_ops.LinkBatch


class BulkRefused(HashviewError):
    """The clean-up cannot start (a destination inside the library, an unknown action); one line."""


@dataclass(frozen=True)
class BulkGroup:
    """One group of the plan: the copy that stays, the copies that go, or why the group is left alone."""

    number: int
    """1-based position among the scanned groups: ``dups``' "group N" and the export's group column."""
    members: tuple[Any, ...]
    keeper: Any
    reason: str
    copies: tuple[Any, ...]
    """The copies the rules would remove (never the keeper, never a reference copy)."""
    kept: tuple[Path, ...]
    """The paths that stay: the keeper and any reference copies."""
    max_distance: int
    undecided: str | None = None
    refused: str | None = None

    @property
    def skipped(self) -> str | None:
        """Why nothing in this group is touched, or None when its copies go."""
        return self.undecided or self.refused


@dataclass(frozen=True)
class PlanItem:
    """One copy the plan would act on, or why the chosen action leaves it (``skip``)."""

    group: BulkGroup
    entry: Any
    skip: str | None = None

    @property
    def path(self) -> Path:
        return Path(self.entry.path)

    @property
    def bytes(self) -> int:
        """What the copy holds: its size, or 0 for a symbolic link (it holds no picture of its own)."""
        return 0 if self.path.is_symlink() else int(self.entry.size or 0)


@dataclass(frozen=True)
class Totals:
    files: int
    bytes: int
    groups: int


@dataclass
class BulkPlan:
    """Every group with its keeper and copies; what each action would touch (``items``) and ``totals``."""

    root: Path
    policy: KeepPolicy
    groups: list[BulkGroup]

    @property
    def undecided(self) -> list[BulkGroup]:
        return [g for g in self.groups if g.undecided]

    @property
    def refused(self) -> list[BulkGroup]:
        return [g for g in self.groups if g.refused and not g.undecided]

    def items(self, action: str) -> list[PlanItem]:
        """The copies of the groups that proceed; for hard links, the ones that cannot be linked carry a reason."""
        check_action(action)
        out = []
        for group in self.groups:
            if group.skipped:
                continue
            for entry in group.copies:
                out.append(PlanItem(group, entry, _link_skip(entry, group.keeper) if action == HARDLINK else None))
        return out

    def near_copies(self, action: str) -> int:
        """How many of the files the action would touch are not byte-identical to their kept file.

        The large-clean-up warning counts these only: identical files are
        copies whatever the network says (``cleanup.large_cleanup_warning``).
        """
        return sum(
            1
            for i in self.items(action)
            if i.skip is None and (not getattr(i.entry, "digest", None) or i.entry.digest != i.group.keeper.digest)
        )

    def totals(self, action: str) -> Totals:
        """Files, bytes and groups the action would touch (skipped items not counted)."""
        acting = [i for i in self.items(action) if i.skip is None]
        return Totals(len(acting), sum(i.bytes for i in acting), len({i.group.number for i in acting}))


def check_action(action: str) -> None:
    if action not in ACTIONS:
        raise BulkRefused(f"unknown clean-up {action!r}; known: {', '.join(ACTIONS)}")


def _link_skip(entry: Any, keeper: Any) -> str | None:
    """Why a hard link cannot replace this copy, judged from the catalog and the file system (no reading)."""
    digest, kept_digest = getattr(entry, "digest", None), getattr(keeper, "digest", None)
    if not digest or digest != kept_digest:
        return "not byte-identical to the kept file: replacing it would lose its own bytes"
    try:
        file_ops.check_linkable(Path(entry.path), Path(keeper.path))
    except (file_ops.Unsafe, OSError) as exc:
        return str(exc)
    return None


def plan_bulk(
    groups: Iterable[Any],
    entries: Mapping[int, Any],
    root: Path,
    policy: KeepPolicy | None = None,
    chosen: Mapping[frozenset[Path], Path] | None = None,
) -> BulkPlan:
    """The keep rules applied to every group (``DuplicateGroup``s with ``file_ids``) over catalog ``entries``.

    Args:
        chosen: keepers picked by hand, by the group's member paths (the
            explorer's "Keep this"); a group whose members changed since is
            planned by the rules.
    """
    policy = policy or KeepPolicy()
    root = Path(root)
    planned = []
    for number, group in enumerate(groups, 1):
        members = [entries[i] for i in group.file_ids if i in entries]
        if len(members) < 2:
            continue
        key = frozenset(Path(m.path) for m in members)
        hand = (chosen or {}).get(key)
        picked = next((m for m in members if Path(m.path) == hand), None) if hand is not None else None
        undecided = None
        if picked is not None:
            keeper, reason = picked, "chosen by you"
            others = removable(members, keeper, policy)
        else:
            keeper, others = choose_keeper(members, policy)
            reason = keep_reason(keeper, members, policy)
            undecided = keep_rules.undecided(keeper, members, policy)
        kept = tuple(Path(m.path) for m in members if m not in others)
        refused = None
        try:
            cleanup.check_trashable([Path(m.path) for m in others], root, policy, kept)
        except cleanup.TrashRefused as exc:
            refused = str(exc)
        planned.append(
            BulkGroup(
                number, tuple(members), keeper, reason, tuple(others), kept, int(group.max_distance), undecided, refused
            )
        )
    return BulkPlan(root, policy, planned)


@dataclass(frozen=True)
class FileResult:
    """What happened to one copy: done (and where it went), or skipped and why, in one line."""

    path: Path
    group: int
    done: bool
    detail: str
    target: Path | None = None


@dataclass
class BulkReport:
    """Filled as a bulk clean-up runs (so a cancelled run still says what it did); ``undo`` holds what can go back."""

    action: str
    results: list[FileResult] = field(default_factory=list)
    undo: UndoBatch | None = None

    @property
    def done(self) -> list[FileResult]:
        return [r for r in self.results if r.done]

    @property
    def skipped(self) -> list[FileResult]:
        return [r for r in self.results if not r.done]

    def left_library(self) -> list[Path]:
        """The paths that are no longer in the library (trashed or moved), for the catalog to forget."""
        return [] if self.action == HARDLINK else [r.path for r in self.done]

    def summary(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "done": [{"path": str(r.path), "target": None if r.target is None else str(r.target)} for r in self.done],
            "skipped": [{"path": str(r.path), "reason": r.detail} for r in self.skipped],
        }


def check_destination(destination: Path, root: Path) -> Path:
    """The destination as an absolute path, or ``BulkRefused`` when it is the library or inside it, or a file.

    Files moved into the library would be found as duplicates again (and a
    destination inside it would be scanned as part of it).
    """
    target = Path(os.path.abspath(destination))
    where, library = target.resolve(), Path(root).resolve()
    if where == library or library in where.parents:
        raise BulkRefused(
            f"{destination} is inside the library folder {root}: choose a folder outside it for the copies"
        )
    if target.exists() and not target.is_dir():
        raise BulkRefused(f"{destination} is not a folder")
    return target


def _unchanged(entry: Any, role: str) -> str | None:
    """Why ``entry`` is not the file the scan saw (gone, or another size or time), else None."""
    path = Path(entry.path)
    try:
        now = os.stat(path)
    except FileNotFoundError:
        broken = " (a broken link now)" if path.is_symlink() else ""
        return f"the {role} {path} is not there any more{broken}: scan again"
    except OSError as exc:
        return f"the {role} {path} cannot be read: {exc.strerror or exc}"
    if now.st_size != int(entry.size or 0) or now.st_mtime_ns != int(entry.mtime_ns or 0):
        return f"the {role} {path} changed since the scan: scan again"
    return None


def _relative(entry: Any, root: Path) -> Path:
    relpath = getattr(entry, "relpath", None)
    return Path(relpath) if relpath else Path(os.path.abspath(entry.path)).relative_to(os.path.abspath(root))


def _act(plan: BulkPlan, item: PlanItem, report: BulkReport, mover: Any, destination: Path | None) -> FileResult:
    """Carry out the plan for one copy; raises ``OSError`` or a ``HashviewError`` to skip it."""
    group, path = item.group, item.path
    if report.action == TRASH:
        batch = cleanup.trash_files([path], plan.root, mover, plan.policy, group.kept)
        if batch.failure is not None:
            raise OSError(batch.failure[1])
        assert isinstance(report.undo, cleanup.TrashBatch)
        report.undo.files.extend(batch.files)
        where = batch.files[0].trashed
        return FileResult(path, group.number, True, f"moved to the trash ({where or 'no path given'})", where)
    cleanup.check_trashable([path], plan.root, plan.policy, group.kept)  # in the library, not reference, not kept
    if report.action == MOVE:
        assert destination is not None and isinstance(report.undo, file_ops.MoveBatch)
        target = destination / _relative(item.entry, plan.root)
        how = file_ops.move_file(path, target)
        report.undo.files.append(file_ops.MovedFile(path, target))
        logger.info("moved %s to %s (%s)", path, target, how)
        return FileResult(path, group.number, True, f"moved to {target}", target)
    assert isinstance(report.undo, file_ops.LinkBatch)
    keeper = Path(group.keeper.path)
    linked = file_ops.replace_with_link(path, keeper)
    report.undo.files.append(linked)
    logger.info("replaced %s with a hard link to %s", path, keeper)
    return FileResult(path, group.number, True, f"now a hard link to {keeper}", keeper)


def run_bulk(
    plan: BulkPlan,
    report: BulkReport,
    *,
    mover: cleanup.Mover | None = None,
    destination: Path | None = None,
    cancel: CancelToken | None = None,
) -> Generator[Progress | Finished, None, None]:
    """Carry out ``plan`` with ``report.action``, one copy at a time, filling ``report``; a job.

    Cancel means: stop before the next copy; what was done stays done and is
    in ``report`` (with its undo). One copy that cannot be done is skipped
    with its reason and the rest go on. Copies the plan already leaves
    (``PlanItem.skip``) are not tried and not in ``report``.

    Args:
        mover: the system trash (``system_trash.move_to_trash``), for ``TRASH``.
        destination: the folder outside the library, for ``MOVE``.

    Raises:
        BulkRefused: before anything moved: no mover, or a bad destination.
    """
    action = report.action
    check_action(action)
    if action == TRASH and mover is None:
        raise BulkRefused("moving to the trash needs the system trash")
    if action == MOVE:
        if destination is None:
            raise BulkRefused("choose a folder to move the copies to")
        destination = check_destination(destination, plan.root)
        try:
            destination.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BulkRefused(f"cannot make the folder {destination}: {exc.strerror or exc}") from None
    report.undo = {TRASH: cleanup.TrashBatch, MOVE: file_ops.MoveBatch, HARDLINK: file_ops.LinkBatch}[action]()
    items = [i for i in plan.items(action) if i.skip is None]  # the others were listed as left in the plan
    meter = ProgressMeter(ACTIONS[action], len(items))
    keeper_state: dict[int, str | None] = {}
    for item in items:
        if cancel is not None:
            cancel.raise_if_cancelled()
        group = item.group
        if group.number not in keeper_state:
            keeper_state[group.number] = _unchanged(group.keeper, "kept file")
        reason = keeper_state[group.number] or _unchanged(item.entry, "copy")
        if reason is None:
            try:
                result = _act(plan, item, report, mover, destination)
            except (OSError, HashviewError) as exc:
                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            except Exception as exc:  # one bad file never stops the batch; the log keeps the traceback
                logger.exception("unexpected error on %s", item.path)
                reason = f"unexpected error: {type(exc).__name__}: {exc}"[:200]
        if reason is not None:
            logger.warning("left %s as it is (%s): %s", item.path, action, reason)
            result = FileResult(item.path, group.number, False, reason)
        report.results.append(result)
        yield meter.advance(message=item.path.name)
    yield Finished(report.summary())


def undo(batch: UndoBatch | None) -> list[Path]:
    """Put a batch back (from the trash, from the destination, or the hard links undone); the paths restored."""
    if batch is None:
        return []
    if isinstance(batch, cleanup.TrashBatch):
        return cleanup.restore(batch)
    if isinstance(batch, file_ops.MoveBatch):
        return file_ops.move_back(batch)
    return file_ops.unlink_batch(batch)
