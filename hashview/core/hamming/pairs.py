"""All pairs of codes within a Hamming radius, exact, without comparing all pairs.

The near-duplicate finder stands on this. Identical codes are collapsed first;
among the distinct codes, pairs come from multi-index hashing with sub-radius
probing (Norouzi, Punjani and Fleet, "Fast exact search in Hamming space with
multi-index hashing", TPAMI 2014), with blocked brute force where that is cheaper.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hashview.core.hamming import search
from hashview.core.hamming.search import check_radius, code_words

logger = logging.getLogger(__name__)

_BRUTE_MAX_ROWS = 512  # below this many distinct codes, pairs are found by brute force
_CANDIDATE_COST = 1  # scales the hashing cost estimate against brute force (0: never brute)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)

# Rough costs in nanoseconds per unit on one core, for choosing a plan.
_NS_SORT_ROW = 120  # key, sort and bucket table for one row of one substring
_NS_PATTERN_ROW = 4  # one pass over the keys for one flip pattern
_NS_PROBE = 40  # one probe: flip, hash, two table reads, expand
_NS_CANDIDATE = 20  # one candidate pair: gather both codes, XOR, popcount
_NS_BRUTE_CELL = 2.5  # one cell of brute force, compiled kernel (30,000 random codes of 64 or 128 bits: 2.4 ns)
_NS_BRUTE_WORD_NUMPY = 20  # one 64-bit word of a cell of numpy's brute force (11 ns a cell at 64 bits, 46 at 128)


@dataclass(frozen=True)
class _Substring:
    pieces: tuple[tuple[int, int, int], ...]  # (word, shift, length) ranges of the bits
    length: int  # bits in the substring
    radius: int  # probe every key within this distance of a row's own key

    @property
    def exact(self) -> bool:  # keys of up to 64 bits are the bits themselves, not a hash
        return self.length <= 64


def pairs_within(
    codes: np.ndarray,
    radius: int,
    max_memory_bytes: int = 512 * 2**20,
    *,
    kernel: str | None = None,
    parts: int | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of rows i < j at Hamming distance <= ``radius``, exact, sorted by (i, j).

    How: identical codes are collapsed first (a duplicate-heavy library becomes
    one row per distinct code; the pairs inside and between such groups are
    expanded at the end). Among the m distinct codes, the K bits are split into
    p disjoint substrings with sub-radii r_s such that sum(r_s + 1) = radius + 1.
    Two codes within ``radius`` then differ in at most r_s bits of at least one
    substring s (generalised pigeonhole). For every substring the rows are
    bucketed by their substring key, and each row probes the buckets of every key
    within r_s of its own (each pair of keys probed from one side only), so a few
    long substrings with a small sub-radius replace many short, crowded ones.
    Every candidate's full distance is checked, and a pair is kept only in the
    first substring s where it differs in at most r_s bits, so nothing is
    reported twice. The plan (p and the r_s) is the cheapest by a cost estimate;
    blocked brute force is used instead when it is cheaper (few distinct codes,
    a radius large for K) or when the buckets turn out too crowded (heavily
    clustered codes). Candidates are checked in chunks of bounded size.

    Args:
        codes: (n, B) uint8 packed codes.
        radius: largest distance reported (inclusive).
        max_memory_bytes: rough bound on working memory, not counting the output.
        kernel: brute force through "c" (the compiled kernel) or "numpy"; None: ``search.KERNEL``.
        parts: split the bits into at least this many substrings instead of the cheapest
            plan (tests and studies of the plans); None: the cheapest.

    Returns:
        (i, j, d): int64 arrays, i < j, sorted by i then j.
    """
    return code_pairs_within(codes, radius, max_memory_bytes, kernel=kernel, parts=parts).row_pairs()


