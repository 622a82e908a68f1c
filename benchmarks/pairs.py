"""All pairs within a Hamming radius: hashview's pigeonhole search against faiss range search.

Usage: python benchmarks/pairs.py [--n 1000000] [--bits 64] [--radii 0 2 4] [--faiss-n 100000]
Two data sets: uniformly random codes, and clustered ones (near-duplicate families
of a few codes each, plus exact copies). faiss has no all-pairs call; its figure is
IndexBinaryFlat.range_search of every code against all, on --faiss-n codes
(brute force: quadratic), and is skipped when faiss is not installed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from hashview.core.codes import pack_codes
from hashview.core.grouping import group_duplicates
from hashview.core.pairs import pairs_within


def clustered(n: int, bits: int, rng: np.random.Generator) -> np.ndarray:
    families = rng.random((n // 4, bits)) < 0.5
    member = families[rng.integers(0, len(families), n)]
    noise = rng.random((n, bits)) < 1.5 / bits  # about 1.5 flipped bits per copy
    codes = pack_codes(member ^ noise)
    copies = rng.integers(0, n, n // 20)
    codes[copies] = codes[rng.integers(0, n, copies.size)]  # 5 % exact copies
    return codes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--radii", type=int, nargs="+", default=[0, 2, 4])
    parser.add_argument("--faiss-n", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    data = {
        "random": rng.integers(0, 256, (args.n, args.bits // 8), dtype=np.uint8),
        "clustered": clustered(args.n, args.bits, rng),
    }
    try:
        import faiss
    except ImportError:
        faiss = None
        print("faiss not installed (pip install faiss-cpu): hashview figures only")
    for name, codes in data.items():
        for radius in args.radii:
            start = time.perf_counter()
            i, j, d = pairs_within(codes, radius)
            took = time.perf_counter() - start
            start = time.perf_counter()
            groups = group_duplicates(len(codes), i, j, d, radius)
            grouped = time.perf_counter() - start
            print(
                f"{name:9s} n={args.n} r={radius}: {i.size:9d} pairs in {took:6.2f} s, "
                f"{len(groups)} groups in {grouped:5.2f} s"
            )
            if faiss is not None and args.faiss_n:
                sub = codes[: args.faiss_n]
                index = faiss.IndexBinaryFlat(args.bits)
                index.add(sub)
                start = time.perf_counter()
                lims, _, _ = index.range_search(sub, radius + 1)  # faiss: distance < radius
                ftook = time.perf_counter() - start
                start = time.perf_counter()
                ours = pairs_within(sub, radius)[0].size
                otook = time.perf_counter() - start
                fpairs = (int(lims[-1]) - len(sub)) // 2
                print(
                    f"          n={len(sub)}: faiss range_search {ftook:6.2f} s ({fpairs} pairs), "
                    f"hashview {otook:6.2f} s ({ours} pairs)"
                )


if __name__ == "__main__":
    main()
