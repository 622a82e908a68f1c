"""Copies whose tone or colour changed: pairs found through the pictures' tone hashes (``images.tone_hash``).

A duplicate network's library keeps a 64-bit tone hash of every picture beside
its code (``Library.tone_codes``). Two pictures whose hashes are within
``TONE_RADIUS`` bits are a *tone pair*, joined to the groups the codes make
(``turned.attach_turned``), and a search hit, whatever their codes say.

Why: the shipped network misses some copies whose exposure, levels, gamma or
colour were changed (issue 20: on the held-out broad-edit set auto-levels 0.67,
greyscale 0.80, saturation 0.87 where imagededup's PHash finds 0.93 to 1.00),
and a person who sees a plain perceptual hash find a copy hashview missed
trusts neither. The hash answers only where it is near certain, so it adds
copies and no false pairs: 3 bits of 64, the largest radius at which the tone
hashes of the development sets (dupset, dupset_s1: edited copies of wallpaper
photos and their neighbouring crops; and 10,000 photos) paired no two
different photos; docs/lab-notes.md (run 16) gives the counts, and
docs/benchmarks.md what the held-out set showed with the radius fixed.
"""

from __future__ import annotations

import numpy as np

from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.hamming.search import code_words, within_radius
from hashview.core.images.tone_hash import TONE_BITS

TONE_RADIUS = 3


def tone_pairs(
    tone: np.ndarray, codes: np.ndarray, plain_radius: int, radius: int = TONE_RADIUS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row pairs (i < j, tone distance d) whose tone hashes are within ``radius`` and whose codes are not
    within ``plain_radius`` (the plain search pairs those). ``tone`` and ``codes`` are packed, row for row.

    Rows with the same code and hash (identical files, mostly) are searched once, as their first row, as
    ``turned.turned_pairs`` does: the plain search groups them together already.
    """
    empty = np.empty(0, np.int64)
    if len(tone) < 2:
        return empty, empty.copy(), empty.copy()
    _, first_rows = np.unique(np.concatenate([codes, tone], axis=1), axis=0, return_index=True)
    rep = np.sort(first_rows).astype(np.int64)
    i, j, d = code_pairs_within(np.ascontiguousarray(tone[rep]), radius).row_pairs()
    i, j, d = np.asarray(i, np.int64), np.asarray(j, np.int64), np.asarray(d, np.int64)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    if not len(lo):
        return empty, empty.copy(), empty.copy()
    words, _ = code_words(np.ascontiguousarray(codes[rep]))
    beyond = np.bitwise_count(words[lo] ^ words[hi]).sum(axis=1) > plain_radius
    return rep[lo[beyond]], rep[hi[beyond]], d[beyond]


def tone_hits(
    tone: np.ndarray, query_tone: np.ndarray, bits: int, radius: int = TONE_RADIUS
) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose tone hash is within ``radius`` of the query's, each at its tone distance scaled to a code
    of ``bits`` (3 of 64 bits counts as 6 of 128), ordered by (distance, row): ``within_radius``'s answer,
    to merge with the codes' own hits (``turned.merge_hits``)."""
    rows, dists = within_radius(np.ascontiguousarray(tone), query_tone, radius)
    return rows.astype(np.int64), np.ceil(dists * (bits / TONE_BITS)).astype(np.int64)


def pair_spread(codes: np.ndarray, tone: np.ndarray, group: np.ndarray, bits: int) -> int:
    """The largest distance between two of ``group``'s rows, each pair at the nearer of its code distance and
    its tone distance scaled to ``bits`` (what the explorer shows of a group a tone pair joined)."""
    rows = np.asarray(group, np.int64)
    own, _ = code_words(np.ascontiguousarray(codes[rows]))
    hashed, _ = code_words(np.ascontiguousarray(tone[rows]))
    spread = 0
    for k in range(len(rows)):
        by_code = np.bitwise_count(own[k] ^ own).sum(axis=1)
        by_tone = np.ceil(np.bitwise_count(hashed[k] ^ hashed).sum(axis=1) * (bits / TONE_BITS))
        spread = max(spread, int(np.minimum(by_code, by_tone).max(initial=0)))
    return spread
