"""The duplicates side of a library: groups of copies, the radius, and the user's decisions.

``Library`` inherits these methods; they live apart because they are one job
(turning codes and verdicts into groups) and read only ``self.catalog``,
``self.entries()`` and ``self.ready_codes()``. Decisions are stored by content
digest, so a verdict survives renames, moves and rescans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core.catalog.database import Entry
from hashview.core.catalog.verdict import Verdict
from hashview.core.duplicates.decisions import (
    RowDecisions,
    decided_distances,
    group_found_pairs,
    group_with_decisions,
    implied_precision,
    pair_distances,
)
from hashview.core.duplicates.grouping import group_max_distance
from hashview.core.duplicates.radius import RadiusAdvice, advise_radius, chain_problem, suggest_radius
from hashview.core.errors import LibraryError
from hashview.core.hamming.codes import CodeSet
from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.methods import method_names, method_traits
from hashview.core.nets.shelf import NetworkInfo

UNDECIDED = "undecided"  # what the app passes to forget a verdict (as None does)
VERDICTS = (*(v.value for v in Verdict), UNDECIDED)


def recorded_copy_distance(info: NetworkInfo) -> float | None:
    """The copy distance the network's last training round recorded, or None (shallow methods, labels).

    Networks trained before the 98 % share recorded 95 % (``copy_distance_q95``).
    """
    history = (info.stats or {}).get("history") or [{}]
    last = history[-1]
    return last.get("copy_distance_q98", last.get("copy_distance_q95"))


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


class DuplicatesMixin:
    """Duplicate groups, the suggested radius, its profile, and decisions, for ``Library``."""

    def duplicates(
        self, network: str | None = None, radius: int | None = None, exact: bool = False
    ) -> list[DuplicateGroup]:
        """Groups of duplicate photos: identical files (``exact``) or codes within ``radius``.

        ``radius`` None is ``suggested_radius(network)``, and where no radius
        is safe (``radius_advice``: the network does not tell the photos
        apart) the identical files only, as ``exact``. The user's decisions
        hold over the codes: two files marked "different" are never in one
        group, files marked "same" are grouped even beyond the radius.
        """
        if not exact and radius is None:
            radius = self.suggested_radius(network)
            exact = radius is None
        if exact:
            groups = self.catalog.exact_duplicate_groups()
            entries = [e for g in groups for e in g]
            row_of = {e.id: r for r, e in enumerate(entries)}
            decided = self._row_decisions(row_of)
            out = []
            for g in groups:
                rows = np.array([row_of[e.id] for e in g], np.int64)
                pairs = [(a, b) for n, a in enumerate(rows.tolist()) for b in rows.tolist()[n + 1 :]]
                i = np.array([p[0] for p in pairs], np.int64)
                j = np.array([p[1] for p in pairs], np.int64)
                for part in group_with_decisions(len(entries), i, j, np.zeros(len(i), np.int64), 0, decided):
                    members = [entries[r] for r in part.tolist()]
                    out.append(DuplicateGroup([e.path for e in members], [e.id for e in members], 0))
            return out
        info, codeset = self.ready_codes(network)
        if radius < 0:
            raise LibraryError("the radius must be 0 or more")
        if radius > info.bits:
            raise LibraryError(f"radius {radius} is more than the network's {info.bits} bits: choose 0 to {info.bits}")
        by_id = {e.id: e for e in self.entries()}
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self._row_decisions(row_of)
        found = code_pairs_within(codeset.codes, radius)
        groups = []
        for rows in group_found_pairs(found, radius, decided):
            ids = [int(codeset.ids[r]) for r in rows.tolist()]
            groups.append(
                DuplicateGroup([by_id[x].path for x in ids], ids, int(group_max_distance(codeset.codes, rows)))
            )
        return groups

    def suggested_radius(self, network: str | None = None) -> int | None:
        """The radius read off the codes' own distances (``radius.suggest_radius``), within the guard.

        None: no radius is safe, only identical files are (``radius_advice``
        says why).

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
        return self.radius_advice(network).radius

    def radius_advice(self, network: str | None = None) -> RadiusAdvice:
        """The suggested radius, the codes' own one, and one-line reasons where they differ.

        ``warning`` is set when the network's codes do not tell the library's
        photos apart (``radius.separation_problem``): the CLI prints it, the
        explorer shows it, and only identical files are suggested as copies.
        Exact copies of one file count as one photo here.
        """
        info, codeset = self.ready_codes(network)
        return advice_for(info, codeset, self._distinct_rows(codeset))

    def _suggested(self, info: NetworkInfo, codeset: CodeSet) -> int | None:
        """The guarded radius of ``codeset`` with every row a photo of its own (no catalog read)."""
        return advice_for(info, codeset).radius

    def _distinct_rows(self, codeset: CodeSet) -> np.ndarray:
        """The first row of each file content among ``codeset``'s rows (exact copies are one photo)."""
        digest_of = {e.id: e.digest for e in self.entries()}
        seen: set[str] = set()
        rows = []
        for r, file_id in enumerate(codeset.ids.tolist()):
            digest = digest_of.get(int(file_id), f"id:{file_id}")
            if digest not in seen:
                seen.add(digest)
                rows.append(r)
        return np.array(rows, np.int64)

    def radius_profile(self, network: str | None = None, radii: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """What each radius gives: one row per radius, ``{"radius", "groups", "pairs", "precision"}``.

        ``pairs`` counts the code pairs within the radius; ``groups`` the groups
        ``duplicates`` would show there (decisions applied); ``precision`` is
        implied by the user's decisions: of the decided pairs that the radius
        alone pairs up, the share marked "same" (None where no decided pair is
        within it). Folder names are no evidence here: two photos in one
        folder are not copies of each other. ``radii`` None: 0 up to the larger
        of K/4 and twice the radius the codes' distances give (before the
        guard lowers it, so the profile shows where the groups would chain).
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
        radii = sorted({int(r) for r in radii})
        if radii and radii[0] < 0:
            raise LibraryError("the radius must be 0 or more")
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self._row_decisions(row_of)
        same_d, diff_d = decided_distances(lambda a, b: pair_distances(codeset.codes, a, b), decided)
        rows: list[dict[str, Any]] = []
        if not radii:
            return rows
        found = code_pairs_within(codeset.codes, radii[-1])
        expanded = None if decided.empty else found.row_pairs()  # verdicts name rows: expand once
        for r in radii:
            if not len(codeset):
                groups = []
            elif expanded is None:
                groups = group_found_pairs(found, r)
            else:
                groups = group_with_decisions(len(codeset), *expanded, r, decided)
            rows.append(
                {
                    "radius": r,
                    "groups": len(groups),
                    "pairs": found.row_pair_count(r),
                    "precision": implied_precision(r, same_d, diff_d),
                }
            )
        return rows

    # -------------------------------------------------------------- decisions
    def record_decision(self, a: Path, b: Path, verdict: Verdict | str | None) -> None:
        """Remember that two files are the "same" picture, "different" ones, or ("undecided" or None) forget it.

        Stored by content digest, so the verdict survives renames, moves and
        rescans, and holds for every exact copy of either file.

        Raises:
            LibraryError: a file not in the catalog, or an unknown verdict.
        """
        if verdict is None or verdict == UNDECIDED:
            decided = None
        elif verdict in VERDICTS:
            decided = Verdict(verdict)
        else:
            raise LibraryError(f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
        ea, eb = self._entry_for(a), self._entry_for(b)
        if ea.digest == eb.digest and decided is Verdict.DIFFERENT:
            raise LibraryError(
                f"{ea.path.name} and {eb.path.name} are identical files: they cannot be different photos"
            )
        self.catalog.set_decision(ea.digest, eb.digest, decided)

    def decisions(self) -> list[tuple[Path, Path, Verdict]]:
        """Remembered verdicts between files in the library now: (path, path, "same" | "different")."""
        by_digest: dict[str, list[Entry]] = {}
        for e in self.entries():
            by_digest.setdefault(e.digest, []).append(e)
        out = []
        for da, db, verdict in self.catalog.decisions():
            for ea in by_digest.get(da, []):
                for eb in by_digest.get(db, []):
                    if ea.id != eb.id and (da != db or ea.id < eb.id):
                        out.append((ea.path, eb.path, verdict))
        return out

    def _auto_label_source(self, method: str | None) -> str:
        """ "decisions" when there are some and ``method`` (None: the default) can use them, else "none"."""
        if method is not None and (method not in method_names() or "decisions" not in method_traits(method).labels):
            return "none"  # an unknown method is refused by check_options with its own message
        return "decisions" if self.decision_count() else "none"

    def decision_count(self) -> int:
        """How many decisions are between two different files of the library now (what ``labels="decisions"`` trains on)."""
        return self.catalog.decision_count()

    def _entry_for(self, path: Path) -> Entry:
        entry = self.catalog.entry_by_path(Path(path))
        if entry is None:
            raise LibraryError(f"not in the library (index it first): {path}")
        return entry

    def _decisions_by_id(self) -> list[tuple[int, int, Verdict]]:
        by_digest: dict[str, list[int]] = {}
        for e in self.entries():
            by_digest.setdefault(e.digest, []).append(e.id)
        out = []
        for da, db, verdict in self.catalog.decisions():
            for a in by_digest.get(da, []):
                for b in by_digest.get(db, []):
                    if a != b:
                        out.append((a, b, verdict))
        return out

    def _row_decisions(self, row_of: dict[int, int]) -> RowDecisions:
        pairs = [(row_of[a], row_of[b], v) for a, b, v in self._decisions_by_id() if a in row_of and b in row_of]
        return RowDecisions.from_pairs(pairs)

    def _decision_id_pairs(self) -> tuple[tuple[int, int, int], ...]:
        """Decisions as (file id, file id, +1 same / -1 different), each pair once, for training."""
        seen = {}
        for a, b, v in self._decisions_by_id():
            seen[(min(a, b), max(a, b))] = v.sign
        return tuple((a, b, v) for (a, b), v in sorted(seen.items()))
