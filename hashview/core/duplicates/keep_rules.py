"""Which copy of a duplicate group to keep: ordered rules, preferred and reference folders.

A person tidying duplicates wants the best copy kept without looking at every
group, and wants to be able to say what "best" means. The rules below are
compared in the order the person chose (the first rule that tells two copies
apart decides): the highest resolution, then the largest file, then the
oldest (date taken, else the file's modification time), then a preferred
folder. Files in *reference* folders (an archive, a backup the person trusts)
are never proposed for removal: when a group has one, the best reference copy
is the keeper and the other reference copies are left alone too.

Two safety rules come before the person's: a reference copy wins, then a real
file beats a symbolic link (keeping a link and trashing the file it points to
would leave nothing but a broken link). Where the person's rules tie (byte-
identical copies tie on all of them), the copy that looks like the original
wins: fewer copy marks in its path ("copy", "(1)", "backup", "-edited"...), then
the shorter path, then the older file, then the path itself. ``keep_reason``
says in words which rule decided, so the explorer can tell the person why.

Pure functions over catalog entries (anything with ``path``, ``width``,
``height``, ``size``, ``taken`` and ``mtime_ns``), so the explorer, the
command line and the tests all pick the same keeper. The only file system
access is an ``lstat`` per copy to tell links from files.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

RULES: dict[str, str] = {
    "resolution": "Highest resolution",
    "size": "Largest file",
    "oldest": "Oldest (date taken, else modified)",
    "folder": "In a preferred folder",
}
"""Rule names, in the default order, with the words the rules editor shows."""

DEFAULT_ORDER: tuple[str, ...] = tuple(RULES)


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(path).relative_to(folder)
    except ValueError:
        return False
    return True


def _taken_seconds(taken: str | None) -> float | None:
    """An ISO 8601 capture time as seconds since the epoch (naive times read as UTC)."""
    if not taken:
        return None
    try:
        moment = datetime.fromisoformat(taken.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def age_key(entry: Any) -> float:
    """When the picture was made, as far as we know: date taken, else modification time."""
    taken = _taken_seconds(getattr(entry, "taken", None))
    if taken is not None:
        return taken
    return (getattr(entry, "mtime_ns", 0) or 0) / 1e9


@dataclass(frozen=True)
class KeepPolicy:
    """The person's rules: their order, preferred folders and reference folders.

    Args:
        order: rule names from ``RULES``, most important first; rules left
            out are not used.
        preferred: folders whose copies win the "folder" rule, the first
            folder most preferred.
        reference: folders whose files are never moved or deleted.
    """

    order: tuple[str, ...] = DEFAULT_ORDER
    preferred: tuple[Path, ...] = field(default=())
    reference: tuple[Path, ...] = field(default=())

    def __post_init__(self) -> None:
        unknown = [name for name in self.order if name not in RULES]
        if unknown:
            raise ValueError(f"unknown keep rule(s) {unknown}; known: {', '.join(RULES)}")
        object.__setattr__(self, "order", tuple(dict.fromkeys(self.order)))
        object.__setattr__(self, "preferred", tuple(Path(p) for p in self.preferred))
        object.__setattr__(self, "reference", tuple(Path(p) for p in self.reference))

    def is_reference(self, path: Path) -> bool:
        """Whether ``path`` lies in a reference folder (and so must never be touched)."""
        return any(_inside(Path(path), folder) for folder in self.reference)

    def folder_rank(self, path: Path) -> int:
        """0 for the most preferred folder, 1 for the next...; len(preferred) when in none."""
        for rank, folder in enumerate(self.preferred):
            if _inside(Path(path), folder):
                return rank
        return len(self.preferred)

    def to_json(self) -> str:
        """The policy as JSON text, for the settings store."""
        return json.dumps(
            {
                "order": list(self.order),
                "preferred": [str(p) for p in self.preferred],
                "reference": [str(p) for p in self.reference],
            }
        )

    @classmethod
    def from_json(cls, text: str | None) -> KeepPolicy:
        """The policy stored by ``to_json``; the defaults when the text is missing or unreadable."""
        try:
            data = json.loads(text or "{}")
            return cls(
                tuple(data.get("order", DEFAULT_ORDER)),
                tuple(data.get("preferred", ())),
                tuple(data.get("reference", ())),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            logger.warning("ignoring unreadable keep rules %r: %s", text, exc)
            return cls()


COPY_MARKS = re.compile(
    r"(?<![a-z0-9])(?:copy|copie|kopie|copia|backups?|bak|duplicates?|edited|modified)(?![a-z])"
    r"|\(\d{1,3}\)"
    r"|[-_ ](?:edit|copy)\d*(?=\.|$)",
)
"""What file managers, phones and people add to the name of a copy: "IMG (1).jpg",
"Copy of x", "x - copy 2", "Backup 2019/", "x-edited.jpg", "x_edit.jpg"."""


def copy_marks(path: Path | str) -> int:
    """How many copy marks the path carries (in every folder name and the file name)."""
    return len(COPY_MARKS.findall(str(path).lower()))


def is_link(path: Path | str) -> bool:
    """Whether the catalog path is a symbolic link (it names another file; trashing it moves only the link)."""
    try:
        return Path(path).is_symlink()
    except OSError:
        return False


def _criteria(policy: KeepPolicy) -> list[tuple[str, Callable[[Any], Any]]]:
    """Every key the keeper is chosen by, most important first; smaller is better."""
    rules = {
        "resolution": lambda e: -(int(e.width or 0) * int(e.height or 0)),
        "size": lambda e: -int(e.size or 0),
        "oldest": age_key,
        "folder": lambda e: policy.folder_rank(e.path),
    }
    return [
        ("reference", lambda e: not policy.is_reference(e.path)),
        ("link", lambda e: is_link(e.path)),
        *[(name, rules[name]) for name in policy.order],
        ("marks", lambda e: copy_marks(e.path)),
        ("path_length", lambda e: len(str(e.path))),
        ("modified", lambda e: int(getattr(e, "mtime_ns", 0) or 0)),
        ("path", lambda e: str(e.path)),
    ]


def rank(entries: Iterable[Any], policy: KeepPolicy | None = None) -> list[Any]:
    """The entries best first: reference copies, real files before links, the person's rules, then tie-breaks."""
    criteria = _criteria(policy or KeepPolicy())
    return sorted(entries, key=lambda e: tuple(key(e) for _name, key in criteria))


