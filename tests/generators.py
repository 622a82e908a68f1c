"""Running a core job generator to its end in a test."""

from __future__ import annotations


def run_to_end(gen):
    """All events a generator yields, and the value it returns: ``(events, value)``."""
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        return events, stop.value


def encoded_library(root):
    """The library of folder ``root``, scanned and encoded to the end with the shipped network (its codes
    and the other looks a duplicate network's library keeps: upright-turn codes and tone hashes)."""
    from hashview.core.library import Library

    lib = Library.open(root)
    run_to_end(lib.index())
    run_to_end(lib.encode())
    return lib


CODE_KINDS = ("random", "equal", "different", "dups", "near", "sparse")


def adversarial_bits(kind: str, n: int, k: int, rng):
    """(n, k) bool codes of one shape that breaks search code: random, all equal, all
    different (row r has its first r % (k + 1) bits set), duplicate-heavy, near copies,
    or sparse (few bits set: many small distances and ties)."""
    import numpy as np

    if kind == "random":
        return rng.random((n, k)) < 0.5
    if kind == "equal":
        return np.repeat(rng.random((1, k)) < 0.5, n, axis=0)
    if kind == "different":
        b = np.zeros((n, k), bool)
        for r in range(n):
            b[r, : r % (k + 1)] = True
        return b
    if kind == "dups":
        base = rng.random((max(1, n // 6), k)) < 0.5
        return base[rng.integers(0, len(base), n)]
    if kind == "near":
        base = rng.random((max(1, n // 5), k)) < 0.5
        return base[rng.integers(0, len(base), n)] ^ (rng.random((n, k)) < 2.5 / k)
    if kind == "sparse":
        return rng.random((n, k)) < 2 / k
    raise ValueError(f"unknown kind {kind!r}")
