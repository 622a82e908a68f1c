"""How many threads CPU training should use: the cores other processes leave free now.

On a shared machine two threads fighting a third process for two cores run at
half the speed of one thread, so training counts the cores in use before it
starts. It measures them now, from two reads of ``/proc/stat`` a quarter of a
second apart, rather than from the one-minute load average: that average
still holds the work hashview itself did just before (``hashview index F &&
hashview train F`` left it near 2 on a 2-core machine), so a quiet machine
trained on one thread of two. Where ``/proc/stat`` is missing (macOS,
Windows) the load average is the fallback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

SAMPLE_SECONDS = 0.25  # long enough for a steady reading, short beside any training run


def read_proc_stat() -> tuple[int, int]:
    """(all CPU ticks, idle ticks) since boot, summed over the cores (Linux)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user)
    return sum(fields[:8]), fields[3] + fields[4]


def busy_cores(
    cores: int, read: Callable[[], tuple[int, int]] = read_proc_stat, wait: Callable[[float], None] = time.sleep
) -> float | None:
    """Cores busy over the next ``SAMPLE_SECONDS``, or None where they cannot be read."""
    try:
        total0, idle0 = read()
        wait(SAMPLE_SECONDS)
        total1, idle1 = read()
    except (OSError, ValueError, IndexError):
        return None
    ticks = total1 - total0
    if ticks <= 0:
        return None
    return cores * (1.0 - (idle1 - idle0) / ticks)


def cpu_threads(busy: float | None = None) -> int:
    """Threads for CPU training: the cores other processes leave free (at least 1)."""
    cores = os.cpu_count() or 1
    if busy is None:
        busy = busy_cores(cores)
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:
            busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))
