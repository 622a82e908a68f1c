"""Pairs and grouping edge cases beyond the property tests in test_search.py."""

from __future__ import annotations

import numpy as np
import pytest

from hashview.core.duplicates.grouping import group_duplicates, group_max_distance
from hashview.core.hamming import pairs as pairs_module
from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.pairs import _stable_order, pairs_within
from hashview.core.hamming.search import top_k


def reference_pairs(codes, radius):
    ref = np.bitwise_count(codes[:, None, :] ^ codes[None, :, :]).sum(axis=2)
    a, b = np.nonzero(np.triu(ref <= radius, k=1))
    return a, b, ref[a, b]


@pytest.mark.parametrize("parts", [None, 1, 2, 3])
@pytest.mark.parametrize("bits", [64, 128, 72, 1024])
def test_probing_plans_on_unbalanced_clustered_codes(monkeypatch, parts, bits):
    # Unbalanced bits (most bits rarely set) and heavy buckets of identical and near codes.
    monkeypatch.setattr(pairs_module, "_BRUTE_MAX_ROWS", 0)
    monkeypatch.setattr(pairs_module, "_CANDIDATE_COST", 0)
    rng = np.random.default_rng(bits)
    p = np.linspace(0.02, 0.5, bits)
    centres = rng.random((40, bits)) < p
    noisy = centres[rng.integers(0, 40, 900)] ^ (rng.random((900, bits)) < 1.5 / bits)
    noisy[:200] = noisy[0]  # a heavy bucket: 200 identical codes
    codes = pack_codes(noisy)
    for radius in (1, 3, 5):
        want = reference_pairs(codes, radius)
        got = pairs_within(codes, radius, max_memory_bytes=1, parts=parts)
        for g, w in zip(got, want):
            assert np.array_equal(g, w)


def test_pairs_all_equal_and_all_different():
    codes = np.repeat(np.arange(8, dtype=np.uint8)[None, :], 300, axis=0)
    i, _j, d = pairs_within(codes, 2)
    assert i.size == 300 * 299 // 2 and not d.any()
    codes = pack_codes(np.eye(64, dtype=bool))  # all different, pairwise distance 2
    assert pairs_within(codes, 1)[0].size == 0
    assert pairs_within(codes, 2)[0].size == 64 * 63 // 2


def test_stable_order_matches_argsort_with_ties():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 2**64 - 1, 5000, dtype=np.uint64, endpoint=True)
    values[::7] = values[3]  # exact ties
    values[1::11] = (values[1::11] >> np.uint64(20)) << np.uint64(20)  # ties in the high bits only
    values[2::13] = values[1::13] ^ np.uint64(1)
    assert np.array_equal(_stable_order(values), np.argsort(values, kind="stable"))


def test_grouping_long_chain_and_big_clique():
    # A 3,000-code path (each one bit from the next) is split; a 500-code clique stays whole.
    n = 3500
    i = np.concatenate([np.arange(2999), np.repeat(np.arange(3000, 3500), 500)])
    j = np.concatenate([np.arange(1, 3000), np.tile(np.arange(3000, 3500), 500)])
    keep = i < j
    i, j = i[keep], j[keep]
    groups = group_duplicates(n, i, j, np.ones(i.size, np.int64), 1)
    assert [g.tolist() for g in groups if g[0] >= 3000] == [list(range(3000, 3500))]
    path_groups = [g for g in groups if g[0] < 3000]
    assert all(len(g) <= 3 and g[-1] - g[0] <= 2 for g in path_groups)
    seen = np.concatenate(path_groups)
    assert np.unique(seen).size == seen.size and seen.size >= 2000


def test_group_max_distance_of_found_groups():
    rng = np.random.default_rng(5)
    centres = rng.random((30, 64)) < 0.5
    codes = pack_codes(centres[rng.integers(0, 30, 600)] ^ (rng.random((600, 64)) < 0.03))
    i, j, d = pairs_within(codes, 3)
    for g in group_duplicates(len(codes), i, j, d, 3):
        assert group_max_distance(codes, g) <= 6