def choose_keeper(entries: Sequence[Any], policy: KeepPolicy | None = None) -> tuple[Any, list[Any]]:
    """The copy to keep and the copies that may go, for one duplicate group.

    The keeper is the best copy by ``rank``: a copy in a reference folder
    always beats one outside (reference folders hold what the person trusts),
    and a real file beats a link. ``others`` never contains a reference copy:
    those are kept whatever the rules say.

    Raises:
        ValueError: the group is empty.
    """
    if not entries:
        raise ValueError("a duplicate group needs at least one entry")
    policy = policy or KeepPolicy()
    ordered = rank(entries, policy)
    keeper = ordered[0]
    others = [e for e in ordered if e is not keeper and not policy.is_reference(e.path)]
    return keeper, others


def kept_groups(
    groups: Iterable[Any], entries: Mapping[Any, Any], policy: KeepPolicy | None = None
) -> Iterator[tuple[Any, Any, list[Any], list[Any]]]:
    """Each duplicate group (``file_ids``) as ``(group, keeper, members, others)`` over catalog ``entries`` by id.

    Members gone since the scan are dropped and a group left with one file is
    skipped: the explorer's rows and a clean-up's plans read groups the same way.
    """
    for group in groups:
        members = [entries[i] for i in group.file_ids if i in entries]
        if len(members) >= 2:
            keeper, others = choose_keeper(members, policy)
            yield group, keeper, members, others


