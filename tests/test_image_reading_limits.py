"""Reading a listed file: never waits on a FIFO, never reads a device, reads are bounded,
huge decodes share a memory budget, and Pillow's warnings name their file.

The FIFO and ``/dev/zero`` cases swap the file *after* it was listed and
stat'ed, as a folder changing under a running index does: the scan alone
cannot protect against that. Each read runs on a thread joined with a
timeout, so a regression fails here instead of hanging the run.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import imagefactory as factory
import pytest
from PIL import Image, ImageFile

from hashview.core.catalog import indexing
from hashview.core.catalog.database import Catalog
from hashview.core.events import Skipped
from hashview.core.images import budget as decode_budget
from hashview.core.images.budget import MemoryBudget, decode_cost
from hashview.core.images.decode import BadImageError, file_digest, load_rgb
from hashview.core.images.safe_open import MAX_FILE_BYTES, READ_SLACK, open_regular, read_all

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero")


def _finishes(fn, timeout: float = 20.0, fifo=None):
    """``fn()``'s result (or exception) if it returns within ``timeout``; fails the test otherwise.

    A thread stuck opening ``fifo`` is released afterwards by opening its other end.
    """
    box: dict = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        if fifo is not None:  # unblock the reader so the test run can go on
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"still reading after {timeout} s")
    if "error" in box:
        raise box["error"]
    return box["result"]


def _listed_then_swapped(tmp_path, swap):
    """A good photo as the scan saw it (path, size, mtime), then replaced by ``swap(path)``."""
    path = factory.make_photo(tmp_path / "lib" / "photo.jpg", (64, 48))
    st = path.stat()
    path.unlink()
    swap(path)
    return path, st.st_size, st.st_mtime_ns


@posix_only
def test_index_skips_a_file_that_became_a_fifo_after_it_was_listed(tmp_path):
    path, size, mtime = _listed_then_swapped(tmp_path, os.mkfifo)
    result = _finishes(lambda: indexing._decode_file(path, "photo.jpg", size, mtime, 64), fifo=path)
    assert result == Skipped("photo.jpg", "not a regular file (FIFO)")


@posix_only
def test_index_never_reads_a_link_to_dev_zero_swapped_in(tmp_path):
    path, size, mtime = _listed_then_swapped(tmp_path, lambda p: os.symlink("/dev/zero", p))
    result = _finishes(lambda: indexing._decode_file(path, "photo.jpg", size, mtime, 64))
    assert result == Skipped("photo.jpg", "not a regular file (character device)")


@posix_only
def test_index_of_a_folder_with_a_fifo_finishes_and_names_it(tmp_path):
    root = tmp_path / "lib"
    factory.make_library(root, {"a": 3}, size=(32, 24))
    os.mkfifo(root / "a" / "pipe.jpg")
    with Catalog.for_root(root) as cat:
        events = _finishes(lambda: list(indexing.index_library(cat, workers=2)), fifo=root / "a" / "pipe.jpg")
        assert cat.count() == 3
    assert [(e.path, e.reason) for e in events if isinstance(e, Skipped)] == [
        ("a/pipe.jpg", "not a regular file (FIFO)")
    ]


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "folder"])
def test_load_rgb_and_file_digest_refuse_what_is_not_a_regular_file(tmp_path, kind):
    path = tmp_path / "x.png"
    if kind == "fifo":
        os.mkfifo(path)
        expected = "FIFO"
    elif kind == "dev_zero":
        os.symlink("/dev/zero", path)
        expected = "character device"
    else:
        path.mkdir()
        expected = "folder"
    with pytest.raises(BadImageError, match=f"not a regular file \\({expected}\\)"):
        _finishes(lambda: load_rgb(path, max_side=64), fifo=path if kind == "fifo" else None)
    with pytest.raises(OSError, match=f"not a regular file \\({expected}\\)"):
        _finishes(lambda: file_digest(path), fifo=path if kind == "fifo" else None)


def test_a_read_stops_at_the_size_reported_when_the_file_was_opened(tmp_path):
    path = tmp_path / "growing.jpg"
    path.write_bytes(b"x" * 1000)
    reader, size = open_regular(path)
    with reader:
        with open(path, "ab") as writer:  # the file grows while it is being read
            writer.write(b"y" * (4 * READ_SLACK))
        data = reader.read()  # even an unbounded read call stops at the bound
    assert size == 1000 and len(data) == 1000 + READ_SLACK
    reader, size = open_regular(path)
    with reader:
        assert read_all(reader, size) == path.read_bytes()[: size + READ_SLACK]


def test_a_file_larger_than_any_picture_is_skipped_unread(tmp_path):
    path = tmp_path / "lib" / "huge.png"
    path.parent.mkdir()
    with open(path, "wb") as f:  # sparse: costs no disk, reads as zeros
        f.truncate(MAX_FILE_BYTES + 1)
    st = path.stat()
    started = time.monotonic()
    result = indexing._decode_file(path, "huge.png", st.st_size, st.st_mtime_ns, 64)
    assert result.reason == f"too large to be a picture ({MAX_FILE_BYTES + 1:,} bytes > {MAX_FILE_BYTES:,})"
    assert time.monotonic() - started < 1.0  # refused from fstat, not after reading 2 GB
    with pytest.raises(BadImageError, match="too large to be a picture"):
        load_rgb(path, max_side=64)


# ------------------------------------------------------------ decode memory budget


class _LoadSpy:
    """Counts how many Pillow decodes run at once (the real ``load`` does the work)."""

    def __init__(self, monkeypatch, hold: float = 0.0, barrier: threading.Barrier | None = None) -> None:
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        real = ImageFile.ImageFile.load
        spy = self

        def load(img):
            if not getattr(img, "tile", None):  # already loaded: not a decode
                return real(img)
            with spy.lock:
                spy.running += 1
                spy.most = max(spy.most, spy.running)
            try:
                if barrier is not None:
                    barrier.wait()
                time.sleep(hold)
                return real(img)
            finally:
                with spy.lock:
                    spy.running -= 1

        monkeypatch.setattr(ImageFile.ImageFile, "load", load)


@pytest.fixture
def budget_of():
    """Install a small shared decode budget for one test."""
    previous = decode_budget.set_shared_budget(None)

    def install(total: int) -> MemoryBudget:
        budget = MemoryBudget(total)
        decode_budget.set_shared_budget(budget)
        return budget

    yield install
    decode_budget.set_shared_budget(previous)


def test_huge_pictures_are_decoded_one_at_a_time(tmp_path, monkeypatch, budget_of):
    root = tmp_path / "lib"
    for i in range(3):
        factory.make_photo(root / f"big_{i}.png", (2000, 1500), seed=i, fmt="PNG")
    one = decode_cost("RGB", (2000, 1500))
    budget_of(one + one // 2)  # room for one such decode, not two
    spy = _LoadSpy(monkeypatch, hold=0.3)
    with Catalog.for_root(root) as cat:
        events = list(indexing.index_library(cat, workers=3))
        assert cat.count() == 3
    assert not [e for e in events if isinstance(e, Skipped)]
    assert spy.most == 1


def test_small_pictures_still_decode_on_every_worker(tmp_path, monkeypatch, budget_of):
    root = tmp_path / "lib"
    paths = [factory.make_photo(root / f"small_{i}.png", (64, 48), seed=i, fmt="PNG") for i in range(2)]
    budget_of(100 * decode_cost("RGB", (64, 48)))
    spy = _LoadSpy(monkeypatch, barrier=threading.Barrier(2, timeout=10))  # both must be in at once
    with ThreadPoolExecutor(2) as pool:
        images = list(pool.map(lambda p: load_rgb(p, max_side=32)[0], paths))
    assert spy.most == 2 and [im.size for im in images] == [(32, 24), (32, 24)]


def test_a_picture_larger_than_the_whole_budget_still_decodes(tmp_path, budget_of):
    budget = budget_of(1000)
    img, meta = load_rgb(factory.make_photo(tmp_path / "p.png", (200, 100), fmt="PNG"), max_side=50)
    assert img.size == (50, 25) and (meta.width, meta.height) == (200, 100)
    assert budget.used == 0  # released again


def test_budget_waits_first_come_first_served():
    budget = MemoryBudget(100)
    order: list[str] = []
    first = budget.hold(60)
    first.__enter__()

    def take(name, cost):
        with budget.hold(cost):
            order.append(name)

    big = threading.Thread(target=take, args=("big", 90))
    big.start()
    while budget._next_ticket < 2:  # the big one is waiting in line
        time.sleep(0.01)
    small = threading.Thread(target=take, args=("small", 10))  # would fit now, but is behind
    small.start()
    while budget._next_ticket < 3:
        time.sleep(0.01)
    time.sleep(0.1)
    assert order == []
    first.__exit__(None, None, None)
    big.join(5)
    small.join(5)
    assert order == ["big", "small"] and budget.used == 0


def test_decode_cost_reads_mode_and_size_from_the_header():
    assert decode_cost("RGB", (1000, 1000)) == 6_000_000
    assert decode_cost("L", (1000, 1000)) < decode_cost("RGBA", (1000, 1000))
    assert decode_cost("RGBA", (1000, 1000)) > decode_cost("RGB", (1000, 1000))
    assert decode_cost("I;16", (1000, 1000)) > decode_cost("RGBA", (1000, 1000))
    # The 119-megapixel PNG of the report: two do not fit the largest default budget.
    assert 2 * decode_cost("RGB", (13_000, 9_150)) > 1 << 30


# ---------------------------------------------------------------- Pillow warnings


def _corrupt_exif_jpeg(path):
    exif = Image.Exif()
    exif[270] = "a description long enough to be stored at an offset " * 3
    raw = exif.tobytes()
    factory.photo_image((48, 32), 7).save(path, format="JPEG", quality=90, exif=raw[: len(raw) - 120])
    return path


def test_pillow_warnings_are_logged_with_the_name_of_their_file(tmp_path, caplog, recwarn):
    bad_exif = [_corrupt_exif_jpeg(tmp_path / f"exif_{i}.jpg") for i in range(4)]
    clean = [factory.make_photo(tmp_path / f"clean_{i}.jpg", seed=i) for i in range(4)]
    caplog.set_level(logging.WARNING, logger="hashview.core.images.decode")
    with ThreadPoolExecutor(4) as pool:  # concurrent decodes: each warning lands on its own file
        list(pool.map(lambda p: load_rgb(p, max_side=32), bad_exif + clean))
    messages = [r.getMessage() for r in caplog.records if r.name == "hashview.core.images.decode"]
    named = sorted(m.split(": ")[0] for m in messages)
    assert named == sorted(str(p) for p in bad_exif)  # once per bad file, none for a clean one
    assert all("Tag data larger than file" in m for m in messages)
    assert not [w for w in recwarn if "Tag data" in str(w.message)]  # not printed bare


def test_a_bomb_that_pillow_only_warns_about_is_skipped(tmp_path, recwarn):
    path = factory.make_huge_png_header(tmp_path / "b.png", 12_000, 11_000)  # 132 Mpx, under 2x the limit
    with pytest.raises(BadImageError, match="too many pixels"):
        load_rgb(path, max_side=64)
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]
