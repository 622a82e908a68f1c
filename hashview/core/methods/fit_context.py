"""What one training run knows, handed to every hook of a deep method as one argument.

The hooks (``prepare``, ``steps_per_epoch``, ``epoch_batches``, ``start_epoch``,
``loss``) once took each a different handful of loose arguments, and two of them
took no run parameters at all: DDH then built its pseudo pairs and batches from
its class defaults, so an override of ``k1``, ``k2`` or ``pair_fraction`` was
recorded in the network file but never used. One context, built once per run by
``fit_deep``, gives every hook the same view of the run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from hashview.core.errors import OptionError

if TYPE_CHECKING:
    from hashview.core.methods.deep import DeepMethod


def run_params(method: DeepMethod, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The method's hyper-parameters with ``overrides`` applied.

    A name the method does not have is an error, so a typo never trains the
    defaults under another label.

    Raises:
        OptionError: (a ``ValueError``) one line naming the method's parameters.
    """
    unknown = sorted(set(overrides) - set(method.params))
    if unknown:
        raise OptionError(
            f"{method.name} has no parameter {', '.join(unknown)} (it has {', '.join(sorted(method.params)) or 'none'})"
        )
    return {**method.params, **overrides}


@dataclass(frozen=True)
class FitContext:
    """One run of a deep method: its data, its resolved parameters, its plan, and what ``prepare`` built.

    Frozen so that no hook changes the run under another's feet; ``state`` (DDH's
    pseudo pairs, DupNet's plan) is set once, by ``with_state``, after ``prepare``.
    A state object may keep its own bookkeeping (DupNet's round clock): it belongs
    to this run alone, never to the shared ``METHOD`` object.
    """

    images: np.ndarray  # uint8 (n, h, w, c) at the network's input size
    labels: np.ndarray | None  # integer class per image, or None
    params: dict[str, Any]  # the method's params with the run's overrides (run_params)
    batch_size: int  # images per step
    epochs: int  # passes (DupNet: rounds) of this run
    seed: int = 0
    device: str = "cpu"
    budget_s: float | None = None  # the run's wall-clock cap of training; None: the method's own
    pairs: tuple[Sequence[int], ...] = ()  # the user's decisions as rows (i, j, +1 same / -1 not a match)
    state: Any = None  # what ``prepare`` returned

    @property
    def n(self) -> int:
        """Training images."""
        return len(self.images)

    def with_state(self, state: Any) -> FitContext:
        return replace(self, state=state)
