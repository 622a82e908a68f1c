"""``hashview dups --move-to DIR | --hardlink [--yes]`` and ``--export FILE``: the bulk clean-up from a shell.

The same plan as the app's "Apply keep rules to all groups…" (``core.duplicates.bulk``)
and the same confirmation as ``--trash``: without ``--yes`` nothing changes and
the plan is printed (a dry run); with it the copies are moved or linked, each
file checked again first, and a file that fails is reported and the rest go on.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashview.cli.output import emit, fail, warn
from hashview.core.terminal_text import printable

if TYPE_CHECKING:
    from hashview.cli.progress import ProgressPrinter
    from hashview.core.duplicates.finder import DuplicateGroup
    from hashview.core.library import Library

UNDECIDED_HINT = "add --prefer DIR, or pick the copy to keep in the app"


def policy_of(args: argparse.Namespace) -> Any:
    """The keep rules the options give (``--prefer``, ``--reference``, relative to the working directory)."""
    from hashview.core.duplicates.keep_rules import KeepPolicy

    cwd = Path.cwd()
    return KeepPolicy(preferred=tuple(cwd / p for p in args.prefer), reference=tuple(cwd / p for p in args.reference))


def export(args: argparse.Namespace, lib: Library, groups: list[DuplicateGroup]) -> None:
    """``--export FILE``: the groups as CSV or JSON (by the suffix); one note on stderr says where."""
    from hashview.core.duplicates.export import export_groups

    target = Path(args.export)
    entries = {e.id: e for e in lib.entries()}
    count = export_groups(target, groups, entries, Path(lib.root), policy_of(args))
    warn(f"wrote {count} groups to {target}", "note")


def bulk_clean_up(
    args: argparse.Namespace, lib: Library, groups: list[DuplicateGroup], printer: ProgressPrinter
) -> int:
    """``dups --move-to DIR`` or ``dups --hardlink``, a dry run without ``--yes``.

    Exit 0 when everything listed was done (or would be); 1 when a group was
    refused, a file was skipped while acting, or a move is too large without
    ``--allow-large``. Groups the rules cannot decide are left alone and
    counted (a note, not a failure): they are never guessed.
    """
    from hashview.core.duplicates import bulk, cleanup

    action = bulk.MOVE if args.move_to is not None else bulk.HARDLINK
    destination = bulk.check_destination(args.move_to, Path(lib.root)) if action == bulk.MOVE else None
    entries = {e.id: e for e in lib.entries()}
    plan = bulk.plan_bulk(groups, entries, Path(lib.root), policy_of(args))
    items = plan.items(action)
    totals = plan.totals(action)
    warning = (
        None
        if args.exact or action == bulk.HARDLINK
        else cleanup.large_cleanup_warning(plan.near_copies(action), len(entries))
    )
    warn(warning)
    if warning and args.yes and not args.allow_large:
        return fail(
            "nothing moved: the clean-up is too large to be safe; check the groups (without --yes), "
            "then add --allow-large if they are right",
            1,
        )
    if plan.undecided:
        warn(f"{_count(len(plan.undecided), 'group')} left alone: {bulk.UNDECIDED} ({UNDECIDED_HINT})", "note")
    report = bulk.BulkReport(action)
    if args.yes:
        printer.drive(bulk.run_bulk(plan, report, destination=destination))
        lib.forget(report.left_library())
    emit(args, _document(args, plan, items, totals, report, destination, warning), _lines(plan, items, report, args))
    for skipped in report.skipped:
        warn(f"{skipped.path}: {skipped.detail}", "not done")
    return 1 if plan.refused or report.skipped else 0


def _document(
    args: argparse.Namespace,
    plan: Any,
    items: list[Any],
    totals: Any,
    report: Any,
    destination: Path | None,
    warning: str | None,
) -> dict[str, Any]:
    by_group: dict[int, list[Any]] = {}
    for item in items:
        by_group.setdefault(item.group.number, []).append(item)
    return {
        "dry_run": not args.yes,
        "action": report.action,
        "destination": None if destination is None else str(destination),
        "groups": [
            {
                "group": g.number,
                "keep": str(g.keeper.path),
                "why": g.reason,
                "act": [str(i.path) for i in by_group.get(g.number, []) if i.skip is None],
                "not_linkable": [
                    {"path": str(i.path), "reason": i.skip} for i in by_group.get(g.number, []) if i.skip is not None
                ],
                "left_alone": g.skipped,
            }
            for g in plan.groups
        ],
        "totals": {"files": totals.files, "bytes": totals.bytes, "groups": totals.groups},
        "undecided": len(plan.undecided),
        "done": report.summary()["done"],
        "skipped": report.summary()["skipped"],
        "warning": warning,
    }


def _lines(plan: Any, items: list[Any], report: Any, args: argparse.Namespace) -> list[str]:
    from hashview.core.duplicates import bulk

    verb = {bulk.MOVE: "move", bulk.HARDLINK: "link"}[report.action]
    lines = []
    by_group: dict[int, list[Any]] = {}
    for item in items:
        by_group.setdefault(item.group.number, []).append(item)
    for g in plan.groups:
        if g.skipped:  # no keeper is named: none was chosen, or the group fails a check
            lines.append(f"group {g.number}: left alone: {printable(g.skipped)}")
            lines.extend(f"  left {printable(m.path)}" for m in g.members)
            continue
        lines.append(f"group {g.number}: keep {printable(g.keeper.path)}  ({printable(g.reason)})")
        for item in by_group.get(g.number, []):
            if item.skip is None:
                lines.append(f"  {verb} {printable(item.path)}")
            else:
                lines.append(f"  left {printable(item.path)}: {printable(item.skip)}")
    totals = plan.totals(report.action)
    size = f"{_count(totals.files, 'file')} ({totals.bytes:,} bytes) from {_count(totals.groups, 'group')}"
    if report.action == bulk.MOVE:
        done = f"moved {_count(len(report.done), 'file')} to {printable(str(args.move_to))}"
        would = f"would move {size} to {printable(str(args.move_to))}"
    else:
        done = f"replaced {_count(len(report.done), 'file')} with hard links to their kept files"
        would = f"would replace {size} with hard links to their kept files"
    if args.yes:
        lines.append(done + (f"; {len(report.skipped)} skipped" if report.skipped else ""))
    elif plan.groups:
        lines.append(f"{would} (a dry run: add --yes to do it)")
    else:
        lines.append("no duplicates found")
    return lines


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
