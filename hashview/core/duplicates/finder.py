"""The duplicates side of a library: groups of copies, the suggested radius and what each radius gives.

``library.duplicates`` is a ``DuplicateFinder``. It gets what it reads
explicitly from the library that builds it: the catalog (files, digests,
identical files), a callable giving a network's codes for the whole library
(encoding what is missing first), and the user's decisions
(``decision_book.DecisionBook``), which hold over the codes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core.catalog.database import Catalog
from hashview.core.catalog.records import Entry
from hashview.core.duplicates.decision_book import DecisionBook
from hashview.core.duplicates.decisions import (
    decided_distances,
    group_found_pairs,
    group_with_decisions,
    implied_precision,
    independent_marks,
    pair_distances,
)
from hashview.core.duplicates.grouping import group_max_distance
from hashview.core.duplicates.near_identical import near_identical_limit
from hashview.core.duplicates.radius import RadiusAdvice, advise_radius, chain_problem, suggest_radius
from hashview.core.duplicates.tone import pair_spread, tone_pairs
from hashview.core.duplicates.turned import attach_turned, turned_group_spread, turned_pairs
from hashview.core.errors import LibraryError
from hashview.core.hamming.codes import CodeSet
from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.nets.shelf import NetworkInfo

logger = logging.getLogger(__name__)

ReadyCodes = Callable[[str | None], tuple[NetworkInfo, CodeSet]]
"""A network's codes for the whole library (None: the current network), encoding what is missing first."""

UprightCodes = Callable[[NetworkInfo, CodeSet], CodeSet | None]
"""The upright-turn codes of a network's code set, row for row, or None (``Library.upright_codes``)."""

ToneCodes = UprightCodes
"""The tone hashes of a network's code set, row for row, or None (``Library.tone_codes``)."""


@dataclass(frozen=True)
class LookPairs:
    """Pairs one of a library's other looks finds (``kind``: "turned" or "tone"), whatever the radius:
    rows ``i < j``, their own code distance ``own`` and, for turned pairs, the distance a turn brings them
    to (``turn``, joined within the smaller of the radius and ``turn_limit``). ``look_codes`` are that
    look's codes, row for row, for the spread a group shows."""

    kind: str
    look_codes: np.ndarray
    i: np.ndarray
    j: np.ndarray
    own: np.ndarray
    turn: np.ndarray | None = None
    turn_limit: int = 0

    def at(self, radius: int) -> tuple[np.ndarray, np.ndarray]:
        """The pairs joined to the groups at ``radius``: those the plain search does not pair there."""
        keep = self.own > radius
        if self.turn is not None:
            keep &= self.turn <= min(radius, self.turn_limit)
        return self.i[keep], self.j[keep]


def recorded_copy_distance(info: NetworkInfo) -> float | None:
    """The copy distance the network's last training round recorded, or None (shallow methods, labels).

    Networks trained before the 98 % share recorded 95 % (``copy_distance_q95``).
    """
    history = (info.stats or {}).get("history") or [{}]
    last = history[-1]
    distance: float | None = last.get("copy_distance_q98", last.get("copy_distance_q95"))
    return distance


@dataclass(frozen=True)
class DuplicateGroup:
    paths: list[Path]
    file_ids: list[int]
    max_distance: int


