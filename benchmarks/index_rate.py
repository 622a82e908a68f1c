"""Indexing rate: images per second, cold and unchanged, threaded and on one thread.

Usage (from the repository root):
    python -m benchmarks.index_rate FOLDER [--workers N] [--generate N] [--no-serial]

Indexes FOLDER into a throw-away catalog (the user's cache is never touched)
twice: cold (every file decoded) and again unchanged (nothing decoded). Then,
unless ``--no-serial``, once more cold on a single thread, so the speed-up of
the thread pool (Pillow releases the GIL while decoding and resizing) shows
in the same run. ``--generate N`` first fills an empty FOLDER with N
1024×768 JPEG photos (the tests' synthetic photos, ``tests/imagefactory.py``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.provenance import provenance_line
from hashview.core.catalog.database import Catalog
from hashview.core.catalog.indexing import default_workers, index_library
from hashview.core.events import drain


def generate(folder: Path, n: int) -> None:
    from tests.imagefactory import make_photo  # ``tests`` is a namespace package from the repository root

    for i in range(n):
        make_photo(folder / f"c{i % 4}" / f"photo_{i:05d}.jpg", (1024, 768), seed=i)


def timed_run(catalog: Catalog, workers: int) -> dict:
    start = time.perf_counter()
    summary = drain(index_library(catalog, workers=workers))
    summary["wall"] = time.perf_counter() - start
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--generate", type=int, default=0, metavar="N")
    parser.add_argument("--no-serial", action="store_true")
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    if args.generate:
        args.folder.mkdir(parents=True, exist_ok=True)
        generate(args.folder, args.generate)
    workers = args.workers or default_workers()

    with tempfile.TemporaryDirectory() as tmp:
        with Catalog(Path(tmp) / "bench.sqlite3", args.folder) as cat:
            cold = timed_run(cat, workers)
            warm = timed_run(cat, workers)
        serial = None
        if not args.no_serial:
            with Catalog(Path(tmp) / "serial.sqlite3", args.folder) as cat:
                serial = timed_run(cat, 1)

    n = cold["files"] + cold["skipped"]
    print(f"folder: {args.folder} ({n} files, {cold['skipped']} skipped)")
    print(f"threads: {workers} (cores available: {default_workers()}, cpu_count: {os.cpu_count()})")
    print(f"cold:      {n / cold['wall']:8.1f} images/s  ({cold['wall']:.2f} s, decoded {cold['decoded']})")
    print(f"unchanged: {n / warm['wall']:8.1f} images/s  ({warm['wall']:.2f} s, decoded {warm['decoded']})")
    if serial is not None:
        print(
            f"cold, 1 thread: {n / serial['wall']:8.1f} images/s  ({serial['wall']:.2f} s); "
            f"thread speed-up {serial['wall'] / cold['wall']:.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
