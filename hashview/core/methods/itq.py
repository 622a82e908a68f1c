"""ITQ: iterative quantisation (Gong, Lazebnik, Gordo, Perronnin, TPAMI 2013).

PCA to K dimensions gives V; ITQ then looks for the orthogonal rotation R that
brings V R closest to the binary corners B = sign(V R). It alternates
    B = sign(V R)                       (fix R, best codes)
    R = argmin ||B - V R||_F, R^T R = I (fix B, orthogonal Procrustes:
        U S W^T = svd(V^T B), R = U W^T)
for 50 iterations (docs/methods.md, shallow baselines). The rotation spreads the
variance evenly over the bits, which PCAH does not, so short codes lose less.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hashview.core.methods.shallow import LinearHash, centre, principal_directions

ITERATIONS = 50


def itq_rotation(v: np.ndarray, iterations: int = ITERATIONS, seed: int = 0) -> np.ndarray:
    """The K x K orthogonal rotation that ITQ finds for projected data ``v`` (n x K)."""
    k = v.shape[1]
    rng = np.random.default_rng(seed)
    rotation, _ = np.linalg.qr(rng.standard_normal((k, k)))
    v = v.astype(np.float64)
    for _ in range(iterations):
        b = np.where(v @ rotation >= 0, 1.0, -1.0)
        u, _s, wt = np.linalg.svd(v.T @ b)
        rotation = u @ wt
    return rotation.astype(np.float32)


class ITQ:
    name = "itq"
    title = "Iterative quantisation"
    kind: Literal["shallow"] = "shallow"
    needs_labels = False

    def fit(self, features: np.ndarray, n_bits: int, seed: int = 0) -> LinearHash:
        centred, mean = centre(features)
        directions = principal_directions(centred, n_bits)
        rotation = itq_rotation(centred @ directions, seed=seed)
        return LinearHash(mean, directions @ rotation)


METHOD = ITQ()