@dataclass(frozen=True)
class CodePairs:
    """All pairs within a radius, kept as pairs of distinct codes and the rows that hold each code.

    The compact form of ``pairs_within``'s answer: in a duplicate-heavy library
    thousands of rows share a code, and the row pairs between two such codes
    number millions where the code pairs number one. ``grouping.group_code_pairs``
    groups this form directly; ``row_pairs`` expands it.
    """

    inverse: np.ndarray  # (n,) each row's distinct code
    order: np.ndarray  # (n,) the rows sorted by code, ascending row inside one code
    m: int  # distinct codes
    a: np.ndarray  # code pairs a < b within the radius (int32 or int64), and their distances
    b: np.ndarray
    d: np.ndarray

    @cached_property
    def weights(self) -> np.ndarray:
        """How many rows hold each distinct code (int64, length m; counted once, a radius profile asks often)."""
        return np.bincount(self.inverse, minlength=self.m).astype(np.int64)

    def row_pair_count(self, radius: int) -> int:
        """How many row pairs lie within ``radius`` (at most the radius these pairs were found at)."""
        w = self.weights
        keep = self.d <= radius
        return int((w * (w - 1) // 2).sum() + (w[self.a[keep]] * w[self.b[keep]]).sum())

    def row_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(i, j, d) over rows, i < j, sorted by (i, j): ``pairs_within``'s answer."""
        if self.inverse.size < 2:
            empty = np.empty(0, np.int64)
            return empty, empty.copy(), empty.copy()
        return _expand(self.inverse, self.order, self.m, self.a, self.b, self.d)


def code_pairs_within(
    codes: np.ndarray,
    radius: int,
    max_memory_bytes: int = 512 * 2**20,
    *,
    kernel: str | None = None,
    parts: int | None = None,
) -> CodePairs:
    """``pairs_within`` up to the expansion into rows: pairs of distinct codes and each row's code."""
    words, n_bits = code_words(codes)
    radius = min(check_radius(radius), n_bits)
    n = words.shape[0]
    if n < 1:
        empty = np.empty(0, np.int64)
        return CodePairs(empty, empty.copy(), 0, empty.copy(), empty.copy(), empty.copy())
    unique, inverse, order = _unique_rows(words)
    ua, ub, ud = _distinct_pairs(
        unique, radius, n_bits, max(int(max_memory_bytes), 1 << 20), search.engine(kernel) == "c", parts
    )
    return CodePairs(inverse, order, unique.shape[0], ua, ub, ud)


def _unique_rows(words: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct rows of ``words`` (ascending), each row's distinct row, and the row order.

    ``order`` lists the rows sorted by code, ascending row index among equal codes.
    """
    n, n_words = words.shape
    if n_words == 1:
        order = _stable_order(words[:, 0])
    else:
        order = np.lexsort(words.T[::-1])
    ordered = words[order]
    first = np.ones(n, bool)
    first[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(n, np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse, order


def _stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for unsigned words, mostly by one plain sort.

    The low bits of each value are replaced by its row number and the result sorted
    (a SIMD sort, several times faster than an argsort); only rows whose high bits
    tie with another row's need a real argsort among themselves.
    """
    n = values.size
    index_bits = max(1, int(n - 1).bit_length())
    width = values.dtype.itemsize * 8
    if index_bits >= width:
        return np.argsort(values, kind="stable")
    wide = values.astype(np.uint64, copy=False)
    low = np.uint64((1 << index_bits) - 1)
    packed = (wide & ~low) | np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & low).view(np.int64)
    high = packed & ~low
    tied = np.zeros(n, bool)
    tied[1:] = high[1:] == high[:-1]
    tied[:-1] |= tied[1:]
    spots = np.flatnonzero(tied)
    if spots.size:  # sort tied runs by the full value; their positions hold them in order
        rows = order[spots]
        order[spots] = rows[np.argsort(values[rows], kind="stable")]
    return order


# ---------------------------------------------------------------------------- plan


def _split(n_bits: int, parts: int, word_bits: int) -> list[tuple[tuple[int, int, int], ...]]:
    """Split bits 0..K-1 into ``parts`` near-equal ranges; each as ((word, shift, length), ...)."""
    bounds = [(s * n_bits) // parts for s in range(parts + 1)]
    result = []
    for lo, hi in itertools.pairwise(bounds):
        pieces = []
        bit = lo
        while bit < hi:
            word, shift = divmod(bit, word_bits)
            length = min(hi - bit, word_bits - shift)
            pieces.append((word, shift, length))
            bit += length
        result.append(tuple(pieces))
    return result


def _plan_for(n_bits: int, radius: int, parts: int, word_bits: int) -> list[_Substring] | None:
    """``parts`` substrings with sub-radii summing to radius + 1 - parts, or None if impossible."""
    if not 1 <= parts <= min(radius + 1, n_bits):
        return None
    split = _split(n_bits, parts, word_bits)
    lengths = [sum(p[2] for p in pieces) for pieces in split]
    radii = [0] * parts
    spare = radius + 1 - parts
    exact = [s for s in range(parts) if lengths[s] <= 64]
    if spare and not exact:
        return None
    while spare:  # spread the spare radius over the longest exact substrings, round robin
        for s in sorted(exact, key=lambda s: -lengths[s]):
            if spare == 0:
                break
            radii[s] += 1
            spare -= 1
    return [_Substring(p, length, r) for p, length, r in zip(split, lengths, radii)]


def _patterns(plan: list[_Substring]) -> int:
    return sum(math.comb(s.length, t) for s in plan for t in range(1, s.radius + 1))


def _plan_cost(plan: list[_Substring], m: int) -> float:
    """Estimated nanoseconds for ``plan`` over m uniformly random distinct codes."""
    cost = 0.0
    for sub in plan:
        patterns = sum(math.comb(sub.length, t) for t in range(1, sub.radius + 1))
        keys_near = 1 + patterns
        cost += m * _NS_SORT_ROW + patterns * m * _NS_PATTERN_ROW + patterns * m / 2 * _NS_PROBE
        cost += m * (m - 1) / 2 * keys_near / 2.0**sub.length * _NS_CANDIDATE
    return cost


def _choose_plan(
    m: int, n_bits: int, radius: int, word_bits: int, forced: int | None = None
) -> list[_Substring] | None:
    """The cheapest plan, or with ``forced`` the first workable one of at least that many substrings."""
    if forced is not None:
        for parts in range(min(forced, radius + 1, n_bits), radius + 2):
            plan = _plan_for(n_bits, radius, parts, word_bits)
            if plan is not None and _patterns(plan) <= 2000:
                return plan
    candidates = [_plan_for(n_bits, radius, p, word_bits) for p in range(1, radius + 2)]
    plans = [p for p in candidates if p is not None]
    return min(plans, key=lambda p: _plan_cost(p, m)) if plans else None


# ---------------------------------------------------------------------------- search


def _distinct_pairs(
    unique: np.ndarray, radius: int, n_bits: int, memory: int, compiled: bool, parts: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a < b) of distinct codes within ``radius``; no pair at distance 0 exists."""
    m = unique.shape[0]
    empty = np.empty(0, np.int64)
    if radius == 0 or m < 2:
        return empty, empty.copy(), empty.copy()
    brute_cost = m * (m - 1) / 2 * _brute_cell_ns(unique, compiled)
    plan = _choose_plan(m, n_bits, radius, unique.dtype.itemsize * 8, parts)
    if m <= _BRUTE_MAX_ROWS or plan is None or _plan_cost(plan, m) * _CANDIDATE_COST >= brute_cost:
        logger.debug("pairs: brute force over %d distinct codes, radius %d", m, radius)
        return _brute_pairs(unique, radius, memory, compiled)
    logger.debug(
        "pairs: multi-index, %d distinct codes, substrings %s",
        m,
        [(s.length, s.radius) for s in plan],
    )
    limit = brute_cost / _NS_CANDIDATE / max(_CANDIDATE_COST, 1e-9)
    found = _multi_index_pairs(unique, radius, plan, memory, limit)
    if found is None:
        logger.debug("pairs: buckets too crowded, brute force over %d distinct codes", m)
        return _brute_pairs(unique, radius, memory, compiled)
    return found


def _brute_cell_ns(unique: np.ndarray, compiled: bool) -> float:
    """What one pair of codes costs brute force, for weighing it against multi-index hashing."""
    if compiled:
        return _NS_BRUTE_CELL
    row_bytes: int = unique.shape[1] * unique.dtype.itemsize
    return _NS_BRUTE_WORD_NUMPY * max(1.0, row_bytes / 8)


def _substring_key(words: np.ndarray, sub: _Substring) -> np.ndarray:
    """A uint64 key per row, equal for rows whose substring is equal.

    Substrings of up to 64 bits are packed exactly (bit b of the key is bit b of
    the substring, so flipping key bits flips substring bits); longer ones are
    hashed, and hash collisions only add candidates, which the full check discards.
    """
    key = np.zeros(words.shape[0], np.uint64)
    offset = 0
    for word, shift, length in sub.pieces:
        piece = (words[:, word].astype(np.uint64) >> np.uint64(shift)) & np.uint64((1 << length) - 1)
        if sub.exact:
            key |= piece << np.uint64(offset)
            offset += length
        else:
            key = (key ^ piece) * _GOLDEN
            key ^= key >> np.uint64(29)
    return key


def _bucket_of(keys: np.ndarray, table_bits: int, identity: bool) -> np.ndarray:
    """Bucket numbers (int64, below 2 ** table_bits): the key itself, or a multiplicative hash."""
    if identity:
        return keys.view(np.int64)
    return ((keys * _GOLDEN) >> np.uint64(64 - table_bits)).view(np.int64)


def _ranges(
    owner: np.ndarray, lo: np.ndarray, count: np.ndarray, budget: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (owner, position) arrays covering lo[k] .. lo[k] + count[k] - 1 for every k,
    at most ``budget`` pairs at a time (a single long range is split too)."""
    keep = count > 0
    owner, lo, count = owner[keep], lo[keep], count[keep]
    if owner.size == 0:
        return
    cum_end = np.cumsum(count)
    cum_start = cum_end - count
    total = int(cum_end[-1])
    for t0 in range(0, total, budget):
        t1 = min(t0 + budget, total)
        e0 = int(np.searchsorted(cum_end, t0, side="right"))
        e1 = int(np.searchsorted(cum_end, t1 - 1, side="right")) + 1
        lengths = np.minimum(cum_end[e0:e1], t1) - np.maximum(cum_start[e0:e1], t0)
        which = np.repeat(np.arange(e0, e1), lengths)
        yield owner[which], lo[which] + (np.arange(t0, t1) - cum_start[which])


def _masks(sub: _Substring, dtype: np.dtype) -> list[tuple[int, np.generic]]:
    return [(w, dtype.type(((1 << length) - 1) << shift)) for w, shift, length in sub.pieces]


def _multi_index_pairs(
    unique: np.ndarray, radius: int, plan: list[_Substring], memory: int, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Pairs by multi-index hashing; None when more than ``limit`` candidates turn up."""
    m, n_words = unique.shape
    per_candidate = 64 + 3 * n_words * unique.dtype.itemsize
    budget = max(4096, memory // per_candidate)
    masks = [_masks(sub, unique.dtype) for sub in plan]
    index_bits = max(1, int(m - 1).bit_length())
    table_bits = max(8, min(26, index_bits + 1))
    found_a, found_b, found_d = [], [], []
    index_dtype = np.int32 if m < 2**31 else np.int64
    candidates = 0

    def check(ordered: np.ndarray, order: np.ndarray, a: np.ndarray, b: np.ndarray, s: int) -> None:
        x = ordered[a] ^ ordered[b]
        if n_words == 1:
            dist = np.bitwise_count(x[:, 0])
        else:
            dist = np.bitwise_count(x).sum(axis=1, dtype=np.uint16)
        hit = np.flatnonzero(dist <= radius)
        if hit.size == 0:
            return
        x = x[hit]
        keep = np.ones(hit.size, bool)
        # Keep a pair only in the first substring where it is within that substring's radius.
        for s2 in range(s if plan[s].exact else s + 1):
            near = np.zeros(hit.size, np.int64)
            for word, mask in masks[s2]:
                near += np.bitwise_count(x[:, word] & mask)
            keep &= (near > plan[s2].radius) if s2 < s else (near <= plan[s2].radius)
        hit = hit[keep]
        a, b = order[a[hit]], order[b[hit]]
        found_a.append(np.minimum(a, b).astype(index_dtype))  # compact: these lists can hold 100M+ pairs
        found_b.append(np.maximum(a, b).astype(index_dtype))
        found_d.append(dist[hit].astype(np.uint16))

    for s, sub in enumerate(plan):
        keys = _substring_key(unique, sub)
        identity = sub.exact and sub.length <= min(26, table_bits + 3)
        bits = sub.length if identity else table_bits
        # Sort rows by bucket: one SIMD sort of (bucket << index_bits | row), not an argsort.
        packed = _bucket_of(keys, bits, identity).view(np.uint64) << np.uint64(index_bits)
        packed |= np.arange(m, dtype=np.uint64)
        packed.sort()
        order = (packed & np.uint64((1 << index_bits) - 1)).view(np.int64)
        sorted_bucket = (packed >> np.uint64(index_bits)).view(np.int64)
        del packed
        sorted_keys = sorted_bucket.view(np.uint64) if identity else keys[order]
        del keys
        ordered = unique[order]  # codes in bucket order: candidate reads stay local
        counts = np.bincount(sorted_bucket, minlength=1 << bits)
        start = np.zeros((1 << bits) + 1, np.int64)
        np.cumsum(counts, out=start[1:])
        # Distance 0 in this substring: pairs inside a bucket (positions in sorted order).
        later = start[sorted_bucket + 1] - np.arange(1, m + 1)
        rows = np.flatnonzero(later)
        del sorted_bucket
        for first, second in _ranges(rows, rows + 1, later[rows], budget):
            candidates += first.size
            if candidates > limit:
                return None
            if not identity:
                same = sorted_keys[first] == sorted_keys[second]
                first, second = first[same], second[same]
            check(ordered, order, first, second, s)
        del later, rows
        # Distance t in 1..r_s: each row probes its key with t bits flipped, the top
        # flipped bit set in the row's key, so that each pair of keys is probed once.
        for t in range(1, sub.radius + 1):
            for flips in itertools.combinations(range(sub.length), t):
                pattern = np.uint64(sum(1 << f for f in flips))
                top = (sorted_keys >> np.uint64(flips[-1])) & np.uint64(1) != 0
                rows = np.flatnonzero(top)
                probe = sorted_keys[rows] ^ pattern
                where = _bucket_of(probe, bits, identity)
                count = counts[where]
                some = np.flatnonzero(count)
                rows, probe, where, count = rows[some], probe[some], where[some], count[some]
                for which, spot in _ranges(np.arange(rows.size), start[where], count, budget):
                    candidates += which.size
                    if candidates > limit:
                        return None
                    if not identity:
                        same = sorted_keys[spot] == probe[which]
                        which, spot = which[same], spot[same]
                    check(ordered, order, rows[which], spot, s)
    if not found_a:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_d)


def _brute_pairs(
    unique: np.ndarray, radius: int, memory: int, compiled: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs within ``radius`` by comparing every row with the rows after it.

    With the compiled kernel each row is one call over the rest (load, XOR,
    popcount in C, then one numpy comparison); the numpy path compares blocks of
    rows at once, which materialises every XOR word and is several times to tens
    of times slower (30,000 random 128-bit codes: 21 s; the kernel: see
    ``_kernel_brute_pairs``).
    """
    if compiled:  # search.engine(kernel) == "c": the kernel was built and chosen
        return _kernel_brute_pairs(unique, radius)
    return _numpy_brute_pairs(unique, radius, memory)


def _kernel_brute_pairs(unique: np.ndarray, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_brute_pairs`` through ``_hamming.distances``: row i against rows i + 1 .. m - 1, one call each."""
    c_kernel = search._compiled_kernel()
    codes8 = np.ascontiguousarray(unique).view(np.uint8)
    m, row_bytes = codes8.shape
    out = np.empty(m, search._dist_dtype(row_bytes * 8))  # uint8 up to 255 bits, else uint16
    found_a, found_b, found_d = [], [], []
    for i in range(m - 1):
        dist = out[: m - i - 1]
        c_kernel.distances(codes8, row_bytes, codes8[i], i + 1, m, dist, dist.itemsize)
        hits = np.flatnonzero(dist <= radius)
        if hits.size:
            found_a.append(np.full(hits.size, i, np.int64))
            found_b.append(hits + (i + 1))
            found_d.append(dist[hits].astype(np.int64))
    if not found_a:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_d)


def _numpy_brute_pairs(unique: np.ndarray, radius: int, memory: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_brute_pairs`` in numpy: blocks of rows against the rest, within ``memory`` bytes."""
    m, n_words = unique.shape
    per_cell = 2 * n_words * unique.dtype.itemsize + 4
    block = int(max(1, min(m, memory // max(1, m * per_cell))))
    found_a, found_b, found_d = [], [], []
    for start in range(0, m, block):
        stop = min(start + block, m)
        x = unique[start:stop, None, :] ^ unique[None, start:, :]
        dist = np.bitwise_count(x).sum(axis=2, dtype=np.int32)
        del x
        rows, cols = np.nonzero(dist <= radius)
        keep = cols > rows  # columns are offset by start, rows too: upper triangle only
        rows, cols = rows[keep], cols[keep]
        found_a.append(rows + start)
        found_b.append(cols + start)
        found_d.append(dist[rows, cols])
    return (
        np.concatenate(found_a).astype(np.int64),
        np.concatenate(found_b).astype(np.int64),
        np.concatenate(found_d).astype(np.int64),
    )


_EXPAND_CHUNK = 1 << 22  # row pairs expanded at a time (a few int64 arrays of this size)


def _expand(
    inverse: np.ndarray, order: np.ndarray, m: int, ua: np.ndarray, ub: np.ndarray, ud: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn pairs of distinct codes back into pairs of rows, sorted by (i, j).

    Rows with identical codes pair up at distance 0; two distinct codes within
    the radius pair every row of one with every row of the other. Both are
    expanded a chunk at a time into one int64 key per pair, (i * n + j) * span
    + d, which a single in-place sort orders: the working memory is about one
    key array beside the output, not a dozen pair-sized temporaries (at 126M
    pairs: 5 GB, where expanding all at once peaked at 11 GB).
    """
    n = inverse.size
    sizes = np.bincount(inverse, minlength=m).astype(np.int64)
    members = order  # rows grouped by code, ascending inside
    group_start = np.cumsum(sizes) - sizes
    later = sizes[inverse[members]] - (np.arange(n) - group_start[inverse[members]]) - 1  # pairs led by each row
    counts = sizes[ua] * sizes[ub]
    span = int(ud.max(initial=0)) + 1
    if n * n * span >= 2**63:  # too many rows to pack a pair into one int64 (never in practice)
        return _expand_unpacked(members, later, group_start, sizes, ua, ub, ud, counts)
    keys = []
    for first, offset in _ranges(np.arange(n), np.zeros(n, np.int64), later, _EXPAND_CHUNK):
        a, b = members[first], members[first + 1 + offset]
        keys.append(np.minimum(a, b) * n + np.maximum(a, b))
        keys[-1] *= span  # distance 0
    for pair, local in _ranges(np.arange(ua.size), np.zeros(ua.size, np.int64), counts, _EXPAND_CHUNK):
        pa, pb = ua[pair], ub[pair]
        width = sizes[pb]
        x = members[group_start[pa] + local // width]
        y = members[group_start[pb] + local % width]
        key = np.minimum(x, y) * n + np.maximum(x, y)
        key *= span
        key += ud[pair]
        keys.append(key)
    if not keys:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    key = np.concatenate(keys)
    del keys
    key.sort()
    d = key % span
    key //= span
    i = key // n
    key %= n
    return i, key, d


def _expand_unpacked(
    members: np.ndarray,
    later: np.ndarray,
    group_start: np.ndarray,
    sizes: np.ndarray,
    ua: np.ndarray,
    ub: np.ndarray,
    ud: np.ndarray,
    counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_expand`` for row counts whose pair keys overflow int64: all at once, then an argsort."""
    n = members.size
    first = np.repeat(np.arange(n), later)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(later) - later, later)
    i_same, j_same = members[first], members[first + 1 + offsets]
    pair = np.repeat(np.arange(ua.size), counts)
    local = np.arange(pair.size) - np.repeat(np.cumsum(counts) - counts, counts)
    width = sizes[ub][pair]
    x = members[group_start[ua][pair] + local // width]
    y = members[group_start[ub][pair] + local % width]
    i = np.concatenate([np.minimum(i_same, j_same), np.minimum(x, y)])
    j = np.concatenate([np.maximum(i_same, j_same), np.maximum(x, y)])
    d = np.concatenate([np.zeros(i_same.size, np.int64), ud[pair].astype(np.int64)])
    order = np.lexsort((j, i))
    return i[order], j[order], d[order]
