"""Duplicate groups and the members of one group, as Qt list models.

``GroupsModel`` has one row per group (the keeper's thumbnail, how many
copies, what kind of copies), sorted by size, distance, folder or kind and
filtered by kind and by a text in the paths; ``MembersModel`` has
one row per copy in the current group, the keeper first and marked. Both
hold plain rows built by ``make_rows`` from the engine's ``DuplicateGroup``s,
the catalog entries and the keep rules, so the models test without a window
and the keeper a row shows is the one the trash button would keep.

Thumbnails come from the controller's ``ThumbnailLoader`` and are handed to the
views already scaled (see ``search/results_model.py``: resizing decorations while
painting corrupts reference counts in PySide6).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QImage

from hashview.core.duplicates.keep_rules import KeepPolicy, keep_reason, kept_groups, rank
from hashview.ui.widgets.thumbnails import Roles, ThumbnailLoader, placeholder_image

logger = logging.getLogger(__name__)

GROUP_ICON = 72
MEMBER_ICON = 72

SORTS = {
    "size": "Most files first",
    "closest": "Tightest first",
    "farthest": "Least alike first",
    "folder": "By folder",
    "kind": "By kind of copy",
}

KINDS = {"identical": "identical files", "near": "near-identical", "similar": "similar"}
"""What a group's copies are, in the words the explorer shows, from the closest kind to the loosest.

