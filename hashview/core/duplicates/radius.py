"""The duplicate radius, read off the codes' own distances.

A network that learnt what a duplicate is puts a photo and its copies a few
bits apart and every other photo far away, so the distance from each code to
its nearest neighbour has two modes: small for photos that have a copy, large
for photos that have none. The radius goes in the valley between them.

That reading assumes a network that tells photos apart. One that does not (an
untrained network, a collapsed one) puts every photo a few bits from every
other, and its "valley" groups the whole library: the explorer then proposed
moving most of a library to the trash. ``advise_radius`` guards against that:
it flags codes that do not separate the photos and never suggests a radius at
which one group would chain more photos than real copies ever make.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from hashview.core.hamming.search import top_k

logger = logging.getLogger(__name__)

SAMPLE = 4000  # codes whose nearest neighbour is measured (all of them in smaller libraries)


def nearest_distances(codes: np.ndarray, sample: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """Hamming distance from each of (up to ``sample``) packed codes to its nearest other code."""
    n = len(codes)
    if n < 2:
        return np.zeros(0, np.int64)
    rows = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    found, dists = top_k(codes, codes[rows], 2)
    found, dists = np.asarray(found).reshape(len(rows), -1), np.asarray(dists).reshape(len(rows), -1)
    first_is_self = found[:, 0] == rows
    return np.where(first_is_self, dists[:, 1], dists[:, 0]).astype(np.int64)


def valley_radius(nearest: np.ndarray, n_bits: int, fallback: int | None = None) -> int:
    """The radius in the valley of the nearest-neighbour histogram (see ``suggest_radius``)."""
    fallback = max(1, n_bits // 16) if fallback is None else fallback
    if len(nearest) == 0:
        return fallback
    return histogram_valley(np.bincount(np.clip(nearest, 0, n_bits), minlength=n_bits + 1), n_bits)


def histogram_valley(counts: np.ndarray, n_bits: int) -> int:
    """``valley_radius`` on a histogram already counted: ``counts[d]`` values at distance d."""
    top = max(2, n_bits // 4)
    hist = np.zeros(n_bits + 1, np.float64)
    hist[: min(len(counts), n_bits + 1)] = np.asarray(counts, np.float64)[: n_bits + 1]
    smooth = np.convolve(hist, [0.25, 0.5, 0.25], mode="same")
    # candidate cut points: radius r keeps distances <= r; the valley is the emptiest bin above r
    cands = np.arange(1, top)
    # ... and a valley has a mode above it: a bin past the different photos' mode, in its far
    # tail, is empty too, but cutting there pairs them all. In a large library that mode lies
    # within K/4 (10,000 photos: its peak at 11 bits, its tail's 8 photos at 16 bits made the
    # radius 15 and 96,669 pairs, F1 0.014, where the valley below the mode gives 0.859)
    fullest_from = np.append(np.maximum.accumulate(smooth[::-1])[::-1], 0.0)  # [k]: the fullest bin >= k
    fuller_above = fullest_from[cands + 2] > 2 * smooth[cands + 1] + 1
    if fuller_above.any():
        cands = cands[fuller_above]
    depth = smooth[cands + 1]
    best = depth.min()
    ties = cands[depth <= best + 1e-9]
    # among equally empty bins take the middle of the widest run: as far from both modes as they allow
    runs = np.split(ties, np.flatnonzero(np.diff(ties) > 1) + 1)
    widest = max(runs, key=len)
    return int(widest[len(widest) // 2])


LIFT_SHARE = 0.1
"""How many photos the copy distance may lift the radius across, all bins together, as a share of the
photos the valley already pairs (see ``lift_radius``)."""

RISE_MARGIN = 3
"""A bin starts the different photos' climb when it holds more than twice the fullest bin the lift has
taken in, plus this many photos, and the next bin is no emptier (see ``lift_radius``)."""


def lift_radius(
    nearest: np.ndarray,
    valley: int,
    target: int,
    share: float = LIFT_SHARE,
    rise_margin: int | None = RISE_MARGIN,
    cumulative: bool = True,
) -> int:
    """The radius raised from ``valley`` towards ``target`` for as long as what it takes in stays sparse.

    Lifting from r to r + 1 takes in the photos whose nearest other code is
    exactly r + 1 bits away. While those are a few stragglers of the copies
    (a crop or a rotation the valley cut off), the lift goes on. It stops
    where the different photos' own mode begins, which shows in two ways:

    - the bins taken in hold, together, more than ``share`` of the photos
      already within ``valley`` of a neighbour. On 10,000 photos, 9,263 of them
      CIFAR-10 thumbnails, the probe measured edits of those thumbnails (13 to
      30 bits, farther than two different thumbnails' nearest neighbours), and
      lifting all the way made 85,852 false pairs (64 bits, F1 0.015). Each bin
      alone under the share (``cumulative`` False, the rule before) let a slow
      climb through: 6, 2, 9, 9, 15, 12 photos at 8 to 13 bits, radius 13 and
      F1 0.867 on a 128-bit network, where the bins together stop it at 10
      (F1 0.942);
    - the climb begins: a bin holds more than twice the fullest bin taken in
      so far plus ``rise_margin``, and the next bin holds no fewer (one full
      bin among stragglers is not a climb). Another 128-bit network of that
      library: 1, 10, 16 photos at 11 to 13 bits; this stops at 11 (F1 0.920),
      the share at 12 (0.910).

    On the eight 128-bit networks of the development sets (737 photos)
    neither stops the lift before the copy distance (``benchmarks/studies/lift_rules.py``).
    ``rise_margin`` None: no climb check.
    """
    if len(nearest) == 0:
        return valley
    hist = np.bincount(np.asarray(nearest, np.int64), minlength=target + 3)
    allowed = share * hist[: valley + 1].sum()
    radius, fullest, taken = valley, 0, 0
    while radius < target:
        nxt = int(hist[radius + 1])
        if (taken + nxt if cumulative else nxt) > allowed:
            break
        if rise_margin is not None and radius > valley and nxt > 2 * fullest + rise_margin and hist[radius + 2] >= nxt:
            break
        radius += 1
        fullest, taken = max(fullest, nxt), taken + nxt
    return radius


def lift_target(copy_distance: float, n_bits: int) -> int:
    """The radius the copy distance asks for: its ceiling, below K/4 (where the different photos' mode may lie)."""
    return min(math.ceil(copy_distance), max(1, n_bits // 4 - 1))


def suggest_radius(codes: np.ndarray, n_bits: int | None = None, copy_distance: float | None = None) -> int:
    """The radius that separates copies from different photos, from the codes alone.

    Each code's distance to its nearest other code is measured (a sample of
    ``SAMPLE`` codes in large libraries); their histogram, lightly smoothed,
    has a mode near 0 (photos with a copy) and a mode far out (photos without).
    The radius r is the one whose next bin r + 1 is emptiest, searched in
    1..K/4 - 1 among the bins with a clearly fuller bin above them (a valley
    lies below a mode, not in the far tail of the different photos' mode,
    which in a large library lies within K/4); among equally empty bins the
    middle of the widest run wins.
    A library with no copies at all gets a radius in the empty stretch below
    its single mode, so it finds (almost) nothing, as it should.

    ``copy_distance``: how far the network puts a synthetic edited copy from
    its photo (the training probe's 98th percentile, ``copy_distance_q98``),
    when it is known. The radius is then lifted towards that (below K/4): a set
    of look-alike photos (grass, wood, one wallpaper's quadrants) can fill the
    valley, and the emptiest bin then cuts into the copies' own spread (separate runs on the
    development sets, with DupNet's hard negatives: crop recall 0.95 -> 0.98 on
    one and 0.98 -> 1.00 on the held-out one, F1 0.995 -> 0.996 and 0.993 -> 0.994).
    The lift stops where the different photos' mode begins (``lift_radius``):
    the probe's copies are edits of the library's own photos, and where those
    are thumbnails with little detail they land farther apart than two
    different photos do.

    The result never exceeds ``pair_valley_radius``, the valley of all pairs'
    distances (not only each code's nearest).
    """
    codes = np.asarray(codes, np.uint8)
    n_bits = int(n_bits or codes.shape[1] * 8)
    nearest = nearest_distances(codes)
    radius = valley_radius(nearest, n_bits)
    if copy_distance is not None and np.isfinite(copy_distance):
        radius = lift_radius(nearest, radius, lift_target(copy_distance, n_bits))
    bound = pair_valley_radius(codes, n_bits)
    return radius if bound is None else min(radius, bound)


def pair_histogram(codes: np.ndarray, n_bits: int, sample: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """How many code pairs lie at each distance 0..K/4, among (up to ``sample``) codes.

    A random sample keeps a copy pair and a pair of different photos alike
    with the same chance, so the histogram's shape holds for the whole library.
    Counted from the pairs of distinct codes and how many rows hold each, never
    expanded into row pairs (a file copied a thousand times is one code).
    """
    from hashview.core.hamming.pairs import code_pairs_within

    n = len(codes)
    top = max(2, n_bits // 4)
    rows = codes if n <= sample else codes[np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))]
    pairs = code_pairs_within(rows, top)
    w = pairs.weights
    hist = np.bincount(np.asarray(pairs.d, np.int64), weights=w[pairs.a] * w[pairs.b], minlength=top + 1)
    hist[0] += float((w * (w - 1) // 2).sum())
    return np.rint(hist[: top + 1]).astype(np.int64)


def pair_valley_radius(codes: np.ndarray, n_bits: int) -> int | None:
    """The valley of all pairs' distances: copies make a bump of pairs at small distances, different photos a
    climb towards K/4 (there are far more of them); at the emptiest bin between the two a new pair is about as
    likely a copy as not, and beyond it mostly not. None: too few pairs to read (a tiny library), or no pair
    beyond the valley within K/4 (photos so far apart that there is nothing to stay below).

    The nearest-neighbour valley cannot see the climb where most photos have a copy (the broad-edit set: 792
    of 882), since different photos are then hardly ever each other's nearest neighbour: on a network trained
    with the broad vocabulary its valley was 31 bits (precision 0.40, F1 0.52), this one 18 (0.90, 0.83).
    """
    hist = pair_histogram(np.asarray(codes, np.uint8), n_bits)
    if hist.sum() < 20:
        return None
    valley = histogram_valley(hist, n_bits)
    if not hist[valley + 1 :].any():  # no pair beyond it within K/4: no climb to stay below, nothing to bound
        return None
    return valley


# ------------------------------------------------------------------ the guard

CHAIN_GROUP = 50
"""No group of real copies holds more photos than this. The largest true group the suites' generators
make is 23 (``tests/generators.py`` kind "near", 3,000 codes of 32 bits, at its suggested radius; kind
"dups" 14; ``tests/test_decisions.py``'s synthetic and crowded codes 4), the development sets' 4 (a
photo and three edited copies): about twice the largest, so a burst of near-identical shots still fits."""

CHAIN_SHARE = 0.5
"""In a small library a group is a chain once it holds more than this share of the photos: the
generators' duplicate-heavy libraries of 40 codes put at most 11 (27 %) in one group."""

CHAIN_MIN = 8
"""... but never below this many photos (a photo and seven copies is still plausible)."""

COLLAPSE_SHARE = 1 / 8
"""Codes that tell photos apart differ in about half their bits between two photos taken at random
(every method balances its bits); an untrained DupNet's 128-bit codes of 40 generated photos differed
in 6 (the median over all pairs), the same network after 0.3 s of training in 31, itq and lsh (64 bits)
in 32. Below this share of the code length the network is flagged."""

MIN_TO_JUDGE = 8  # fewer distinct photos than this: too few to say anything about a network


def chain_bound(n: int) -> int:
    """The most photos one group may hold, in a library of ``n`` distinct photos, before it is a chain.

    ``min(CHAIN_GROUP, max(CHAIN_MIN, CHAIN_SHARE * n))``: 8 in a library of
    16 photos, 20 in one of 40, 50 from 100 photos on. Real duplicate sets
    stay below it with a margin of about two (see ``CHAIN_GROUP``).
    """
    return int(min(CHAIN_GROUP, max(CHAIN_MIN, math.floor(CHAIN_SHARE * n))))


def largest_group_by_radius(codes: np.ndarray, top: int, cap: int, sample: int = SAMPLE, seed: int = 0) -> np.ndarray:
    """``[r]``: how many photos the largest duplicate group may hold at radius r, r in 0..``top``, capped at ``cap``.

    The grouping (``grouping.group_duplicates``) makes a clique component one
    group and splits any other around centres, each group a centre and its
    ungrouped neighbours, so no group holds more than one photo plus the most
    neighbours any photo has within r (a clique's group exactly that): the
    count here, an upper bound that errs on the safe side. The neighbours are
    counted among each (sampled) code's ``cap`` nearest codes, so no pair list
    is built even where everything is within r of everything (a sample of
    ``sample`` codes in larger libraries).
    """
    n = len(codes)
    top = max(int(top), 0)
    if n < 2 or cap < 1:
        return np.minimum(np.full(top + 1, min(n, 1), np.int64), max(cap, 0))
    rows = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    _found, dists = top_k(codes, codes[rows], min(int(cap), n))
    dists = np.asarray(dists).reshape(len(rows), -1)
    # each row's own code is among its nearest (distance 0) unless more than ``cap`` codes equal it,
    # and then all ``cap`` are within any radius: the count is the group size either way
    return np.array([int((dists <= r).sum(axis=1).max()) for r in range(top + 1)], np.int64)


def median_pair_distance(codes: np.ndarray, sample: int = SAMPLE, seed: int = 0) -> float:
    """The median Hamming distance between two different codes (every pair in small libraries, else a sample)."""
    codes = np.asarray(codes, np.uint8)
    n = len(codes)
    if n < 2:
        return float("nan")
    if n * (n - 1) // 2 <= sample:
        a, b = np.triu_indices(n, 1)
    else:
        rng = np.random.default_rng(seed)
        a = rng.integers(0, n, sample)
        b = rng.integers(0, n - 1, sample)
        b = b + (b >= a)  # never a code with itself
    return float(np.median(np.unpackbits(codes[a] ^ codes[b], axis=1).sum(axis=1)))


def separation_problem(codes: np.ndarray, n_bits: int) -> str | None:
    """One line when the codes do not tell the library's photos apart, else None.

    ``codes``: one code per distinct photo (exact copies of a file count once).
    A network whose codes of two random photos differ in less than
    ``COLLAPSE_SHARE`` of the bits groups unrelated photos at any radius that
    finds copies.
    """
    codes = np.asarray(codes, np.uint8)
    if len(codes) < MIN_TO_JUDGE:
        return None
    median = median_pair_distance(codes)
    if median < COLLAPSE_SHARE * n_bits:
        return (
            f"this network cannot tell the library's photos apart (two photos' codes differ in {median:g} "
            f"of {n_bits} bits, where about {n_bits // 2} is usual): only identical files are grouped; "
            "train it longer or use another network"
        )
    return None


def chain_problem(group_sizes: Iterable[int], n: int, radius: int) -> str | None:
    """One line when groups found at ``radius`` chain unrelated photos (one larger than ``chain_bound(n)``), else None."""
    largest = max((int(s) for s in group_sizes), default=0)
    if n < MIN_TO_JUDGE or largest <= chain_bound(n):
        return None
    return (
        f"radius {radius} puts {largest} of {n} photos in one group, more than copies ever make: "
        "these are not duplicates; choose a smaller radius before moving anything"
    )


@dataclass(frozen=True)
class RadiusAdvice:
    """The radius to suggest, and why it is not the one the codes' distances alone give."""

    radius: int | None  # None: no radius keeps groups apart, only identical files (exact copies) are safe
    codes_radius: int  # what ``suggest_radius`` reads off the distances
    reason: str | None = None  # one line: why ``radius`` differs from ``codes_radius``
    warning: str | None = None  # one line: the network does not separate the library's photos


def advise_radius(
    codes: np.ndarray, n_bits: int | None = None, copy_distance: float | None = None, distinct: np.ndarray | None = None
) -> RadiusAdvice:
    """``suggest_radius``, never where groups would chain large parts of the library.

    The network is judged first (``separation_problem``): codes that do not
    tell photos apart get exact copies only, whatever their distances say.
    Then the radius is lowered from the codes' own suggestion until no group
    holds more than ``chain_bound`` photos; when not even radius 0 passes
    (many different photos share one code), exact copies only again.

    ``distinct``: the rows that are distinct photos (one per file content), which
    the guard judges; None: every row. Exact copies of one file are one photo:
    a file copied 60 times is not a chain.
    """
    codes = np.asarray(codes, np.uint8)
    n_bits = int(n_bits or codes.shape[1] * 8)
    codes_radius = suggest_radius(codes, n_bits, copy_distance)
    photos = codes if distinct is None else codes[np.asarray(distinct, np.int64)]
    warning = separation_problem(photos, n_bits)
    if warning is not None:
        logger.info("%s", warning)
        return RadiusAdvice(None, codes_radius, warning, warning)
    n = len(photos)
    if n < MIN_TO_JUDGE:
        return RadiusAdvice(codes_radius, codes_radius)
    bound = chain_bound(n)
    largest = largest_group_by_radius(photos, codes_radius, bound + 1)
    safe = next((r for r in range(codes_radius, -1, -1) if largest[r] <= bound), None)
    if safe == codes_radius:
        return RadiusAdvice(codes_radius, codes_radius)
    chained = (
        f"at radius {codes_radius} one group would hold more than {bound} of {n} photos, more than copies ever make"
    )
    if safe is not None:
        reason = f"suggesting radius {safe}, not {codes_radius}: {chained}"
        logger.info("%s", reason)
        return RadiusAdvice(safe, codes_radius, reason)
    warning = (
        f"this network cannot tell the library's photos apart (even identical codes put more than {bound} "
        f"of {n} photos in one group): only identical files are grouped; train it longer or use another network"
    )
    logger.info("%s", warning)
    return RadiusAdvice(None, codes_radius, warning, warning)
