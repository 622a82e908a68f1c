"""Exact Hamming search over packed codes: distances, top-k, radius.

Everything here is exact: results equal a brute-force scan over the unpacked
bits, ties broken by row index. Codes are (n, K // 8) uint8 rows as written by
:func:`hashview.core.codes.pack_codes`; K is any multiple of 8 from 8 to 1024.

Rows are read as the widest little-endian unsigned words that divide the row
(uint64 when K is a multiple of 64, else uint32, uint16 or uint8), so XOR plus
``np.bitwise_count`` works on whole words without copying or padding. The bit
numbering inside those words differs from the packed bit order, which does not
matter: Hamming distance and the substring split used by ``pairs.pairs_within``
only need *some* fixed numbering of the K bits. All pairs within a radius are
in ``pairs.py``, duplicate groups in ``grouping.py``.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

logger = logging.getLogger(__name__)

_CHUNK_ROWS = 1 << 16  # rows per scan step: keeps the XOR buffer in cache
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


def code_words(codes: np.ndarray) -> tuple[np.ndarray, int]:
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
    return code_words(queries)[0]


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
    words, n_bits = code_words(codes)
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
    words, n_bits = code_words(codes)
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
    words, n_bits = code_words(codes)
    qw = _query_words(query, codes.shape[1])
    if qw.shape[0] != 1:
        raise ValueError(f"expected a single query, got {qw.shape[0]}")
    radius = check_radius(radius)
    out, buf = _scan_buffers(words, n_bits)
    dist = _scan(words, qw[0], out, buf)
    hits = np.flatnonzero(dist <= min(radius, n_bits))
    hit_dist = dist[hits]
    order = np.argsort(hit_dist, kind="stable")
    return hits[order], hit_dist[order].astype(np.int64)


def check_radius(radius: int) -> int:
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise ValueError(f"radius must be a non-negative integer, got {radius!r}")
    return int(radius)
