"""Evaluation protocols: which images train, which query, which form the database.

Each protocol is fixed by a seed so a figure can be reproduced; docs/methods.md
defines them, following the papers they are compared with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hashview.core.errors import DataError

PROTOCOLS = ("mnist-dhln", "cifar-s1", "cifar-s2", "holdout")


@dataclass(frozen=True)
class Split:
    """Index arrays into the pooled images (x_train rows, then x_test rows)."""

    train: np.ndarray
    query: np.ndarray
    database: np.ndarray


def _per_class(labels: np.ndarray, pool: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    picked = []
    for c in np.unique(labels[pool]):
        members = pool[labels[pool] == c]
        if len(members) < count:
            raise DataError(f"class {c} has {len(members)} images, the protocol needs {count}")
        picked.append(rng.choice(members, count, replace=False))
    return np.sort(np.concatenate(picked))


def make_split(protocol: str, labels: np.ndarray, n_train_split: int, seed: int = 0) -> Split:
    """Split pooled images for ``protocol``.

    Args:
        labels: labels of all pooled images (the train split first, then any test split).
        n_train_split: how many of them came from the data set's training split.

    Raises:
        DataError: an unknown protocol, or a class too small for it.
    """
    if protocol not in PROTOCOLS:
        raise DataError(f"unknown protocol {protocol!r}; choose one of {', '.join(PROTOCOLS)}")
    rng = np.random.default_rng(seed)
    n = len(labels)
    everything = np.arange(n)
    if protocol == "mnist-dhln":
        # 1000 random queries from all images; database = the rest; train = training split minus queries.
        query = np.sort(rng.choice(n, min(1000, n // 2), replace=False))
        rest = np.setdiff1d(everything, query)
        return Split(train=rest[rest < n_train_split], query=query, database=rest)
    if protocol == "cifar-s1":
        # 100 queries per class; 500 training images per class from the rest; database = all but the queries.
        query = _per_class(labels, everything, 100, rng)
        rest = np.setdiff1d(everything, query)
        return Split(train=_per_class(labels, rest, 500, rng), query=query, database=rest)
    if protocol == "cifar-s2":
        if n_train_split < n:  # official split: train = database = training split, queries = test split
            train = np.arange(n_train_split)
            return Split(train=train, query=np.arange(n_train_split, n), database=train)
        query = _per_class(labels, everything, 1000, rng)
        rest = np.setdiff1d(everything, query)
        return Split(train=rest, query=query, database=rest)
    # holdout: 100 per class held out as queries; train = database = the rest.
    query = _per_class(labels, everything, 100, rng)
    rest = np.setdiff1d(everything, query)
    return Split(train=rest, query=query, database=rest)
