"""What the catalog stores for a file (``FileRecord``, from indexing) and gives back (``Entry``, to everyone else)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
