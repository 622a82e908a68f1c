"""Duplicate groups from close pairs, without chaining unrelated photos together."""

from __future__ import annotations

import itertools

import numpy as np

from hashview.core.hamming.pairs import CodePairs
from hashview.core.hamming.search import check_radius, code_words

# ---------------------------------------------------------------------------- groups


def group_duplicates(n: int, i: np.ndarray, j: np.ndarray, d: np.ndarray, radius: int) -> list[np.ndarray]:
    """Disjoint duplicate groups from close pairs, without chaining through near neighbours.

    Pairs with d > ``radius`` are ignored, so pairs found at a larger radius can
    be regrouped at a smaller one. The pairs must be *all* pairs within
    ``radius`` (as :func:`pairs_within` returns them).

    Guarantee: groups are disjoint, each has at least two members, and
    - a connected component in which every two members are within ``radius``
      (a clique: its diameter is at most ``radius``) is one group, unchanged;
    - any other component is split by greedy centre selection: a member with the
      most ungrouped neighbours becomes a centre and is grouped with its ungrouped
      neighbours, repeatedly (many far-apart centres per round; ties by a fixed
      hash of the index, see ``_greedy_centres``). Every member of such a
      group is within ``radius`` of the group's centre, so any two members are
      within ``2 * radius`` of each other. Members left with no ungrouped
      neighbour are in no group.

    Returns:
        Ascending index arrays (int64), ordered by their first index.
    """
    radius = check_radius(radius)
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
    node_groups = _group_nodes(n, lo, hi, np.ones(n, np.int64))
    return _ordered_groups(n, *node_groups)


def group_code_pairs(pairs: CodePairs, radius: int) -> list[np.ndarray]:
    """``group_duplicates`` over the distinct codes of ``pairs``, without expanding row pairs.

    Rows with one code are within any radius of each other and share every
    neighbour, so grouping the distinct codes, each weighted by how many rows
    hold it, and then listing each code's rows gives groups with the same
    guarantee as grouping the rows: a clique component (now: of codes) stays
    whole; other components are split around centres, a centre's weight being
    the rows it would take (its own copies and its ungrouped neighbours' rows).
    Ties may break differently from the row-level grouping. Memory follows the
    pairs of distinct codes: a library where thousands of photos share a code
    and their neighbours' codes no longer needs the hundreds of millions of
    row pairs between them.
    """
    radius = check_radius(radius)
    keep = pairs.d <= radius
    lo, hi = pairs.a[keep].astype(np.int64), pairs.b[keep].astype(np.int64)
    weight = pairs.weights
    code_group, code_gid = _group_nodes(pairs.m, lo, hi, weight)
    if code_group.size == 0:
        return []
    n = pairs.inverse.size
    starts = np.cumsum(weight) - weight
    counts = weight[code_group]
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = pairs.order[np.repeat(starts[code_group], counts) + offsets]
    smallest_row = pairs.order[starts]  # the order lists each code's rows ascending
    first = np.full(pairs.m, n, np.int64)
    np.minimum.at(first, code_gid, smallest_row[code_group])
    return _ordered_groups(n, rows, np.repeat(first[code_gid], counts))


