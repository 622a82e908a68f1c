"""Exact Hamming search over packed codes: distances, top-k, radius.

Everything here is exact: results equal a brute-force scan over the unpacked
bits, ties broken by row index. Codes are (n, K // 8) uint8 rows as written by
:func:`hashview.core.hamming.codes.pack_codes`; K is any multiple of 8 from 8 to 1024.

Rows are read as the widest little-endian unsigned words that divide the row
(uint64 when K is a multiple of 64, else uint32, uint16 or uint8), so XOR plus
``np.bitwise_count`` works on whole words without copying or padding. The bit
numbering inside those words differs from the packed bit order, which does not
matter: Hamming distance and the substring split used by ``pairs.pairs_within``
only need *some* fixed numbering of the K bits. All pairs within a radius are
in ``pairs.py``, duplicate groups in ``grouping.py``.

Two interchangeable engines do the scanning. The compiled kernel
``hashview.core.hamming._hamming`` (built from ``_hamming.c`` when hashview is
installed with a C compiler at hand) fuses XOR, popcount and top-k selection
into one loop over the codes (rows of any K, read as 64-bit words plus a
masked tail word); without it the numpy path below runs (it is also the
reference the kernel is tested against). Every search function takes
``kernel=`` ("c" or "numpy") for one call; without it the call uses
``KERNEL``, the process's default: the kernel when it was built, or what the
edge chose at start-up with ``set_kernel`` (``HASHVIEW_NO_KERNEL=1`` makes
``hashview.cli`` and ``app.py`` choose numpy). Importing this module reads no
environment.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol, TypeVar

import numpy as np

logger = logging.getLogger(__name__)

_CHUNK_ROWS = 1 << 16  # rows per scan step: keeps the XOR buffer in cache
_PARALLEL_MIN_WORK = 1 << 18  # rows x queries below which one thread is quicker

_scratch = threading.local()  # per-thread scan buffers, reused across calls
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


KERNELS = ("c", "numpy")

_Part = tuple[int, int, int, int]  # (q0, q1, lo, hi): queries q0..q1-1 against rows lo..hi-1
_Result = TypeVar("_Result")


class _Kernel(Protocol):
    """What this module calls in the compiled kernel (``_hamming.pyi`` has its full types)."""

    def top_k(
        self,
        codes: np.ndarray,
        row_bytes: int,
        queries: np.ndarray,
        k: int,
        lo: int,
        hi: int,
        indices: np.ndarray,
        distances: np.ndarray,
        /,
    ) -> int: ...

    def distances(
        self, codes: np.ndarray, row_bytes: int, query: np.ndarray, lo: int, hi: int, out: np.ndarray, itemsize: int, /
    ) -> None: ...


def _load_kernel() -> _Kernel | None:
    """The compiled kernel module, or None when it was not built."""
    try:
        from hashview.core.hamming import _hamming
    except ImportError:
        return None
    return _hamming


_hamming = _load_kernel()
KERNEL = "c" if _hamming is not None else "numpy"  # the default engine of a call; only ``set_kernel`` changes it


def set_kernel(choice: str | None) -> str:
    """Choose the default engine once, at start-up (``cli.py``, ``app.py``); returns the one now in use.

    ``choice`` is "numpy", "c", or None for the best there is: the kernel when
    it was built. "c" without a built kernel falls back to numpy, as a plain
    start does.
    """
    global KERNEL
    if choice is not None and choice not in KERNELS:
        raise ValueError(f"a search kernel is one of {', '.join(KERNELS)} or None, not {choice!r}")
    KERNEL = "numpy" if choice == "numpy" or _hamming is None else "c"
    logger.debug("Hamming search runs on %s", KERNEL)
    return KERNEL


def engine(kernel: str | None = None) -> str:
    """The engine of one call: ``kernel`` when given ("c" needs the built kernel), else ``KERNEL``."""
    if kernel is None:
        return KERNEL
    if kernel not in KERNELS:
        raise ValueError(f"a search kernel is one of {', '.join(KERNELS)}, not {kernel!r}")
    if kernel == "c" and _hamming is None:
        raise ValueError("the compiled search kernel was not built (reinstall hashview with a C compiler)")
    return kernel


def _compiled_kernel() -> _Kernel:
    """The compiled kernel, for a call that ``engine`` (or ``KERNEL``) sent to it, which only happens when it was built."""
    if _hamming is None:
        raise RuntimeError("the compiled search kernel was not built (reinstall hashview with a C compiler)")
    return _hamming


def _threads() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _executor() -> ThreadPoolExecutor:
    """A small shared pool: numpy's ufuncs and the C kernel release the GIL, so scans run in parallel."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads(), thread_name_prefix="hashview-search")
        return _pool


