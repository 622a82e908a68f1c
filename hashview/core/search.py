"""Exact Hamming search over packed codes: top-k, radius, all close pairs, duplicate groups.

Everything here is exact: results equal a brute-force scan over the unpacked
bits, ties broken by row index. Codes are (n, K // 8) uint8 rows as written by
:func:`hashview.core.codes.pack_codes`; K is any multiple of 8 from 8 to 1024.

Rows are read as the widest little-endian unsigned words that divide the row
(uint64 when K is a multiple of 64, else uint32, uint16 or uint8), so XOR plus
``np.bitwise_count`` works on whole words without copying or padding. The bit
numbering inside those words differs from the packed bit order, which does not
matter: Hamming distance and the substring split used by :func:`pairs_within`
only need *some* fixed numbering of the K bits.
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

logger = logging.getLogger(__name__)

_CHUNK_ROWS = 1 << 16  # rows per scan step: keeps the XOR buffer in cache
_BRUTE_MAX_ROWS = 512  # below this many distinct codes, pairs are found by brute force
_CANDIDATE_COST = 4  # verifying one pigeonhole candidate ≈ this many brute-force cells
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PARALLEL_MIN_WORK = 1 << 18  # rows x queries below which one thread is quicker

_scratch = threading.local()  # per-thread scan buffers, reused across calls
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _executor() -> ThreadPoolExecutor:
    """A small shared pool: numpy's ufuncs release the GIL, so scans run in parallel."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads(), thread_name_prefix="hashview-search")
        return _pool


# ---------------------------------------------------------------------------- words


