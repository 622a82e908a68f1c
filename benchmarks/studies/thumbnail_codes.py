"""Codes from the scan's thumbnails against codes from the files: time, and how many bits apart.

A library's photos are encoded from their 256-px thumbnails when the network's input is at most half
that (``DeepHasher.encodes_from``); a query from outside the library is encoded from its file. This
prints both encodings' time for every photo of an indexed library and the Hamming distance between
a photo's two codes.

Usage (from the repository root, on a folder indexed with ``hashview index F``):
    python -m benchmarks.studies.thumbnail_codes FOLDER [--network NAME]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.provenance import provenance_line
from benchmarks.studies.indexed_library import read_indexed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--network", help="network name (default: the current one, or the shipped one)")
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    from hashview.core.events import drain

    library = read_indexed(args.folder, args.network)
    if library is None:
        return 2
    hasher, entries = library.hasher, library.entries
    started = time.monotonic()
    from_files = drain(hasher.encode([e.path for e in entries], "cpu"))
    files_s = time.monotonic() - started
    started = time.monotonic()
    from_thumbs = drain(hasher.encode_thumbnails([library.thumbnails[e.id] for e in entries], "cpu"))
    thumbs_s = time.monotonic() - started
    apart = np.unpackbits(from_files.codes ^ from_thumbs.codes, axis=1).sum(axis=1)
    print(
        f"{library.network}, {len(entries)} photos: files {files_s:.2f} s, thumbnails {thumbs_s:.2f} s; "
        f"bits apart: mean {apart.mean():.2f}, 95th percentile {np.percentile(apart, 95):.0f}, most {apart.max()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
