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
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hashview.core import paths

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- AUTOINCREMENT: an id is never reused after its file leaves, so codes and
-- decisions stored against an id can never be mistaken for another file's.
CREATE TABLE IF NOT EXISTS files (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    relpath     TEXT NOT NULL UNIQUE,
    size        INTEGER NOT NULL,
    mtime_ns    INTEGER NOT NULL,
    digest      TEXT NOT NULL,
    width       INTEGER NOT NULL,
    height      INTEGER NOT NULL,
    orientation INTEGER NOT NULL DEFAULT 1,
    taken       TEXT,
    label       TEXT
);
CREATE INDEX IF NOT EXISTS files_digest ON files(digest);
-- Thumbnails apart, so listing entries never pages through image bytes.
CREATE TABLE IF NOT EXISTS thumbnails (
    file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    jpeg    BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped (
    position INTEGER PRIMARY KEY,
    path     TEXT NOT NULL,
    reason   TEXT NOT NULL
);
"""

# Migrations from each version to the next, applied in order to an older catalog
# (and to a new one, which starts at version 1).
_MIGRATIONS = {
    # 1 -> 2: the user's duplicate decisions, by content digest (digest_a < digest_b), so a
    # verdict survives renames, moves and rescans, and applies to every exact copy of a file.
    1: """
CREATE TABLE IF NOT EXISTS decisions (
    digest_a TEXT NOT NULL,
    digest_b TEXT NOT NULL,
    verdict  TEXT NOT NULL CHECK (verdict IN ('same', 'different')),
    decided  TEXT NOT NULL,
    PRIMARY KEY (digest_a, digest_b)
);
""",
}

VERDICTS = ("same", "different")

_ENTRY_COLUMNS = "id, relpath, size, mtime_ns, digest, width, height, orientation, taken, label"


@dataclass(frozen=True)
class FileRecord:
    """What indexing stores for one file (``relpath`` uses "/", relative to the root)."""

    relpath: str
    size: int
    mtime_ns: int
    digest: str
    width: int
    height: int
    orientation: int
    taken: str | None
    label: str | None
    thumb: bytes


@dataclass(frozen=True)
class Entry:
    """One catalogued file as the rest of hashview sees it (no thumbnail bytes)."""

    id: int
    relpath: str
    path: Path
    size: int
    mtime_ns: int
    digest: str
    width: int
    height: int
    orientation: int
    taken: str | None
    label: str | None


class CatalogError(Exception):
    """The catalog file cannot be used (made by a newer hashview, or closed)."""


class Catalog:
    """The catalog of one library root; safe to use from several threads.

    Use it as a context manager, or call ``close()``: that closes every
    thread's connection.
    """

    def __init__(self, db_path: Path, root: Path) -> None:
        self.db_path = Path(db_path)
        self.root = Path(os.path.abspath(Path(root).expanduser()))
        self._lock = threading.Lock()
        self._connections: dict[int, sqlite3.Connection] = {}
        self._closed = False
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._init_schema()

    @classmethod
    def for_root(cls, root: Path) -> Catalog:
        """The catalog of ``root`` in hashview's cache folder (created if needed)."""
        return cls(paths.library_dir(Path(root)) / "catalog.sqlite3", Path(root))

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
        conn = sqlite3.connect(self.db_path, timeout=30.0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
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
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def _init_schema(self) -> None:
        with self._write() as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is not None and int(row[0]) > SCHEMA_VERSION:
                raise CatalogError(
                    f"{self.db_path} was made by a newer hashview "
                    f"(schema {row[0]} > {SCHEMA_VERSION})")
            version = 1 if row is None else int(row[0])
            for step in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                if row is not None:
                    logger.info("catalog %s migrated from schema %d to %d", self.db_path, step, step + 1)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
            stored = conn.execute("SELECT value FROM meta WHERE key='root'").fetchone()
            if stored is not None and stored[0] != str(self.root):
                logger.info("library moved from %s to %s", stored[0], self.root)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('root', ?)", (str(self.root),))

    def close(self) -> None:
        """Close every thread's connection; the catalog cannot be used afterwards."""
        with self._lock:
            self._closed = True
            conns, self._connections = list(self._connections.values()), {}
        for conn in conns:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing is best effort
                logger.debug("closing a catalog connection failed", exc_info=True)

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- files -------------------------------------------------------------

    def known_files(self) -> dict[str, tuple[int, int, int]]:
        """``relpath -> (id, size, mtime_ns)`` for every catalogued file."""
        rows = self._conn().execute("SELECT relpath, id, size, mtime_ns FROM files")
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

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
                    (r.relpath, r.size, r.mtime_ns, r.digest, r.width, r.height,
                     r.orientation, r.taken, r.label)).fetchone()
                conn.execute("INSERT OR REPLACE INTO thumbnails (file_id, jpeg) VALUES (?, ?)",
                             (row[0], r.thumb))

    def remove(self, relpaths: Iterable[str]) -> None:
        """Forget files (and their thumbnails) by relative path, in one transaction."""
        with self._write() as conn:
            conn.executemany("DELETE FROM files WHERE relpath = ?", ((p,) for p in relpaths))

    def _entry(self, row) -> Entry:
        return Entry(id=row[0], relpath=row[1], path=self.root.joinpath(*row[1].split("/")),
                     size=row[2], mtime_ns=row[3], digest=row[4], width=row[5],
                     height=row[6], orientation=row[7], taken=row[8], label=row[9])

    def entries(self) -> list[Entry]:
        """Every catalogued file, ordered by id."""
        rows = self._conn().execute(f"SELECT {_ENTRY_COLUMNS} FROM files ORDER BY id")
        return [self._entry(r) for r in rows]

    def entry(self, file_id: int) -> Entry | None:
        row = self._conn().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM files WHERE id = ?", (int(file_id),)).fetchone()
        return None if row is None else self._entry(row)

    def entry_by_path(self, path: str | os.PathLike) -> Entry | None:
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
            row = conn.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM files WHERE relpath = ?", (rel,)).fetchone()
            if row is not None:
                return self._entry(row)
        return None

    def count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM files").fetchone()[0]

    def thumbnail(self, file_id: int) -> bytes | None:
        """The JPEG thumbnail of a file, or None if unknown."""
        row = self._conn().execute(
            "SELECT jpeg FROM thumbnails WHERE file_id = ?", (int(file_id),)).fetchone()
        return None if row is None else bytes(row[0])

    def exact_duplicate_groups(self) -> list[list[Entry]]:
        """Files with the same content digest: groups of two or more, by first id."""
        rows = self._conn().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM files WHERE digest IN"
            " (SELECT digest FROM files GROUP BY digest HAVING COUNT(*) > 1)"
            " ORDER BY id")
        groups: dict[str, list[Entry]] = {}
        for r in rows:
            groups.setdefault(r[4], []).append(self._entry(r))
        return list(groups.values())  # dicts keep insertion order: by first id

    # -- skipped files and meta ---------------------------------------------

    def set_skipped(self, items: list[tuple[str, str]]) -> None:
        """Replace the list of files skipped by the last scan (path, reason)."""
        with self._write() as conn:
            conn.execute("DELETE FROM skipped")
            conn.executemany("INSERT INTO skipped (position, path, reason) VALUES (?, ?, ?)",
                             ((i, str(p), str(r)) for i, (p, r) in enumerate(items)))

    def skipped(self) -> list[tuple[str, str]]:
        rows = self._conn().execute("SELECT path, reason FROM skipped ORDER BY position")
        return [(r[0], r[1]) for r in rows]

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set_meta(self, key: str, value: str | None) -> None:
        """Set a meta value; None removes the key."""
        with self._write() as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             (key, str(value)))

    # -- duplicate decisions --------------------------------------------------

    def set_decision(self, digest_a: str, digest_b: str, verdict: str | None) -> None:
        """Remember (or with None forget) the user's verdict on two contents: "same" or "different"."""
        if verdict is not None and verdict not in VERDICTS:
            raise ValueError(f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
        a, b = sorted((str(digest_a), str(digest_b)))
        with self._write() as conn:
            if verdict is None:
                conn.execute("DELETE FROM decisions WHERE digest_a = ? AND digest_b = ?", (a, b))
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO decisions (digest_a, digest_b, verdict, decided)"
                    " VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%S', 'now'))", (a, b, verdict))

    def decisions(self) -> list[tuple[str, str, str]]:
        """Every remembered verdict as (digest_a, digest_b, verdict), digest_a < digest_b, oldest first."""
        rows = self._conn().execute(
            "SELECT digest_a, digest_b, verdict FROM decisions ORDER BY decided, digest_a, digest_b")
        return [(r[0], r[1], r[2]) for r in rows]

    def decision_count(self) -> int:
        """Verdicts between two different contents that are both in the catalog now."""
        row = self._conn().execute(
            "SELECT COUNT(*) FROM decisions d WHERE d.digest_a != d.digest_b"
            " AND EXISTS (SELECT 1 FROM files f WHERE f.digest = d.digest_a)"
            " AND EXISTS (SELECT 1 FROM files f WHERE f.digest = d.digest_b)").fetchone()
        return int(row[0])