def _parts(n: int, n_queries: int) -> list[_Part]:
    """(q0, q1, lo, hi) pieces of work for the pool: rows of one query, or queries of a batch."""
    threads = _threads() if n * n_queries >= _PARALLEL_MIN_WORK else 1
    if threads == 1:
        return [(0, n_queries, 0, n)]
    if n_queries == 1:
        cuts = np.linspace(0, n, threads + 1).astype(int)
        return [(0, 1, a, b) for a, b in itertools.pairwise(cuts)]
    cuts = np.linspace(0, n_queries, min(threads, n_queries) + 1).astype(int)
    return [(a, b, 0, n) for a, b in itertools.pairwise(cuts)]


def _run(work: Callable[[_Part], _Result], parts: list[_Part]) -> list[_Result]:
    if len(parts) == 1:
        return [work(parts[0])]
    return list(_executor().map(work, parts))


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
            f"queries must be uint8 of shape ({n_bytes},) or (q, {n_bytes}), got {queries.dtype} {queries.shape}"
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


# ---------------------------------------------------------------------------- queries


def hamming_distances(codes: np.ndarray, query: np.ndarray, *, kernel: str | None = None) -> np.ndarray:
    """The Hamming distance from every row of ``codes`` to one packed ``query``, as int64 (n,).

    ``kernel``: "c" or "numpy" for this call; None is the process's default (``KERNEL``).
    """
    words, n_bits = code_words(codes)
    qw = _query_words(query, codes.shape[1])
    if qw.shape[0] != 1:
        raise ValueError(f"expected a single query, got {qw.shape[0]}")
    if engine(kernel) == "c":
        return _distances_kernel(words, qw, np.empty(words.shape[0], np.int64))
    out, buf = _scan_buffers(words, n_bits)
    return _scan(words, qw[0], out, buf).astype(np.int64)


_BLOCK_CELLS = 1 << 19  # query x row cells per scan step (measured: 2**18 to 2**20 are best)
_SAMPLE_ROWS = 4096  # rows sampled to guess each query's threshold distance


def _thresholds(words: np.ndarray, qw: np.ndarray, k: int, n_bits: int) -> np.ndarray:
    """A guess per query at a distance bound t such that about 1.25 k + 4 rows have d < t.

    From the distances to a strided sample of rows. The guess only has to be
    usually right: candidates are rows with d < t, and if fewer than k turn up
    the query is scanned again with no bound (see ``top_k``).
    """
    n = words.shape[0]
    if n <= 2 * _SAMPLE_ROWS:
        return np.full(qw.shape[0], n_bits + 1, np.int64)
    step = n // _SAMPLE_ROWS
    sample = words[::step]
    need = min(sample.shape[0], int(np.ceil(k / step * 1.25)) + 4)
    dist = np.empty((qw.shape[0], sample.shape[0]), _dist_dtype(n_bits))
    for q in range(qw.shape[0]):
        x = np.bitwise_count(sample ^ qw[q])
        dist[q] = x[:, 0] if x.shape[1] == 1 else x.sum(axis=1)
    return np.partition(dist, need - 1, axis=1)[:, need - 1].astype(np.int64) + 1


