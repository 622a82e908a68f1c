"""A library: one folder of photos with its catalog, networks and codes.

This facade is what both front ends use: the command line drives its
generators with a progress bar, the desktop app runs them in workers. It holds
no Qt and imports torch only when a network is trained or run.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashview.core.catalog.database import Catalog
from hashview.core.catalog.indexing import THUMB_SIDE, index_library
from hashview.core.catalog.records import Entry
from hashview.core.duplicates.decision_book import DecisionBook
from hashview.core.duplicates.finder import DuplicateFinder
from hashview.core.errors import HashviewError, LibraryError
from hashview.core.events import CancelToken, Finished, Progress, Skipped, drain, relay
from hashview.core.hamming.codes import CodeSet, CodeStore, merge_codes, restrict_codes
from hashview.core.hamming.search import top_k, within_radius
from hashview.core.library_networks import CURRENT_NETWORK_KEY, LibraryNetworks
from hashview.core.methods import method_names, method_traits
from hashview.core.nets.shelf import NetworkInfo, NetworkShelf
from hashview.core.paths import library_dir
from hashview.core.runtime import RuntimeOptions
from hashview.core.stale_temp import remove_stale_temp
from hashview.core.train.pipeline import TrainOptions, method_name, train_network

if TYPE_CHECKING:
    from types import TracebackType

    from hashview.core.library_networks import Hasher
    from hashview.core.methods.hasher import Encoded

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    file_id: int
    path: Path
    distance: int


@dataclass(frozen=True)
class QueryResult:
    query: str
    hits: list[Hit]


class Library:
    """One photo folder and everything hashview keeps about it.

    Composed the way Anki's ``Collection`` composes its managers: the
    library's networks (``networks``, a ``LibraryNetworks``), the user's
    duplicate decisions (``decisions``, a ``DecisionBook``) and the duplicate
    finder (``duplicates``, a ``DuplicateFinder``) are objects of their own,
    each handed what it reads. The library itself keeps the catalog, the codes
    (encoding, stamps, search) and training, which ties them together.
    """

    networks: LibraryNetworks
    decisions: DecisionBook
    duplicates: DuplicateFinder

    def __init__(self, root: Path, catalog: Catalog, runtime: RuntimeOptions | None = None) -> None:
        self.root = Path(root)
        self.catalog = catalog
        self.runtime = runtime or RuntimeOptions()  # the environment's choices, read by the front end (runtime.py)
        self.directory = library_dir(self.root)
        self.shelf = NetworkShelf(self.directory / "networks")
        self.codes = CodeStore(self.directory / "codes")
        self.networks = LibraryNetworks(self.root, catalog, self.shelf, self._drop_codes)
        self.decisions = DecisionBook(catalog)
        self.duplicates = DuplicateFinder(
            catalog, self.ready_codes, self.decisions, self.upright_codes, self.tone_codes
        )

    @classmethod
    def open(cls, root: Path | str, runtime: RuntimeOptions | None = None) -> Library:
        """Open (and create the catalog of) the library of folder ``root``.

        ``runtime``: the process's options from the environment, which the front
        end read (``RuntimeOptions.from_environ``); every training run of this
        library gets them. None: the defaults, whatever the environment says.
        """
        root = Path(root).expanduser()
        if not root.exists():
            raise LibraryError(f"no such folder: {root}")
        if not root.is_dir():
            raise LibraryError(f"not a folder: {root}")
        root = root.resolve()
        remove_stale_temp(library_dir(root))  # temporary files of a crashed earlier run
        library = cls(root, Catalog.for_root(root), runtime)
        if library.catalog.rebuilt_from is not None and not library.catalog.get_meta(CURRENT_NETWORK_KEY):
            networks = library.networks.all()  # the damaged catalog named the current one: the newest is the best guess
            if networks:
                library.networks.set_current(networks[-1].id)
        return library

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- catalog
    def index(self, cancel: CancelToken | None = None) -> Iterator[Progress | Skipped | Finished]:
        """Scan the folder into the catalog (incremental); see ``indexing.index_library``."""
        return index_library(self.catalog, cancel)

    def entries(self) -> list[Entry]:
        return self.catalog.entries()

    def thumbnail(self, file_id: int) -> bytes | None:
        return self.catalog.thumbnail(file_id)

    def train(self, options: TrainOptions, cancel: CancelToken | None = None) -> Generator[Any, None, None]:
        """Train a network on the library, encode the library with it, make it current.

        With ``options.labels="decisions"`` the user's decisions are the pairs it trains on.
        ``labels="auto"`` (the default) means decisions when the library has
        some and the method can learn from them, else none: a plain ``hashview
        train F`` after a session in the duplicates explorer learns from it.
        Ends with ``Finished(summary={"network": id, ...})``. The library's
        ``runtime`` options apply unless ``options.runtime`` is set. The new
        network becomes current unless it is a refinement that measured no
        better (``refined_better``) or ``options.keep_current`` keeps the one
        the library has (``summary["kept"]``; the app asks first).

        Raises:
            LibraryError: whatever the user can change (an option, the photos, a
                backbone's weights, the device), in one line; the error behind it
                is its ``__cause__``. Any other exception is a bug and propagates as it is.
        """
        entries = self.entries()
        if not entries:
            raise LibraryError(f"the library is empty: run 'hashview index {self.root}' first")
        opts = options
        previous = self.networks.current()
        if opts.labels == "auto":
            opts = replace(opts, labels=self._auto_label_source(opts.method))
        if opts.labels == "decisions" and not opts.pairs:
            opts = replace(opts, pairs=self.decisions.id_pairs())
        if opts.runtime is None:
            opts = replace(opts, runtime=self.runtime)
        start = self._start_network(opts)
        if start is not None:
            net = start.config.get("net", {})
            opts = replace(
                opts,
                start_from=str(start.path),
                bits=opts.bits or start.bits,
                backbone=opts.backbone if opts.backbone not in (None, "", "auto") else net.get("trunk"),
                input_size=opts.input_size or net.get("input_size"),
            )
        elif opts.start_from == "auto":
            opts = replace(opts, start_from="scratch")
        try:
            outcome = yield from train_network(entries, opts, self.shelf, cancel)
        except LibraryError:
            raise
        except HashviewError as exc:  # one type for the library's callers (the app shows its line as it is)
            raise LibraryError(str(exc)) from exc
        info = outcome.info
        self.networks.keep_hasher(info, outcome.hasher)
        if outcome.codes is not None:
            looks = {UPRIGHT: outcome.upright, TONE: outcome.tone}
            self._store_codes(
                info,
                outcome.codes,
                {e.id: e.mtime_ns for e in entries},
                {look: codes for look, codes in looks.items() if codes is not None},
            )
        summary = {"network": info.id, "method": info.method, "bits": info.bits, **outcome.summary}
        better = refined_better(outcome.summary)
        if start is not None and not better:  # a refinement that measured no better leaves the network it refined
            self.networks.set_current(start.id)
            summary.update(switched=False, current=start.id, current_name=start.name)
        elif opts.keep_current and start is None and previous is not None and previous.id != info.id:
            summary.update(switched=False, kept=True, current=previous.id, current_name=previous.name)
        else:
            self.networks.set_current(info.id)
            summary.update(switched=True, current=info.id, current_name=info.name)
        encode_summary = yield from relay(self.encode(info.id, cancel))
        summary["encoded"] = encode_summary.get("encoded", 0)
        yield Finished(summary)

    def _start_network(self, opts: TrainOptions) -> NetworkInfo | None:
        """The network a run refines, or None to train from zero.

        ``start_from`` "auto": a DupNet run of the library's shape starts from the
        library's current DupNet network, else from the shipped general one, so
        ``hashview train F`` learns the library in far fewer steps than from zero.
        Other methods, or a run asking for another code length, trunk or input
        size, start from zero. A name or id: that network (any method; a shape
        that does not fit is refused by the run in one line). "scratch": zero.
        """
        if opts.start_from == "scratch":
            return None
        if opts.start_from != "auto":
            if Path(opts.start_from).is_file():  # a file: the pipeline reads it as it is
                return None
            return self.networks.get(opts.start_from)
        if method_name(opts) != "dupnet":
            return None

        def fits(config: dict[str, Any]) -> bool:
            net = config.get("net", {})
            return (
                config.get("method") == "dupnet"
                and opts.bits in (None, config.get("bits"))
                and opts.backbone in (None, "", "auto", net.get("trunk"))
                and opts.input_size in (None, net.get("input_size"))
            )

        current = self.networks.current()
        if current is not None and fits(current.config):
            return current
        shipped = self.networks.general_config()  # read before installing: a run of another shape leaves the shelf be
        return self.networks.install_general() if shipped is not None and fits(shipped) else None

    def _auto_label_source(self, method: str | None) -> str:
        """ "decisions" when there are some and ``method`` (None: the default) can use them, else "none"."""
        if method is not None and (method not in method_names() or "decisions" not in method_traits(method).labels):
            return "none"  # an unknown method is refused by check_options with its own message
        return "decisions" if self.decisions.count() else "none"

    # ------------------------------------------------------------------ codes
    def _stamps_path(self, info: NetworkInfo) -> Path:
        return self.codes.directory / f"{info.id}.stamps.npy"

    def _drop_codes(self, info: NetworkInfo) -> None:
        """Delete a network's codes and their stamps (``networks.delete`` asks, after the network file)."""
        self.codes.delete(info.id)
        for look in LOOKS:
            self.codes.delete(_look_key(info, look))
        self._stamps_path(info).unlink(missing_ok=True)

    def _load_codes(self, info: NetworkInfo) -> tuple[CodeSet, dict[int, int]]:
        """The network's codes that belong to the files catalogued now, and their mtime stamps.

        A code is kept only where its stamp's content digest is the file's
        digest now: ids restart when a catalog is made again, so an id and an
        mtime alone could hand an old photo's code to a new file. Stamps saved
        before digests were recorded (two columns) are trusted only by a
        catalog older than that rule (``Catalog.trusts_legacy_codes``).
        """
        empty = CodeSet(np.zeros(0, np.int64), np.zeros((0, info.bits // 8), np.uint8), info.bits)
        try:
            codeset = self.codes.load(info.id)
        except ValueError as exc:
            logger.warning("codes of %s unreadable, encoding again: %s", info.id, exc)
            codeset = None
        if codeset is None:
            return empty, {}
        versions = self.catalog.versions()
        stamps: dict[int, int] = {}
        try:
            table = np.load(self._stamps_path(info))
        except (OSError, ValueError, EOFError):
            table = None
        if table is not None and table.ndim == 2 and table.shape[1] >= 3:
            for file_id, mtime_ns, digest in table[:, :3].tolist():
                version = versions.get(file_id)
                if version is not None and _digest_stamp(version[1]) == digest:
                    stamps[file_id] = mtime_ns
        elif table is not None and table.ndim == 2 and table.shape[1] == 2 and self.catalog.trusts_legacy_codes:
            stamps = {file_id: mtime_ns for file_id, mtime_ns in table.tolist() if file_id in versions}
        trusted = np.isin(codeset.ids, np.array(sorted(stamps), np.int64))
        if not trusted.all():
            logger.info(
                "%d codes of %s do not match the catalog's files: encoding them again", int((~trusted).sum()), info.id
            )
            codeset = CodeSet(codeset.ids[trusted], codeset.codes[trusted], codeset.n_bits)
        return codeset, stamps

    def upright_codes(self, info: NetworkInfo, codeset: CodeSet) -> CodeSet | None:
        """The upright-turn codes (``images.orientation``) of ``codeset``'s rows, row for row, or None.

        None for a network that keeps none (``finds_turned_copies``), and for
        codes encoded before it did until they are encoded again (``encode``
        does that for every row that lacks one).
        """
        return self._look_codes(info, codeset, UPRIGHT)

    def tone_codes(self, info: NetworkInfo, codeset: CodeSet) -> CodeSet | None:
        """The 64-bit tone hashes (``images.tone_hash``) of ``codeset``'s rows, row for row, or None (a network
        that keeps none, ``keeps_tone_hashes``, or codes encoded before it did, until they are encoded again)."""
        return self._look_codes(info, codeset, TONE)

    def _look_codes(self, info: NetworkInfo, codeset: CodeSet, look: str) -> CodeSet | None:
        if look not in _looks_kept(info):
            return None
        stored = self._stored_look(info, look)
        if not np.isin(codeset.ids, stored.ids).all():
            return None
        return restrict_codes(stored, codeset.ids)

    def _present_looks(self, info: NetworkInfo, codeset: CodeSet) -> dict[str, CodeSet]:
        """The looks the network keeps that every row of ``codeset`` has, by name."""
        looks = {look: self._look_codes(info, codeset, look) for look in _looks_kept(info)}
        return {look: codes for look, codes in looks.items() if codes is not None}

    def _store_codes(
        self, info: NetworkInfo, codeset: CodeSet, stamps: dict[int, int], looks: dict[str, CodeSet] | None = None
    ) -> None:
        """Codes first (the other looks' codes, ``looks``, before them), then their stamps (id, mtime, content
        digest): a crash between only causes re-encoding.

        A stamp's digest is the catalog's for that id and mtime; a file changed
        since it was encoded gets none, so it is encoded again.
        """
        for look, codes in (looks or {}).items():
            self.codes.save(_look_key(info, look), restrict_codes(codes, codeset.ids))
        self.codes.save(info.id, codeset)
        versions = self.catalog.versions()
        rows = []
        for file_id in codeset.ids.tolist():
            mtime_ns = stamps.get(int(file_id), -1)
            version = versions.get(int(file_id))
            digest = _digest_stamp(version[1]) if version is not None and version[0] == mtime_ns else 0
            rows.append((int(file_id), int(mtime_ns), digest))
        table = np.array(rows, np.int64).reshape(-1, 3)
        target = self._stamps_path(info)
        tmp = target.with_suffix(".tmp.npy")
        try:
            np.save(tmp, table)
            tmp.replace(target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise OSError(exc.errno, exc.strerror, str(target)) from exc

    def encode(
        self, network: str | None = None, cancel: CancelToken | None = None, device: str = "auto"
    ) -> Generator[Any, None, None]:
        """Encode the files that have no up-to-date code for the network; drop codes of files gone.

        Ends with ``Finished(summary={"network", "encoded", "codes", "skipped"})``.
        """
        info = self.networks.get(network)
        entries = self.entries()
        codeset, stamps = self._load_codes(info)
        present = {e.id: e.mtime_ns for e in entries}
        have = set(codeset.ids.tolist())
        looks = {look: self._stored_look(info, look) for look in _looks_kept(info)}
        for stored in looks.values():  # a row with no upright code or tone hash yet is encoded again, all at once
            have &= set(stored.ids.tolist())
        todo = [e for e in entries if e.id not in have or stamps.get(e.id) != e.mtime_ns]
        skipped = 0
        if todo:
            from hashview.core.methods.hasher import DeepHasher
            from hashview.core.nets.device import pick_device

            hasher = self.networks.hasher(info)
            on_twin = isinstance(hasher, DeepHasher) and hasher.runs_without_torch(len(todo))
            done, encoded = yield from self._encode_entries(
                hasher, todo, "cpu" if on_twin else pick_device(device), cancel
            )
            skipped = len(todo) - len(done)
            done_ids = np.array([e.id for e in done], np.int64)
            codeset = merge_codes(codeset, done_ids, encoded.codes)
            for look, stored in looks.items():
                new = _encoded_look(encoded, look)
                if new is not None:
                    looks[look] = merge_codes(stored, done_ids, new)
            stamps.update({e.id: e.mtime_ns for e in done})
        kept = restrict_codes(codeset, np.array(sorted(present), np.int64))
        if todo or len(kept) != len(codeset):
            self._store_codes(info, kept, stamps, looks)
        yield Finished({"network": info.id, "encoded": len(todo) - skipped, "codes": len(kept), "skipped": skipped})

    def _stored_look(self, info: NetworkInfo, look: str) -> CodeSet:
        """A look's codes on disk (empty when none, unreadable or of another length: every row is then
        encoded again)."""
        bits = _look_bits(info, look)
        try:
            stored = self.codes.load(_look_key(info, look))
        except ValueError as exc:
            logger.warning("%s codes of %s unreadable, encoding again: %s", look, info.id, exc)
            stored = None
        return stored if stored is not None and stored.n_bits == bits else CodeSet.empty(bits)

    def _encode_entries(
        self, hasher: Hasher, todo: list[Entry], device: str, cancel: CancelToken | None
    ) -> Generator[Any, None, tuple[list[Entry], Encoded]]:
        """Codes of ``todo``: from the scan's thumbnails where the network sees no more than they hold
        (the file was decoded once, by the scan), from the files for the rest; returns the encoded entries
        and their codes (``Encoded.ok`` unused: the entries say which rows these are)."""
        from hashview.core.methods.hasher import Encoded

        thumbs: dict[int, bytes] = {}
        if hasher.encodes_from(THUMB_SIDE):
            thumbs = self.catalog.thumbnails([e.id for e in todo])
        done: list[Entry] = []
        parts: list[Encoded] = []
        from_thumbs = [e for e in todo if e.id in thumbs]
        if from_thumbs:
            from hashview.core.methods.hasher import DeepHasher

            assert isinstance(hasher, DeepHasher)  # the one kind that encodes from thumbnails
            encoded = yield from hasher.encode_thumbnails([thumbs[e.id] for e in from_thumbs], device, cancel)
            done.extend(from_thumbs[i] for i in encoded.ok.tolist())
            parts.append(encoded)
        encoded_ids = {e.id for e in done}
        from_files = [e for e in todo if e.id not in encoded_ids]
        if from_files:
            encoded = yield from hasher.encode([e.path for e in from_files], device, cancel)
            done.extend(from_files[i] for i in encoded.ok.tolist())
            parts.append(encoded)
        width = hasher.n_bits // 8
        codes = np.concatenate([p.codes for p in parts]) if parts else np.zeros((0, width), np.uint8)

        def joined(look: str) -> np.ndarray | None:
            rows = [row for row in (_encoded_look(p, look) for p in parts) if row is not None]
            return np.concatenate(rows) if parts and len(rows) == len(parts) else None

        return done, Encoded(np.arange(len(done), dtype=np.int64), codes, joined(UPRIGHT), joined(TONE))

    def codes_ready(self, network: str | None = None) -> bool:
        """Whether every catalog entry has a code for the network (no encoding needed)."""
        try:
            info = self.networks.get(network)
        except LibraryError:
            return False
        codeset, stamps = self._load_codes(info)
        have = dict(zip(codeset.ids.tolist(), [stamps.get(i) for i in codeset.ids.tolist()]))
        if any(self._look_codes(info, codeset, look) is None for look in _looks_kept(info)):
            return False
        return all(have.get(e.id) == e.mtime_ns for e in self.entries())

    def ready_codes(self, network: str | None = None, cancel: CancelToken | None = None) -> tuple[NetworkInfo, CodeSet]:
        """The network's codes for the whole library, encoding what is missing first."""
        info = self.networks.get(network)
        drain(self.encode(info.id, cancel))
        codeset, _stamps = self._load_codes(info)
        return info, codeset

    # ----------------------------------------------------------------- search
    def search(
        self, images: Sequence[Path], network: str | None = None, k: int = 20, radius: int | None = None
    ) -> list[QueryResult]:
        """Rank the library by Hamming distance to each query image.

        A query that is in the library uses its stored code; any other image is
        encoded on the fly. A relative query path is relative to the working
        directory, as on any command line, never to the library root. With
        ``radius``, every image within it is returned (still ranked), else the
        top ``k``. Ties are ordered by catalog id.

        Raises:
            LibraryError: no network yet, a negative radius, or a query image that cannot be read.
        """
        if radius is not None and radius < 0:
            raise LibraryError(f"the radius must be 0 or more, not {radius}")
        from hashview.core.duplicates.near_identical import near_identical_limit
        from hashview.core.duplicates.tone import tone_hits
        from hashview.core.duplicates.turned import merge_hits, turned_hits

        info, codeset = self.ready_codes(network)
        by_id = {e.id: e for e in self.entries()}
        upright = self.upright_codes(info, codeset)
        tone = self.tone_codes(info, codeset)
        queries = self._query_codes(info, codeset, [Path(p).absolute() for p in images], upright, tone)
        # twice the groups' turn radius: a query from outside is decoded from its file, a few bits from the
        # thumbnail codes the library holds, and a ranking shown to a person costs little for a wrong hit
        turn_radius = 2 * near_identical_limit(info.bits)
        turn_radius = turn_radius if radius is None else min(radius, turn_radius)
        results = []
        for query_path, (code, code_upright, code_tone) in zip(images, queries):
            if radius is not None:
                rows, dists = within_radius(codeset.codes, code, radius)
            else:
                rows, dists = top_k(codeset.codes, code, k)
                rows, dists = rows[0], dists[0]
            if upright is not None and code_upright is not None:  # copies saved turned (duplicates.turned)
                more = turned_hits(codeset.codes, upright.codes, code, code_upright, turn_radius)
                rows, dists = merge_hits([(rows, dists), more])
            if tone is not None and code_tone is not None:  # copies whose tone changed (duplicates.tone)
                toned = tone_hits(tone.codes, code_tone, info.bits)
                if radius is not None:
                    toned = (toned[0][toned[1] <= radius], toned[1][toned[1] <= radius])
                rows, dists = merge_hits([(rows, dists), toned])
            if k and len(rows) > k:
                rows, dists = rows[:k], dists[:k]
            hits = []
            for row, dist in zip(rows.tolist(), dists.tolist()):
                entry = by_id[int(codeset.ids[row])]
                hits.append(Hit(entry.id, entry.path, int(dist)))
            results.append(QueryResult(str(query_path), hits))
        return results

    def _query_codes(
        self,
        info: NetworkInfo,
        codeset: CodeSet,
        images: list[Path],
        upright: CodeSet | None = None,
        tone: CodeSet | None = None,
    ) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]]:
        """Each query's code, its upright-turn code and its tone hash (None where the network keeps none):
        stored for a library image, encoded on the fly for any other."""
        row_of = {int(i): r for r, i in enumerate(codeset.ids.tolist())}
        codes: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | None] = []
        outside: list[int] = []
        images = [Path(p).absolute() for p in images]  # the catalog reads a relative path as root-relative
        for n, path in enumerate(images):
            entry = self.catalog.entry_by_path(path) if path.exists() else None
            if entry is not None and entry.id in row_of:
                row = row_of[entry.id]
                codes.append(
                    (
                        codeset.codes[row],
                        upright.codes[row] if upright is not None else None,
                        tone.codes[row] if tone is not None else None,
                    )
                )
            else:
                if not path.is_file():
                    raise LibraryError(f"query image not found: {path}")
                codes.append(None)
                outside.append(n)
        if outside:
            from hashview.core.nets.device import pick_device

            hasher = self.networks.hasher(info)
            reasons: dict[str, str] = {}

            def note_skipped(event: object) -> None:
                if isinstance(event, Skipped):
                    reasons[event.path] = event.reason

            encoded = drain(hasher.encode([images[n] for n in outside], pick_device("auto")), note_skipped)
            if len(encoded.ok) != len(outside):
                bad = next(str(images[n]) for i, n in enumerate(outside) if i not in set(encoded.ok.tolist()))
                raise LibraryError(f"cannot read query image {bad}: {reasons.get(bad, 'not an image')}")
            for row, n in zip(range(len(outside)), outside):
                codes[n] = (
                    encoded.codes[row],
                    encoded.upright[row] if encoded.upright is not None else None,
                    encoded.tone[row] if encoded.tone is not None else None,
                )
        return codes  # type: ignore[return-value]

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
        for info in self.networks.all():
            codeset, stamps = self._load_codes(info)
            kept = restrict_codes(codeset, left)
            if len(kept) != len(codeset):
                self._store_codes(info, kept, stamps, self._present_looks(info, codeset))


UPRIGHT, TONE = "upright", "tone"
LOOKS = (UPRIGHT, TONE)
"""The other looks at a picture a duplicate network's library keeps beside its codes: the code of the picture
turned upright (``duplicates.turned``) and its tone hash (``duplicates.tone``)."""


def _looks_kept(info: NetworkInfo) -> tuple[str, ...]:
    from hashview.core.methods.hasher import finds_turned_copies, keeps_tone_hashes

    return ((UPRIGHT,) if finds_turned_copies(info.config) else ()) + (
        (TONE,) if keeps_tone_hashes(info.config) else ()
    )


def _look_bits(info: NetworkInfo, look: str) -> int:
    from hashview.core.images.tone_hash import TONE_BITS

    return TONE_BITS if look == TONE else info.bits


def _look_key(info: NetworkInfo, look: str) -> str:
    """The code store's key for one of a network's looks (beside its own key, ``info.id``)."""
    return f"{info.id}.{look}"


def _upright_key(info: NetworkInfo) -> str:
    """The code store's key for a network's upright-turn codes."""
    return _look_key(info, UPRIGHT)


def _encoded_look(encoded: Encoded, look: str) -> np.ndarray | None:
    return encoded.tone if look == TONE else encoded.upright


def refined_better(summary: dict[str, Any]) -> bool:
    """Whether a run's network measured better than the one it refined, on the same probe.

    The probe ranks synthetic copies of the library's own photos (fresh edits,
    never the ones trained on) against the photos, before the first step and
    after the last: a refinement that does not raise its mAP is not worth
    switching to. A run from zero (no baseline) always counts as better.
    """
    baseline = summary.get("baseline")
    final = summary.get("map")
    if not baseline or baseline.get("map") is None:
        return True
    return final is not None and float(final) > float(baseline["map"])


def _digest_stamp(digest: str) -> int:
    """A content digest as one int64 for the stamps table (0 is left for "none")."""
    value = int.from_bytes(
        hashlib.blake2b(str(digest).encode("utf-8", "surrogateescape"), digest_size=8).digest(), "little", signed=True
    )
    return value or 1
