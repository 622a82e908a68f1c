"""Retrieval metrics against plain brute-force computations, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.metrics import evaluate_codes
from hashview.core.train.protocols import make_split


def brute_force(qb, ql, db, dl, n_bits, top=None):
    """Reference: per query, rank by (distance, index); AP, PR by radius, P@N."""
    aps, aps_top, precisions, recalls, pn = [], [], [], [], []
    for b, label in zip(qb, ql):
        dists = [int(np.sum(b != x)) for x in db]
        order = sorted(range(len(db)), key=lambda i: (dists[i], i))
        rel = [dl[i] == label for i in order]

        def ap(rel_list):
            hits, total = 0, 0.0
            for rank, r in enumerate(rel_list, 1):
                if r:
                    hits += 1
                    total += hits / rank
            return total / hits if hits else 0.0

        aps.append(ap(rel))
        aps_top.append(ap(rel[:top]))
        n_rel = sum(dl == label)
        p_row, r_row = [], []
        for radius in range(n_bits + 1):
            within = [i for i in range(len(db)) if dists[i] <= radius]
            good = sum(dl[i] == label for i in within)
            p_row.append(good / len(within) if within else 0.0)
            r_row.append(good / n_rel if n_rel else 0.0)
        precisions.append(p_row)
        recalls.append(r_row)
        pn.append([sum(rel[:n]) / n for n in range(1, len(db) + 1)])
    return np.mean(aps), np.mean(aps_top), np.mean(precisions, 0), np.mean(recalls, 0), np.mean(pn, 0)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_match_brute_force_with_many_ties(seed):
    rng = np.random.default_rng(seed)
    n_bits = 8
    db_bits = rng.integers(0, 2, (60, n_bits)).astype(bool)
    db_bits[30:40] = db_bits[0]  # a block of identical codes: ties everywhere
    q_bits = np.concatenate([db_bits[:3], rng.integers(0, 2, (4, n_bits)).astype(bool)])
    dl = rng.integers(0, 3, 60)
    ql = rng.integers(0, 3, len(q_bits))
    report = evaluate_codes(pack_codes(q_bits), ql, pack_codes(db_bits), dl, n_bits, map_at=(10,), max_n=60, chunk=3)
    m, m10, p, r, pn = brute_force(q_bits, ql, db_bits, dl, n_bits, top=10)
    assert report.map == pytest.approx(m)
    assert report.map_at[10] == pytest.approx(m10)
    np.testing.assert_allclose(report.precision, p)
    np.testing.assert_allclose(report.recall, r)
    np.testing.assert_allclose(report.p_at_n, pn)
    assert report.p_at_r2 == pytest.approx(p[2])


def test_perfect_codes_score_one():
    labels = np.repeat(np.arange(4), 5)
    bits = np.zeros((20, 16), bool)
    for c in range(4):
        bits[labels == c, c * 4 : c * 4 + 4] = True
    report = evaluate_codes(pack_codes(bits), labels, pack_codes(bits), labels, 16)
    assert report.map == pytest.approx(1.0) and report.p_at_r2 == pytest.approx(1.0)
    assert report.recall[-1] == pytest.approx(1.0)


def test_protocols_are_disjoint_and_sized_as_the_papers_say():
    labels = np.repeat(np.arange(10), 700)
    s1 = make_split("cifar-s1", labels, len(labels), seed=3)
    assert len(s1.query) == 1000 and len(s1.train) == 5000
    assert not set(s1.query) & set(s1.database) and set(s1.train) <= set(s1.database)
    hold = make_split("holdout", labels, len(labels))
    assert len(hold.query) == 1000 and np.array_equal(hold.train, hold.database)
    mn = make_split("mnist-dhln", labels, 6000)
    assert len(mn.query) == 1000 and mn.train.max() < 6000 and not set(mn.query) & set(mn.train)
    official = make_split("cifar-s2", labels, 6000)
    assert official.query.min() == 6000 and np.array_equal(official.train, official.database)
    again = make_split("cifar-s1", labels, len(labels), seed=3)
    assert np.array_equal(again.query, s1.query)
    with pytest.raises(ValueError, match="protocol needs 1000"):
        make_split("cifar-s2", np.repeat(np.arange(10), 50), 500)
