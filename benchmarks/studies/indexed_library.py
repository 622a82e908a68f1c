"""What the thumbnail studies read from a folder indexed with ``hashview index F``: its network's hasher,
its entries and their stored thumbnails, read once (``thumbnail_codes``, ``view_processes``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class IndexedLibrary:
    network: str  # the network's name
    hasher: Any  # the network's hasher (a DeepHasher for the shipped network)
    entries: list[Any]  # catalog entries, in catalog order
    thumbnails: dict[int, bytes]  # entry id -> stored JPEG thumbnail


def read_indexed(folder: Path, network: str | None) -> IndexedLibrary | None:
    """The folder's library as the studies need it; None (with a one-line error on stderr) when it holds no photos."""
    from hashview.core.library import Library

    with Library.open(folder) as lib:
        info = lib.networks.get(network)
        hasher = lib.networks.hasher(info)
        entries = lib.entries()
        thumbs = lib.catalog.thumbnails([e.id for e in entries])
    if not entries:
        print(f"error: {folder} has no photos in its catalog: run 'hashview index {folder}'", file=sys.stderr)
        return None
    return IndexedLibrary(info.name, hasher, entries, thumbs)
