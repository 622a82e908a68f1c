"""The catalog's tables, and the migrations that bring an older catalog up to ``SCHEMA_VERSION``.

A catalog of a newer version than ``SCHEMA_VERSION`` is never changed: the
catalog refuses it with one line (a newer hashview made it).
"""

from __future__ import annotations

SCHEMA_VERSION = 2

SCHEMA = """
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
MIGRATIONS = {
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
