"""A large encode makes what the network sees on worker processes: the same arrays and codes as in one process.

These start real "spawn" processes (about a second for the test), since the point is that the
arrays cross processes intact, that a dead worker loses no picture and that a cancelled encode
stops its workers.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import time

import numpy as np
import pytest
from generators import run_to_end
from imagefactory import photo_image
from PIL import Image, ImageOps
from test_general_network import write_general

from hashview.core.events import Cancelled, CancelToken, drain
from hashview.core.methods.hasher import load_hasher
from hashview.core.nets import view_processes
from hashview.core.nets.input_arrays import images_to_array
from hashview.core.nets.view_processes import ViewSpec, iter_views, thumbnail_views

SPEC = ViewSpec(size=32, channels=3, trim=True, cut=True)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _thumbnails(count: int) -> list[bytes]:
    """Photos, some on a black frame (the trim takes it off), one that will not decode."""
    thumbs = []
    for seed in range(count):
        image = photo_image((96, 72), seed)
        if seed % 3 == 0:
            image = ImageOps.expand(image, border=12, fill=(0, 0, 0))
        thumbs.append(_jpeg(image))
    thumbs[5] = b"\xff\xd8 not a jpeg"
    return thumbs


class _KillsItsProcess(bytes):
    """A thumbnail whose unpickling ends the process that reads it: a worker that dies mid-job."""

    def __reduce__(self):
        return (os._exit, (3,))


def _joined(chunks) -> tuple[list[int], np.ndarray]:
    rows, arrays = [], []
    for start, chunk_rows, views in chunks:
        rows.extend(start + r for r in chunk_rows)
        arrays.append(views)
    return rows, np.concatenate(arrays)


def test_a_chunk_gives_the_views_of_the_thumbnails_that_decode():
    thumbs = _thumbnails(8)
    rows, views = thumbnail_views(thumbs, SPEC)
    assert rows == [0, 1, 2, 3, 4, 6, 7]
    decoded = [Image.open(io.BytesIO(thumbs[r])).convert("RGB") for r in rows]
    assert np.array_equal(views, images_to_array(decoded, 32, 3, trim=True, cut=True))


def test_views_made_on_processes_are_those_made_here():
    thumbs = _thumbnails(40)
    here = _joined(iter_views(thumbs, SPEC, chunk=6, processes=0))
    there = _joined(iter_views(thumbs, SPEC, chunk=6, processes=2))
    assert here[0] == there[0] and 5 not in here[0] and len(here[0]) == 39
    assert np.array_equal(here[1], there[1])


def test_a_worker_that_dies_costs_no_picture(monkeypatch):
    warnings: list[str] = []
    monkeypatch.setattr(view_processes.logger, "warning", lambda text, *args: warnings.append(text % args))
    thumbs = _thumbnails(30)
    here = _joined(iter_views(thumbs, SPEC, chunk=5, processes=0))
    thumbs[12] = _KillsItsProcess(thumbs[12])  # the same bytes here; in a worker, the end of it
    there = _joined(iter_views(thumbs, SPEC, chunk=5, processes=2))
    assert any("a view process stopped" in w for w in warnings)
    assert there[0] == here[0]
    assert np.array_equal(there[1], here[1])


def _workers_end(within_s: float = 20.0) -> bool:
    deadline = time.monotonic() + within_s
    while multiprocessing.active_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_closing_the_views_early_leaves_no_worker_behind():
    """Holds with or without the explicit shutdown in CPython (a dropped pool ends its workers too); it
    guards against a pool kept alive past the encode, which would hold two processes per cancelled job."""
    assert _workers_end()  # none left by an earlier test
    views = iter_views(_thumbnails(60), SPEC, chunk=4, processes=2)
    start, _rows, _array = next(views)
    assert start == 0 and len(multiprocessing.active_children()) == 2
    views.close()  # the chunks not started are dropped, the workers told to end
    assert _workers_end()


@pytest.fixture
def chosen():
    """Restores the process-wide choice a test makes (``set_processes``)."""
    yield view_processes.set_processes
    view_processes.set_processes(None)


def test_how_many_processes_a_job_gets(monkeypatch, chosen):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert view_processes.view_processes(view_processes.PROCESS_MIN_PICTURES - 1) == 0
    assert view_processes.view_processes(view_processes.PROCESS_MIN_PICTURES) == 4
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert view_processes.view_processes(100_000) == view_processes.MAX_VIEW_PROCESSES
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert view_processes.view_processes(100_000) == 0
    chosen(3)
    assert view_processes.view_processes(10) == 3
    chosen(0)
    assert view_processes.view_processes(100_000) == 0
    with pytest.raises(ValueError):
        chosen(-1)


def test_the_environment_chooses_through_the_runtime_options():
    from hashview.core.errors import OptionError
    from hashview.core.runtime import RuntimeOptions

    assert RuntimeOptions.from_environ({}).view_processes is None
    assert RuntimeOptions.from_environ({"HASHVIEW_VIEW_PROCESSES": "0"}).view_processes == 0
    assert RuntimeOptions.from_environ({"HASHVIEW_VIEW_PROCESSES": " 4 "}).view_processes == 4
    with pytest.raises(OptionError, match="HASHVIEW_VIEW_PROCESSES"):
        RuntimeOptions.from_environ({"HASHVIEW_VIEW_PROCESSES": "many"})


def test_an_encode_on_processes_gives_the_codes_of_one_in_process(tmp_path, chosen):
    hasher = load_hasher(write_general(tmp_path / "general.pt"))
    thumbs = _thumbnails(24)
    chosen(0)
    here = drain(hasher.encode_thumbnails(thumbs, "cpu", chunk=5))
    chosen(2)
    there = drain(hasher.encode_thumbnails(thumbs, "cpu", chunk=5))
    assert here.ok.tolist() == there.ok.tolist() == [r for r in range(24) if r != 5]
    for look in ("codes", "upright", "tone"):
        assert np.array_equal(getattr(here, look), getattr(there, look)), look


def test_a_cancelled_encode_on_processes_stops(tmp_path, chosen):
    hasher = load_hasher(write_general(tmp_path / "general.pt"))
    chosen(2)
    cancel = CancelToken()
    steps = hasher.encode_thumbnails(_thumbnails(40), "cpu", cancel, chunk=4)
    next(steps)
    cancel.cancel()
    with pytest.raises(Cancelled):
        run_to_end(steps)