def _candidates(
    words: np.ndarray, qw: np.ndarray, k: int, n_bits: int, lo: int, hi: int, bound: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query, row, distance) of every row in lo..hi that may be in a query's top k.

    One pass over the rows, in steps of a few thousand rows times all queries
    (so each step of codes is read once for every query, and the XOR block
    stays in cache). A row is kept when its distance is below the query's
    bound; the bound starts at the guess ``bound`` and drops to the k-th
    smallest kept distance as soon as k rows are kept: a later row at that
    distance or more ranks behind k earlier ones (ties go to the lower index).
    """
    n_queries, n_words = qw.shape
    dtype = _dist_dtype(n_bits)
    bound = np.minimum(bound, n_bits + 1).astype(dtype)
    step = min(max(4096, _BLOCK_CELLS // (n_queries * n_words)), _CHUNK_ROWS)
    step = min(step, max(1, hi - lo))
    x = np.empty((n_queries, step), words.dtype)
    counts = np.empty((n_queries, step), np.uint8)
    dist = np.empty((n_queries, step), dtype)
    hist = np.zeros((n_queries, n_bits + 1), np.int64)
    found_q, found_r, found_d = [], [], []
    single = n_queries == 1
    for start in range(lo, hi, step):
        stop = min(start + step, hi)
        rows = stop - start
        xb, cb, db = x[:, :rows], counts[:, :rows], dist[:, :rows]
        for w in range(n_words):  # (queries, rows) arrays: the inner loop runs along rows
            np.bitwise_xor(words[None, start:stop, w], qw[:, w, None], out=xb)
            if w == 0:
                np.bitwise_count(xb, out=db)
            else:
                np.bitwise_count(xb, out=cb)
                np.add(db, cb, out=db)
        if single:
            r = np.flatnonzero(db[0] < bound[0])
            if r.size == 0:
                continue
            q = np.zeros(r.size, np.intp)
            d = db[0, r]
        else:
            flat = np.flatnonzero(db < bound[:, None])  # 2-D np.nonzero is much slower
            if flat.size == 0:
                continue
            q, r = np.divmod(flat, rows)
            d = db.reshape(-1)[flat] if db.flags.c_contiguous else db[q, r]
        found_q.append(q)
        found_r.append(r + start)
        found_d.append(d)
        hist += np.bincount(q * (n_bits + 1) + d, minlength=hist.size).reshape(hist.shape)
        cum = np.cumsum(hist, axis=1)
        full = cum[:, -1] >= k
        if full.any():
            kth = np.argmax(cum >= k, axis=1)
            bound = np.where(full, np.minimum(bound, kth), bound).astype(dtype)
            if not bound.any():
                break  # every query has k rows at distance 0: nothing later can enter
    if not found_q:
        empty = np.empty(0, np.int64)
        return empty, empty.copy(), empty.copy()
    return (
        np.concatenate(found_q).astype(np.int64),
        np.concatenate(found_r).astype(np.int64),
        np.concatenate(found_d).astype(np.int64),
    )


def _best(
    q: np.ndarray, r: np.ndarray, d: np.ndarray, n_queries: int, n: int, k: int, n_bits: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first k candidates of each query by (distance, row): (indices, distances, counts)."""
    span = (n_bits + 1) * n
    key = q * span + d * n + r  # fits: queries x (K + 1) x n is far below 2 ** 63
    key.sort()
    q = key // span
    starts = np.searchsorted(q, np.arange(n_queries + 1))
    counts = np.diff(starts)
    take = np.minimum(counts, k)
    slot = np.arange(take.sum()) - np.repeat(np.cumsum(take) - take, take)
    owner = np.repeat(np.arange(n_queries), take)
    rest = key[np.repeat(starts[:-1], take) + slot] % span
    indices = np.zeros((n_queries, k), np.int64)
    distances = np.zeros((n_queries, k), np.int64)
    indices[owner, slot] = rest % n
    distances[owner, slot] = rest // n
    return indices, distances, counts


