"""The user's duplicate decisions about one library: "same picture" or "not a match".

``library.decisions`` is one of these. The catalog stores each verdict by
content digest, so it survives renames, moves and rescans and holds for every
exact copy of either file; this book turns those digests back into the
library's files now: as paths for people, as catalog ids for training, as rows
of a code set for grouping.
"""

from __future__ import annotations

import logging
from pathlib import Path

from hashview.core.catalog.database import Catalog
from hashview.core.catalog.records import Entry
from hashview.core.catalog.verdict import Verdict
from hashview.core.duplicates.decisions import RowDecisions
from hashview.core.errors import LibraryError

logger = logging.getLogger(__name__)

UNDECIDED = "undecided"  # what the app passes to forget a verdict (as None does)
VERDICTS = (*(v.value for v in Verdict), UNDECIDED)


class DecisionBook:
    """Record, list and count the verdicts between a library's files.

    Args:
        catalog: the library's catalog, which stores the verdicts and knows
            the files (and their digests) now.
    """

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def record(self, a: Path, b: Path, verdict: Verdict | str | None) -> None:
        """Remember that two files are the "same" picture, "different" ones, or ("undecided" or None) forget it.

        Raises:
            LibraryError: a file not in the catalog, an unknown verdict, or
                "different" between two identical files.
        """
        decided: Verdict | None
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

    def all(self) -> list[tuple[Path, Path, Verdict]]:
        """Remembered verdicts between files in the library now: (path, path, "same" | "different")."""
        by_digest: dict[str, list[Entry]] = {}
        for e in self.catalog.entries():
            by_digest.setdefault(e.digest, []).append(e)
        out = []
        for da, db, verdict in self.catalog.decisions():
            for ea in by_digest.get(da, []):
                for eb in by_digest.get(db, []):
                    if ea.id != eb.id and (da != db or ea.id < eb.id):
                        out.append((ea.path, eb.path, verdict))
        return out

    def count(self) -> int:
        """How many decisions are between two different files of the library now (what ``labels="decisions"`` trains on)."""
        return self.catalog.decision_count()

    def by_id(self) -> list[tuple[int, int, Verdict]]:
        """Every verdict between two catalogued files, as (file id, file id, verdict); a pair may come twice."""
        by_digest: dict[str, list[int]] = {}
        for e in self.catalog.entries():
            by_digest.setdefault(e.digest, []).append(e.id)
        out = []
        for da, db, verdict in self.catalog.decisions():
            for a in by_digest.get(da, []):
                for b in by_digest.get(db, []):
                    if a != b:
                        out.append((a, b, verdict))
        return out

    def rows(self, row_of: dict[int, int]) -> RowDecisions:
        """The verdicts between files that have a row in ``row_of`` (file id -> row of a code set)."""
        pairs = [(row_of[a], row_of[b], v) for a, b, v in self.by_id() if a in row_of and b in row_of]
        return RowDecisions.from_pairs(pairs)

    def id_pairs(self) -> tuple[tuple[int, int, int], ...]:
        """Decisions as (file id, file id, +1 same / -1 different), each pair once, for training."""
        seen: dict[tuple[int, int], int] = {}
        for a, b, v in self.by_id():
            seen[(min(a, b), max(a, b))] = v.sign
        return tuple((a, b, v) for (a, b), v in sorted(seen.items()))

    def _entry_for(self, path: Path) -> Entry:
        entry = self.catalog.entry_by_path(Path(path))
        if entry is None:
            raise LibraryError(f"not in the library (index it first): {path}")
        return entry
