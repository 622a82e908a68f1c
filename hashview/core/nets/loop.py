"""The epoch loop every deep method trains with: one step per batch, events out, cancel between steps.

It sits with the torch building blocks (below the methods) because the methods
drive it; the library pipeline above them never calls it directly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any

from hashview.core.events import CancelToken, EpochDone, Progress, StepLoss

if TYPE_CHECKING:
    import torch


def run_epochs(
    model: torch.nn.Module,
    batches: Callable[[int], Iterable[tuple[Any, ...]]],
    loss_fn: Callable[..., Any],
    optimizer: torch.optim.Optimizer,
    epochs: int,
    cancel: CancelToken | None = None,
    evaluate: Callable[[int], dict[str, Any]] | None = None,
    start_epoch: int = 0,
    steps_per_epoch: int | None = None,
    planned: Callable[[], int] | None = None,
) -> Generator[StepLoss | Progress | EpochDone, None, list[dict[str, Any]]]:
    """The epoch loop every deep method uses: one step per batch, events out, cancel between steps.

    Args:
        batches: ``batches(epoch)`` yields tuples passed to ``loss_fn(model, *batch)``,
            which returns a scalar loss tensor.
        evaluate: called after each epoch; its dict goes into ``EpochDone.stats``.
        start_epoch: the first epoch to run (resuming from a checkpoint).
        steps_per_epoch: when given, a ``Progress("train", step, all steps)`` follows
            every step, so progress bars and time-left estimates move during training.
        planned: the epochs the run now expects, at most ``epochs`` (an open run's estimate,
            ``stopping.StoppingRule.expected_epochs``): the progress total and message follow
            it; None: ``epochs``.

    Returns:
        The stats dict of every epoch.

    Raises:
        Cancelled: between two steps, when ``cancel`` is set.
        FloatingPointError: when the loss stops being finite.
    """
    import math

    history: list[dict[str, Any]] = []
    started, run_steps = time.monotonic(), 0
    for epoch in range(start_epoch, epochs):
        model.train()
        total, steps = 0.0, 0
        for step, batch in enumerate(batches(epoch)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model, *batch)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"the loss became {value} at epoch {epoch + 1}, step {step + 1}")
            loss.backward()
            optimizer.step()
            total += value
            steps += 1
            yield StepLoss(epoch, step, value)
            if steps_per_epoch:
                expected = max(min(planned(), epochs), epoch + 1) if planned is not None else epochs
                done = min(epoch * steps_per_epoch + step + 1, expected * steps_per_epoch)
                run_steps += 1
                rate = run_steps / max(time.monotonic() - started, 1e-9)  # steps a second in this run (resumed or not)
                left = (expected * steps_per_epoch - done) / rate
                of = f"of at most {expected}" if planned is not None else f"of {epochs}"
                yield Progress(
                    "train", done, expected * steps_per_epoch, rate, left, f"training, epoch {epoch + 1} {of}"
                )
        stats: dict[str, Any] = {"loss": total / max(steps, 1), "steps": steps}
        if evaluate is not None:
            model.eval()
            stats.update(evaluate(epoch))
        history.append(stats)
        yield EpochDone(epoch, stats)
    return history
