"""The radius bound read from all pairs' distances (``pair_valley_radius``).

Codes are made here: "photos" are signs of random projections of a few latent
factors (so different photos are correlated, as a network's codes are, and
their pair distances climb steadily towards K/4), and "copies" are a photo's
code with a few bits flipped. Every photo here has copies, as in the
broad-edit set, where the nearest-neighbour valley could not see the
different photos' climb at all.
"""

from __future__ import annotations

import numpy as np

from hashview.core.duplicates.radius import (
    nearest_distances,
    pair_histogram,
    pair_valley_radius,
    suggest_radius,
    valley_radius,
)
from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.pairs import pairs_within

BITS = 128


def library(photos: int, with_copies: int, seed: int, factors: int = 16, spread: int = 8):
    """Packed codes and, for each row, the photo it shows (copies share their photo's number)."""
    rng = np.random.default_rng(seed)
    projection = rng.normal(size=(factors, BITS))
    bits = (rng.normal(size=(photos, factors)) @ projection > 0).astype(np.uint8)
    rows, owner = [bits], list(range(photos))
    for k in rng.choice(photos, with_copies, replace=False):
        for _ in range(3):
            copy = bits[k].copy()
            copy[rng.choice(BITS, int(rng.integers(0, spread + 1)), replace=False)] ^= 1
            rows.append(copy[None])
            owner.append(int(k))
    return pack_codes(np.concatenate(rows)), np.asarray(owner)


def f1_by_radius(codes: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Pair F1 at each radius 0..K/4, from one search."""
    a, b, d = pairs_within(codes, BITS // 4)
    same = owner[a] == owner[b]
    found = np.cumsum(np.bincount(d[same], minlength=BITS // 4 + 1))
    pairs = np.cumsum(np.bincount(d, minlength=BITS // 4 + 1))
    true = sum(k * (k - 1) // 2 for k in np.bincount(owner) if k > 1)
    precision, recall = found / np.maximum(1, pairs), found / max(1, true)
    return 2 * precision * recall / np.maximum(1e-9, precision + recall)


def test_the_pair_valley_lies_between_the_copies_and_the_different_photos():
    for seed in range(3):
        codes, owner = library(photos=1500, with_copies=300, seed=seed)
        radius = pair_valley_radius(codes, BITS)
        assert radius is not None
        f1 = f1_by_radius(codes, owner)
        assert f1[radius] >= f1.max() - 0.05, (seed, radius, int(f1.argmax()))


def test_suggest_radius_never_exceeds_the_pair_valley():
    """Where every photo has a copy, the nearest-neighbour valley sits in the far tail; the pair valley holds."""
    codes, owner = library(photos=400, with_copies=400, seed=4, spread=12)
    bound = pair_valley_radius(codes, BITS)
    assert bound is not None
    assert suggest_radius(codes, BITS, copy_distance=30.0) <= bound
    nearest = valley_radius(nearest_distances(codes), BITS)
    f1 = f1_by_radius(codes, owner)
    assert f1[min(nearest, bound)] >= f1[min(nearest, BITS // 4)]


def test_no_pair_valley_in_a_tiny_library():
    codes, _owner = library(photos=6, with_copies=0, seed=0)
    assert pair_valley_radius(codes, BITS) is None


def test_the_pair_histogram_counts_row_pairs_without_expanding_identical_codes():
    """Five rows of one code are 10 pairs at distance 0; each pairs with a code 3 bits away: 5 more at 3."""
    rng = np.random.default_rng(2)
    base = rng.integers(0, 2, size=BITS, dtype=np.uint8)
    near = base.copy()
    near[:3] ^= 1
    far = 1 - base  # 128 bits away: past K/4, not counted
    codes = pack_codes(np.stack([base] * 5 + [near, far]))
    hist = pair_histogram(codes, BITS)
    assert len(hist) == BITS // 4 + 1
    assert hist[0] == 10 and hist[3] == 5 and hist.sum() == 15
