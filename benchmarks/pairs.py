"""All pairs within a Hamming radius: hashview against faiss IndexBinaryMultiHash, one core.

Usage (from the repository root):
    python -m benchmarks.pairs [--n 1000000] [--bits 64] [--radii 0 2 4]
        [--data random itq dups clustered] [--no-faiss] [--app-only] [--json]

Data sets (all n codes of --bits bits): random, itq, dups, clustered, as
``benchmarks/datasets/codes.py`` builds them.
faiss's figure is IndexBinaryMultiHash.range_search of every code against all,
at the fastest exact setting (nhash tables of 64 // nhash bits probed within
nflip flips, nhash * (nflip + 1) > r; each timed on 100k codes first; faiss counts
distances strictly below its radius, so it gets r + 1). Both run on one thread.
Also groups the pairs (group_duplicates) and reports the peak memory of each step,
and times what ``hashview dups`` does: pairs of distinct codes (code_pairs_within)
grouped without expanding rows (group_code_pairs), with its peak memory
(``app_*`` fields). ``--app-only`` measures that alone: the row pairs of
duplicate-heavy codes at r = 4 (166.6M at 1M codes) do not fit beside faiss.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tracemalloc

import numpy as np

from benchmarks.datasets.codes import NAMES, make
from benchmarks.provenance import provenance, provenance_line
from hashview.core.duplicates.grouping import group_code_pairs, group_duplicates
from hashview.core.hamming.pairs import code_pairs_within, pairs_within


def bit_balance(codes: np.ndarray) -> float:
    """Mean |P(bit = 1) - 0.5| over the bits: 0 for balanced bits."""
    return float(np.abs(np.unpackbits(codes[:100_000], axis=1).mean(axis=0) - 0.5).mean())


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def traced(fn):
    tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    took = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return took, peak, result


def faiss_configs(bits: int, radius: int) -> list[tuple[int, int, int]]:
    """Exact IndexBinaryMultiHash settings for ``radius``: (nhash, bits per hash, nflip).

    With nhash tables probed within nflip flips each, a pair within ``radius``
    is found for sure when nhash * (nflip + 1) > radius (pigeonhole).
    """
    configs = []
    for nhash in range(1, radius + 2):
        nflip = -(-(radius + 1) // nhash) - 1
        b = bits // nhash
        if nflip <= 2 and 8 <= b <= 64:
            configs.append((nhash, b, nflip))
    return configs


def _faiss_run(faiss, codes: np.ndarray, bits: int, radius: int, config) -> tuple[float, int]:
    nhash, b, nflip = config
    start = time.perf_counter()
    index = faiss.IndexBinaryMultiHash(bits, nhash, b)
    index.nflip = nflip
    index.add(codes)
    lims, _, _ = index.range_search(codes, radius + 1)  # faiss keeps distances strictly below
    return time.perf_counter() - start, (int(lims[-1]) - len(codes)) // 2


def faiss_pairs(faiss, codes: np.ndarray, bits: int, radius: int, probe: int = 100_000):
    """(seconds, pairs, RSS growth, config) for faiss's best exact multi-hash setting.

    Every exact setting is timed on a ``probe``-code subset first; the fastest
    one then runs on all codes, so faiss is compared at its best, not at one guess.
    """
    configs = faiss_configs(bits, radius)
    if len(configs) > 1:
        sample = codes[: min(probe, len(codes))]
        configs.sort(key=lambda c: _faiss_run(faiss, sample, bits, radius, c)[0])
    best = configs[0]
    before = rss()
    took, pairs = _faiss_run(faiss, codes, bits, radius, best)
    return took, pairs, rss() - before, best


def app_groups_of(codes: np.ndarray, radius: int):
    """What ``library.duplicates.groups`` does without decisions: code pairs, then groups of rows."""
    found = code_pairs_within(codes, radius)
    return found, group_code_pairs(found, radius)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--bits", type=int, default=64)
    parser.add_argument("--radii", type=int, nargs="+", default=[0, 2, 4])
    parser.add_argument("--data", nargs="+", choices=NAMES, default=["random", "itq", "dups"])
    parser.add_argument("--no-faiss", action="store_true")
    parser.add_argument("--json", action="store_true", help="print only one JSON object: the provenance and the rows")
    parser.add_argument(
        "--app-only", action="store_true", help="only the app's path: code pairs grouped without row pairs"
    )
    args = parser.parse_args()
    say = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    record = provenance()
    say(provenance_line(record))
    faiss = None
    if not args.no_faiss:
        try:
            import faiss
        except ImportError:
            say("faiss not installed (pip install faiss-cpu): hashview figures only")
    if faiss is not None:
        faiss.omp_set_num_threads(1)
    rows = []
    for name in args.data:
        codes = make(name, args.n, args.bits)
        distinct = len(np.unique(codes, axis=0))
        say(f"{name}: {args.n} codes of {args.bits} bits, {distinct} distinct, bit imbalance {bit_balance(codes):.3f}")
        start = time.perf_counter()
        np.bitwise_xor(codes, codes[0], out=np.empty_like(codes))
        floor = time.perf_counter() - start
        for radius in args.radii:
            atook, apeak, (found, app_groups) = traced(lambda: app_groups_of(codes, radius))
            app = {
                "app_s": round(atook, 3),
                "app_peak_mb": round(apeak / 2**20, 1),
                "app_groups": len(app_groups),
                "code_pairs": int(found.a.size),
                "row_pairs": found.row_pair_count(radius),
            }
            say(
                f"  r={radius}: app path (code pairs {found.a.size}, grouped without row pairs) {atook:.2f} s, "
                f"peak {apeak / 2**20:.1f} MB, {len(app_groups)} groups"
            )
            del found, app_groups
            if args.app_only:
                rows.append({"data": name, "n": args.n, "bits": args.bits, "radius": radius, **app})
                continue
            took, peak, (i, j, d) = traced(lambda: pairs_within(codes, radius))
            gtook, gpeak, groups = traced(lambda: group_duplicates(len(codes), i, j, d, radius))
            row = {
                "data": name,
                "n": args.n,
                "bits": args.bits,
                "radius": radius,
                "ours_s": round(took, 3),
                "faiss_s": None,
                "pairs": int(i.size),
                "ratio": None,
                "floor_s": round(floor, 4),
                "ours_peak_mb": round(peak / 2**20, 1),
                "faiss_rss_mb": None,
                "group_s": round(gtook, 3),
                "groups": len(groups),
                "group_peak_mb": round(gpeak / 2**20, 1),
                **app,
            }
            if faiss is not None:
                ftook, fpairs, grown, config = faiss_pairs(faiss, codes, args.bits, radius)
                row["faiss_config"] = "nhash={} b={} nflip={}".format(*config)
                if fpairs != i.size:
                    say(f"  WARNING: faiss found {fpairs} pairs, hashview {i.size}")
                row.update(faiss_s=round(ftook, 3), ratio=round(took / ftook, 3), faiss_rss_mb=round(grown / 2**20, 1))
            rows.append(row)
            say(
                f"  r={radius}: {i.size:10d} pairs  ours {took:7.3f} s (peak {peak / 2**20:6.1f} MB)"
                + (
                    f"  faiss {row['faiss_s']:7.3f} s (+{row['faiss_rss_mb']} MB RSS)  ratio {row['ratio']:.3f}"
                    if faiss is not None
                    else ""
                )
                + f"  | {len(groups)} groups in {gtook:.2f} s (peak {gpeak / 2**20:.1f} MB)"
            )
    if args.json:
        print(json.dumps({"benchmark": "pairs", "provenance": record, "rows": rows}))


if __name__ == "__main__":
    main()
