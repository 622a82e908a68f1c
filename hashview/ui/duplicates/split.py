"""Split a wrong group by a selection: "these are a different picture", as one undoable step.

A group the codes got wrong often holds two pictures, each with a few copies
(two shots of one scene, each re-saved). Marking each file "not a match" took
one click per file and left the files of the second picture scattered. Here
the person selects the files of one picture and the step records, through the
library's decisions (``library.decisions.record``, which the engine applies
to every later scan and uses as training pairs):

- "different" between every selected file and every other file of the group,
- "same" between the selected files, so they stay together as their own group
  (at any radius) when there are two or more of them.

Files byte-identical to a selected one go with the selection: they are the same
file, and "different" between identical files is refused by the decision book.
The verdicts the pairs had before are kept in the returned ``DecisionStep``, so
undo (and a failure half way) puts exactly those back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitPlan:
    """The two parts of a group and the verdicts that separate them."""

    part: list[Any]
    """The selected files and their identical twins: one picture."""
    rest: list[Any]
    """The other files of the group."""
    verdicts: list[tuple[Path, Path, str]]
    """(path, path, "different" | "same") to record."""


def plan_split(members: Sequence[Any], chosen: Sequence[Any]) -> SplitPlan:
    """The parts of a group of ``members`` when ``chosen`` (some of them) are another picture than the rest.

    Members are catalog entries (``path``, ``digest``); ``rest`` is empty when the
    selection and its identical twins are the whole group (nothing to split).
    """
    picked = {id(m) for m in chosen}
    digests = {m.digest for m in members if id(m) in picked and m.digest}
    part = [m for m in members if id(m) in picked or (m.digest and m.digest in digests)]
    rest = [m for m in members if m not in part]
    verdicts = [(Path(a.path), Path(b.path), "different") for a in part for b in rest]
    if rest:
        verdicts += [
            (Path(a.path), Path(b.path), "same")
            for i, a in enumerate(part)
            for b in part[i + 1 :]
            if a.digest != b.digest  # identical files are one picture already
        ]
    return SplitPlan(part, rest, verdicts)


@dataclass(frozen=True)
class DecisionStep:
    """Verdicts recorded in one step, with what each pair had before: undo puts those back."""

    before: list[tuple[Path, Path, Any]]
    """(path, path, the earlier verdict or None) for every pair the step recorded."""
    text: str
    """What the step did, in words (for the status line after an undo)."""

    def can_undo(self) -> bool:
        return bool(self.before)

    def undo(self, decisions: Any) -> None:
        """Record the earlier verdicts again (None forgets the pair)."""
        for a, b, verdict in reversed(self.before):
            decisions.record(a, b, verdict)


def record_split(decisions: Any, plan: SplitPlan, text: str) -> DecisionStep:
    """Record ``plan``'s verdicts in ``decisions`` (a ``DecisionBook``) as one step.

    Raises:
        Exception: whatever the book raised (a file gone from the catalog); the
            verdicts recorded before it are put back first, so nothing is half done.
    """
    earlier = {frozenset((Path(a), Path(b))): v for a, b, v in decisions.all()}
    before: list[tuple[Path, Path, Any]] = []
    try:
        for a, b, verdict in plan.verdicts:
            previous = earlier.get(frozenset((a, b)))
            decisions.record(a, b, verdict)
            before.append((a, b, previous))
    except Exception:
        logger.warning("split not recorded; putting back %d verdicts", len(before))
        DecisionStep(before, text).undo(decisions)
        raise
    return DecisionStep(before, text)
