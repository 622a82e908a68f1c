"""Events that long jobs yield, and the cancel token they honour.

Indexing, training and encoding are generators in ``core``. They yield these
small immutable events; the command line prints them and the desktop app's
workers forward them as Qt signals. One engine, two front ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any


class Cancelled(Exception):
    """Raised inside a job when its cancel token was set between two steps.

    Not a ``HashviewError`` (``errors.py``): cancelling is what the user wanted,
    not something that went wrong, and the front ends say so differently
    (the command line exits 130, the app shows no error).
    """


class CancelToken:
    """A thread-safe flag a job checks between steps.

    Cancelling never interrupts a step half-way: the job notices the flag at its
    next check, leaves everything it already stored consistent, and stops.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    """How far a stage of a job is, with its rate and estimated time left."""

    stage: str
    done: int
    total: int | None
    rate: float = 0.0
    eta_s: float | None = None
    message: str = ""


@dataclass(frozen=True)
class Skipped:
    """One input that was passed over, and why, in one line."""

    path: str
    reason: str


@dataclass(frozen=True)
class StepLoss:
    """The loss of one optimisation step of a training run."""

    epoch: int
    step: int
    loss: float


@dataclass(frozen=True)
class EpochDone:
    """The end of one training epoch, with its statistics (loss, mAP, PR curve...)."""

    epoch: int
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finished:
    """The last event of a job: its summary (counts, timings, what it made)."""

    summary: dict[str, Any] = field(default_factory=dict)


class ProgressMeter:
    """Turns a running count into ``Progress`` events with rate and time left."""

    def __init__(self, stage: str, total: int | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.stage = stage
        self.total = total
        self._clock = clock
        self._start = clock()
        self.done = 0

    def advance(self, n: int = 1, message: str = "") -> Progress:
        self.done += n
        return self.event(message)

    def event(self, message: str = "") -> Progress:
        elapsed = max(self._clock() - self._start, 1e-9)
        rate = self.done / elapsed
        eta = None
        if self.total is not None and rate > 0:
            eta = max(self.total - self.done, 0) / rate
        return Progress(self.stage, self.done, self.total, rate, eta, message)


def drain(job: Iterable[Any], on_event: Callable[[Any], None] | None = None) -> Any:
    """Run a job to its end, handing every event to ``on_event``; returns what the job made.

    Jobs end in one of two ways: a generator that ``return``s a value (an
    encoder's codes, a fit's model) gives that value; a job that yields a
    ``Finished`` event instead gives that event's summary ({} when there is
    none). ``on_event`` sees every event, ``Finished`` included. The one place
    a job is driven by hand: the command line, the library and the benchmarks
    all use it.
    """
    summary: dict[str, Any] = {}
    iterator = iter(job)
    while True:
        try:
            event = next(iterator)
        except StopIteration as stop:
            return stop.value if stop.value is not None else summary
        if isinstance(event, Finished):
            summary = event.summary
        if on_event is not None:
            on_event(event)


def relay(job: Generator[Any, None, Any]) -> Generator[Any, None, dict[str, Any]]:
    """Re-yield a sub-job's events but its ``Finished``, and return that summary: ``summary = yield from relay(job)``.

    For a job that runs another as one of its steps (training ends by encoding)
    and reports one ``Finished`` of its own.
    """
    summary: dict[str, Any] = {}
    for event in job:
        if isinstance(event, Finished):
            summary = event.summary
        else:
            yield event
    return summary
