"""Encoding a library's thumbnails with the views made in this process or on worker processes, paired.

The views a network sees (frame trim, screenshot cut, resize) hold the GIL, so
``core/nets/view_processes`` makes them on processes for a large job. This
times ``DeepHasher.encode_thumbnails`` on the first N thumbnails of an indexed
library, alternating the two ways (``view_processes.set_processes``), and checks
that they give the same codes; the sizes chosen show where processes start to
pay (``PROCESS_MIN_PICTURES``).

Usage (from the repository root, on a folder indexed with ``hashview index F``):
    python -m benchmarks.studies.view_processes FOLDER [--sizes 500 1000 2000 4000] [--repeat 2] [--processes 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.provenance import provenance_line
from benchmarks.studies.indexed_library import read_indexed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000, 4000])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--network", help="network name (default: the current one, or the shipped one)")
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    from hashview.core.events import drain
    from hashview.core.nets.view_processes import set_processes

    library = read_indexed(args.folder, args.network)
    if library is None:
        return 2
    hasher = library.hasher
    ordered = [library.thumbnails[e.id] for e in library.entries if e.id in library.thumbnails]
    print(f"{library.network}: {len(ordered)} thumbnails; seconds to encode the first N, alternating")
    print("N | in this process | on processes | ratio")
    for size in args.sizes:
        part = ordered[:size]
        times: dict[int, list[float]] = {0: [], args.processes: []}
        codes: dict[int, np.ndarray] = {}
        for _ in range(args.repeat):
            for processes in times:
                set_processes(processes)
                started = time.monotonic()
                encoded = drain(hasher.encode_thumbnails(part, "cpu"))
                times[processes].append(time.monotonic() - started)
                codes[processes] = encoded.codes
        same = np.array_equal(codes[0], codes[args.processes])
        here, there = (" ".join(f"{t:.2f}" for t in times[p]) for p in times)
        ratio = min(times[args.processes]) / min(times[0])
        print(f"{len(part)} | {here} | {there} | {ratio:.2f}{'' if same else ' CODES DIFFER'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
