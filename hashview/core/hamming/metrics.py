"""Retrieval quality from packed codes: mAP, precision-recall by radius, P@N.

Ranking is by Hamming distance with ties broken by database index (a stable
sort), as docs/methods.md fixes it. A result is relevant when it shares the query's
label. Queries are processed in chunks so memory stays bounded on 1,000 x
70,000 evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashview.core.hamming.search import hamming_distances


@dataclass(frozen=True)
class RetrievalReport:
    """mAP over all results and over the top R; PR curve by radius; P@N curve; P@r<=2."""

    map: float
    map_at: dict[int, float]
    radius: list[int]
    precision: list[float]
    recall: list[float]
    p_at_n: list[float]
    p_at_r2: float
    empty_at_r2: float  # share of queries with nothing within radius 2 (they count precision 0)


def distance_matrix(query_codes: np.ndarray, db_codes: np.ndarray) -> np.ndarray:
    """(q, n) Hamming distances between packed codes."""
    return (
        np.stack([hamming_distances(db_codes, q) for q in query_codes])
        if len(query_codes)
        else np.zeros((0, len(db_codes)), np.int64)
    )


def average_precision(relevant_sorted: np.ndarray, top: int | None = None) -> np.ndarray:
    """AP of each row of a (q, n) boolean relevance matrix already in ranked order.

    AP@R averages precision at each relevant position within the top R, over
    the relevant results found there (the DeepHash convention); a query with
    none relevant there scores 0.
    """
    rel = relevant_sorted[:, :top] if top else relevant_sorted
    hits = np.cumsum(rel, axis=1)
    ranks = np.arange(1, rel.shape[1] + 1)
    precision_at_hit = np.where(rel, hits / ranks, 0.0)
    found = hits[:, -1] if rel.shape[1] else np.zeros(len(rel))
    ap = np.zeros(len(rel))  # 0 where a query found nothing relevant
    np.divide(precision_at_hit.sum(axis=1), found, out=ap, where=found > 0)
    return ap


def evaluate_codes(
    query_codes: np.ndarray,
    query_labels: np.ndarray,
    db_codes: np.ndarray,
    db_labels: np.ndarray,
    n_bits: int,
    map_at: tuple[int, ...] = (1000,),
    max_n: int = 1000,
    chunk: int = 100,
) -> RetrievalReport:
    """All the figures of docs/methods.md for one query set against one database."""
    q = len(query_codes)
    n = len(db_codes)
    ap_all = np.zeros(q)
    ap_at = {r: np.zeros(q) for r in map_at}
    p_at_n_sum = np.zeros(min(max_n, n))
    rel_hist = np.zeros((q, n_bits + 1))
    all_hist = np.zeros((q, n_bits + 1))
    total_rel = np.zeros(q)
    for start in range(0, q, chunk):
        stop = min(start + chunk, q)
        dist = distance_matrix(query_codes[start:stop], db_codes)
        relevant = db_labels[None, :] == query_labels[start:stop, None]
        order = np.argsort(dist, axis=1, kind="stable")
        rel_sorted = np.take_along_axis(relevant, order, axis=1)
        ap_all[start:stop] = average_precision(rel_sorted)
        for r in map_at:
            ap_at[r][start:stop] = average_precision(rel_sorted, r)
        top = rel_sorted[:, : len(p_at_n_sum)]
        p_at_n_sum += (np.cumsum(top, axis=1) / np.arange(1, top.shape[1] + 1)).sum(axis=0)
        for row in range(stop - start):
            all_hist[start + row] = np.bincount(dist[row], minlength=n_bits + 1)
            rel_hist[start + row] = np.bincount(dist[row][relevant[row]], minlength=n_bits + 1)
        total_rel[start:stop] = relevant.sum(axis=1)
    retrieved = np.cumsum(all_hist, axis=1)
    relevant_within = np.cumsum(rel_hist, axis=1)
    precision = np.divide(relevant_within, retrieved, out=np.zeros_like(retrieved), where=retrieved > 0)
    recall = np.divide(relevant_within, total_rel[:, None], out=np.zeros_like(retrieved), where=total_rel[:, None] > 0)
    r2 = min(2, n_bits)
    return RetrievalReport(
        map=float(ap_all.mean()) if q else 0.0,
        map_at={r: float(v.mean()) if q else 0.0 for r, v in ap_at.items()},
        radius=list(range(n_bits + 1)),
        precision=precision.mean(axis=0).tolist() if q else [0.0] * (n_bits + 1),
        recall=recall.mean(axis=0).tolist() if q else [0.0] * (n_bits + 1),
        p_at_n=(p_at_n_sum / max(q, 1)).tolist(),
        p_at_r2=float(precision[:, r2].mean()) if q else 0.0,
        empty_at_r2=float((retrieved[:, r2] == 0).mean()) if q else 0.0,
    )