def default_duplicate_radius(n_bits: int) -> int:
    """A fixed radius for codes too few to read one from: K/16 (4 at 64 bits); see ``suggested_radius``."""
    return max(1, n_bits // 16)


def chain_warning(groups: Sequence[DuplicateGroup], entries: Sequence[Entry], radius: int) -> str | None:
    """One line when ``groups`` (found at ``radius``) chain unrelated photos (``radius.chain_problem``), else None.

    Photos are counted by content: the exact copies of one file are one photo,
    in the library and in each group.
    """
    digest_of = {e.id: e.digest or f"id:{e.id}" for e in entries}
    sizes = [len({digest_of.get(i, f"id:{i}") for i in g.file_ids}) for g in groups]
    return chain_problem(sizes, len(set(digest_of.values())), radius)


def advice_for(info: NetworkInfo, codeset: CodeSet, distinct: np.ndarray | None = None) -> RadiusAdvice:
    """``radius.advise_radius`` for a network's codes (K/16 for fewer than 2 codes); ``distinct`` as there."""
    if len(codeset) < 2:
        radius = default_duplicate_radius(info.bits)
        return RadiusAdvice(radius, radius)
    return advise_radius(codeset.codes, info.bits, recorded_copy_distance(info), distinct)


class DuplicateFinder:
    """Duplicate groups, the suggested radius and the radius profile of one library.

    Args:
        catalog: the library's catalog (its files, their digests, identical files).
        ready_codes: a network's codes for the whole library (``Library.ready_codes``).
        decisions: the user's verdicts, which override the codes.
    """

    def __init__(
        self,
        catalog: Catalog,
        ready_codes: ReadyCodes,
        decisions: DecisionBook,
        upright_codes: UprightCodes | None = None,
        tone_codes: ToneCodes | None = None,
    ) -> None:
        self.catalog = catalog
        self.ready_codes = ready_codes
        self.decisions = decisions
        self.upright_codes = upright_codes
        self.tone_codes = tone_codes

    def groups(
        self, network: str | None = None, radius: int | None = None, exact: bool = False
    ) -> list[DuplicateGroup]:
        """Groups of duplicate photos: identical files (``exact``) or codes within ``radius``.

        ``radius`` None is ``suggested_radius(network)``, and where no radius
        is safe (``advice``: the network does not tell the photos apart) the
        identical files only, as ``exact``. The user's decisions hold over the
        codes: two files marked "different" are never in one group, files
        marked "same" are grouped even beyond the radius. A network that keeps
        upright-turn codes also groups copies saved turned (``turned.turned_pairs``,
        within the smaller of the radius and K/32), and one that keeps tone hashes
        copies whose tone or colour changed (``tone.tone_pairs``, within 3 of 64 bits).

        Raises:
            LibraryError: no network yet, or a radius outside 0 to the network's bits.
        """
        if not exact and radius is None:
            radius = self.suggested_radius(network)
            exact = radius is None
        if exact or radius is None:
            return self._identical_groups()
        info, codeset = self.ready_codes(network)
        if radius < 0:
            raise LibraryError("the radius must be 0 or more")
        if radius > info.bits:
            raise LibraryError(f"radius {radius} is more than the network's {info.bits} bits: choose 0 to {info.bits}")
        by_id = {e.id: e for e in self.catalog.entries()}
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self.decisions.rows(row_of)
        found = code_pairs_within(codeset.codes, radius)
        looks = self._look_pairs(info, codeset, radius)
        grouped = group_found_pairs(found, radius, decided)
        joined = [look.at(radius) for look in looks]
        for i, j in joined:  # joined after the plain grouping (attach_turned says why)
            if len(i):
                grouped = attach_turned(grouped, i, j, len(codeset), decided.different)
        looked_rows = [set(i.tolist()) | set(j.tolist()) for i, j in joined]
        groups = []
        for rows in grouped:
            ids = [int(codeset.ids[r]) for r in rows.tolist()]
            touched = [look for look, seen in zip(looks, looked_rows) if seen.intersection(rows.tolist())]
            if touched and touched[0].kind == "turned":
                spread = turned_group_spread(codeset.codes, touched[0].look_codes, rows)
            elif touched:
                spread = pair_spread(codeset.codes, touched[0].look_codes, rows, info.bits)
            else:
                spread = int(group_max_distance(codeset.codes, rows))
            groups.append(DuplicateGroup([by_id[x].path for x in ids], ids, spread))
        return groups

    def _look_pairs(self, info: NetworkInfo, codeset: CodeSet, most: int) -> list[LookPairs]:
        """The pairs the library's other looks add at any radius up to ``most``: turned pairs (upright codes,
        ``turned.turned_pairs``) and tone pairs (tone hashes, ``tone.tone_pairs``), each with its pairs' own
        code distance, so that ``LookPairs.at`` gives, for any radius, exactly what the groups join there."""
        looks: list[LookPairs] = []
        upright = self.upright_codes(info, codeset) if self.upright_codes is not None else None
        if upright is not None:
            i, j, d = turned_pairs(codeset.codes, upright.codes, min(most, near_identical_limit(info.bits)), -1)
            own = pair_distances(codeset.codes, i, j)
            looks.append(LookPairs("turned", upright.codes, i, j, own, d, near_identical_limit(info.bits)))
        tone = self.tone_codes(info, codeset) if self.tone_codes is not None else None
        if tone is not None:
            i, j, _d = tone_pairs(tone.codes, codeset.codes, -1)
            looks.append(LookPairs("tone", tone.codes, i, j, pair_distances(codeset.codes, i, j)))
        return looks

    def _identical_groups(self) -> list[DuplicateGroup]:
        """Groups of identical files (one content digest), split where the user said "different"."""
        groups = self.catalog.exact_duplicate_groups()
        entries = [e for g in groups for e in g]
        row_of = {e.id: r for r, e in enumerate(entries)}
        decided = self.decisions.rows(row_of)
        out = []
        for g in groups:
            rows = [row_of[e.id] for e in g]
            pairs = [(a, b) for n, a in enumerate(rows) for b in rows[n + 1 :]]
            i = np.array([p[0] for p in pairs], np.int64)
            j = np.array([p[1] for p in pairs], np.int64)
            for part in group_with_decisions(len(entries), i, j, np.zeros(len(i), np.int64), 0, decided):
                members = [entries[r] for r in part.tolist()]
                out.append(DuplicateGroup([e.path for e in members], [e.id for e in members], 0))
        return out

    def suggested_radius(self, network: str | None = None) -> int | None:
        """The radius read off the codes' own distances (``radius.suggest_radius``), within the guard.

        None: no radius is safe, only identical files are (``advice`` says why).

        Each code's distance to its nearest other code is measured (a sample
        of 4,000 codes in large libraries). A network that learnt duplicates
        puts photos with a copy a few bits from it and photos without one far
        from everything, so the histogram of those distances has two modes;
        the radius sits in the emptiest bin between them (searched in 1..K/4
        below a clearly fuller bin, the middle of the widest empty stretch on
        ties), then raised towards the
        distance at which the network's training probe put 98 % of synthetic
        edited copies (deep unsupervised networks record it), but not into the
        different photos' own mode (``radius.lift_radius``). Fewer than 2
        codes: K/16. The guard (``radius.advise_radius``) then lowers it until
        no group chains more photos than copies ever make.
        """
        return self.advice(network).radius

    def advice(self, network: str | None = None) -> RadiusAdvice:
        """The suggested radius, the codes' own one, and one-line reasons where they differ.

        ``warning`` is set when the network's codes do not tell the library's
        photos apart (``radius.separation_problem``): the CLI prints it, the
        explorer shows it, and only identical files are suggested as copies.
        Exact copies of one file count as one photo here.
        """
        info, codeset = self.ready_codes(network)
        return advice_for(info, codeset, self._distinct_rows(codeset))

    def _distinct_rows(self, codeset: CodeSet) -> np.ndarray:
        """The first row of each file content among ``codeset``'s rows (exact copies are one photo)."""
        digest_of = {e.id: e.digest for e in self.catalog.entries()}
        seen: set[str] = set()
        rows = []
        for r, file_id in enumerate(codeset.ids.tolist()):
            digest = digest_of.get(int(file_id), f"id:{file_id}")
            if digest not in seen:
                seen.add(digest)
                rows.append(r)
        return np.array(rows, np.int64)

    def profile(self, network: str | None = None, radii: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """What each radius gives: one row per radius, ``{"radius", "groups", "pairs", "precision", "judged"}``.

        ``pairs`` counts the code pairs within the radius; ``groups`` the groups
        ``groups`` would show there (decisions applied, turned and tone pairs
        joined as there: ``LookPairs.at``); ``precision`` is
        implied by the user's decisions: of the decided pairs that the radius
        alone pairs up, the share marked "same" (None where no decided pair is
        within it), and ``judged`` how many independent marks that share rests on
        (``decisions.independent_marks``: pairs sharing no photo; one click marks many pairs).
        Folder names are no evidence here: two photos in one
        folder are not copies of each other. ``radii`` None: 0 up to the larger
        of K/4 and twice the radius the codes' distances give (before the
        guard lowers it, so the profile shows where the groups would chain).

        Raises:
            LibraryError: no network yet, or a negative radius.
        """
        info, codeset = self.ready_codes(network)
        if radii is None:
            codes_radius = (
                suggest_radius(codeset.codes, info.bits, recorded_copy_distance(info))
                if len(codeset) >= 2
                else default_duplicate_radius(info.bits)
            )
            top = max(info.bits // 4, 2 * codes_radius)
            radii = range(0, min(top, info.bits) + 1)
        chosen = sorted({int(r) for r in radii})
        if chosen and chosen[0] < 0:
            raise LibraryError("the radius must be 0 or more")
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self.decisions.rows(row_of)
        same_d, diff_d = decided_distances(lambda a, b: pair_distances(codeset.codes, a, b), decided)
        rows: list[dict[str, Any]] = []
        if not chosen:
            return rows
        found = code_pairs_within(codeset.codes, chosen[-1])
        expanded = None if decided.empty else found.row_pairs()  # verdicts name rows: expand once
        looks = self._look_pairs(info, codeset, chosen[-1]) if len(codeset) else []
        for r in chosen:
            groups: list[np.ndarray]
            if not len(codeset):
                groups = []
            elif expanded is None:
                groups = group_found_pairs(found, r)
            else:
                groups = group_with_decisions(len(codeset), *expanded, r, decided)
            for i, j in (look.at(r) for look in looks):  # as ``groups`` joins them
                if len(i):
                    groups = attach_turned(groups, i, j, len(codeset), decided.different)
            rows.append(
                {
                    "radius": r,
                    "groups": len(groups),
                    "pairs": found.row_pair_count(r),
                    "precision": implied_precision(r, same_d, diff_d),
                    "judged": independent_marks(r, decided, same_d, diff_d),
                }
            )
        return rows