def top_k(
    codes: np.ndarray, queries: np.ndarray, k: int, *, kernel: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The k nearest rows to each query, exact, ordered by (distance, row index).

    One pass selects while it scans: nothing like an argpartition over all n
    distances, and no n-sized distance array. The compiled kernel keeps a heap
    of the best k per query (``_hamming.c``); the numpy path keeps candidates
    under a falling bound (``_candidates``). A single query splits the rows
    across the thread pool; a batch splits the queries, and each thread reads
    every block of codes once for all its queries.

    Args:
        codes: (n, B) uint8 packed codes.
        queries: (B,) for one query or (q, B).
        k: how many results per query; fewer when n < k.
        kernel: "c" or "numpy" for this call; None is the process's default (``KERNEL``).

    Returns:
        (indices, distances), both int64 of shape (q, min(k, n)); q = 1 for a single query.
    """
    words, n_bits = code_words(codes)
    qw = _query_words(queries, codes.shape[1])
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k must be a non-negative integer, got {k!r}")
    n = words.shape[0]
    kk = min(int(k), n)
    n_queries = qw.shape[0]
    if kk == 0 or n_queries == 0:
        return np.empty((n_queries, kk), np.int64), np.empty((n_queries, kk), np.int64)
    if engine(kernel) == "c":
        return _top_k_kernel(words, qw, kk)
    bound = _thresholds(words, qw, kk, n_bits)

    def work(part: _Part) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        q0, q1, lo, hi = part
        q, r, d = _candidates(words, qw[q0:q1], kk, n_bits, lo, hi, bound[q0:q1])
        return q + q0, r, d

    results = _run(work, _parts(n, n_queries))
    q, r, d = (np.concatenate(a) for a in zip(*results))
    indices, distances, counts = _best(q, r, d, n_queries, n, kk, n_bits)
    short = np.flatnonzero(counts < kk)  # the guessed bound was too tight: scan with none
    for row in short:
        q, r, d = _candidates(words, qw[row : row + 1], kk, n_bits, 0, n, np.array([n_bits + 1]))
        indices[row], distances[row], _ = (a[0] for a in _best(q, r, d, 1, n, kk, n_bits))
    return indices, distances


def _top_k_kernel(words: np.ndarray, qw: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``top_k`` through the compiled kernel; k is already min(k, n) > 0.

    The kernel releases the GIL, so the pool runs it on every core: a batch is
    split by queries (each piece writes its own rows of the output), a single
    query by rows (each piece finds its own best k; they are merged here).
    """
    compiled = _compiled_kernel()
    codes8 = words.view(np.uint8)  # (n, B) bytes, C-contiguous
    q8 = qw.view(np.uint8)
    n, row_bytes = codes8.shape
    n_queries = q8.shape[0]
    indices = np.empty((n_queries, k), np.int64)
    distances = np.empty((n_queries, k), np.int64)
    parts = _parts(n, n_queries)
    if n_queries == 1 and len(parts) > 1:

        def rows(part: _Part) -> tuple[np.ndarray, np.ndarray]:
            _, _, lo, hi = part
            idx, dist = np.empty((1, k), np.int64), np.empty((1, k), np.int64)
            m = compiled.top_k(codes8, row_bytes, q8, k, lo, hi, idx, dist)
            return idx[0, :m], dist[0, :m]

        found = _run(rows, parts)
        idx = np.concatenate([f[0] for f in found])
        dist = np.concatenate([f[1] for f in found])
        order = np.lexsort((idx, dist))[:k]
        indices[0], distances[0] = idx[order], dist[order]
        return indices, distances

    def queries(part: _Part) -> None:
        q0, q1, lo, hi = part
        compiled.top_k(codes8, row_bytes, q8[q0:q1], k, lo, hi, indices[q0:q1], distances[q0:q1])

    _run(queries, parts)
    return indices, distances


def _distances_kernel(words: np.ndarray, qw: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Distances of every row to the single query ``qw`` into ``out`` (uint8, uint16 or int64)."""
    compiled = _compiled_kernel()
    codes8 = words.view(np.uint8)
    q8 = qw.view(np.uint8)[0]
    n, row_bytes = codes8.shape

    def rows(part: _Part) -> None:
        _, _, lo, hi = part
        compiled.distances(codes8, row_bytes, q8, lo, hi, out[lo:hi], out.itemsize)

    _run(rows, _parts(n, 1))
    return out


def within_radius(
    codes: np.ndarray, query: np.ndarray, radius: int, *, kernel: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every row within ``radius`` (inclusive) of one query, ordered by (distance, row index).

    ``kernel``: "c" or "numpy" for this call; None is the process's default (``KERNEL``).

    Returns:
        (indices, distances), both int64 of shape (m,).
    """
    words, n_bits = code_words(codes)
    qw = _query_words(query, codes.shape[1])
    if qw.shape[0] != 1:
        raise ValueError(f"expected a single query, got {qw.shape[0]}")
    radius = check_radius(radius)
    out, buf = _scan_buffers(words, n_bits)
    dist = _distances_kernel(words, qw, out) if engine(kernel) == "c" else _scan(words, qw[0], out, buf)
    hits = np.flatnonzero(dist <= min(radius, n_bits))
    hit_dist = dist[hits]
    order = np.argsort(hit_dist, kind="stable")
    return hits[order], hit_dist[order].astype(np.int64)


def check_radius(radius: int) -> int:
    if isinstance(radius, bool) or int(radius) != radius or radius < 0:
        raise ValueError(f"radius must be a non-negative integer, got {radius!r}")
    return int(radius)
