"""PCAH: the top K principal directions, then sign (Gong & Lazebnik's PCA baseline)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from hashview.core.methods.shallow import LinearHash, centre, principal_directions


class PCAH:
    name = "pcah"
    title = "PCA hashing"
    kind: Literal["shallow"] = "shallow"
    needs_labels = False

    def fit(self, features: np.ndarray, n_bits: int, seed: int = 0) -> LinearHash:
        centred, mean = centre(features)
        return LinearHash(mean, principal_directions(centred, n_bits))


METHOD = PCAH()
