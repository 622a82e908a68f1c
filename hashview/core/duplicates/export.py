"""The duplicate groups as files: JSON (exactly ``hashview dups --json``) and CSV (one row per file).

One function builds the JSON document, so the command line's ``dups --json``
and the app's "Export groups…" can never drift apart. The CSV is for a
spreadsheet: one row per file, so it sorts and filters without unpacking
lists, with what a person decides by (which copy the keep rules keep, how
alike the group is, size, resolution, dates) and the digest that proves two
files identical. Its columns (``CSV_COLUMNS``):

- ``group``: the group's 1-based position in the JSON list and in ``dups``'
  "group N" lines, so the two exports and the terminal agree;
- ``role``: ``kept`` (the copy the keep rules keep), ``copy`` (what a clean-up
  would remove), ``reference`` (in a reference folder: never touched), or
  ``undecided`` for every file of a group the rules cannot decide;
- ``path``: absolute, as ``dups`` prints it; ``identical_to_kept``: ``yes`` when
  the catalog's content digest equals the kept file's (byte-identical);
- ``group_max_distance``: the group's largest code distance, as in the JSON
  (a file's own distance to the keeper is not stored, and a made-up one would
  mislead);
- ``size``, ``width``, ``height``, ``taken``, ``modified`` (ISO 8601, UTC),
  ``digest``, and ``why``: the keep rule that chose the kept file, or why the
  group is left alone.

Both are written to a temporary file and renamed, so a failed export never
leaves half a file under the chosen name.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hashview.core.duplicates.bulk import BulkPlan, plan_bulk
from hashview.core.duplicates.keep_rules import KeepPolicy
from hashview.core.errors import HashviewError

logger = logging.getLogger(__name__)

CSV_COLUMNS = (
    "group",
    "role",
    "path",
    "identical_to_kept",
    "group_max_distance",
    "size",
    "width",
    "height",
    "taken",
    "modified",
    "digest",
    "why",
)

FORMATS = (".csv", ".json")


class ExportRefused(HashviewError):
    """The export cannot be written under that name (an unknown suffix); one line."""


def groups_document(groups: Iterable[Any]) -> list[dict[str, Any]]:
    """``hashview dups --json``: ``[{"paths": [...], "max_distance": n}]``, in the groups' order."""
    return [{"paths": [str(p) for p in g.paths], "max_distance": int(g.max_distance)} for g in groups]


def _modified(entry: Any) -> str:
    mtime_ns = getattr(entry, "mtime_ns", None)
    if not mtime_ns:
        return ""
    return datetime.fromtimestamp(mtime_ns / 1e9, UTC).isoformat(timespec="seconds")


def csv_rows(plan: BulkPlan) -> list[dict[str, Any]]:
    """One row per file of every planned group (``CSV_COLUMNS``)."""
    rows = []
    for group in plan.groups:
        copies = {id(c) for c in group.copies}
        kept_digest = getattr(group.keeper, "digest", None)
        for entry in group.members:
            if group.undecided:
                role, why = "undecided", group.undecided
            elif entry is group.keeper:
                role, why = "kept", group.refused or group.reason
            elif id(entry) in copies:
                role, why = "copy", ""
            else:
                role, why = "reference", "in a reference folder"
            digest = getattr(entry, "digest", "") or ""
            rows.append(
                {
                    "group": group.number,
                    "role": role,
                    "path": str(entry.path),
                    "identical_to_kept": "yes" if digest and digest == kept_digest else "no",
                    "group_max_distance": group.max_distance,
                    "size": int(entry.size or 0),
                    "width": int(entry.width or 0),
                    "height": int(entry.height or 0),
                    "taken": entry.taken or "",
                    "modified": _modified(entry),
                    "digest": digest,
                    "why": why,
                }
            )
    return rows


def csv_text(plan: BulkPlan) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(plan))
    return out.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def export_groups(
    path: Path,
    groups: Sequence[Any],
    entries: Mapping[int, Any],
    root: Path,
    policy: KeepPolicy | None = None,
    chosen: Mapping[frozenset[Path], Path] | None = None,
) -> int:
    """Write ``groups`` to ``path``, as CSV or JSON by its suffix; returns how many groups were written.

    Raises:
        ExportRefused: the suffix is neither .csv nor .json.
        OSError: the file cannot be written (nothing is left under its name).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportRefused(f"export to a .csv or .json file, not {path.name!r}")
    if suffix == ".json":
        text = json.dumps(groups_document(groups), indent=1) + "\n"
        count = len(groups)
    else:
        plan = plan_bulk(groups, entries, root, policy, chosen)
        text = csv_text(plan)
        count = len(plan.groups)
    _write_atomically(path, text)
    logger.info("exported %d duplicate groups to %s", count, path)
    return count
