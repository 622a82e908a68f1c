"""The SQLite catalog of one library: its files, their identity, EXIF and thumbnails.

One database per library root, in WAL mode so the app can read thumbnails
while an indexing job writes. Connections are per native thread, keyed by
``threading.get_ident()``: SQLite connections must not be shared between
threads, and the GUI reads from worker threads while another worker indexes.
Not ``threading.local``: Qt pool threads get a fresh Python thread state for
every task, so a thread-local connection would be opened again (and kept open)
for every thumbnail batch. Writes are short ``BEGIN
IMMEDIATE`` transactions, so a job killed half-way leaves every batch it
committed and nothing half-written.

A catalog is a cache of its folder: one found damaged (not a database,
truncated, failing SQLite's checks) is set aside as ``catalog.sqlite3.damaged``
and started again, with a logged warning, and the next index fills it. The
user's duplicate decisions, the one thing in it made by hand, are also kept in
a decisions file outside the cache (``decision_log.py``), so a rebuild, or a
person deleting the cache, never loses them. Other SQLite faults (a full disk,
a read-only folder, a busy file) become a ``CatalogError`` whose one line names
the file and what to do.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hashview.core import paths
from hashview.core.catalog.decision_log import DecisionLog, DecisionState
from hashview.core.catalog.faults import (
    WRITABLE_HINT,
    CatalogError,
    fault_for,
    is_damage,
    salvage_decisions,
    translated,
    truncated_reason,
)
from hashview.core.catalog.records import Entry, FileRecord
from hashview.core.catalog.schema import MIGRATIONS, SCHEMA, SCHEMA_VERSION
from hashview.core.catalog.verdict import Verdict

logger = logging.getLogger(__name__)

_ENTRY_COLUMNS = "id, relpath, size, mtime_ns, digest, width, height, orientation, taken, label"


class Catalog:
    """The catalog of one library root; safe to use from several threads.

    Use it as a context manager, or call ``close()``: that closes every
    thread's connection. ``rebuilt_from`` is the set-aside damaged file when
    opening had to start the catalog again (None otherwise).
    """

    def __init__(self, db_path: Path, root: Path, decisions_path: Path | None = None) -> None:
        self.db_path = Path(db_path)
        self.root = Path(os.path.abspath(Path(root).expanduser()))
        self._lock = threading.Lock()
        self._connections: dict[int, sqlite3.Connection] = {}
        self._closed = False
        self._log = DecisionLog(decisions_path) if decisions_path is not None else None
        self.rebuilt_from: Path | None = None
        try:
            self.db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(
                f"cannot create the catalog folder {self.db_path.parent} ({exc.strerror or exc}): {WRITABLE_HINT}"
            ) from None
        reason = self._damage_before_open()
        if reason is None:
            reason = self._open_schema()
        salvaged: DecisionState = {}
        if reason is not None:
            salvaged = self._rebuild(reason)
        self._sync_decisions(salvaged)

    @classmethod
    def for_root(cls, root: Path) -> Catalog:
        """The catalog of ``root`` in hashview's cache folder (created if needed), its decisions mirrored outside it."""
        return cls(paths.library_dir(Path(root)) / "catalog.sqlite3", Path(root), paths.decisions_path(Path(root)))

    # -- connections -------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on its first use."""
        thread = threading.get_ident()
        with self._lock:
            if self._closed:
                raise CatalogError("the catalog is closed")
            conn = self._connections.get(thread)
        if conn is not None:
            return conn
        conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
        except BaseException:
            conn.close()
            raise
        with self._lock:
            closed = self._closed
            if not closed:
                self._connections[thread] = conn
        if closed:  # closed while this one was opening: nobody else will close it
            conn.close()
            raise CatalogError("the catalog is closed")
        return conn

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so two writers never deadlock."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # SQLite rolls back by itself after some faults (a full disk)
                try:
                    conn.execute("ROLLBACK")
                except sqlite3.Error:  # pragma: no cover - the original fault is the one to report
                    logger.debug("rollback failed", exc_info=True)
            raise
        else:
            conn.execute("COMMIT")

    # -- faults and rebuilding -----------------------------------------------

    @property
    def _damage_flag(self) -> Path:
        return self.db_path.with_name(self.db_path.name + ".rebuild")

    def _fault(self, exc: sqlite3.Error) -> CatalogError | None:
        """The one-line error for a SQLite fault, or None for one that is a bug (left to surface as is).

        Damage is also flagged on disk, so the next open rebuilds the file even
        if its first pages still look fine.
        """
        if is_damage(exc):
            try:
                self._damage_flag.write_text(f"{exc}\n", encoding="utf-8")
            except OSError:
                logger.warning("cannot flag the damaged catalog %s", self.db_path, exc_info=True)
        return fault_for(exc, self.db_path)

    def _damage_before_open(self) -> str | None:
        """Why the file must be rebuilt before SQLite opens it (flagged earlier, or cut short), else None."""
        if self._damage_flag.exists():
            try:
                return "flagged damaged: " + self._damage_flag.read_text(encoding="utf-8", errors="replace").strip()
            except OSError:
                return "flagged damaged"
        return truncated_reason(self.db_path)

    def _open_schema(self) -> str | None:
        """Create or migrate the schema; returns why the file is damaged, or None when it opened."""
        try:
            self._init_schema()
            self._conn().execute("SELECT COUNT(*), MAX(id) FROM files").fetchone()  # reads the table's pages
        except sqlite3.Error as exc:
            if is_damage(exc):
                return str(exc)
            fault = self._fault(exc)
            self._close_connections()
            if fault is None:
                raise
            raise fault from exc
        return None

    def _close_connections(self) -> None:
        with self._lock:
            conns, self._connections = list(self._connections.values()), {}
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing is best effort
                logger.debug("closing a catalog connection failed", exc_info=True)

    def _rebuild(self, reason: str) -> DecisionState:
        """Set the damaged file aside as ``*.damaged`` and start an empty catalog; returns decisions salvaged from it."""
        self._close_connections()
        db = self.db_path
        aside = db.with_name(db.name + ".damaged")
        try:
            os.replace(db, aside)
            for suffix in ("-wal", "-shm"):
                side = Path(str(db) + suffix)
                if side.exists():
                    os.replace(side, Path(str(aside) + suffix))
            self._damage_flag.unlink(missing_ok=True)
        except OSError as exc:
            raise CatalogError(
                f"the catalog {db} is damaged ({reason}) and cannot be set aside "
                f"({exc.strerror or exc}): delete it, or make {db.parent} writable"
            ) from None
        logger.warning(
            "the catalog %s was damaged (%s): it is kept as %s and started again; index the folder "
            "to fill it (your decisions are kept)",
            db,
            reason,
            aside.name,
        )
        self.rebuilt_from = aside
        salvaged = salvage_decisions(aside)
        try:
            self._init_schema()
        except sqlite3.Error as exc:
            fault = self._fault(exc)
            if fault is None:
                raise
            raise fault from exc
        return salvaged

    def _init_schema(self) -> None:
        with self._write() as conn:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise CatalogError(
                    f"the catalog {self.db_path} was made by a newer hashview (schema {row[0]} > {SCHEMA_VERSION}): "
                    f"upgrade hashview, or delete that file to start a new catalog (your decisions are kept)"
                )
            version = 1 if row is None else int(row[0])
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if row is not None:
                    logger.info("catalog %s migrated from schema %d to %d", self.db_path, step, step + 1)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            # Who this catalog is: codes record the content digest of what they encoded, and only
            # a catalog older than that rule may trust codes that recorded no digest.
            if conn.execute("SELECT 1 FROM meta WHERE key='catalog_id'").fetchone() is None:
                conn.execute("INSERT INTO meta VALUES ('catalog_id', ?)", (uuid.uuid4().hex,))
                if row is not None:
                    conn.execute("INSERT OR REPLACE INTO meta VALUES ('legacy_codes', '1')")
            root_text = _text(str(self.root))
            stored = conn.execute("SELECT value FROM meta WHERE key='root'").fetchone()
            if stored is not None and stored[0] != root_text:
                logger.info("library moved from %s to %s", stored[0], root_text)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('root', ?)", (root_text,))

    def _sync_decisions(self, salvaged: DecisionState) -> None:
        """Make the catalog's decisions and the decisions file agree.

        The file wins for every pair it mentions (including withdrawn
        verdicts); pairs only the catalog knows (decided with an older
        hashview, or salvaged from a damaged catalog) are added to the file.
        Runs inside a write transaction, so two processes never merge at once.
        """
        try:
            with self._write() as conn:
                table: DecisionState = {
                    (r[0], r[1]): (r[2], r[3])
                    for r in conn.execute("SELECT digest_a, digest_b, verdict, decided FROM decisions")
                }
                known = {**salvaged, **table}
                if self._log is None:
                    state: DecisionState | None = None
                else:
                    try:
                        state = self._log.load()
                    except OSError as exc:
                        logger.warning("cannot read the decisions file %s: %s", self._log.path, exc)
                        return
                merged = dict(state or {})
                extra = {pair: row for pair, row in known.items() if pair not in merged}
                merged.update(extra)
                if self._log is not None and (extra or (state is not None and self._log.needs_compaction(merged))):
                    self._log.rewrite(merged)
                wanted: dict[tuple[str, str], tuple[Verdict | str, str]] = {
                    pair: (verdict, decided) for pair, (verdict, decided) in merged.items() if verdict is not None
                }
                if wanted != table:
                    conn.execute("DELETE FROM decisions")
                    conn.executemany(
                        "INSERT INTO decisions (digest_a, digest_b, verdict, decided) VALUES (?, ?, ?, ?)",
                        ((a, b, Verdict.parse(v).value, d) for (a, b), (v, d) in wanted.items()),
                    )
                    if table or salvaged:
                        logger.info(
                            "decisions of %s restored from %s",
                            self.db_path,
                            self._log.path if self._log is not None else "the damaged catalog",
                        )
        except sqlite3.Error as exc:
            fault = self._fault(exc)
            if fault is None:
                raise
            raise fault from exc
        except OSError as exc:
            raise CatalogError(
                f"cannot write the decisions file {self._log.path if self._log else ''} "
                f"({exc.strerror or exc}): {WRITABLE_HINT}"
            ) from None

    def close(self) -> None:
        """Close every thread's connection; the catalog cannot be used afterwards."""
        with self._lock:
            self._closed = True
        self._close_connections()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files -------------------------------------------------------------

    @translated
    def known_files(self) -> dict[str, tuple[int, int, int]]:
        """``relpath -> (id, size, mtime_ns)`` for every catalogued file."""
        rows = self._conn().execute("SELECT relpath, id, size, mtime_ns FROM files")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    @translated
    def upsert(self, records: Iterable[FileRecord]) -> None:
        """Store records in one transaction; a file already known keeps its id."""
        with self._write() as conn:
            for r in records:
                row = conn.execute(
                    "INSERT INTO files (relpath, size, mtime_ns, digest, width, height,"
                    " orientation, taken, label) VALUES (?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(relpath) DO UPDATE SET size=excluded.size,"
                    " mtime_ns=excluded.mtime_ns, digest=excluded.digest,"
                    " width=excluded.width, height=excluded.height,"
                    " orientation=excluded.orientation, taken=excluded.taken,"
                    " label=excluded.label RETURNING id",
                    (r.relpath, r.size, r.mtime_ns, r.digest, r.width, r.height, r.orientation, r.taken, r.label),
                ).fetchone()
                conn.execute("INSERT OR REPLACE INTO thumbnails (file_id, jpeg) VALUES (?, ?)", (row[0], r.thumb))

    @translated
    def remove(self, relpaths: Iterable[str]) -> None:
        """Forget files (and their thumbnails) by relative path, in one transaction."""
        with self._write() as conn:
            conn.executemany("DELETE FROM files WHERE relpath = ?", ((p,) for p in relpaths))

    def _entry(self, row: Sequence[Any]) -> Entry:
        return Entry(
            id=row[0],
            relpath=row[1],
            path=self.root.joinpath(*row[1].split("/")),
            size=row[2],
            mtime_ns=row[3],
            digest=row[4],
            width=row[5],
            height=row[6],
            orientation=row[7],
            taken=row[8],
            label=row[9],
        )

    @translated
    def entries(self) -> list[Entry]:
        """Every catalogued file, ordered by id."""
        rows = self._conn().execute(f"SELECT {_ENTRY_COLUMNS} FROM files ORDER BY id")
        return [self._entry(r) for r in rows]

    @translated
    def entry(self, file_id: int) -> Entry | None:
        row = self._conn().execute(f"SELECT {_ENTRY_COLUMNS} FROM files WHERE id = ?", (int(file_id),)).fetchone()
        return None if row is None else self._entry(row)

    @translated
    def entry_by_path(self, path: str | os.PathLike[str]) -> Entry | None:
        """The entry of a file given by absolute path or path relative to the root."""
        p = Path(path)
        candidates = []
        if not p.is_absolute():
            candidates.append(p.as_posix())
        else:
            for candidate, root in ((p, self.root), (p.resolve(), self.root.resolve())):
                if candidate.is_relative_to(root):
                    candidates.append(candidate.relative_to(root).as_posix())
        conn = self._conn()
        for rel in dict.fromkeys(candidates):
            if rel != _text(rel):
                continue  # a name that is not valid UTF-8: indexing never stores one
            row = conn.execute(f"SELECT {_ENTRY_COLUMNS} FROM files WHERE relpath = ?", (rel,)).fetchone()
            if row is not None:
                return self._entry(row)
        return None

    @translated
    def versions(self) -> dict[int, tuple[int, str]]:
        """``id -> (mtime_ns, content digest)`` for every catalogued file (what codes are checked against)."""
        return {r[0]: (r[1], r[2]) for r in self._conn().execute("SELECT id, mtime_ns, digest FROM files")}

    @property
    def trusts_legacy_codes(self) -> bool:
        """Whether codes saved without content digests may be used (this catalog is older than that rule)."""
        return self.get_meta("legacy_codes") == "1"

    @translated
    def count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM files").fetchone()[0])

    @translated
    def thumbnails(self, file_ids: list[int], chunk: int = 500) -> dict[int, bytes]:
        """``id -> JPEG thumbnail`` of those of ``file_ids`` that have one."""
        out: dict[int, bytes] = {}
        conn = self._conn()
        for start in range(0, len(file_ids), chunk):
            part = [int(i) for i in file_ids[start : start + chunk]]
            marks = ",".join("?" * len(part))
            for file_id, jpeg in conn.execute(f"SELECT file_id, jpeg FROM thumbnails WHERE file_id IN ({marks})", part):
                out[int(file_id)] = bytes(jpeg)
        return out

    @translated
    def thumbnail(self, file_id: int) -> bytes | None:
        """The JPEG thumbnail of a file, or None if unknown."""
        row = self._conn().execute("SELECT jpeg FROM thumbnails WHERE file_id = ?", (int(file_id),)).fetchone()
        return None if row is None else bytes(row[0])

    @translated
    def exact_duplicate_groups(self) -> list[list[Entry]]:
        """Files with the same content digest: groups of two or more, by first id."""
        rows = self._conn().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM files WHERE digest IN"
            " (SELECT digest FROM files GROUP BY digest HAVING COUNT(*) > 1)"
            " ORDER BY id"
        )
        groups: dict[str, list[Entry]] = {}
        for r in rows:
            groups.setdefault(r[4], []).append(self._entry(r))
        return list(groups.values())  # dicts keep insertion order: by first id

    # -- skipped files and meta ---------------------------------------------

    @translated
    def set_skipped(self, items: list[tuple[str, str]]) -> None:
        """Replace the list of files skipped by the last scan (path, reason)."""
        with self._write() as conn:
            conn.execute("DELETE FROM skipped")
            conn.executemany(
                "INSERT INTO skipped (position, path, reason) VALUES (?, ?, ?)",
                ((i, str(p), str(r)) for i, (p, r) in enumerate(items)),
            )

    @translated
    def skipped(self) -> list[tuple[str, str]]:
        rows = self._conn().execute("SELECT path, reason FROM skipped ORDER BY position")
        return [(r[0], r[1]) for r in rows]

    @translated
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    @translated
    def set_meta(self, key: str, value: str | None) -> None:
        """Set a meta value; None removes the key."""
        with self._write() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))

    # -- duplicate decisions --------------------------------------------------

    @translated
    def set_decision(self, digest_a: str, digest_b: str, verdict: Verdict | str | None) -> None:
        """Remember (or with None forget) the user's verdict on two contents: "same" or "different".

        Raises:
            ValueError: a verdict that is neither (a caller's bug: the finder checks what users give).
        """
        verdict = None if verdict is None else Verdict.parse(verdict).value  # stored as the plain word
        a, b = sorted((str(digest_a), str(digest_b)))
        with self._write() as conn:
            decided = conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%S', 'now')").fetchone()[0]
            if self._log is not None:  # the file first: a crash between leaves it ahead, and opening catches up
                self._log.append(a, b, verdict, decided)
            if verdict is None:
                conn.execute("DELETE FROM decisions WHERE digest_a = ? AND digest_b = ?", (a, b))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO decisions (digest_a, digest_b, verdict, decided) VALUES (?, ?, ?, ?)",
                    (a, b, verdict, decided),
                )

    @translated
    def decisions(self) -> list[tuple[str, str, Verdict]]:
        """Every remembered verdict as (digest_a, digest_b, verdict), digest_a < digest_b, oldest first."""
        rows = self._conn().execute(
            "SELECT digest_a, digest_b, verdict FROM decisions ORDER BY decided, digest_a, digest_b"
        )
        return [(r[0], r[1], Verdict(r[2])) for r in rows]

    @translated
    def decision_count(self) -> int:
        """Verdicts between two different contents that are both in the catalog now."""
        row = (
            self._conn()
            .execute(
                "SELECT COUNT(*) FROM decisions d WHERE d.digest_a != d.digest_b"
                " AND EXISTS (SELECT 1 FROM files f WHERE f.digest = d.digest_a)"
                " AND EXISTS (SELECT 1 FROM files f WHERE f.digest = d.digest_b)"
            )
            .fetchone()
        )
        return int(row[0])


def _text(value: str) -> str:
    """A str SQLite can store: a path whose name is not valid UTF-8 keeps its bytes as escapes."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
