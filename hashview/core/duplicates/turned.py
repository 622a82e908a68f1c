"""Copies saved turned: pairs found through the pictures' upright-turn codes (``images.orientation``).

A duplicate network's library keeps two codes a picture: its own and its
upright turn's (``Library.upright_codes``). Two pictures are a turned pair when
any of their codes, one of each, are within the *turned radius*; a photo and a
copy of it turned by a quarter, half or three-quarter turn share their upright
codes.

Why a radius of its own, K/32 (4 of 128 bits, what the explorer calls
near-identical): every picture now has up to four comparisons where it had
one, and the upright turn of an abstract or symmetric picture (a wallpaper's
quadrant turned half-way round looks much like the opposite quadrant) is where
different pictures meet. A turned copy that is otherwise the same picture
(re-saved, recompressed) sits within it; a turned copy that was also edited
heavily is left to the first code and is not found. The radius is the
near-identical bound the explorer already used, fixed by its meaning (the noise
of decoding one photo twice); docs/lab-notes.md (run 14) says what the broad-edit
set showed at other radii.
"""

from __future__ import annotations

import numpy as np

from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.hamming.search import code_words


def turned_pairs(
    codes: np.ndarray, upright: np.ndarray, radius: int, plain_radius: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row pairs (i < j, distance d) that only a turn brings within ``radius``.

    ``codes`` and ``upright`` are packed codes, row for row; a row whose upright
    code is its own (the picture is upright already) adds nothing. Pairs whose
    own codes are within ``plain_radius`` (default ``radius``) are left out:
    the plain search finds them. Each pair comes once, at the least distance of
    its code pairs.

    Rows with the same two codes (identical files, mostly) are searched once,
    as their first row: the plain search groups them together already, and a
    backup of 5,000 identical files would otherwise make 12 million pairs.
    """
    empty = np.empty(0, np.int64)
    if len(codes) < 2:
        return empty, empty.copy(), empty.copy()
    _, first_rows = np.unique(np.concatenate([codes, upright], axis=1), axis=0, return_index=True)
    rep = np.sort(first_rows).astype(np.int64)
    codes, upright = codes[rep], upright[rep]
    n = len(codes)
    stacked, owner = _with_upright_rows(codes, upright)
    if n < 2 or len(stacked) == n:  # every picture upright already: no turn to add
        return empty, empty.copy(), empty.copy()
    a, b, d = code_pairs_within(stacked, radius).row_pairs()
    keep = (owner[a] != owner[b]) & ((a >= n) | (b >= n))  # two own codes: the plain search's pair
    i, j, d = owner[a[keep]], owner[b[keep]], d[keep].astype(np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((d, hi, lo))
    lo, hi, d = lo[order], hi[order], d[order]
    first = np.ones(len(lo), bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    lo, hi, d = lo[first], hi[first], d[first]
    words, _ = code_words(codes)
    own = np.bitwise_count(words[lo] ^ words[hi]).sum(axis=1) if len(lo) else empty
    beyond = own > (radius if plain_radius is None else plain_radius)
    return rep[lo[beyond]], rep[hi[beyond]], d[beyond]


def attach_turned(
    groups: list[np.ndarray], i: np.ndarray, j: np.ndarray, n: int, apart: np.ndarray | None = None
) -> list[np.ndarray]:
    """``groups`` (of ``n`` rows) with the turned pairs ``(i, j)`` joined in: a turned copy joins its
    original's group, and two groups a turned pair links become one.

    Joined after the plain grouping, not grouped with it: a turned copy is near
    its original only, so as one more edge it would break the group's clique
    and the split around centres could drop a member the plain groups kept.
    Pairs in ``apart`` ((m, 2) rows, each sorted: the person's "not a match")
    are not joined. Groups come back as ``grouping.group_duplicates`` gives
    them: ascending row arrays, ordered by their first row.
    """
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    if apart is not None and len(apart):
        keep = ~np.isin(lo * n + hi, apart[:, 0].astype(np.int64) * n + apart[:, 1].astype(np.int64))
        lo, hi = lo[keep], hi[keep]
    if not len(lo):
        return groups
    parent = np.arange(n)

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    for group in groups:
        first = root(int(group[0]))
        for member in group[1:].tolist():
            parent[root(member)] = first
    for a, b in zip(lo.tolist(), hi.tolist()):
        parent[root(a)] = root(b)
    members = (
        sorted({*np.concatenate(groups).tolist(), *lo.tolist(), *hi.tolist()})
        if groups
        else sorted({*lo.tolist(), *hi.tolist()})
    )
    joined: dict[int, list[int]] = {}
    for row in members:
        joined.setdefault(root(row), []).append(row)
    out = [np.array(rows, np.int64) for rows in joined.values() if len(rows) > 1]
    return sorted(out, key=lambda rows: int(rows[0]))


def turned_group_spread(codes: np.ndarray, upright: np.ndarray, group: np.ndarray) -> int:
    """The largest distance between two of ``group``'s rows, each pair taken at its closest turn."""
    rows = np.asarray(group, np.int64)
    both = np.unique(np.concatenate([codes[rows], upright[rows]], axis=1), axis=0)  # identical files count once
    width = codes.shape[1]
    own, _ = code_words(np.ascontiguousarray(both[:, :width]))
    up, _ = code_words(np.ascontiguousarray(both[:, width:]))
    spread = 0
    for k in range(len(both)):
        closest = np.minimum.reduce(
            [
                np.bitwise_count(own[k] ^ own).sum(axis=1),
                np.bitwise_count(up[k] ^ up).sum(axis=1),
                np.bitwise_count(own[k] ^ up).sum(axis=1),
                np.bitwise_count(up[k] ^ own).sum(axis=1),
            ]
        )
        spread = max(spread, int(closest.max(initial=0)))
    return spread


def turned_hits(
    codes: np.ndarray, upright: np.ndarray, query: np.ndarray, query_upright: np.ndarray, radius: int
) -> tuple[np.ndarray, np.ndarray]:
    """Rows that a turn brings within ``radius`` of a query (its own and its upright code), at their least
    distance over the code pairs, ordered by (distance, row); ``within_radius``'s answer for turned copies."""
    from hashview.core.hamming.search import within_radius

    stacked, owner = _with_upright_rows(codes, upright)
    parts = []
    for code in {query.tobytes(): query, query_upright.tobytes(): query_upright}.values():
        rows, dists = within_radius(stacked, code, radius)
        parts.append((owner[rows], dists))
    return merge_hits(parts)


def merge_hits(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Hit lists (rows, distances) as one: each row once at its least distance, ordered by (distance, row)."""
    best: dict[int, int] = {}
    for rows, dists in parts:
        for row, dist in zip(rows.tolist(), dists.tolist()):
            best[row] = min(dist, best.get(row, dist))
    ordered = sorted(best.items(), key=lambda item: (item[1], item[0]))
    return np.array([r for r, _ in ordered], np.int64), np.array([d for _, d in ordered], np.int64)


def _with_upright_rows(codes: np.ndarray, upright: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The codes, then the upright codes that differ from their own (pictures not upright already), and each
    stacked row's owner row."""
    extra = np.flatnonzero(np.any(upright != codes, axis=1)).astype(np.int64)
    stacked = np.ascontiguousarray(np.concatenate([codes, upright[extra]]))
    return stacked, np.concatenate([np.arange(len(codes), dtype=np.int64), extra])
