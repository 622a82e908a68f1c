"""``hashview dups --trash [--yes]``: the explorer's keep rules and trash checks, for every group, from a shell."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hashview.cli.output import emit, fail, warn
from hashview.core.terminal_text import printable

if TYPE_CHECKING:
    from hashview.core.duplicates.cleanup import GroupPlan
    from hashview.core.duplicates.finder import DuplicateGroup
    from hashview.core.duplicates.keep_rules import KeepPolicy
    from hashview.core.library import Library


def clean_up(args: argparse.Namespace, lib: Library, groups: list[DuplicateGroup]) -> int:
    """``dups --trash [--yes]``: the explorer's keep rules and trash checks, for every group, from a shell.

    Without ``--yes`` nothing moves: it prints what would. With it, each
    group's copies go to the system trash through the same checks as the
    app's trash button; a group that fails a check is left alone and reported.
    A group whose keeper only a path's spelling would choose is left alone and
    counted, as the app's bulk clean-up does: never guessed, and no failure.
    Exit 0 when everything listed moved (or would), 1 when a group was refused
    or a move failed, or when the clean-up is too large without ``--allow-large``.
    """
    from hashview.cli.bulk import UNDECIDED_HINT
    from hashview.core.duplicates import cleanup
    from hashview.core.duplicates.keep_rules import KeepPolicy

    cwd = Path.cwd()
    policy = KeepPolicy(preferred=tuple(cwd / p for p in args.prefer), reference=tuple(cwd / p for p in args.reference))
    entries = {e.id: e for e in lib.entries()}
    plans = cleanup.plan_cleanup(groups, entries, Path(lib.root), policy)
    moving = sum(len(p.moves) for p in plans if p.moving)
    left = [p for p in plans if p.undecided is not None and p.refused is None]
    if left:
        warn(
            f"{len(left)} group{'s' if len(left) != 1 else ''} left alone: {left[0].undecided} ({UNDECIDED_HINT})",
            "note",
        )
    warning = None if args.exact else cleanup.large_cleanup_warning(moving, len(entries))
    warn(warning)
    if warning and args.yes and not args.allow_large:
        return fail(
            "nothing moved: the clean-up is too large to be safe; check the groups (without --yes), "
            "then add --allow-large if they are right",
            1,
        )
    moved, failures = move_planned(lib, plans, policy) if args.yes else ([], [])
    document = {
        "dry_run": not args.yes,
        "groups": [
            {
                "keep": str(p.keeper.path),
                "why": p.reason,
                "move": [str(m.path) for m in p.moves] if p.undecided is None else [],
                "links": sorted(str(x) for x in p.links),
                "refused": p.refused,
                "undecided": p.undecided,
            }
            for p in plans
        ],
        "moved": moved,
        "failed": failures,
        "warning": warning,
    }
    lines = []
    for plan in plans:
        if plan.undecided is not None and plan.refused is None:
            lines.append(f"left alone ({plan.undecided}):")
            lines.extend(f"  {printable(path)}" for path in (plan.keeper.path, *(m.path for m in plan.moves)))
            continue
        lines.append(f"keep {printable(plan.keeper.path)}  ({plan.reason})")
        for m in plan.moves:
            link = "  (link: only the link moves)" if Path(m.path) in plan.links else ""
            lines.append(f"  {'move' if plan.refused is None else 'left'} {printable(m.path)}{link}")
        if plan.refused:
            lines.append(f"  left alone: {printable(plan.refused)}")
    if args.yes:
        lines.append(
            f"moved {len(moved)} files to the system trash" + (f"; {len(failures)} failed" if failures else "")
        )
    else:
        lines.append(
            f"would move {moving} files to the system trash (a dry run: add --yes to move them)"
            if plans
            else "no duplicates found"
        )
    for failure in failures:
        warn(f"{failure['path']}: {failure['reason']}", "not moved")
    emit(args, document, lines)
    refused = any(p.refused is not None for p in plans)
    return 1 if failures or refused else 0


def move_planned(
    lib: Library, plans: list[GroupPlan], policy: KeepPolicy
) -> tuple[list[dict[str, str | None]], list[dict[str, str]]]:
    """Move each plan's copies to the system trash (checked again); what moved, and what failed.

    Stops at the first failed move (the trash itself refusing is rarely about
    one file); what moved before it is forgotten by the catalog all the same.
    """
    from hashview.core.duplicates import cleanup
    from hashview.system_trash import move_to_trash

    moved: list[dict[str, str | None]] = []
    failures: list[dict[str, str]] = []
    for plan in plans:
        if not plan.moving:
            continue
        try:
            batch = cleanup.trash_files(
                [Path(m.path) for m in plan.moves], Path(lib.root), move_to_trash, policy, plan.kept
            )
        except cleanup.TrashRefused as exc:  # the folder changed since the plan was made
            failures.append({"path": str(plan.keeper.path), "reason": str(exc)})
            continue
        moved.extend(
            {"path": str(f.original), "trash_path": None if f.trashed is None else str(f.trashed)} for f in batch.files
        )
        lib.forget(batch.originals)
        if batch.failure is not None:
            failures.append({"path": str(batch.failure[0]), "reason": batch.failure[1]})
            break
    return moved, failures
