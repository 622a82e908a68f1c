"""The epoch loop deep methods plug into: events, cancel between steps, NaN caught."""

from __future__ import annotations

import pytest
import torch

from hashview.core.events import Cancelled, CancelToken, EpochDone, StepLoss
from hashview.core.nets.loop import run_epochs


def tiny_problem():
    torch.manual_seed(0)
    x = torch.randn(64, 5)
    y = x @ torch.randn(5, 1)
    model = torch.nn.Linear(5, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    batches = lambda epoch: [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]  # noqa: E731
    loss_fn = lambda m, xb, yb: torch.nn.functional.mse_loss(m(xb), yb)  # noqa: E731
    return model, batches, loss_fn, optimizer


def test_loop_yields_step_losses_and_epoch_stats_and_learns():
    model, batches, loss_fn, optimizer = tiny_problem()
    events = list(run_epochs(model, batches, loss_fn, optimizer, epochs=5, evaluate=lambda e: {"epoch_seen": e}))
    steps = [e for e in events if isinstance(e, StepLoss)]
    epochs = [e for e in events if isinstance(e, EpochDone)]
    assert len(steps) == 20 and [e.epoch for e in epochs] == list(range(5))
    assert epochs[-1].stats["loss"] < 0.1 * epochs[0].stats["loss"] and epochs[-1].stats["epoch_seen"] == 4


def test_cancel_stops_between_steps():
    model, batches, loss_fn, optimizer = tiny_problem()
    token = CancelToken()
    seen = []
    with pytest.raises(Cancelled):
        for event in run_epochs(model, batches, loss_fn, optimizer, epochs=5, cancel=token):
            seen.append(event)
            if len(seen) == 3:
                token.cancel()
    assert len(seen) == 3


def test_a_non_finite_loss_stops_the_run_with_a_clear_error():
    model, batches, _loss_fn, optimizer = tiny_problem()
    with pytest.raises(FloatingPointError, match="loss became nan at epoch 1, step 1"):
        list(run_epochs(model, batches, lambda m, xb, yb: m(xb).sum() * float("nan"), optimizer, epochs=1))
