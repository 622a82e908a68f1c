"""The scan's thumbnails as the arrays a network sees, made on worker processes for a large job.

Why processes: making what a network sees of a picture (decode the thumbnail,
trim its frame, cut a screenshot to its photo, resize; ``input_arrays``) is
many small numpy and Pillow calls that hold the GIL, so threads do not run it
side by side. For a library of scans and graphics it is most of the encode
(run 17: the frame trim and the screenshot cut were 53 of 74 s of the encode
of 19,263 digits and garments). Worker processes make the views of the next
chunks while this one runs the network on the chunk before.

Below ``PROCESS_MIN_PICTURES`` a job makes its views in this process: there
the processes saved 5 % or less (run 18), not worth a pool's start (0.1-0.2 s)
and its memory. ``set_processes`` fixes the number for the whole process (the
front ends pass ``HASHVIEW_VIEW_PROCESSES``, ``core/runtime.py``; 0: none), for
measuring and for machines where processes cannot start.
Workers are started with "spawn" (never fork: the app encodes from a thread
of a Qt process, which a fork would copy half-alive).
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Generator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

#: The fewest thumbnails a job must have for its views to be made on processes: below it they saved 5 % or
#: less (docs/benchmarks.md, run 18: 0.96 of the time at 1,000, 0.87 at 2,000).
PROCESS_MIN_PICTURES = 2000
#: The most view processes, whatever the core count: each holds numpy and Pillow (about 80 MB, run 18).
MAX_VIEW_PROCESSES = 8

_chosen: int | None = None  # set_processes: the front end's choice for this process


@dataclass(frozen=True)
class ViewSpec:
    """What a network sees of a picture: its input side, channels, and whether it trims frames and cuts
    screenshots (``input_arrays.network_view``)."""

    size: int
    channels: int
    trim: bool
    cut: bool


def thumbnail_views(thumbnails: Sequence[bytes], spec: ViewSpec) -> tuple[list[int], np.ndarray]:
    """The rows of ``thumbnails`` that decode and their (n, size, size, channels) uint8 views.

    A thumbnail that will not decode is left out (its file is then encoded
    from the file). Top-level and given bytes only, so a worker process can run it.
    """
    from PIL import Image

    from hashview.core.nets.input_arrays import images_to_array

    images, rows = [], []
    for row, data in enumerate(thumbnails):
        try:
            with Image.open(io.BytesIO(data)) as thumb:
                images.append(thumb.convert("RGB"))
            rows.append(row)
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
    return rows, images_to_array(images, spec.size, spec.channels, spec.trim, spec.cut)


def set_processes(count: int | None) -> None:
    """Fix how many processes make the views of every large job from now on (0: none; None: by the job and
    the cores, ``view_processes``). Called once by the front end (``RuntimeOptions.view_processes``)."""
    global _chosen
    if count is not None and count < 0:
        raise ValueError(f"a number of view processes is 0 or more, not {count}")
    _chosen = count


def view_processes(count: int) -> int:
    """How many processes make the views of a job of ``count`` thumbnails (0: this process does)."""
    if _chosen is not None:
        return _chosen
    cores = os.cpu_count() or 1
    if count < PROCESS_MIN_PICTURES or cores < 2:
        return 0
    return min(cores, MAX_VIEW_PROCESSES)


def iter_views(
    thumbnails: Sequence[bytes], spec: ViewSpec, chunk: int, processes: int
) -> Generator[tuple[int, list[int], np.ndarray], None, None]:
    """(start, rows that decoded counted from ``start``, their views) for each chunk of ``thumbnails``, in order.

    With ``processes`` > 0, up to two chunks a process are made ahead while the
    caller works on the one it was given. Closing the iterator (a cancelled
    encode) drops the chunks not started. A worker that dies or cannot start
    (it breaks the pool) costs time, never pictures: the views not yet made
    are made in this process, with a warning.
    """
    starts = range(0, len(thumbnails), chunk)
    if processes <= 0 or len(starts) < 2:
        for start in starts:
            yield (start, *thumbnail_views(thumbnails[start : start + chunk], spec))
        return
    import multiprocessing

    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))  # starts on first submit
    ahead: list[tuple[int, Future[tuple[list[int], np.ndarray]]]] = []
    pending = iter(starts)

    def submit(start: int) -> None:
        ahead.append((start, pool.submit(thumbnail_views, thumbnails[start : start + chunk], spec)))

    try:
        for start in pending:
            submit(start)
            if len(ahead) >= 2 * processes:
                break
        while ahead:
            start, future = ahead.pop(0)
            try:
                rows, views = future.result()
            except BrokenProcessPool as exc:  # a worker died (memory, a signal) or could not start
                logger.warning("a view process stopped, making the rest of the views here: %s", exc)
                for rest in [start, *(s for s, _ in ahead), *pending]:
                    yield (rest, *thumbnail_views(thumbnails[rest : rest + chunk], spec))
                return
            following = next(pending, None)
            if following is not None:
                submit(following)
            yield start, rows, views
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