def _words(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """View (n, B) uint8 codes as (n, W) little-endian words; return (words, K)."""
    codes = np.asarray(codes)
    if codes.dtype != np.uint8 or codes.ndim != 2:
        raise ValueError(f"codes must be a 2-D uint8 array, got {codes.dtype} {codes.shape}")
    width = codes.shape[1]
    if not 1 <= width <= 128:
        raise ValueError(f"codes must have 1 to 128 bytes per row (8 to 1024 bits), got {width}")
    codes = np.ascontiguousarray(codes)
    for size in (8, 4, 2, 1):
        if width % size == 0:
            return codes.view(f"<u{size}"), width * 8
    raise AssertionError("unreachable")


def _query_words(queries: np.ndarray, n_bytes: int) -> np.ndarray:
    queries = np.asarray(queries)
    if queries.ndim == 1:
        queries = queries[None, :]
    if queries.dtype != np.uint8 or queries.ndim != 2 or queries.shape[1] != n_bytes:
        raise ValueError(
            f"queries must be uint8 of shape ({n_bytes},) or (q, {n_bytes}), "
            f"got {queries.dtype} {queries.shape}"
        )
    return _words(queries)[0]


def _dist_dtype(n_bits: int) -> np.dtype:
    return np.dtype(np.uint8 if n_bits < 256 else np.uint16)


def _scan(words: np.ndarray, query: np.ndarray, out: np.ndarray, buf: np.ndarray) -> np.ndarray:
    """Write the distance of every row of ``words`` to ``query`` (W,) into ``out`` (n,)."""
    n, n_words = words.shape
    for start in range(0, n, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n)
        block = buf[: stop - start]
        if n_words == 1:
            np.bitwise_xor(words[start:stop, 0], query[0], out=block[:, 0])
            np.bitwise_count(block[:, 0], out=out[start:stop])
        else:
            np.bitwise_xor(words[start:stop], query, out=block)
            np.bitwise_count(block, out=block)
            block.sum(axis=1, dtype=out.dtype, out=out[start:stop])
    return out


def _scan_buffers(words: np.ndarray, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """This thread's (distances, XOR scratch) buffers for ``words``, kept between calls.

    Reusing them saves page faults that otherwise cost as much as the scan.
    """
    n, n_words = words.shape
    key = (n, n_words, words.dtype.str, n_bits)
    cached = getattr(_scratch, "buffers", None)
    if cached is None or cached[0] != key:
        out = np.empty(n, _dist_dtype(n_bits))
        buf = np.empty((min(n, _CHUNK_ROWS), n_words), words.dtype)
        cached = _scratch.buffers = (key, out, buf)
    return cached[1], cached[2]


def _scan_parallel(words: np.ndarray, query: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Like :func:`_scan`, with the rows split across the thread pool."""
    n = words.shape[0]
    parts = _threads()
    if parts == 1 or n < _PARALLEL_MIN_WORK:
        buf = np.empty((min(n, _CHUNK_ROWS), words.shape[1]), words.dtype)
        return _scan(words, query, out, buf)
    bounds = np.linspace(0, n, parts + 1).astype(int)

    def work(lo: int, hi: int) -> None:
        buf = np.empty((min(hi - lo, _CHUNK_ROWS), words.shape[1]), words.dtype)
        _scan(words[lo:hi], query, out[lo:hi], buf)

    for future in [_executor().submit(work, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]:
        future.result()
    return out


# ---------------------------------------------------------------------------- queries


def hamming_distances(codes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """The Hamming distance from every row of ``codes`` to one packed ``query``, as int64 (n,)."""
    words, n_bits = _words(codes)
    qw = _query_words(query, codes.shape[1])
    if qw.shape[0] != 1:
        raise ValueError(f"expected a single query, got {qw.shape[0]}")
    out, buf = _scan_buffers(words, n_bits)
    return _scan(words, qw[0], out, buf).astype(np.int64)


def _select(dist: np.ndarray, k: int, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The k smallest entries of ``dist`` ordered by (distance, index), without a full sort.

    A strided sample's histogram guesses a threshold distance t; one pass keeps
    every row with distance <= t. When that holds at least k rows, it contains the
    exact top k (everything at distance below the true k-th distance is <= t), and
    a stable radix sort of those few candidates orders them. When the guess is
    short, the full histogram gives the exact threshold.
    """
    n = dist.size
    step = max(1, n // _CHUNK_ROWS)
    sample_hist = np.bincount(dist[::step], minlength=n_bits + 1)
    need = k if step == 1 else k / step * 1.25 + 4
    threshold = int(np.searchsorted(np.cumsum(sample_hist), need))
    candidates = np.flatnonzero(dist <= threshold) if threshold <= n_bits else None
    if candidates is None or candidates.size < k:
        threshold = int(np.searchsorted(np.cumsum(np.bincount(dist, minlength=n_bits + 1)), k))
        candidates = np.flatnonzero(dist <= threshold)
    cand_dist = dist[candidates]
    order = np.argsort(cand_dist, kind="stable")[:k]
    return candidates[order], cand_dist[order].astype(np.int64)


def top_k(codes: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows to each query, exact, ordered by (distance, row index).

    Args:
        codes: (n, B) uint8 packed codes.
        queries: (B,) for one query or (q, B).
        k: how many results per query; fewer when n < k.

    Returns:
        (indices, distances), both int64 of shape (q, min(k, n)); q = 1 for a single query.
    """
    words, n_bits = _words(codes)
    qw = _query_words(queries, codes.shape[1])
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    n = words.shape[0]
    kk = min(int(k), n)
    indices = np.empty((qw.shape[0], kk), np.int64)
    distances = np.empty((qw.shape[0], kk), np.int64)
    if kk == 0:
        return indices, distances
    n_queries = qw.shape[0]
    if n_queries == 1 or _threads() == 1 or n * n_queries < _PARALLEL_MIN_WORK:
        out, buf = _scan_buffers(words, n_bits)
        for row, query in enumerate(qw):
            if n >= _PARALLEL_MIN_WORK:
                _scan_parallel(words, query, out)
            else:
                _scan(words, query, out, buf)
            indices[row], distances[row] = _select(out, kk, n_bits)
        return indices, distances

    def work(lo: int, hi: int) -> None:  # each pool thread has its own buffers
        out, buf = _scan_buffers(words, n_bits)
        for row in range(lo, hi):
            _scan(words, qw[row], out, buf)
            indices[row], distances[row] = _select(out, kk, n_bits)

    bounds = np.linspace(0, n_queries, min(_threads(), n_queries) + 1).astype(int)
    futures = [_executor().submit(work, lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    for future in futures:
        future.result()
    return indices, distances


def within_radius(
    codes: np.ndarray, query: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every row within ``radius`` (inclusive) of one query, ordered by (distance, row index).

    Returns:
        (indices, distances), both int64 of shape (m,).
    """
    words, n_bits = _words(codes)
    qw = _query_words(query, codes.shape[1])
    if qw.shape[0] != 1:
        raise ValueError(f"expected a single query, got {qw.shape[0]}")
    radius = _check_radius(radius)
    out, buf = _scan_buffers(words, n_bits)
    dist = _scan(words, qw[0], out, buf)
    hits = np.flatnonzero(dist <= min(radius, n_bits))
    hit_dist = dist[hits]
    order = np.argsort(hit_dist, kind="stable")
    return hits[order], hit_dist[order].astype(np.int64)


def _check_radius(radius: int) -> int:
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise ValueError(f"radius must be a non-negative integer, got {radius!r}")
    return int(radius)


# ---------------------------------------------------------------------------- pairs


def pairs_within(
    codes: np.ndarray, radius: int, max_memory_bytes: int = 512 * 2**20
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every pair of rows i < j at Hamming distance <= ``radius``, exact, sorted by (i, j).

    How: identical codes are collapsed first (a duplicate-heavy library becomes
    one row per distinct code, and the pairs inside and between such groups are
    expanded at the end). Among the m distinct codes, pairs come from the
    pigeonhole principle (multi-index hashing): split the K bits into radius + 1
    disjoint substrings; two codes within ``radius`` agree exactly on at least
    one of them. Rows are sorted by each substring, every pair inside a bucket of
    equal substrings is a candidate, its full distance is checked, and a pair is
    kept only in the first substring on which it agrees, so nothing is reported
    twice. Candidates are generated and checked in chunks of bounded size.

    Pigeonhole is skipped for blocked brute force when there are few distinct
    codes, or when the buckets are so full (short substrings: radius large
    relative to K, or heavily clustered codes) that checking the candidates
    would cost more than comparing all pairs. Either way the result is the same.

    Args:
        codes: (n, B) uint8 packed codes.
        radius: largest distance reported (inclusive).
        max_memory_bytes: rough bound on working memory, not counting the output.

    Returns:
        (i, j, d): int64 arrays, i < j, sorted by i then j.
    """
    words, n_bits = _words(codes)
    radius = min(_check_radius(radius), n_bits)
    n = words.shape[0]
    if n < 2:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    unique, inverse = _unique_rows(words)
    ua, ub, ud = _distinct_pairs(unique, radius, n_bits, max(int(max_memory_bytes), 1 << 20))
    return _expand(inverse, unique.shape[0], ua, ub, ud)


def _unique_rows(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of ``words`` and, for every row, the index of its distinct row."""
    n, n_words = words.shape
    if n_words == 1:
        unique, inverse = np.unique(words[:, 0], return_inverse=True)
        return unique[:, None], inverse.astype(np.int64).reshape(-1)
    order = np.lexsort(words.T[::-1])
    ordered = words[order]
    first = np.ones(n, bool)
    first[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    inverse = np.empty(n, np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _substrings(n_bits: int, radius: int, word_bits: int) -> list[list[tuple[int, int, int]]]:
    """Split bits 0..K-1 into radius + 1 ranges; each as [(word, shift, length), ...]."""
    parts = radius + 1
    bounds = [(s * n_bits) // parts for s in range(parts + 1)]
    result = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        pieces = []
        bit = lo
        while bit < hi:
            word, shift = divmod(bit, word_bits)
            length = min(hi - bit, word_bits - shift)
            pieces.append((word, shift, length))
            bit += length
        result.append(pieces)
    return result


def _low_mask(length: int) -> np.uint64:
    return np.uint64((1 << length) - 1)


def _substring_key(words: np.ndarray, pieces: list[tuple[int, int, int]]) -> np.ndarray:
    """A uint64 key per row, equal for rows whose substring is equal.

    Substrings of up to 64 bits are packed exactly; longer ones are hashed.
    Hash collisions only add candidates, which the full check discards.
    """
    total = sum(length for _, _, length in pieces)
    key = np.zeros(words.shape[0], np.uint64)
    offset = 0
    for word, shift, length in pieces:
        piece = (words[:, word].astype(np.uint64) >> np.uint64(shift)) & _low_mask(length)
        if total <= 64:
            key |= piece << np.uint64(offset)
            offset += length
        else:
            key = (key ^ piece) * _GOLDEN
            key ^= key >> np.uint64(29)
    return key


def _agree_masks(words: np.ndarray, pieces: list[tuple[int, int, int]]):
    return [
        (word, words.dtype.type(((1 << length) - 1) << shift)) for word, shift, length in pieces
    ]


def _distinct_pairs(
    unique: np.ndarray, radius: int, n_bits: int, memory: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (a < b) of distinct codes within ``radius``; no pair at distance 0 exists."""
    m = unique.shape[0]
    empty = np.empty(0, np.int64)
    if radius == 0 or m < 2:
        return empty, empty.copy(), empty.copy()
    all_pairs = m * (m - 1) // 2
    word_bits = unique.dtype.itemsize * 8
    parts = _substrings(n_bits, radius, word_bits)
    shortest = min(sum(p[2] for p in pieces) for pieces in parts)
    # Even for uniformly random codes each substring yields about m^2 / 2^(L+1) candidates.
    random_estimate = len(parts) * all_pairs / 2.0**shortest
    if m <= _BRUTE_MAX_ROWS or random_estimate * _CANDIDATE_COST >= all_pairs:
        logger.debug("pairs: brute force over %d distinct codes, radius %d", m, radius)
        return _brute_pairs(unique, radius, memory)
    counted = 0
    for pieces in parts:
        keys = np.sort(_substring_key(unique, pieces))
        counted += _bucket_pair_count(keys)
        if counted * _CANDIDATE_COST >= all_pairs:
            logger.debug("pairs: buckets too full (%d candidates), brute force", counted)
            return _brute_pairs(unique, radius, memory)
    logger.debug("pairs: pigeonhole, %d substrings, %d candidates", len(parts), counted)
    return _pigeonhole_pairs(unique, radius, parts, memory)


def _bucket_pair_count(sorted_keys: np.ndarray) -> int:
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    sizes = np.diff(np.append(starts, sorted_keys.size)).astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _brute_pairs(
    unique: np.ndarray, radius: int, memory: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs within ``radius`` by comparing blocks of rows against the rest."""
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


def _pigeonhole_pairs(
    unique: np.ndarray, radius: int, parts, memory: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n_words = unique.shape
    per_candidate = 48 + 2 * n_words * unique.dtype.itemsize
    chunk = max(4096, memory // per_candidate)
    masks = [_agree_masks(unique, pieces) for pieces in parts]
    found_a, found_b, found_d = [], [], []
    for s, pieces in enumerate(parts):
        keys = _substring_key(unique, pieces)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        ordered = unique[order]
        new = np.concatenate(([True], keys[1:] != keys[:-1]))
        starts = np.flatnonzero(new)
        bucket_end = np.repeat(np.append(starts[1:], m), np.diff(np.append(starts, m)))
        partners = bucket_end - np.arange(m) - 1  # later rows in the same bucket
        cum_end = np.cumsum(partners)
        cum_start = cum_end - partners
        total = int(cum_end[-1])
        for t0 in range(0, total, chunk):
            t1 = min(t0 + chunk, total)
            e0 = int(np.searchsorted(cum_end, t0, side="right"))
            e1 = int(np.searchsorted(cum_end, t1 - 1, side="right")) + 1
            lengths = np.minimum(cum_end[e0:e1], t1) - np.maximum(cum_start[e0:e1], t0)
            first = np.repeat(np.arange(e0, e1), lengths)
            second = first + 1 + (np.arange(t0, t1) - cum_start[first])
            x = ordered[first] ^ ordered[second]
            if n_words == 1:
                dist = np.bitwise_count(x[:, 0])
            else:
                dist = np.bitwise_count(x).sum(axis=1, dtype=np.uint16)
            hit = np.flatnonzero(dist <= radius)
            if hit.size == 0:
                continue
            x = x[hit]
            keep = np.ones(hit.size, bool)
            for earlier in masks[:s]:  # drop pairs already found in an earlier substring
                agrees = np.ones(hit.size, bool)
                for word, mask in earlier:
                    agrees &= (x[:, word] & mask) == 0
                keep &= ~agrees
            hit = hit[keep]
            a, b = order[first[hit]], order[second[hit]]
            found_a.append(np.minimum(a, b))
            found_b.append(np.maximum(a, b))
            found_d.append(dist[hit].astype(np.int64))
    if not found_a:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    return np.concatenate(found_a), np.concatenate(found_b), np.concatenate(found_d)


def _expand(
    inverse: np.ndarray, m: int, ua: np.ndarray, ub: np.ndarray, ud: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn pairs of distinct codes back into pairs of rows, sorted by (i, j)."""
    n = inverse.size
    sizes = np.bincount(inverse, minlength=m).astype(np.int64)
    members = np.argsort(inverse, kind="stable")  # rows grouped by code, ascending inside
    group_start = np.cumsum(sizes) - sizes
    # Pairs inside a group of identical codes (distance 0).
    position = np.arange(n) - group_start[inverse[members]]
    later = sizes[inverse[members]] - position - 1
    first = np.repeat(np.arange(n), later)
    offsets = np.arange(first.size) - np.repeat(np.cumsum(later) - later, later)
    i_same = members[first]
    j_same = members[first + 1 + offsets]
    # Pairs between groups: every member of one with every member of the other.
    counts = sizes[ua] * sizes[ub]
    pair = np.repeat(np.arange(ua.size), counts)
    local = np.arange(pair.size) - np.repeat(np.cumsum(counts) - counts, counts)
    width = sizes[ub][pair]
    x = members[group_start[ua][pair] + local // width]
    y = members[group_start[ub][pair] + local % width]
    i = np.concatenate([i_same, np.minimum(x, y)])
    j = np.concatenate([j_same, np.maximum(x, y)])
    d = np.concatenate([np.zeros(i_same.size, np.int64), ud[pair]])
    order = np.argsort(i * n + j)
    return i[order], j[order], d[order]


# ---------------------------------------------------------------------------- groups


def group_duplicates(
    n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray, radius: int
) -> list[np.ndarray]:
    """Disjoint duplicate groups from close pairs, without chaining through near neighbours.

    Pairs with d > ``radius`` are ignored, so pairs found at a larger radius can
    be regrouped at a smaller one. The pairs must be *all* pairs within
    ``radius`` (as :func:`pairs_within` returns them).

    Guarantee: groups are disjoint, each has at least two members, and
    - a connected component in which every two members are within ``radius``
      (a clique: its diameter is at most ``radius``) is one group, unchanged;
    - any other component is split by greedy centre selection: the member with
      the most ungrouped neighbours becomes a centre (ties: lowest index) and is
      grouped with its ungrouped neighbours, repeatedly. Every member of such a
      group is within ``radius`` of the group's centre, so any two members are
      within ``2 * radius`` of each other. Members left with no ungrouped
      neighbour are in no group.

    Returns:
        Ascending index arrays (int64), ordered by their first index.
    """
    radius = _check_radius(radius)
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    d = np.asarray(d)
    keep = (d <= radius) & (i != j)
    lo = np.minimum(i[keep], j[keep])
    hi = np.maximum(i[keep], j[keep])
    if lo.size and (lo.min() < 0 or hi.max() >= n):
        raise ValueError(f"pair indices must lie in 0..{n - 1}")
    key = lo * n + hi
    if key.size > 1 and not bool(np.all(key[1:] > key[:-1])):
        key = np.unique(key)
        lo, hi = key // n, key % n
    if lo.size == 0:
        return []
    label = _components(n, lo, hi)
    comp_size = np.bincount(label, minlength=n)
    comp_edges = np.bincount(label[lo], minlength=n)
    is_clique = comp_edges == comp_size * (comp_size - 1) // 2
    groups: list[np.ndarray] = []
    in_clique = is_clique[label] & (comp_size[label] >= 2)
    rows = np.flatnonzero(in_clique)
    if rows.size:
        order = np.argsort(label[rows], kind="stable")
        rows = rows[order]
        cuts = np.flatnonzero(np.diff(label[rows])) + 1
        groups.extend(np.split(rows, cuts))
    split_edges = ~is_clique[label[lo]]
    if split_edges.any():
        groups.extend(_greedy_centres(n, lo[split_edges], hi[split_edges]))
    groups.sort(key=lambda g: int(g[0]))
    return groups


def _components(n: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Connected-component label (the smallest member) of every node, by hook and compress."""
    parent = np.arange(n)
    while True:
        a, b = parent[lo], parent[hi]
        differ = a != b
        if not differ.any():
            return parent
        small, big = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
        np.minimum.at(parent, big, small)  # hook roots onto smaller roots
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def _greedy_centres(n: int, lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    order = np.argsort(src, kind="stable")
    src, dst = src[order], dst[order]
    start = np.searchsorted(src, np.arange(n + 1))
    degree = np.diff(start).astype(np.int64)
    assigned = np.zeros(n, bool)
    heap = [(-int(degree[v]), int(v)) for v in np.flatnonzero(degree)]
    heapq.heapify(heap)
    groups = []
    while heap:
        neg, centre = heapq.heappop(heap)
        if assigned[centre]:
            continue
        if -neg != degree[centre]:
            if degree[centre] > 0:
                heapq.heappush(heap, (-int(degree[centre]), centre))
            continue
        if degree[centre] == 0:
            break  # every remaining node has no ungrouped neighbour
        nbrs = dst[start[centre] : start[centre + 1]]
        members = np.append(nbrs[~assigned[nbrs]], centre)
        assigned[members] = True
        # Members leave the pool: their neighbours lose one ungrouped neighbour each.
        touched = np.concatenate([dst[start[v] : start[v + 1]] for v in members])
        np.subtract.at(degree, touched, 1)
        degree[members] = 0
        groups.append(np.sort(members).astype(np.int64))
    return groups


def group_max_distance(codes: np.ndarray, group: np.ndarray) -> int:
    """The largest Hamming distance between any two rows of ``codes`` listed in ``group``."""
    words, _ = _words(codes)
    rows = words[np.asarray(group, np.int64)]
    best = 0
    step = max(1, (1 << 22) // max(1, rows.shape[0] * rows.shape[1]))
    for start in range(0, rows.shape[0], step):
        x = rows[start : start + step, None, :] ^ rows[None, :, :]
        best = max(best, int(np.bitwise_count(x).sum(axis=2).max(initial=0)))
    return best
