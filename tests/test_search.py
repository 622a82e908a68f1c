"""Exact Hamming search checked against brute force over unpacked bits."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from generators import adversarial_bits
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashview.core.duplicates.grouping import group_code_pairs, group_duplicates, group_max_distance
from hashview.core.hamming import pairs as pairs_module
from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.pairs import code_pairs_within, pairs_within
from hashview.core.hamming.search import hamming_distances, top_k, within_radius

K_VALUES = [8, 16, 24, 32, 64, 72, 128, 136, 1024]


def brute_dist(codes, query):
    bits = np.unpackbits(codes, axis=1).astype(int)
    q = np.unpackbits(query).astype(int)
    return np.array([int(np.sum(row != q)) for row in bits], dtype=np.int64)


def brute_pairs(codes, radius):
    bits = np.unpackbits(codes, axis=1).astype(int)
    out = []
    for a, b in itertools.combinations(range(len(codes)), 2):
        d = int(np.sum(bits[a] != bits[b]))
        if d <= radius:
            out.append((a, b, d))
    return out


@st.composite
def code_sets(draw, max_n=40):
    """Random, all-equal, all-different or duplicate-heavy codes, with near neighbours."""
    k = draw(st.sampled_from(K_VALUES))
    n = draw(st.integers(0, max_n))
    kind = draw(st.sampled_from(["random", "equal", "dups", "near", "sparse"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    bits = adversarial_bits(kind, n, k, rng)
    return pack_codes(bits), k, rng


@settings(max_examples=80, deadline=None)
@given(data=code_sets(), kq=st.integers(0, 60))
def test_top_k_and_radius_match_brute_force(data, kq):
    codes, k, rng = data
    queries = np.concatenate([codes[:2], rng.integers(0, 256, (2, k // 8), dtype=np.uint8)])
    idx, dist = top_k(codes, queries, kq)
    assert idx.shape == dist.shape == (len(queries), min(kq, len(codes)))
    for row, q in enumerate(queries):
        ref = brute_dist(codes, q)
        assert np.array_equal(hamming_distances(codes, q), ref)
        order = sorted(range(len(codes)), key=lambda r: (ref[r], r))[:kq]
        assert idx[row].tolist() == order
        assert dist[row].tolist() == ref[order].tolist()
        radius = int(rng.integers(0, k + 1))
        for r in (0, radius, k):
            hits, hd = within_radius(codes, q, r)
            want = [i for i in sorted(range(len(codes)), key=lambda i: (ref[i], i)) if ref[i] <= r]
            assert hits.tolist() == want and hd.tolist() == ref[want].tolist()


def test_single_query_shape_and_self_first():
    rng = np.random.default_rng(3)
    codes = pack_codes(rng.random((500, 64)) < 0.5)
    codes[100] = codes[40]  # a tie at distance 0: the lower index comes first
    idx, dist = top_k(codes, codes[100], 5)
    assert idx.shape == (1, 5)
    assert idx[0, :2].tolist() == [40, 100] and dist[0, :2].tolist() == [0, 0]
    for r in [0, 7, 499]:
        idx, dist = top_k(codes, codes[r], 1)
        assert dist[0, 0] == 0 and idx[0, 0] == (40 if r == 100 else r)


@pytest.mark.parametrize("n", [70_000, 300_000])
def test_top_k_large_scan_uses_sampled_threshold_correctly(n):
    # Big enough to sample (more than one scan chunk), with adversarial ties.
    rng = np.random.default_rng(n)
    codes = pack_codes(rng.random((n, 24)) < 0.05)
    codes[n // 2 :] = codes[0]
    query = codes[-1]
    ref = np.bitwise_count(codes ^ query).sum(axis=1)
    for k in (1, 10, 1000, n // 2 + 5):
        idx, dist = top_k(codes, query, k)
        order = np.lexsort((np.arange(n), ref))[:k]
        assert np.array_equal(idx[0], order) and np.array_equal(dist[0], ref[order])
    # A batch runs on the thread pool: each row must equal the single-query answer.
    batch = codes[[0, 5, n - 1, 7]]
    idx, dist = top_k(codes, batch, 50)
    for row, q in enumerate(batch):
        one_idx, one_dist = top_k(codes, q, 50)
        assert np.array_equal(idx[row], one_idx[0]) and np.array_equal(dist[row], one_dist[0])


def test_rejects_mismatched_queries_and_bad_arguments():
    codes = np.zeros((4, 8), np.uint8)
    with pytest.raises(ValueError):
        top_k(codes, np.zeros(4, np.uint8), 1)
    with pytest.raises(ValueError):
        top_k(codes.astype(np.int64), np.zeros(8, np.uint8), 1)
    with pytest.raises(ValueError):
        within_radius(codes, np.zeros(8, np.uint8), -1)
    with pytest.raises(ValueError):
        top_k(codes, np.zeros(8, np.uint8), -2)


@pytest.fixture(params=["auto", "pigeonhole", "probing", "brute"])
def pair_method(request, monkeypatch):
    """Run the pair tests through each strategy, not only the one the heuristic picks.

    "pigeonhole": radius + 1 substrings, exact buckets only; "probing": as few
    substrings as possible, so every bucket within a sub-radius is probed.
    The patch is the same for every generated example, so sharing it is safe.
    Returns the keyword arguments of ``pairs_within`` that force the plan.
    """
    if request.param in ("pigeonhole", "probing"):
        monkeypatch.setattr(pairs_module, "_BRUTE_MAX_ROWS", 0)
        monkeypatch.setattr(pairs_module, "_CANDIDATE_COST", 0)
        return {"parts": 10**9 if request.param == "pigeonhole" else 1}
    if request.param == "brute":
        monkeypatch.setattr(pairs_module, "_BRUTE_MAX_ROWS", 10**9)
    return {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=code_sets(max_n=45), radius_pick=st.integers(0, 6))
def test_pairs_within_matches_brute_force(pair_method, data, radius_pick):
    codes, k, _rng = data
    radius = radius_pick if radius_pick < 6 else k  # radius K: every pair
    i, j, d = pairs_within(codes, radius, max_memory_bytes=1, **pair_method)  # tiny chunks
    got = list(zip(i.tolist(), j.tolist(), d.tolist()))
    assert got == brute_pairs(codes, radius)
    assert i.dtype == j.dtype == d.dtype == np.int64


def test_pairs_within_larger_clustered(pair_method):
    rng = np.random.default_rng(7)
    centres = rng.random((60, 64)) < 0.5
    bits = centres[rng.integers(0, 60, 1500)] ^ (rng.random((1500, 64)) < 0.02)
    bits[:300] = bits[0]  # a heavy bucket of identical codes
    codes = pack_codes(bits)
    ref = np.bitwise_count(codes[:, None, :] ^ codes[None, :, :]).sum(axis=2)
    for radius in (0, 2, 4):
        a, b = np.nonzero(np.triu(ref <= radius, k=1))
        i, j, d = pairs_within(codes, radius, max_memory_bytes=1 << 16, **pair_method)
        assert np.array_equal(i, a) and np.array_equal(j, b)
        assert np.array_equal(d, ref[a, b])


def brute_groups_check(n, pairs, radius, groups):
    """Disjoint, ≥2 members, ordered; cliques kept whole; others: members near a centre."""
    close = {(a, b) for a, b, d in pairs if d <= radius}
    near = lambda a, b: a == b or (min(a, b), max(a, b)) in close  # noqa: E731
    seen = set()
    firsts = [int(g[0]) for g in groups]
    assert firsts == sorted(firsts)
    for g in groups:
        g = g.tolist()
        assert len(g) >= 2 and g == sorted(g) and not seen & set(g)
        seen |= set(g)
        assert any(all(near(c, m) for m in g) for c in g)  # some centre reaches everyone
    # A component whose members are all pairwise close is exactly one group.
    adjacency = {v: set() for v in range(n)}
    for a, b in close:
        adjacency[a].add(b)
        adjacency[b].add(a)
    done = set()
    for v in range(n):
        if v in done or not adjacency[v]:
            continue
        comp, todo = set(), [v]
        while todo:
            u = todo.pop()
            if u not in comp:
                comp.add(u)
                todo.extend(adjacency[u])
        done |= comp
        if all(near(a, b) for a in comp for b in comp):
            assert sorted(comp) in [g.tolist() for g in groups]


@settings(max_examples=60, deadline=None)
@given(data=code_sets(max_n=40), radius=st.integers(0, 5))
def test_group_duplicates_guarantees(data, radius):
    codes, _k, _rng = data
    i, j, d = pairs_within(codes, radius + 2)  # extra pairs beyond radius are ignored
    groups = group_duplicates(len(codes), i, j, d, radius)
    brute_groups_check(len(codes), zip(i.tolist(), j.tolist(), d.tolist()), radius, groups)
    for g in groups:
        assert group_max_distance(codes, g) <= 2 * radius


@settings(max_examples=60, deadline=None)
@given(data=code_sets(max_n=40), radius=st.integers(0, 5))
def test_grouping_distinct_codes_keeps_the_guarantees(data, radius):
    codes, _k, _rng = data
    found = code_pairs_within(codes, radius + 2)
    i, j, d = pairs_within(codes, radius + 2)
    assert found.row_pair_count(radius + 2) == i.size
    assert found.row_pair_count(radius) == int((d <= radius).sum())
    groups = group_code_pairs(found, radius)
    brute_groups_check(len(codes), zip(i.tolist(), j.tolist(), d.tolist()), radius, groups)
    for g in groups:
        assert group_max_distance(codes, g) <= 2 * radius


def test_grouping_distinct_codes_needs_no_row_pairs():
    # 60,000 rows on five codes: 1.8 billion row pairs, five code pairs
    base = np.array([[0b00000000], [0b00000001], [0b00000011], [0b11110000], [0b11111111]], np.uint8)
    rows = np.repeat(np.arange(5), [20_000, 20_000, 10_000, 9_999, 1])
    codes = base[rows]
    found = code_pairs_within(codes, 1)
    assert found.m == 5 and found.a.size == 2  # 0-1 and 1-2
    within = sum(w * (w - 1) // 2 for w in (20_000, 20_000, 10_000, 9_999))
    assert found.row_pair_count(1) == within + 20_000 * 20_000 + 20_000 * 10_000
    groups = group_code_pairs(found, 1)
    # 0-1-2 is a chain: the middle code (most rows to take) is the centre and takes both ends
    assert [len(g) for g in groups] == [50_000, 9_999]
    assert groups[0].tolist() == np.flatnonzero(rows <= 2).tolist()
    assert [g.tolist() for g in group_code_pairs(found, 0)] == [np.flatnonzero(rows == c).tolist() for c in range(4)]


def test_group_duplicates_does_not_chain():
    # 0-1-2-3-4-5-6 each one bit from the next: a chain, not one group.
    bits = np.zeros((7, 8), bool)
    for r in range(7):
        bits[r, :r] = True
    codes = pack_codes(bits)
    i, j, d = pairs_within(codes, 1)
    groups = group_duplicates(7, i, j, d, 1)
    assert all(group_max_distance(codes, g) <= 2 for g in groups)
    assert len(groups) >= 2
    # A clique stays whole; a lone code is in no group.
    codes = np.array([[0], [1], [1], [255]], np.uint8)
    i, j, d = pairs_within(codes, 1)
    assert [g.tolist() for g in group_duplicates(4, i, j, d, 1)] == [[0, 1, 2]]
    assert group_duplicates(3, np.array([], int), np.array([], int), np.array([], int), 0) == []


def test_group_max_distance():
    codes = np.array([[0], [1], [3], [255]], np.uint8)
    assert group_max_distance(codes, np.array([0, 1, 2])) == 2
    assert group_max_distance(codes, np.array([0, 3])) == 8
    assert group_max_distance(codes, np.array([2])) == 0
