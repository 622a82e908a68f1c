"""A library: one folder of photos with its catalog, networks and codes.

This facade is what both front ends use: the command line drives its
generators with a progress bar, the desktop app runs them in workers. It holds
no Qt and imports torch only when a network is trained or run.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core import search as hamming
from hashview.core.catalog import Catalog, Entry
from hashview.core.codes import CodeSet, CodeStore, merge_codes, restrict_codes
from hashview.core.events import CancelToken, Finished, Progress, Skipped
from hashview.core.decisions import RowDecisions, decided_distances, group_with_decisions, implied_precision, pair_distances
from hashview.core.grouping import group_max_distance
from hashview.core.indexing import index_library
from hashview.core.methods import method_names, method_traits
from hashview.core.networks import NetworkInfo, NetworkNotFound, NetworkShelf
from hashview.core.pairs import pairs_within
from hashview.core.paths import library_dir
from hashview.core.radius import suggest_radius
from hashview.core.training import TrainOptions, train_network

logger = logging.getLogger(__name__)

CURRENT_NETWORK_KEY = "current_network"


class LibraryError(Exception):
    """Something the user asked cannot be done; str() is a one-line reason."""


@dataclass(frozen=True)
class Hit:
    file_id: int
    path: Path
    distance: int


@dataclass(frozen=True)
class QueryResult:
    query: str
    hits: list[Hit]


@dataclass(frozen=True)
class DuplicateGroup:
    paths: list[Path]
    file_ids: list[int]
    max_distance: int


def default_duplicate_radius(n_bits: int) -> int:
    """A fixed radius for codes too few to read one from: K/16 (4 at 64 bits); see ``Library.suggested_radius``."""
    return max(1, n_bits // 16)


VERDICTS = ("same", "different", "undecided")


class Library:
    """One photo folder and everything hashview keeps about it."""

    def __init__(self, root: Path, catalog: Catalog) -> None:
        self.root = Path(root)
        self.catalog = catalog
        self.directory = library_dir(self.root)
        self.shelf = NetworkShelf(self.directory / "networks")
        self.codes = CodeStore(self.directory / "codes")
        self._hashers: dict[str, Any] = {}

    @classmethod
    def open(cls, root: Path | str) -> "Library":
        root = Path(root).expanduser()
        if not root.exists():
            raise LibraryError(f"no such folder: {root}")
        if not root.is_dir():
            raise LibraryError(f"not a folder: {root}")
        root = root.resolve()
        return cls(root, Catalog.for_root(root))

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---------------------------------------------------------------- catalog
    def index(self, cancel: CancelToken | None = None) -> Iterator[Progress | Skipped | Finished]:
        """Scan the folder into the catalog (incremental); see ``indexing.index_library``."""
        return index_library(self.catalog, cancel)

    def entries(self) -> list[Entry]:
        return self.catalog.entries()

    def thumbnail(self, file_id: int) -> bytes | None:
        return self.catalog.thumbnail(file_id)

    # --------------------------------------------------------------- networks
    def networks(self) -> list[NetworkInfo]:
        return self.shelf.all()

    def current_network(self) -> NetworkInfo | None:
        network_id = self.catalog.get_meta(CURRENT_NETWORK_KEY)
        if not network_id:
            return None
        try:
            return self.shelf.find(network_id)
        except NetworkNotFound:
            return None

    def set_current_network(self, name: str) -> NetworkInfo:
        info = self.network(name)
        self.catalog.set_meta(CURRENT_NETWORK_KEY, info.id)
        return info

    def network(self, name: str | None = None) -> NetworkInfo:
        """The named network, or the current one when ``name`` is None."""
        if name is None:
            info = self.current_network()
            if info is None:
                raise LibraryError(f"no network yet for {self.root}: run 'hashview train {self.root}' first")
            return info
        try:
            return self.shelf.find(name)
        except NetworkNotFound as exc:
            raise LibraryError(str(exc)) from None

    def rename_network(self, name: str, new_name: str) -> NetworkInfo:
        """Rename a network; its id, codes and current status stay as they were."""
        info = self.network(name)
        try:
            return self.shelf.rename(info.id, new_name)
        except ValueError as exc:
            raise LibraryError(str(exc)) from None

    def delete_network(self, name: str, make_current: str | None = None, leave_none: bool = False) -> NetworkInfo | None:
        """Delete a network file, its summary and its codes.

        Deleting the current network needs a clear choice: ``make_current`` names
        the network to use instead, or ``leave_none`` accepts having none (search
        then waits for a new training run).

        Returns:
            The current network afterwards (None when there is none).

        Raises:
            LibraryError: the current network without a choice, or an unknown name.
        """
        info = self.network(name)
        current = self.current_network()
        replacement = None
        if current is not None and current.id == info.id:
            if make_current is not None:
                replacement = self.network(make_current)
                if replacement.id == info.id:
                    raise LibraryError(f"{info.name} cannot replace itself: choose another network")
            elif not leave_none:
                others = [n.name for n in self.networks() if n.id != info.id]
                hint = f"choose one of {', '.join(others)} to use instead" if others else "confirm that no network will be left"
                raise LibraryError(f"{info.name} is the current network: {hint}")
            if replacement is not None:
                self.catalog.set_meta(CURRENT_NETWORK_KEY, replacement.id)
            else:
                self.catalog.set_meta(CURRENT_NETWORK_KEY, "")
        self._hashers.pop(info.id, None)
        self.shelf.delete(info.id)
        self.codes.delete(info.id)
        self._stamps_path(info).unlink(missing_ok=True)
        logger.info("deleted network %s", info.id)
        return self.current_network()

    def import_network(self, path: Path | str, name: str | None = None) -> NetworkInfo:
        """Copy a network file into this library after checking that it loads (imports torch).

        The imported network is a new version with no codes yet: encode it (or
        make it current and encode) before searching with it.

        Raises:
            LibraryError: the file cannot be read as a hashview network.
        """
        from hashview.core.hasher import load_hasher
        from hashview.core.network_file import NetworkFileError

        path = Path(path)
        try:
            hasher = load_hasher(path)
        except NetworkFileError as exc:
            raise LibraryError(str(exc)) from None
        try:
            info = self.shelf.import_file(path, hasher.config, name)
        except ValueError as exc:
            raise LibraryError(str(exc)) from None
        self._hashers[info.id] = hasher
        logger.info("imported network %s from %s", info.id, path)
        return info

    def hasher(self, info: NetworkInfo):
        """The loaded hash function of a network (cached; loading imports torch)."""
        if info.id not in self._hashers:
            from hashview.core.hasher import load_hasher
            from hashview.core.network_file import NetworkFileError

            try:
                self._hashers[info.id] = load_hasher(info.path)
            except NetworkFileError as exc:
                raise LibraryError(str(exc)) from None
        return self._hashers[info.id]

    def train(self, cancel: CancelToken | None = None, **options) -> Generator[Any, None, None]:
        """Train a network on the library, encode the library with it, make it current.

        Options are the fields of ``training.TrainOptions`` (method, bits,
        backbone, weights, epochs, device, labels, name, seed); with
        ``labels="decisions"`` the user's decisions are the pairs it trains on.
        ``labels="auto"`` (or none given) means decisions when the library has
        some and the method can learn from them, else none: a plain ``hashview
        train F`` after a session in the duplicates explorer learns from it.
        Ends with ``Finished(summary={"network": id, ...})``.
        """
        entries = self.entries()
        if not entries:
            raise LibraryError(f"the library is empty: run 'hashview index {self.root}' first")
        if options.get("labels", "auto") == "auto":
            options["labels"] = self._auto_label_source(options.get("method"))
        if options.get("labels") == "decisions" and "pairs" not in options:
            options["pairs"] = self._decision_id_pairs()
        opts = TrainOptions(**options)
        try:
            outcome = yield from train_network(entries, opts, self.shelf, cancel)
        except ValueError as exc:
            raise LibraryError(str(exc)) from None
        info = outcome.info
        self._hashers[info.id] = outcome.hasher
        if outcome.codes is not None:
            self._store_codes(info, outcome.codes, {e.id: e.mtime_ns for e in entries})
        self.catalog.set_meta(CURRENT_NETWORK_KEY, info.id)
        summary = {"network": info.id, "method": info.method, "bits": info.bits, **outcome.summary}
        encode_summary: dict[str, Any] = {}
        for event in self.encode(info.id, cancel):
            if isinstance(event, Finished):
                encode_summary = event.summary
            else:
                yield event
        summary["encoded"] = encode_summary.get("encoded", 0)
        yield Finished(summary)

    # ------------------------------------------------------------------ codes
    def _stamps_path(self, info: NetworkInfo) -> Path:
        return self.codes.directory / f"{info.id}.stamps.npy"

    def _load_codes(self, info: NetworkInfo) -> tuple[CodeSet, dict[int, int]]:
        try:
            codeset = self.codes.load(info.id)
        except ValueError as exc:
            logger.warning("codes of %s unreadable, encoding again: %s", info.id, exc)
            codeset = None
        if codeset is None:
            return CodeSet(np.zeros(0, np.int64), np.zeros((0, info.bits // 8), np.uint8), info.bits), {}
        stamps: dict[int, int] = {}
        try:
            pairs = np.load(self._stamps_path(info))
            stamps = dict(zip(pairs[:, 0].tolist(), pairs[:, 1].tolist()))
        except (OSError, ValueError):
            pass
        return codeset, stamps

    def _store_codes(self, info: NetworkInfo, codeset: CodeSet, stamps: dict[int, int]) -> None:
        """Codes first, then their stamps: a crash between leaves stale stamps, which only cause re-encoding."""
        self.codes.save(info.id, codeset)
        ids = codeset.ids
        pairs = np.stack([ids, np.array([stamps.get(int(i), -1) for i in ids], np.int64)], axis=1) if len(ids) else np.zeros((0, 2), np.int64)
        tmp = self._stamps_path(info).with_suffix(".tmp.npy")
        np.save(tmp, pairs)
        tmp.replace(self._stamps_path(info))

    def encode(self, network: str | None = None, cancel: CancelToken | None = None, device: str = "auto"):
        """Encode the files that have no up-to-date code for the network; drop codes of files gone.

        Ends with ``Finished(summary={"network", "encoded", "codes", "skipped"})``.
        """
        info = self.network(network)
        entries = self.entries()
        codeset, stamps = self._load_codes(info)
        present = {e.id: e.mtime_ns for e in entries}
        have = set(codeset.ids.tolist())
        todo = [e for e in entries if e.id not in have or stamps.get(e.id) != e.mtime_ns]
        skipped = 0
        if todo:
            from hashview.core.device import pick_device

            hasher = self.hasher(info)
            encoded = yield from hasher.encode([e.path for e in todo], pick_device(device), cancel)
            skipped = len(todo) - len(encoded.ok)
            done = [todo[i] for i in encoded.ok.tolist()]
            codeset = merge_codes(codeset, np.array([e.id for e in done], np.int64), encoded.codes)
            stamps.update({e.id: e.mtime_ns for e in done})
        kept = restrict_codes(codeset, np.array(sorted(present), np.int64))
        if todo or len(kept) != len(codeset):
            self._store_codes(info, kept, stamps)
        yield Finished({"network": info.id, "encoded": len(todo) - skipped, "codes": len(kept), "skipped": skipped})

    def codes_ready(self, network: str | None = None) -> bool:
        """Whether every catalog entry has a code for the network (no encoding needed)."""
        try:
            info = self.network(network)
        except LibraryError:
            return False
        codeset, stamps = self._load_codes(info)
        have = dict(zip(codeset.ids.tolist(), [stamps.get(i) for i in codeset.ids.tolist()]))
        return all(have.get(e.id, None) == e.mtime_ns for e in self.entries())

    def ready_codes(self, network: str | None = None, cancel: CancelToken | None = None) -> tuple[NetworkInfo, CodeSet]:
        """The network's codes for the whole library, encoding what is missing first."""
        info = self.network(network)
        for _event in self.encode(info.id, cancel):
            pass
        codeset, _stamps = self._load_codes(info)
        return info, codeset

    # ----------------------------------------------------------------- search
    def search(
        self, images: Sequence[Path], network: str | None = None, k: int = 20, radius: int | None = None
    ) -> list[QueryResult]:
        """Rank the library by Hamming distance to each query image.

        A query that is in the library uses its stored code; any other image is
        encoded on the fly. With ``radius``, every image within it is returned
        (still ranked), else the top ``k``. Ties are ordered by catalog id.

        Raises:
            LibraryError: no network yet, or a query image that cannot be read.
        """
        info, codeset = self.ready_codes(network)
        by_id = {e.id: e for e in self.entries()}
        queries = self._query_codes(info, codeset, [Path(p) for p in images])
        results = []
        for query_path, code in zip(images, queries):
            if radius is not None:
                rows, dists = hamming.within_radius(codeset.codes, code, radius)
                if k and len(rows) > k:
                    rows, dists = rows[:k], dists[:k]
            else:
                rows, dists = hamming.top_k(codeset.codes, code, k)
                rows, dists = rows[0], dists[0]
            hits = []
            for row, dist in zip(rows.tolist(), dists.tolist()):
                entry = by_id[int(codeset.ids[row])]
                hits.append(Hit(entry.id, entry.path, int(dist)))
            results.append(QueryResult(str(query_path), hits))
        return results

    def _query_codes(self, info: NetworkInfo, codeset: CodeSet, images: list[Path]) -> list[np.ndarray]:
        row_of = {int(i): r for r, i in enumerate(codeset.ids.tolist())}
        codes: list[np.ndarray | None] = []
        outside: list[int] = []
        for n, path in enumerate(images):
            entry = self.catalog.entry_by_path(path) if path.exists() else None
            if entry is not None and entry.id in row_of:
                codes.append(codeset.codes[row_of[entry.id]])
            else:
                if not path.is_file():
                    raise LibraryError(f"query image not found: {path}")
                codes.append(None)
                outside.append(n)
        if outside:
            from hashview.core.device import pick_device

            hasher = self.hasher(info)
            gen = hasher.encode([images[n] for n in outside], pick_device("auto"))
            reasons = {}
            try:
                while True:
                    event = next(gen)
                    if isinstance(event, Skipped):
                        reasons[event.path] = event.reason
            except StopIteration as stop:
                encoded = stop.value
            if len(encoded.ok) != len(outside):
                bad = next(str(images[n]) for i, n in enumerate(outside) if i not in set(encoded.ok.tolist()))
                raise LibraryError(f"cannot read query image {bad}: {reasons.get(bad, 'not an image')}")
            for row, n in zip(range(len(outside)), outside):
                codes[n] = encoded.codes[row]
        return codes  # type: ignore[return-value]

    # ------------------------------------------------------------- duplicates
    def duplicates(self, network: str | None = None, radius: int | None = None, exact: bool = False) -> list[DuplicateGroup]:
        """Groups of duplicate photos: identical files (``exact``) or codes within ``radius``.

        ``radius`` None is ``suggested_radius(network)``. The user's decisions
        hold over the codes: two files marked "different" are never in one
        group, files marked "same" are grouped even beyond the radius.
        """
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
        radius = self._suggested(info, codeset) if radius is None else radius
        if radius < 0:
            raise LibraryError("the radius must be 0 or more")
        by_id = {e.id: e for e in self.entries()}
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self._row_decisions(row_of)
        i, j, d = pairs_within(codeset.codes, radius)
        groups = []
        for rows in group_with_decisions(len(codeset), i, j, d, radius, decided):
            ids = [int(codeset.ids[r]) for r in rows.tolist()]
            groups.append(
                DuplicateGroup(
                    [by_id[x].path for x in ids], ids, int(group_max_distance(codeset.codes, rows))
                )
            )
        return groups

    def suggested_radius(self, network: str | None = None) -> int:
        """The radius read off the codes' own distances (``radius.suggest_radius``).

        Each code's distance to its nearest other code is measured (a sample
        of 4,000 codes in large libraries). A network that learnt duplicates
        puts photos with a copy a few bits from it and photos without one far
        from everything, so the histogram of those distances has two modes;
        the radius sits in the emptiest bin between them (searched in 1..K/4,
        the middle of the widest empty stretch on ties). Fewer than 2 codes:
        K/16.
        """
        info, codeset = self.ready_codes(network)
        return self._suggested(info, codeset)

    def _suggested(self, info: NetworkInfo, codeset: CodeSet) -> int:
        if len(codeset) < 2:
            return default_duplicate_radius(info.bits)
        return suggest_radius(codeset.codes, info.bits)

    def radius_profile(self, network: str | None = None, radii: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """What each radius gives: one row per radius, ``{"radius", "groups", "pairs", "precision"}``.

        ``pairs`` counts the code pairs within the radius; ``groups`` the groups
        ``duplicates`` would show there (decisions applied); ``precision`` is
        implied by the user's decisions: of the decided pairs that the radius
        alone pairs up, the share marked "same" (None where no decided pair is
        within it). Folder names are no evidence here: two photos in one
        folder are not copies of each other. ``radii`` None: 0 up to the larger
        of K/4 and twice the suggested radius.
        """
        info, codeset = self.ready_codes(network)
        if radii is None:
            top = max(info.bits // 4, 2 * self._suggested(info, codeset))
            radii = range(0, min(top, info.bits) + 1)
        radii = sorted({int(r) for r in radii})
        if radii and radii[0] < 0:
            raise LibraryError("the radius must be 0 or more")
        row_of = {int(x): r for r, x in enumerate(codeset.ids.tolist())}
        decided = self._row_decisions(row_of)
        same_d, diff_d = decided_distances(lambda a, b: pair_distances(codeset.codes, a, b), decided)
        i, j, d = pairs_within(codeset.codes, radii[-1]) if radii and len(codeset) else (np.zeros(0, np.int64),) * 3
        d = np.asarray(d, np.int64)
        rows = []
        for r in radii:
            groups = group_with_decisions(len(codeset), i, j, d, r, decided) if len(codeset) else []
            rows.append({"radius": r, "groups": len(groups), "pairs": int((d <= r).sum()),
                         "precision": implied_precision(r, same_d, diff_d)})
        return rows

    # -------------------------------------------------------------- decisions
    def record_decision(self, a: Path, b: Path, verdict: str) -> None:
        """Remember that two files are the "same" picture, "different" ones, or ("undecided") forget it.

        Stored by content digest, so the verdict survives renames, moves and
        rescans, and holds for every exact copy of either file.

        Raises:
            LibraryError: a file not in the catalog, or an unknown verdict.
        """
        if verdict not in VERDICTS:
            raise LibraryError(f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
        ea, eb = self._entry_for(a), self._entry_for(b)
        if ea.digest == eb.digest and verdict == "different":
            raise LibraryError(f"{ea.path.name} and {eb.path.name} are identical files: they cannot be different photos")
        self.catalog.set_decision(ea.digest, eb.digest, None if verdict == "undecided" else verdict)

    def decisions(self) -> list[tuple[Path, Path, str]]:
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
        """"decisions" when there are some and ``method`` (None: the default) can use them, else "none"."""
        if method is not None and (method not in method_names() or "decisions" not in method_traits(method).labels):
            return "none"  # an unknown method is refused by check_options with its own message
        return "decisions" if self.decision_count() else "none"

    def decision_count(self) -> int:
        """How many decisions are between two different files of the library now (what ``labels="decisions"`` trains on)."""
        return self.catalog.decision_count()

    def forget(self, paths: Sequence[Path]) -> None:
        """Drop files (moved to the trash by the app) from the catalog and from every network's codes.

        Paths outside the library or not in the catalog are ignored. Decisions
        stay: they are stored by content, and hold again if a file comes back.
        """
        gone = [e for e in (self.catalog.entry_by_path(Path(p)) for p in paths) if e is not None]
        if not gone:
            return
        self.catalog.remove([e.relpath for e in gone])
        left = np.array(sorted(e.id for e in self.entries()), np.int64)
        for info in self.networks():
            codeset, stamps = self._load_codes(info)
            kept = restrict_codes(codeset, left)
            if len(kept) != len(codeset):
                self._store_codes(info, kept, stamps)

    def _entry_for(self, path: Path) -> Entry:
        entry = self.catalog.entry_by_path(Path(path))
        if entry is None:
            raise LibraryError(f"not in the library (index it first): {path}")
        return entry

    def _decisions_by_id(self) -> list[tuple[int, int, str]]:
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
            seen[(min(a, b), max(a, b))] = 1 if v == "same" else -1
        return tuple((a, b, v) for (a, b), v in sorted(seen.items()))
