"""LSH: random Gaussian hyperplanes through the data mean (Charikar 2002).

The baseline every hashing paper compares against (docs/methods.md, shallow
baselines): K random directions, code = sign of the projection. It learns
nothing but the mean, so it is the floor for the learned methods.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hashview.core.methods.shallow import LinearHash, centre


class LSH:
    name = "lsh"
    title = "Locality-sensitive hashing (random projections)"
    kind: Literal["shallow"] = "shallow"
    needs_labels = False

    def fit(self, features: np.ndarray, n_bits: int, seed: int = 0) -> LinearHash:
        _centred, mean = centre(features)
        rng = np.random.default_rng(seed)
        projection = rng.standard_normal((features.shape[1], n_bits)).astype(np.float32)
        return LinearHash(mean, projection)


METHOD = LSH()