@pytest.mark.parametrize("bits", [64, 72, 136])
def test_top_k_batch_heavy_ties_and_short_guess(bits):
    # Rows sampled for the threshold guess are all at distance 0 and the rest far:
    # the guess admits too few rows, so the exact fallback must run.
    n = 40_000
    rng = np.random.default_rng(bits)
    codes = rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
    step = n // 4096
    codes[::step] = codes[0]
    queries = np.stack([codes[0], codes[1], ~codes[0]])
    for k in (1, 100, n // step + 50):
        idx, dist = top_k(codes, queries, k)
        for row, q in enumerate(queries):
            ref = np.bitwise_count(codes ^ q).sum(axis=1)
            order = np.lexsort((np.arange(n), ref))[:k]
            assert np.array_equal(idx[row], order) and np.array_equal(dist[row], ref[order])
    all_equal = np.repeat(codes[:1], n, axis=0)
    idx, dist = top_k(all_equal, all_equal[:3], 10)
    assert idx.tolist() == [list(range(10))] * 3 and not dist.any()


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_expansion_in_chunks_of_any_size_gives_every_pair_once(monkeypatch, chunk):
    """Duplicate-heavy codes (groups of identical codes near each other) expanded a few pairs at a time."""
    monkeypatch.setattr(pairs_module, "_EXPAND_CHUNK", chunk)
    rng = np.random.default_rng(3)
    base = rng.random((12, 24)) < 0.5
    near = base[rng.integers(0, 12, 150)]
    near[np.arange(150), rng.integers(0, 24, 150)] ^= rng.random(150) < 0.5  # some one bit away
    codes = pack_codes(near)
    got = pairs_within(codes, 2)
    want = reference_pairs(codes, 2)
    for g, w in zip(got, want):
        assert g.dtype == np.int64
        np.testing.assert_array_equal(g, w)


def test_unpacked_expansion_matches_the_packed_one():
    """The fallback for row counts whose pair keys would overflow int64 gives the same pairs."""
    rng = np.random.default_rng(4)
    codes = pack_codes(rng.random((300, 16)) < 0.5)[rng.integers(0, 300, 500)]
    words, _bits = pairs_module.code_words(codes)
    unique, inverse, order = pairs_module._unique_rows(words)
    ua, ub, ud = pairs_module._distinct_pairs(unique, 3, 16, 1 << 20, compiled=False, parts=None)
    packed = pairs_module._expand(inverse, order, unique.shape[0], ua, ub, ud)
    sizes = np.bincount(inverse, minlength=unique.shape[0]).astype(np.int64)
    group_start = np.cumsum(sizes) - sizes
    later = sizes[inverse[order]] - (np.arange(inverse.size) - group_start[inverse[order]]) - 1
    unpacked = pairs_module._expand_unpacked(order, later, group_start, sizes, ua, ub, ud, sizes[ua] * sizes[ub])
    for a, b in zip(packed, unpacked):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bits", [24, 64, 72, 128, 1024])
def test_brute_force_through_the_kernel_gives_numpys_pairs(bits):
    """The compiled brute force (one kernel call per row) and numpy's blocks list the same pairs, in order."""
    from hashview.core.hamming import search

    if search._hamming is None:
        pytest.skip("the compiled kernel is not built")
    rng = np.random.default_rng(bits)
    base = rng.integers(0, 2, (60, bits)).astype(bool)
    rows = np.concatenate([base, base ^ (rng.random((60, bits)) < 0.05)])  # near copies besides strangers
    words, _ = search.code_words(pack_codes(rows))
    for radius in (1, bits // 10, bits // 2):
        kernel = pairs_module._kernel_brute_pairs(words, radius)
        blocks = pairs_module._numpy_brute_pairs(words, radius, memory=4096)  # several blocks
        ref = reference_pairs(pack_codes(rows), radius)
        for got, numpy_got, want in zip(kernel, blocks, ref):
            assert np.array_equal(got, want) and np.array_equal(numpy_got, want)