"identical files": every file has the same content digest (byte for byte). "near-identical": the codes are at
most ``near_identical_limit(bits)`` apart, the noise of decoding one photo twice. "similar": the rest within the
chosen radius: edits (crops, captions, rotations) and, at loose settings, different photos of one scene."""


class DupRoles(IntEnum):
    """Roles beyond the shared ``Roles`` (FileId, Path, Distance)."""

    Group = Qt.ItemDataRole.UserRole + 20
    IsKeeper = Qt.ItemDataRole.UserRole + 21
    IsReference = Qt.ItemDataRole.UserRole + 22


@dataclass
class GroupRow:
    """One duplicate group, resolved to catalog entries, best copy first."""

    members: list[Any]
    keeper: Any
    max_distance: int
    protected: set[Path] = field(default_factory=set)
    reason: str = ""
    """Why the keeper is kept, in words (the rule that decided, or "chosen by you")."""
    near_limit: int = 0
    """The code distance up to which the group counts as near-identical (``near_identical_limit``)."""

    @property
    def others(self) -> list[Any]:
        """The copies the trash button would move (not the keeper, no reference copies)."""
        return [m for m in self.members if m is not self.keeper and Path(m.path) not in self.protected]

    def key(self) -> frozenset[Path]:
        return frozenset(as_path(m.path) for m in self.members)

    @property
    def byte_identical(self) -> bool:
        """Every member has the same content digest: the files are identical, not merely alike."""
        digests = {getattr(m, "digest", None) for m in self.members}
        return len(digests) == 1 and None not in digests

    @property
    def kind(self) -> str:
        """A key of ``KINDS``: "identical" (same digests), "near" (within ``near_limit``) or "similar"."""
        if self.byte_identical:
            return "identical"
        return "near" if self.max_distance <= self.near_limit else "similar"

    def label(self) -> str:
        """The kind in words, then how far apart ("identical files" only when they are byte for byte)."""
        if self.kind == "identical":
            return KINDS["identical"]
        return f"{KINDS[self.kind]} · {distance_text(self.max_distance, short=True)}"


def as_path(path: Any) -> Path:
    """``path`` as a ``Path``; a ``Path`` comes back as it is (``Path(Path)`` parses it again, and a
    library's groups hold tens of thousands of paths)."""
    return path if isinstance(path, Path) else Path(path)


def make_rows(
    groups: Sequence[Any], entries: Mapping[Any, Any], policy: KeepPolicy, near_limit: int = 0
) -> list[GroupRow]:
    """Group rows from ``DuplicateGroup``s; members not in ``entries`` (gone since the scan) are dropped.

    ``near_limit``: the code distance up to which a group is near-identical (``near_identical_limit`` of the
    scan's network bits).
    """
    rows = []
    for group, keeper, members, _others in kept_groups(groups, entries, policy):
        ordered = [keeper] + [m for m in rank(members, policy) if m is not keeper]
        protected = {Path(m.path) for m in members if policy.is_reference(m.path)}
        reason = keep_reason(keeper, members, policy)
        rows.append(GroupRow(ordered, keeper, int(group.max_distance), protected, reason, near_limit))
    return rows


def human_size(size: int) -> str:
    """A file size the way file managers say it (1000-based)."""
    value = float(size or 0)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"  # pragma: no cover


def describe(entry: Any, root: Path | None = None) -> dict[str, str]:
    """What the compare shows under a picture: resolution, file size, date taken, folder."""
    path = Path(entry.path)
    folder = path.parent
    if root is not None:
        with contextlib.suppress(ValueError):  # outside the root (a link's target): the full folder
            folder = path.parent.relative_to(root)
    taken = entry.taken
    return {
        "name": path.name,
        "resolution": f"{entry.width} × {entry.height}" if entry.width else "unknown",
        "size": human_size(entry.size),
        "taken": "taken " + taken.replace("T", " ") if taken else "no date taken",
        "folder": "(top folder)" if str(folder) in ("", ".") else str(folder),
    }


def distance_text(distance: int, short: bool = False, plain: bool = False) -> str:
    """How far apart a group's codes are. Equal codes are "same code", not "identical": a recompressed,
    resized or cropped copy can share its photo's code (only equal digests make files identical).

    ``short``: "d ≤ 7" for a tight space; ``plain``: "same code" and "distance ≤ 7", for a line of its own.
    """
    if distance == 0:
        return "same code" if short or plain else "same code (the files may differ)"
    return f"d ≤ {distance}" if short else f"distance ≤ {distance}"


class _ThumbnailCache:
    """Pre-scaled thumbnails from the loader, for one icon size."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.loader: ThumbnailLoader | None = None
        self.placeholder = placeholder_image(size)
        self.scaled: dict[Any, QImage] = {}

    def get(self, file_id: Any) -> QImage:
        image = self.scaled.get(file_id)
        if image is not None:
            return image
        raw = self.loader.get(file_id) if self.loader is not None else None
        if raw is None:
            return self.placeholder
        image = raw.scaled(
            self.size, self.size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.scaled[file_id] = image
        return image


class _ThumbModel(QAbstractListModel):
    """What both models share: a loader, pre-scaled icons, repaint on load."""

    icon_size = 96

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thumbs = _ThumbnailCache(self.icon_size)

    def set_loader(self, loader: ThumbnailLoader | None) -> None:
        if self._thumbs.loader is not None:
            self._thumbs.loader.loaded.disconnect(self._repaint)
        self._thumbs.loader = loader
        self._thumbs.scaled.clear()
        if loader is not None:
            loader.loaded.connect(self._repaint)

    def _rows_showing(self, file_id: Any) -> list[int]:
        raise NotImplementedError

    def _repaint(self, file_id: Any) -> None:
        for row in self._rows_showing(file_id):
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class GroupsModel(_ThumbModel):
    """One row per duplicate group shown: the keeper's thumbnail, the count and the kind of copies.

    It holds every group of the scan (``total``) and shows those that pass the
    filter (``set_filter``), in the chosen order (``set_sort``); rows are the
    shown groups. Sorting and filtering live here rather than in a
    ``QSortFilterProxyModel`` because the explorer and the controller address
    groups by row and by members (``row_of``), which a proxy would make two
    kinds of index.
    """

    icon_size = GROUP_ICON

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[GroupRow] = []
        self._rows: list[GroupRow] = []
        self.sort_key = "size"
        self.kind_filter = "all"
        self.text_filter = ""
        self.root: Path | None = None
        """Paths are matched against the filter text relative to this folder (the library's)."""
        # Indexes of the shown rows, rebuilt with them: a library of 100,000 pictures has tens of thousands of
        # groups, and a scan of every row per loaded thumbnail froze the list as it scrolled (benchmarks/explorer.py)
        self._keeper_rows: dict[Any, list[int]] = {}
        self._shown: dict[tuple[Path | None, Any], str] = {}  # (root, path) -> the path shown, casefolded

    def set_rows(self, rows: Sequence[GroupRow]) -> None:
        self._all = list(rows)
        self._shown.clear()
        self._refresh()

    @property
    def total(self) -> int:
        """How many groups the scan found, shown or filtered out."""
        return len(self._all)

    def all_groups(self) -> list[GroupRow]:
        """Every group the scan found, shown or filtered out (a bulk clean-up plans them all)."""
        return list(self._all)

    def set_sort(self, key: str) -> None:
        """Sort by a key of ``SORTS``: most files, tightest, least alike, folder or kind first."""
        if key not in SORTS:
            raise ValueError(f"unknown sort {key!r}; known: {', '.join(SORTS)}")
        self.sort_key = key
        self._refresh()

    def set_filter(self, kind: str = "all", text: str = "") -> None:
        """Show only groups of ``kind`` ("all" or a key of ``KINDS``) with ``text`` in a member's path."""
        if kind != "all" and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: all, {', '.join(KINDS)}")
        self.kind_filter, self.text_filter = kind, text.strip()
        self._refresh()

    def _refresh(self) -> None:
        self.beginResetModel()
        self._rows = self._sorted([r for r in self._all if self._passes(r)])
        self._keeper_rows = {}
        for row, group in enumerate(self._rows):
            self._keeper_rows.setdefault(group.keeper.id, []).append(row)
        self.endResetModel()

    def _passes(self, row: GroupRow) -> bool:
        if self.kind_filter != "all" and row.kind != self.kind_filter:
            return False
        needle = self.text_filter.casefold()
        return not needle or any(needle in self._folded_path(m) for m in row.members)

    def _folded_path(self, entry: Any) -> str:
        """``_shown_path`` casefolded, remembered per path: typing a filter refreshes on every key."""
        key = (self.root, entry.path)
        folded = self._shown.get(key)
        if folded is None:
            folded = self._shown[key] = self._shown_path(entry).casefold()
        return folded

    def _shown_path(self, entry: Any) -> str:
        path = as_path(entry.path)
        if self.root is not None:
            text, root = str(path), str(self.root)
            prefix = root if root.endswith(os.sep) else root + os.sep
            if text.startswith(prefix):  # a library's paths are the root joined to their relative path
                return text[len(prefix) :]
            with contextlib.suppress(ValueError):
                return str(path.relative_to(self.root))
        return str(path)

    def set_keeper(self, row: int, member: Any, reason: str) -> None:
        """Keep ``member`` in the group at ``row`` (first in its list), for ``reason``; its row shows it."""
        group = self._rows[row]
        old = self._keeper_rows.get(group.keeper.id, [])
        if row in old:
            old.remove(row)
        group.keeper, group.reason = member, reason
        group.members = [member] + [m for m in group.members if m is not member]
        self._keeper_rows.setdefault(member.id, []).append(row)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def _sorted(self, rows: list[GroupRow]) -> list[GroupRow]:
        name = lambda r: str(r.keeper.path)  # noqa: E731 - a stable tie-break
        if self.sort_key == "closest":
            return sorted(rows, key=lambda r: (r.max_distance, -len(r.members), name(r)))
        if self.sort_key == "farthest":
            return sorted(rows, key=lambda r: (-r.max_distance, -len(r.members), name(r)))
        if self.sort_key == "folder":
            return sorted(rows, key=lambda r: (self._folded_path(r.keeper), -len(r.members)))
        if self.sort_key == "kind":
            order = list(KINDS)
            return sorted(rows, key=lambda r: (order.index(r.kind), -len(r.members), r.max_distance, name(r)))
        return sorted(rows, key=lambda r: (-len(r.members), r.max_distance, name(r)))

    def row_of(self, key: frozenset[Path]) -> int:
        """The row of the group with exactly these members, else of one sharing most of them (the first such
        row); -1 if none. One pass that asks each member's path, as normalised text (a library's paths are),
        whether it is in ``key``: no set of ``Path``s is built per group (with tens of thousands of groups that
        took most of a second, run 19)."""
        wanted = {os.path.normcase(str(path)) for path in key}  # text compares as paths do, without a Path's hash
        best, best_shared = -1, 0
        for row, group in enumerate(self._rows):
            hits = {text for m in group.members if (text := os.path.normcase(str(m.path))) in wanted}
            if not hits:
                continue
            shared = len(hits)
            if shared == len(key) and len(group.key()) == len(key):
                return row
            if shared > best_shared:
                best, best_shared = row, shared
        return best

    def group(self, row: int) -> GroupRow:
        return self._rows[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        group = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:  # three short lines: a narrow column elides nothing that matters
            far = "" if group.kind == "identical" else f"\n{distance_text(group.max_distance, plain=True)}"
            return f"{len(group.members)} copies · {KINDS[group.kind]}\n{Path(group.keeper.path).name}{far}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(group.keeper.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join([group.label(), *(str(m.path) for m in group.members)])
        if role == Roles.Distance:
            return group.max_distance
        if role == Roles.ThumbnailReady:
            return group.keeper.id in self._thumbs.scaled
        if role == DupRoles.Group:
            return group
        return None

    def _rows_showing(self, file_id: Any) -> list[int]:
        return self._keeper_rows.get(file_id, [])


class MembersModel(_ThumbModel):
    """The copies in one group, keeper first; the keeper and reference copies are marked."""

    icon_size = MEMBER_ICON

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.group: GroupRow | None = None

    def set_group(self, group: GroupRow | None) -> None:
        self.beginResetModel()
        self.group = group
        self.endResetModel()

    def member(self, row: int) -> Any:
        if self.group is None:  # no group shown: no rows, so any row is out of range
            raise IndexError(row)
        return self.group.members[row]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() or self.group is None else len(self.group.members)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.group is None or not index.isValid() or index.row() >= len(self.group.members):
            return None
        entry = self.group.members[index.row()]
        keeper = entry is self.group.keeper
        reference = Path(entry.path) in self.group.protected
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "KEEP" if keeper else ("reference" if reference else "to trash")
            return f"{mark}\n{Path(entry.path).name}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.get(entry.id)
        if role == Qt.ItemDataRole.FontRole and keeper:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            info = describe(entry)
            why = f"\nKept: {self.group.reason}" if keeper and self.group.reason else ""
            return f"{entry.path}\n{info['resolution']}, {info['size']}, {info['taken']}{why}"
        if role == Roles.FileId:
            return entry.id
        if role == Roles.Path:
            return Path(entry.path)
        if role == Roles.ThumbnailReady:
            return entry.id in self._thumbs.scaled
        if role == DupRoles.IsKeeper:
            return keeper
        if role == DupRoles.IsReference:
            return reference
        return None

    def _rows_showing(self, file_id: Any) -> list[int]:
        if self.group is None:
            return []
        return [row for row, m in enumerate(self.group.members) if m.id == file_id]
