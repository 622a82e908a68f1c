"""A memory budget shared by every thread that decodes pictures.

Indexing and encoding decode one picture per core. For phone photos that is a
few megabytes each; for a folder of 119-megapixel PNGs it was half a gigabyte
each, a gigabyte for two, sixteen on a 16-core machine. So before a picture's
pixels are decoded, its decoder reserves what the decode will take, estimated
from the header (size after any JPEG draft reduction, and mode), from one
process-wide budget: small pictures still decode on every core, huge ones
wait for each other. A picture larger than the whole budget decodes alone
rather than never. Waiting is first come, first served, so a huge picture is
not overtaken forever by small ones.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

_MIB = 1 << 20


def _default_total() -> int:
    """An eighth of the machine's memory, from 256 MiB to 1 GiB."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):  # not POSIX: assume a small machine
        physical = 4 << 30
    return int(min(1024 * _MIB, max(256 * _MIB, physical // 8)))


def decode_cost(mode: str, size: tuple[int, int]) -> int:
    """Bytes a decode of a ``size`` picture in Pillow ``mode`` holds at its peak.

    Pillow stores 1 byte a pixel for ``1``/``L``/``P``, 2 for ``I;16``, 4 for
    the rest; turning it into RGB adds a 4-byte copy, compositing alpha over
    white three, and the by-range scaling of 16-bit and float pictures works
    in float64. The shrink to the requested size adds less than a byte a pixel.
    """
    width, height = size
    pixels = max(0, int(width)) * max(0, int(height))
    if mode in ("1", "L", "P"):
        stored = 1
    elif mode.startswith("I;16"):
        stored = 2
    else:
        stored = 4
    if mode.startswith("I") or mode == "F":
        work = 2 * 8 + 1 + 4
    elif mode in ("RGBA", "LA", "La", "RGBa", "PA", "P"):
        work = 3 * 4
    elif mode == "RGB":
        work = 2
    else:
        work = 4 + 1
    return pixels * (stored + work)


class MemoryBudget:
    """Bytes that concurrent decodes may hold together; ``hold`` waits for room."""

    def __init__(self, total: int) -> None:
        if total < 1:
            raise ValueError(f"a memory budget must be positive, not {total}")
        self.total = int(total)
        self._used = 0
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0
        self._abandoned: set[int] = set()

    def _skip_abandoned(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1

    @property
    def used(self) -> int:
        with self._cond:
            return self._used

    @contextmanager
    def hold(self, cost: int) -> Iterator[None]:
        """Reserve ``cost`` bytes for the ``with`` block, waiting for room in turn.

        A cost larger than the whole budget waits until nothing else is held.
        """
        cost = max(0, int(cost))
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            try:
                while ticket != self._serving or (self._used > 0 and self._used + cost > self.total):
                    self._cond.wait()
            except BaseException:  # interrupted while waiting: give up the place in line
                self._abandoned.add(ticket)
                self._skip_abandoned()
                self._cond.notify_all()
                raise
            self._used += cost
            self._serving += 1
            self._skip_abandoned()
            self._cond.notify_all()  # the next in line may fit beside this one
        try:
            yield
        finally:
            with self._cond:
                self._used -= cost
                self._cond.notify_all()


_budget: MemoryBudget | None = None
_budget_lock = threading.Lock()


def shared_budget() -> MemoryBudget:
    """The process-wide budget every picture decode goes through."""
    global _budget
    with _budget_lock:
        if _budget is None:
            _budget = MemoryBudget(_default_total())
            logger.debug("decode memory budget: %d MiB", _budget.total // _MIB)
        return _budget


def set_shared_budget(budget: MemoryBudget | None) -> MemoryBudget | None:
    """Replace the process-wide budget (None: the default again); returns the previous one."""
    global _budget
    with _budget_lock:
        previous, _budget = _budget, budget
        return previous
