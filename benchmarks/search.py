"""Top-k Hamming search over packed codes: hashview against faiss IndexBinaryFlat.

Usage: python benchmarks/search.py [--n 1000000] [--bits 64] [--k 100] [--queries 100]
Also times CodeStore.load of the same codes. faiss is optional (pip install faiss-cpu).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from hashview.core.codes import CodeSet, CodeStore
from hashview.core.search import top_k


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, (args.n, args.bits // 8), dtype=np.uint8)
    queries = codes[rng.integers(0, args.n, args.queries)]
    print(f"{args.n} codes of {args.bits} bits, top-{args.k}, {args.queries} queries")

    t1, _ = best_of(lambda: top_k(codes, queries[0], args.k))
    tq, (idx, dist) = best_of(lambda: top_k(codes, queries, args.k))
    per_query = tq * 1e3 / args.queries
    print(f"hashview  one query {t1 * 1e3:7.2f} ms   batch {per_query:7.2f} ms/query")
    try:
        import faiss
    except ImportError:
        print("faiss     not installed (pip install faiss-cpu): hashview figures only")
    else:
        index = faiss.IndexBinaryFlat(args.bits)
        index.add(codes)
        f1, _ = best_of(lambda: index.search(queries[:1], args.k))
        fq, (fd, fi) = best_of(lambda: index.search(queries, args.k))
        print(
            f"faiss     one query {f1 * 1e3:7.2f} ms   batch {fq * 1e3 / args.queries:7.2f} ms/query"
            f"   ({faiss.omp_get_max_threads()} threads)"
        )
        same = np.array_equal(np.sort(fd, axis=1), dist)
        print(f"distances agree with faiss: {same}")

    with tempfile.TemporaryDirectory() as tmp:
        store = CodeStore(Path(tmp))
        store.save("bench", CodeSet(np.arange(args.n, dtype=np.int64), codes, args.bits))
        tl, _ = best_of(lambda: store.load("bench"))
        print(f"CodeStore.load of {args.n} codes: {tl * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
