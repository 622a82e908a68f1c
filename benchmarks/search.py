"""Top-k Hamming search over packed codes: hashview against faiss IndexBinaryFlat.

Usage (from the repository root):
    python -m benchmarks.search [--n 1000000 10000000] [--bits 64 128]
        [--k 100] [--queries 1 100] [--data random] [--threads 0] [--repeat 5]
        [--kernel c numpy] [--json]

For every (data, n, bits, queries) it prints our time and faiss's from the same
run on the same codes (best of --repeat, in ms per call), their ratio, and the
memory floor: the time to read the code array once (one np.bitwise_xor over it,
best of --repeat). --threads 0 leaves both at their default (2 here); --threads 1
pins both to one thread. Memory: tracemalloc peak of one call of ours; faiss's
index holds a copy of the codes (n * bits / 8 bytes). Also times CodeStore.load.
--data itq uses ITQ codes of CIFAR-10 pixels (see benchmarks/datasets/codes.py).
--kernel picks hashview's scan: "c" (the compiled kernel, hashview.core.hamming._hamming)
or "numpy" (the fallback); the default is the one hashview's command line would
use ("numpy" when the kernel is not built or HASHVIEW_NO_KERNEL=1). Every row says
which kernel ran, and with which popcount.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks.datasets.codes import NAMES, make
from benchmarks.provenance import provenance, provenance_line
from hashview.core.hamming import search
from hashview.core.hamming.codes import CodeSet, CodeStore
from hashview.core.runtime import RuntimeOptions


def best_of(fn, repeat):
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--bits", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--queries", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--data", nargs="+", choices=NAMES, default=["random"])
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    default_kernel = search.set_kernel(RuntimeOptions.from_environ(os.environ).kernel)  # as the command line does
    parser.add_argument("--kernel", nargs="+", choices=["c", "numpy"], default=[default_kernel])
    parser.add_argument("--json", action="store_true", help="print only one JSON object: the provenance and the rows")
    args = parser.parse_args()
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    record = provenance()
    say(provenance_line(record))
    try:
        import faiss
    except ImportError:
        faiss = None
        say("faiss not installed (pip install faiss-cpu): hashview figures only")
    if args.threads:
        search._threads = lambda: args.threads
        if faiss is not None:
            faiss.omp_set_num_threads(args.threads)
    if "c" in args.kernel and search._hamming is None:
        parser.error("the C kernel is not available (not built)")
    popcount = search._hamming.popcount() if search._hamming is not None else None
    say(f"hashview kernel(s): {', '.join(args.kernel)}" + (f" (popcount: {popcount})" if "c" in args.kernel else ""))
    rows = []
    for name in args.data:
        for bits in args.bits:
            for n in args.n:
                codes = make(name, n, bits, seed=1)
                rng = np.random.default_rng(2)
                queries = codes[rng.integers(0, n, max(args.queries))]
                flat = search.code_words(codes)[0].reshape(-1)  # one long loop: no tiny inner axis
                scratch = np.empty_like(flat)
                floor, _ = best_of(lambda: np.bitwise_xor(flat, flat[0], out=scratch), args.repeat)
                scratch = None  # free it before the searches
                index = None
                if faiss is not None:
                    index = faiss.IndexBinaryFlat(bits)
                    index.add(codes)
                for q, kernel in ((q, kernel) for q in args.queries for kernel in args.kernel):
                    qs = queries[:q]
                    ours, (_idx, dist) = best_of(lambda: search.top_k(codes, qs, args.k, kernel=kernel), args.repeat)
                    tracemalloc.start()
                    search.top_k(codes, qs, args.k, kernel=kernel)
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                    row = {
                        "data": name,
                        "n": n,
                        "bits": bits,
                        "queries": q,
                        "k": args.k,
                        "kernel": kernel,
                        "popcount": popcount if kernel == "c" else None,
                        "ours_ms": round(ours * 1e3, 3),
                        "faiss_ms": None,
                        "floor_ms": round(floor * 1e3, 3),
                        "ratio": None,
                        "ours_peak_mb": round(peak / 2**20, 2),
                        "faiss_index_mb": round(n * bits / 8 / 2**20, 1),
                        "threads": args.threads or search._threads(),
                    }
                    if index is not None:
                        theirs, (fd, _fi) = best_of(lambda: index.search(qs, args.k), args.repeat)
                        row.update(faiss_ms=round(theirs * 1e3, 3), ratio=round(ours / theirs, 3))
                        row["agree"] = bool(np.array_equal(fd, dist))
                    rows.append(row)
                    say(
                        f"{name:6s} n={n:>9d} bits={bits:4d} q={q:3d} {kernel:5s}: ours {ours * 1e3:9.3f} ms"
                        + (
                            f"  faiss {row['faiss_ms']:9.3f} ms  ratio {row['ratio']:.2f}  agree={row['agree']}"
                            if index is not None
                            else ""
                        )
                        + f"  floor {floor * 1e3:.3f} ms  (x{ours / floor:.1f})"
                        f"  ours peak {peak / 2**20:.2f} MB"
                    )
                index = None
                if n == args.n[0] and bits == args.bits[0]:
                    with tempfile.TemporaryDirectory() as tmp:
                        store = CodeStore(Path(tmp))
                        store.save("bench", CodeSet(np.arange(n, dtype=np.int64), codes, bits))
                        load, _ = best_of(lambda: store.load("bench"), args.repeat)
                        say(f"CodeStore.load of {n} codes of {bits} bits: {load * 1e3:.1f} ms")
    if args.json:
        print(json.dumps({"benchmark": "search", "provenance": record, "rows": rows}))


if __name__ == "__main__":
    main()
