"""What the shallow methods share: a mean and a linear projection, then sign.

LSH, PCAH and ITQ all hash a mean-centred feature x as sign((x - mean) P); they
differ only in how P is chosen. Keeping that one shape means one encoder, one
network-file layout, and codes that are cheap to compute for a dropped query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from hashview.core.errors import OptionError


@dataclass(frozen=True)
class LinearHash:
    """The fitted state of a shallow method: ``codes = (x - mean) @ projection > 0``."""

    mean: np.ndarray
    projection: np.ndarray

    def project(self, features: npt.ArrayLike) -> np.ndarray:
        projected: np.ndarray = (np.asarray(features, np.float32) - self.mean) @ self.projection
        return projected

    def to_state(self) -> dict[str, np.ndarray]:
        return {"mean": self.mean.astype(np.float32), "projection": self.projection.astype(np.float32)}

    @classmethod
    def from_state(cls, state: Mapping[str, npt.ArrayLike]) -> LinearHash:
        return cls(np.asarray(state["mean"], np.float32), np.asarray(state["projection"], np.float32))


class ShallowMethod(Protocol):
    """What a shallow method module's ``METHOD`` is (``lsh.py``, ``pcah.py``, ``itq.py``): a ``fit`` to a ``LinearHash``.

    ``kind`` is a literal so that a check of ``method.kind`` tells a shallow
    method from a ``DeepMethod`` to the type checker as well.
    """

    name: str
    title: str
    kind: Literal["shallow"]
    needs_labels: bool

    def fit(self, features: np.ndarray, n_bits: int, seed: int = 0) -> LinearHash: ...


def principal_directions(centred: np.ndarray, n_bits: int) -> np.ndarray:
    """The top ``n_bits`` principal directions (D x K) of mean-centred rows.

    Uses the eigen-decomposition of the D x D covariance, which gives a full
    orthonormal basis even when there are fewer images than bits.

    Raises:
        OptionError: (a ``ValueError``) when the feature has fewer dimensions than bits.
    """
    dim = centred.shape[1]
    if n_bits > dim:
        raise OptionError(
            f"{n_bits} bits need a feature of at least {n_bits} dimensions, this one has {dim}; "
            f"use fewer bits or a larger feature"
        )
    cov = (centred.T @ centred).astype(np.float64) / max(len(centred) - 1, 1)
    _values, vectors = np.linalg.eigh(cov)  # ascending
    return vectors[:, ::-1][:, :n_bits].astype(np.float32)


def centre(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(features) == 0:
        raise ValueError("no images to fit the hash on")
    x = np.asarray(features, np.float32)
    mean = x.mean(axis=0)
    return x - mean, mean
