"""Synthetic code sets for the search benchmarks: n packed codes of ``bits`` bits, by name.

``search.py`` and ``pairs.py`` time the same data, so it is built in one place:
  random     uniformly random codes;
  itq        learned codes with unbalanced bits: ITQ fitted on CIFAR-10 pixels (2x2-pooled)
             (``shared/datasets/cifar10_train.npz`` beside the checkout, or ``$HASHVIEW_CIFAR``), the
             50,000 projections tiled to n with Gaussian jitter of 0.5 std (a near-duplicate family per image);
  dups       itq plus duplicate-heavy rows: 5 % of rows are copies of 40 codes (1,250 each at 1M);
  clustered  synthetic families of near copies plus 5 % exact copies.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from hashview.core.hamming.codes import pack_codes

NAMES = ("random", "itq", "dups", "clustered")
CIFAR = Path(
    os.environ.get("HASHVIEW_CIFAR", Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cifar10_train.npz")
)


def clustered(n: int, bits: int, rng: np.random.Generator) -> np.ndarray:
    families = rng.random((n // 4, bits)) < 0.5
    member = families[rng.integers(0, len(families), n)]
    noise = rng.random((n, bits)) < 1.5 / bits  # about 1.5 flipped bits per copy
    codes = pack_codes(member ^ noise)
    copies = rng.integers(0, n, n // 20)
    codes[copies] = codes[rng.integers(0, n, copies.size)]  # 5 % exact copies
    return codes


def learned_codes(n: int, bits: int, rng: np.random.Generator, jitter: float = 0.5) -> np.ndarray:
    """ITQ codes of CIFAR-10 pixel features, tiled to n rows with jitter (unbalanced bits)."""
    from hashview.core.methods import get_method

    x = np.load(CIFAR)["x_train"].astype(np.float32) / 255.0
    x = x.reshape(-1, 16, 2, 16, 2, 3).mean(axis=(2, 4)).reshape(len(x), -1)  # 2x2-pooled pixels
    linear = get_method("itq").fit(x, bits)
    v = linear.project(x)
    del x
    rows = rng.integers(0, len(v), n)
    rows[: len(v)] = np.arange(len(v))[:n]
    scale = jitter * v.std(axis=0)
    codes = np.empty((n, bits // 8), np.uint8)
    for start in range(0, n, 1 << 17):
        part = rows[start : start + (1 << 17)]
        noisy = v[part] + rng.standard_normal((part.size, bits)).astype(np.float32) * scale
        codes[start : start + part.size] = pack_codes(noisy > 0)
    return codes


def duplicate_heavy(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    codes = codes.copy()
    n = len(codes)
    heavy = codes[rng.integers(0, n, 40)]
    rows = rng.choice(n, n // 20, replace=False)
    codes[rows] = heavy[np.arange(rows.size) % 40]  # 40 codes with n / 800 copies each
    return codes


def make(name: str, n: int, bits: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if name == "random":
        return rng.integers(0, 256, (n, bits // 8), dtype=np.uint8)
    if name == "clustered":
        return clustered(n, bits, rng)
    if name == "itq":
        return learned_codes(n, bits, rng)
    if name == "dups":
        return duplicate_heavy(learned_codes(n, bits, rng), rng)
    raise ValueError(name)