def _pixels(entry: Any) -> str:
    return f"{entry.width} × {entry.height}" if entry.width else "unknown size"


def _describe_win(name: str, keeper: Any, runner_up: Any, policy: KeepPolicy) -> str:
    """Why ``keeper`` beat ``runner_up`` on criterion ``name``, in the explorer's words."""
    if name == "reference":
        return "it is in a reference folder"
    if name == "link":
        return "it is the real file (the other copy is a link)"
    if name == "resolution":
        return f"highest resolution ({_pixels(keeper)} against {_pixels(runner_up)})"
    if name == "size":
        return f"largest file ({int(keeper.size or 0):,} bytes against {int(runner_up.size or 0):,})"
    if name == "oldest":
        return "oldest (date taken, else modified)"
    if name == "folder":
        return f"in a preferred folder ({policy.preferred[policy.folder_rank(keeper.path)]})"
    if name == "marks":
        return "its name looks like the original (the other has copy marks such as 'copy', '(1)' or 'backup')"
    if name == "path_length":
        return "the copies tie on every rule; it has the shorter path"
    if name == "modified":
        return "the copies tie on every rule; it is the older file"
    return "the copies tie on every rule; it comes first by path"


def keep_reason(keeper: Any, entries: Sequence[Any], policy: KeepPolicy | None = None) -> str:
    """One line saying why ``keeper`` is kept: the first criterion that set it apart from the next best copy."""
    policy = policy or KeepPolicy()
    others = [e for e in rank(entries, policy) if e is not keeper]
    if not others:
        return "it is the only copy"
    runner_up = others[0]
    for name, key in _criteria(policy):
        if key(keeper) < key(runner_up):
            return _describe_win(name, keeper, runner_up, policy)
        if key(keeper) > key(runner_up):
            return "chosen by you"
    return "the copies are the same file"


GUESSES = frozenset({"path_length", "path"})
"""Tie-breaks that say nothing about which copy is the original: a clean-up leaves the groups they decide alone."""

UNDECIDED = "the keep rules cannot choose: the copies tie on every rule and differ only in their paths"


def undecided(keeper: Any, entries: Sequence[Any], policy: KeepPolicy | None = None) -> str | None:
    """``UNDECIDED`` when only a path's spelling chose ``keeper`` among ``entries`` (``GUESSES``), else None.

    Both clean-ups from a whole list of groups (the app's bulk clean-up and
    ``dups --trash``) leave such a group alone rather than guess which copy
    is the original.
    """
    return UNDECIDED if deciding_rule(keeper, entries, policy) in GUESSES else None


def deciding_rule(keeper: Any, entries: Sequence[Any], policy: KeepPolicy | None = None) -> str | None:
    """The name of the criterion that set ``keeper`` apart from the next best copy, as ``keep_reason`` reads it.

    One of ``_criteria``'s names ("reference", "link", the person's rules,
    then the tie-breaks "marks", "path_length", "modified", "path"); None for
    a lone copy, copies that tie on everything, or a keeper the rules would
    not pick (chosen by hand). A bulk clean-up uses it to leave alone the
    groups whose keeper only the spelling of a path chose.
    """
    policy = policy or KeepPolicy()
    others = [e for e in rank(entries, policy) if e is not keeper]
    if not others:
        return None
    for name, key in _criteria(policy):
        if key(keeper) != key(others[0]):
            return name if key(keeper) < key(others[0]) else None
    return None


def removable(entries: Sequence[Any], keeper: Any, policy: KeepPolicy | None = None) -> list[Any]:
    """The copies that may go when the person picked ``keeper`` by hand (reference copies stay)."""
    policy = policy or KeepPolicy()
    return [e for e in entries if e is not keeper and e.path != keeper.path and not policy.is_reference(e.path)]