def _group_nodes(n: int, lo: np.ndarray, hi: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grouped nodes and their group ids (smallest member) from unique edges ``lo < hi``.

    A node of weight w stands for w rows at distance 0 from each other, so a
    node of weight 2 or more is a group on its own even without edges.
    """
    label = _components(n, lo, hi)
    comp_size = np.bincount(label, minlength=n)
    comp_rows = np.bincount(label, weights=weight, minlength=n).astype(np.int64)
    comp_edges = np.bincount(label[lo], minlength=n)
    is_clique = comp_edges == comp_size * (comp_size - 1) // 2
    # a component's label is its smallest member
    nodes = np.flatnonzero(is_clique[label] & (comp_rows[label] >= 2))
    gid = label[nodes]
    split = ~is_clique[label]
    if split.any():
        split_edges = split[lo]
        centre_nodes, centre_gid = _greedy_centres(n, lo[split_edges], hi[split_edges], weight, split)
        nodes = np.concatenate([nodes, centre_nodes])
        gid = np.concatenate([gid, centre_gid])
    return nodes, gid


def _ordered_groups(n: int, rows: np.ndarray, gid: np.ndarray) -> list[np.ndarray]:
    """Rows split by group id: ascending inside, groups by their first row (the id)."""
    if rows.size == 0:
        return []
    key = gid * n + rows
    key.sort()
    gid, rows = key // n, key % n
    cuts = np.flatnonzero(gid[1:] != gid[:-1]) + 1
    bounds = [0, *cuts.tolist(), rows.size]
    return [rows[a:b] for a, b in itertools.pairwise(bounds)]


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


def _greedy_centres(
    n: int, lo: np.ndarray, hi: np.ndarray, weight: np.ndarray, candidates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped nodes and their group ids (smallest member), around centres chosen in rounds.

    All arrays, no per-node Python loop. ``candidates`` marks the nodes to
    group (those of the components being split); a node's weight is how many
    rows it stands for.

    Each round, every ungrouped node whose priority (the rows it would take:
    its own copies and its ungrouped neighbours' rows, then a fixed hash of its
    index) is the largest within two hops becomes a centre and takes its
    ungrouped neighbours. Two such centres are never within two hops of each
    other, so their groups are disjoint; this is greedy centre selection done
    for many far-apart centres at once, and the random-looking tie break makes
    the number of rounds small (as in Luby's algorithm) even along chains of
    equal degree. A node of weight 2 or more left without ungrouped
    neighbours is a group of its own copies.
    """
    src = np.concatenate([lo, hi])
    dst = np.concatenate([hi, lo])
    packed = src * n + dst
    packed.sort()
    src, dst = packed // n, packed % n
    del packed
    # A bijection of the index onto 32 bits that looks random: the tie break.
    tie = (np.arange(n, dtype=np.uint64) * np.uint64(0x9E3779B1)) & np.uint64(0xFFFFFFFF)
    own = (weight - 1).astype(np.uint64)
    centre_of = np.full(n, -1, np.int64)
    while src.size:
        degree = own + np.bincount(src, weights=weight[dst], minlength=n).astype(np.uint64)
        priority = (degree << np.uint64(32)) | tie
        best = _neighbour_max(n, src, priority[dst], priority)
        best = _neighbour_max(n, src, best[dst], best)
        has_edge = np.zeros(n, bool)
        has_edge[src] = True
        centres = np.flatnonzero((best == priority) & has_edge)
        is_centre = np.zeros(n, bool)
        is_centre[centres] = True
        taken = is_centre[src]
        centre_of[centres] = centres
        centre_of[dst[taken]] = src[taken]
        alive = (centre_of[src] < 0) & (centre_of[dst] < 0)
        src, dst = src[alive], dst[alive]
    alone = np.flatnonzero(candidates & (centre_of < 0) & (weight >= 2))
    centre_of[alone] = alone
    members = np.flatnonzero(centre_of >= 0)
    centre = centre_of[members]
    smallest = np.full(n, n, np.int64)
    np.minimum.at(smallest, centre, members)
    return members, smallest[centre]


def _neighbour_max(n: int, src: np.ndarray, values: np.ndarray, own: np.ndarray) -> np.ndarray:
    """max(own[v], values over v's edges) for every node v; ``src`` is sorted."""
    result = own.copy()
    if src.size:
        starts = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1])))
        nodes = src[starts]  # distinct
        result[nodes] = np.maximum(result[nodes], np.maximum.reduceat(values, starts))
    return result


def group_max_distance(codes: np.ndarray, group: np.ndarray) -> int:
    """The largest Hamming distance between any two rows of ``codes`` listed in ``group``."""
    words, _ = code_words(codes)
    rows = np.unique(words[np.asarray(group, np.int64)], axis=0)  # copies add nothing: 50,000 rows may be 3 codes
    best = 0
    step = max(1, (1 << 22) // max(1, rows.shape[0] * rows.shape[1]))
    for start in range(0, rows.shape[0], step):
        x = rows[start : start + step, None, :] ^ rows[None, :, :]
        best = max(best, int(np.bitwise_count(x).sum(axis=2).max(initial=0)))
    return best
