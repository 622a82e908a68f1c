"""SQLite faults as one line for a person, and the signs of a damaged catalog file.

A damaged catalog (not a database, truncated, failing SQLite's checks) is
rebuilt by ``database.Catalog``; every other fault (a full disk, a read-only
folder, a busy file) becomes a ``CatalogError`` naming the file and what to do.
``salvage_decisions`` reads what it can of the user's decisions from a damaged
file before it is set aside.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from hashview.core.catalog.decision_log import DecisionState
from hashview.core.catalog.verdict import VERDICTS
from hashview.core.errors import HashviewError

if TYPE_CHECKING:
    from hashview.core.catalog.database import Catalog


class CatalogError(HashviewError):
    """The catalog file cannot be used (made by a newer hashview, closed, or a fault); str() is one line."""


# SQLite's primary result codes that mean the file, the disk or the folder, not hashview.
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26
_IOERR_SHORT_READ = 522
WRITABLE_HINT = "make it writable, or set HASHVIEW_HOME to a writable folder for hashview's files"


def sqlite_code(exc: sqlite3.Error) -> int | None:
    return getattr(exc, "sqlite_errorcode", None)


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite says the file itself is broken (not a database, corrupt, cut short)."""
    code = sqlite_code(exc)
    if code is None:
        text = str(exc).lower()
        return "malformed" in text or "not a database" in text
    return code & 0xFF in (_CORRUPT, _NOTADB) or code == _IOERR_SHORT_READ


def truncated_reason(db_path: Path) -> str | None:
    """A reason when the file is shorter than its own header says (a cut-short copy), else None.

    SQLite only notices a missing page when it reads it, which can be much
    later; the header's page count (valid when its version stamp matches the
    change counter) tells at once. Skipped while a write-ahead log has content:
    a checkpoint cut short is legitimately shorter and the log completes it.
    """
    try:
        wal = Path(str(db_path) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return None
        with open(db_path, "rb") as fh:
            head = fh.read(100)
            size = os.fstat(fh.fileno()).st_size
    except OSError:
        return None
    if len(head) < 100 or not head.startswith(b"SQLite format 3\0"):
        return None
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    valid = head[24:28] == head[92:96]
    if valid and pages and size < pages * page_size:
        return f"truncated: {size} of {pages * page_size} bytes"
    return None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def fault_for(exc: sqlite3.Error, db: Path) -> CatalogError | None:
    """The one-line error for a SQLite fault on catalog ``db``, or None for one that is a bug (left to surface as is)."""
    code = sqlite_code(exc)
    primary = None if code is None else code & 0xFF
    if is_damage(exc):
        return CatalogError(
            f"the catalog {db} is damaged ({exc}): run the command again and it is rebuilt "
            "from the folder (your decisions are kept)"
        )
    if primary == _FULL:
        return CatalogError(
            f"no space left on the disk for the catalog {db}: free some space and run again (what was finished is kept)"
        )
    if primary in (_READONLY, _CANTOPEN, _PERM):
        return CatalogError(f"cannot write the catalog {db} ({exc}): {WRITABLE_HINT}")
    if primary in (_BUSY, _LOCKED):
        return CatalogError(
            f"the catalog {db} is busy (another hashview is writing it): try again when it has finished"
        )
    if primary == _IOERR:
        return CatalogError(f"cannot read or write the catalog {db} ({exc}): check the disk, then run again")
    return None


def translated(method: Callable[Concatenate[Catalog, _P], _R]) -> Callable[Concatenate[Catalog, _P], _R]:
    """Turn SQLite's faults in a catalog method into a one-line ``CatalogError`` (bugs stay as they are)."""

    @functools.wraps(method)
    def wrapper(self: Catalog, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            fault = self._fault(exc)
            if fault is None:
                raise
            raise fault from exc

    return wrapper


def salvage_decisions(path: Path) -> DecisionState:
    """Best effort: the decisions still readable in a damaged catalog file ({} when none can be read)."""
    uri = "file:" + urllib.parse.quote(os.fsencode(str(path))) + "?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        try:
            rows = conn.execute("SELECT digest_a, digest_b, verdict, decided FROM decisions").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return {}
    return {(str(a), str(b)): (v, str(d)) for a, b, v, d in rows if v in VERDICTS}
