"""The compiled Hamming kernel and the numpy path, each against brute force.

``hashview.core.hamming.search`` runs the C kernel (``hashview.core.hamming._hamming``) when it
was built, the numpy path otherwise; every search function takes ``kernel=`` for
one call, so each test here runs both. Brute force unpacks the bits and sorts by
(distance, row).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from generators import CODE_KINDS, adversarial_bits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashview.core.hamming import search
from hashview.core.hamming.codes import pack_codes

try:
    from hashview.core.hamming import _hamming
except ImportError:  # no compiler when hashview was installed: test_kernel_was_built says so
    _hamming = None

BITS = [8, 16, 24, 40, 56, 64, 72, 120, 128, 136, 192, 248, 256, 264, 512, 1000, 1024]
NEEDS_KERNEL = pytest.mark.skipif(_hamming is None, reason="the C kernel was not built")


def compilers() -> list[str]:
    return [c for c in ("cc", "gcc", "clang", os.environ.get("CC", "")) if c and shutil.which(c)]


@pytest.fixture(params=["c", "numpy"])
def kernel(request):
    """The engine each search call of a test asks for (``kernel=``)."""
    if request.param == "c" and _hamming is None:
        pytest.skip("the C kernel was not built")
    return request.param


@pytest.fixture(params=[1, 3])
def threads(request, monkeypatch):
    """3 threads with no minimum size: even tiny scans are split (rows or queries)."""
    if request.param > 1:
        monkeypatch.setattr(search, "_threads", lambda: request.param)
        monkeypatch.setattr(search, "_PARALLEL_MIN_WORK", 1)
    return request.param


def brute(codes: np.ndarray, queries: np.ndarray, k: int):
    """(indices, distances) of the first k rows by (distance, row), and all distances."""
    dist = np.unpackbits(codes[None, :, :] ^ queries[:, None, :], axis=2).sum(axis=2).astype(np.int64)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1), dist


def check_all(codes: np.ndarray, queries: np.ndarray, k: int, radius: int, kernel: str) -> None:
    want_idx, want_dist, dist = brute(codes, queries, k)
    idx, d = search.top_k(codes, queries, k, kernel=kernel)
    assert idx.dtype == d.dtype == np.int64
    assert np.array_equal(idx, want_idx) and np.array_equal(d, want_dist)
    one_idx, one_d = search.top_k(codes, queries[0], k, kernel=kernel)  # a 1-D query
    assert np.array_equal(one_idx, want_idx[:1]) and np.array_equal(one_d, want_dist[:1])
    for q, row in zip(queries[:2], dist[:2]):
        got = search.hamming_distances(codes, q, kernel=kernel)
        assert got.dtype == np.int64 and np.array_equal(got, row)
        hits, hd = search.within_radius(codes, q, radius, kernel=kernel)
        want = np.argsort(row, kind="stable")
        want = want[row[want] <= radius]
        assert np.array_equal(hits, want) and np.array_equal(hd, row[want])


@st.composite
def cases(draw):
    """Codes of every shape that matters: random, all equal, all different, tied, sparse."""
    bits = draw(st.sampled_from(BITS))
    n = draw(st.integers(0, 60))
    kind = draw(st.sampled_from(CODE_KINDS))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    b = adversarial_bits(kind, n, bits, rng)
    codes = pack_codes(b)
    n_queries = draw(st.integers(1, 6))
    own = codes[rng.integers(0, n, n_queries)] if n else np.zeros((0, bits // 8), np.uint8)
    queries = np.concatenate([own, rng.integers(0, 256, (n_queries, bits // 8), dtype=np.uint8)])
    k = draw(st.sampled_from([0, 1, 2, 5, n - 1, n, n + 3]))
    radius = draw(st.sampled_from([0, 1, 3, bits // 4, bits // 2, bits]))
    return codes, queries, max(k, 0), radius


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_both_paths_match_brute_force(kernel, threads, case):
    codes, queries, k, radius = case
    check_all(codes, queries, k, radius, kernel)


@pytest.mark.parametrize("bits", [64, 128, 72, 256])
def test_larger_scan_with_ties_across_blocks_and_threads(kernel, threads, bits):
    # Big enough for several batch blocks; ties at distance 0 beyond the first k.
    rng = np.random.default_rng(bits)
    n = 20_000
    codes = pack_codes(rng.random((n, bits)) < 0.08)
    codes[n // 2 :] = codes[3]
    queries = codes[[3, 0, n - 1, 12_345, 7]]
    for k in (1, 100, n // 2 + 9):
        check_all(codes, queries, k, radius=2, kernel=kernel)


@NEEDS_KERNEL
def test_kernel_row_ranges_are_absolute_and_merge_like_a_whole_scan():
    rng = np.random.default_rng(5)
    codes = pack_codes(rng.random((3000, 128)) < 0.5)
    codes[2000:] = codes[10]
    queries = codes[[10, 11]]
    want_idx, want_dist, _ = brute(codes, queries, 50)
    pieces = [(0, 999), (999, 1000), (1000, 2600), (2600, 3000)]
    got = []
    for lo, hi in pieces:
        idx = np.full((2, 50), -1, np.int64)
        dist = np.full((2, 50), -1, np.int64)
        m = _hamming.top_k(codes, 16, queries, 50, lo, hi, idx, dist)
        assert m == min(50, hi - lo)
        assert (idx[:, :m] >= lo).all() and (idx[:, :m] < hi).all() and (idx[:, m:] == -1).all()
        got.append((idx[:, :m], dist[:, :m]))
    for q in range(2):
        idx = np.concatenate([g[0][q] for g in got])
        dist = np.concatenate([g[1][q] for g in got])
        order = np.lexsort((idx, dist))[:50]
        assert np.array_equal(idx[order], want_idx[q]) and np.array_equal(dist[order], want_dist[q])


@NEEDS_KERNEL
@pytest.mark.parametrize("bits", [8, 64, 72, 128, 200, 256, 1024])
def test_portable_popcount_gives_the_same_answers(bits):
    rng = np.random.default_rng(bits)
    codes = pack_codes(rng.random((2000, bits)) < 0.3)
    queries = codes[:3]
    before = _hamming.set_popcount("swar")
    try:
        assert _hamming.popcount() == "swar"
        slow = search.top_k(codes, queries, 20, kernel="c"), search.hamming_distances(codes, queries[0], kernel="c")
    finally:
        _hamming.set_popcount(before)
    fast = search.top_k(codes, queries, 20, kernel="c"), search.hamming_distances(codes, queries[0], kernel="c")
    want_idx, want_dist, dist = brute(codes, queries, 20)
    for (idx, d), row in (slow, fast):
        assert np.array_equal(idx, want_idx) and np.array_equal(d, want_dist)
        assert np.array_equal(row, dist[0])


def test_non_contiguous_codes_and_queries(kernel):
    rng = np.random.default_rng(9)
    big = rng.integers(0, 256, (400, 24), dtype=np.uint8)
    codes, queries = big[::2, 4:20], big[1:7:2, 4:20]  # strided views, 128 bits
    check_all(np.ascontiguousarray(codes), np.ascontiguousarray(queries), 7, 60, kernel)
    idx, d = search.top_k(codes, queries, 7, kernel=kernel)
    want_idx, want_dist, _ = brute(np.ascontiguousarray(codes), np.ascontiguousarray(queries), 7)
    assert np.array_equal(idx, want_idx) and np.array_equal(d, want_dist)


@NEEDS_KERNEL
def test_kernel_rejects_bad_arguments():
    codes = np.zeros((10, 8), np.uint8)
    q = np.zeros((1, 8), np.uint8)
    out = np.zeros((1, 5), np.int64)
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 0, q, 5, 0, 10, out, out.copy())  # row_bytes 0
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 3, q, 5, 0, 10, out, out.copy())  # 80 bytes are not rows of 3
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 8, np.zeros(5, np.uint8), 5, 0, 10, out, out.copy())
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 8, q, 5, 3, 11, out, out.copy())  # rows out of range
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 8, q, 6, 0, 10, out, out.copy())  # output too small
    with pytest.raises(ValueError):
        _hamming.top_k(codes, 8, q, -1, 0, 10, out, out.copy())
    with pytest.raises(TypeError):
        _hamming.top_k(codes, 8, q, 5, 0, 10, out.tobytes(), out.copy())  # read-only output
    with pytest.raises(ValueError):
        _hamming.distances(codes, 8, q[0], 0, 10, np.zeros(10, np.uint8), 4)  # itemsize
    with pytest.raises(ValueError):
        _hamming.distances(
            np.zeros((2, 40), np.uint8), 40, np.zeros(40, np.uint8), 0, 2, np.zeros(2, np.uint8), 1
        )  # 320 bits do not fit uint8
    with pytest.raises(ValueError):
        _hamming.set_popcount("fast")


def test_kernel_was_built():
    """The extension must build wherever a C compiler is at hand (pip install -e . builds it)."""
    if not compilers():
        pytest.skip("no C compiler (cc, gcc, clang, $CC) on PATH: the numpy path is the one in use")
    assert importlib.util.find_spec("hashview.core.hamming._hamming") is not None, (
        "hashview.core.hamming._hamming was not built: reinstall with `pip install -e .` (see setup.py)"
    )
    assert _hamming is not None
    if os.environ.get("HASHVIEW_NO_KERNEL", "").strip() in ("", "0"):
        assert search.set_kernel(None) == "c"
    assert _hamming.popcount() in ("popcnt", "builtin", "swar")


def test_importing_search_reads_no_environment():
    """The engine is chosen at the edge: ``HASHVIEW_NO_KERNEL`` alone changes nothing in a plain import."""
    code = "from hashview.core.hamming import search; print(search.KERNEL, search._hamming is not None)"
    env = {**os.environ, "HASHVIEW_NO_KERNEL": "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    kernel, built = out.stdout.split()
    assert kernel == ("c" if built == "True" else "numpy")


def test_environment_variable_forces_numpy_through_the_command_line(tmp_path):
    """``HASHVIEW_NO_KERNEL=1 hashview ...``: the command line chooses numpy before any search."""
    code = (
        "import sys; from hashview.cli import main; from hashview.core.hamming import search; "
        "code = main(['index', sys.argv[1]]); print(search.KERNEL); sys.exit(code)"
    )
    (tmp_path / "photos").mkdir()
    for value, want in (("1", "numpy"), ("0", "c" if _hamming is not None else "numpy")):
        env = {**os.environ, "HASHVIEW_NO_KERNEL": value}
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path / "photos")], env=env, capture_output=True, text=True, check=True
        )
        assert out.stdout.split()[-1] == want


def test_set_kernel_and_the_kernel_keyword():
    before = search.KERNEL
    try:
        assert search.set_kernel("numpy") == "numpy" == search.engine()
        assert search.engine("numpy") == "numpy"
        if _hamming is not None:
            assert search.engine("c") == "c"  # one call's choice wins over the default
            assert search.set_kernel(None) == "c"
        with pytest.raises(ValueError):
            search.set_kernel("gpu")
        with pytest.raises(ValueError):
            search.engine("fast")
    finally:
        search.set_kernel(before)
