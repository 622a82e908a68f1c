"""Indexing: incremental, resumable, cancellable, and never stopped by a bad file."""

from __future__ import annotations

import io
import os
import sys

import imagefactory as factory
import pytest
from PIL import Image

from hashview.core.catalog import indexing
from hashview.core.catalog.database import Catalog
from hashview.core.catalog.indexing import index_library
from hashview.core.events import CancelToken, Finished, Progress, Skipped
from hashview.core.images import decode as images


def run(catalog, **kw):
    events = list(index_library(catalog, **kw))
    assert isinstance(events[-1], Finished)
    assert sum(isinstance(e, Finished) for e in events) == 1
    return events, events[-1].summary


@pytest.fixture
def lib(tmp_path):
    root = tmp_path / "lib"
    factory.make_library(root, {"cats": 3, "dogs": 2}, size=(80, 60), loose=1)
    with Catalog.for_root(root) as cat:
        yield root, cat


def test_first_run_indexes_everything(lib):
    root, cat = lib
    events, s = run(cat, workers=2, thumb_size=32)
    assert s["files"] == s["added"] == s["decoded"] == 6
    assert (s["updated"], s["removed"], s["unchanged"], s["skipped"]) == (0, 0, 0, 0)
    assert s["cancelled"] is False and s["rate"] > 0 and s["seconds"] > 0
    entries = cat.entries()
    # ids follow sorted path order on a cold run, whatever order threads finish in
    assert [e.relpath for e in entries] == sorted(e.relpath for e in entries)
    assert {e.label for e in entries} == {"cats", "dogs", None}
    e = cat.entry_by_path("cats/cats_000.jpg")
    assert (e.width, e.height, e.orientation) == (80, 60, 1)
    assert e.digest == images.file_digest(root / "cats" / "cats_000.jpg")
    with Image.open(io.BytesIO(cat.thumbnail(e.id))) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (32, 24)
    progress = [ev for ev in events if isinstance(ev, Progress)]
    assert progress and all(p.stage == "index" for p in progress)
    assert progress[-1].done == progress[-1].total == 6


def test_second_run_decodes_nothing(lib, monkeypatch):
    _root, cat = lib
    run(cat, workers=2)
    ids = {e.relpath: e.id for e in cat.entries()}

    def no_decoding(*a, **k):  # pragma: no cover - must not be called
        raise AssertionError("decoded an unchanged file")

    monkeypatch.setattr(indexing, "load_rgb", no_decoding)
    _, s = run(cat, workers=2)
    assert s["decoded"] == 0 and s["unchanged"] == 6 and s["files"] == 6
    assert {e.relpath: e.id for e in cat.entries()} == ids


def test_changed_file_is_decoded_again_and_keeps_its_id(lib):
    root, cat = lib
    run(cat, workers=2)
    target = root / "dogs" / "dogs_001.jpg"
    before = cat.entry_by_path(target)
    factory.make_photo(target, (120, 90), seed=99)
    os.utime(target, ns=(before.mtime_ns + 10**9, before.mtime_ns + 10**9))
    _, s = run(cat, workers=2)
    assert (s["decoded"], s["updated"], s["added"], s["unchanged"]) == (1, 1, 0, 5)
    after = cat.entry_by_path(target)
    assert after.id == before.id and after.digest != before.digest
    assert (after.width, after.height) == (120, 90)
    # touching alone (same content, new mtime) also re-decodes just that file
    os.utime(target, ns=(after.mtime_ns + 10**9, after.mtime_ns + 10**9))
    _, s = run(cat, workers=2)
    assert s["decoded"] == 1 and cat.entry_by_path(target).digest == after.digest


def test_deleted_and_added_files(lib):
    root, cat = lib
    run(cat, workers=2)
    (root / "cats" / "cats_002.jpg").unlink()
    factory.make_photo(root / "birds" / "b.png", seed=50, fmt="PNG")
    _, s = run(cat, workers=2)
    assert (s["removed"], s["added"], s["decoded"], s["files"]) == (1, 1, 1, 6)
    assert cat.entry_by_path("cats/cats_002.jpg") is None
    assert cat.entry_by_path("birds/b.png").label == "birds"


def test_exact_duplicates_found_through_digests(lib):
    root, cat = lib
    (root / "copy.jpg").write_bytes((root / "cats" / "cats_000.jpg").read_bytes())
    run(cat, workers=2)
    groups = cat.exact_duplicate_groups()
    assert [[e.relpath for e in g] for g in groups] == [["cats/cats_000.jpg", "copy.jpg"]]


def test_cancel_half_way_then_resume(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    factory.make_library(root, {"a": 20, "b": 20}, size=(64, 48))
    token = CancelToken()
    calls = []
    real_decode = indexing._decode_file

    def decode(*args):
        calls.append(1)
        if len(calls) == 10:
            token.cancel()  # as a user would, from another thread, mid-run
        return real_decode(*args)

    monkeypatch.setattr(indexing, "_decode_file", decode)
    with Catalog.for_root(root) as cat:
        _, s1 = run(cat, cancel=token, workers=2)
        monkeypatch.setattr(indexing, "_decode_file", real_decode)
        assert s1["cancelled"] is True
        assert 10 <= s1["decoded"] < 40
        assert cat.count() == s1["decoded"]  # everything done was committed
        _, s2 = run(cat, workers=2)
        assert s2["cancelled"] is False
        assert s2["decoded"] == 40 - s1["decoded"]
        assert s2["unchanged"] == s1["decoded"] and s2["files"] == 40


def test_killed_run_keeps_committed_batches(tmp_path, monkeypatch):
    """A run stopped part-way leaves its committed batches on disk, and the next run decodes the rest.

    The run is held part-way (6 of 12 files decoded, one batch of 4 committed,
    2 waiting) and the catalog is read through a second connection, as the next
    process would after a ``kill -9`` at that moment: closing the generator
    first would commit the waiting files too and hide whether batching works.
    """
    root = tmp_path / "lib"
    factory.make_library(root, {"a": 12}, size=(32, 24))
    monkeypatch.setattr(indexing, "BATCH_FILES", 4)
    monkeypatch.setattr(indexing, "BATCH_SECONDS", 3600.0)  # batches by count only, whatever the machine's speed
    monkeypatch.setattr(indexing, "PROGRESS_HZ", 1e9)  # a progress event after every file
    with Catalog.for_root(root) as running, Catalog.for_root(root) as next_process:
        gen = index_library(running, workers=1)
        try:
            for ev in gen:
                if isinstance(ev, Progress) and ev.done == 6:
                    break  # the generator stays suspended here, its last 2 files not committed
            else:
                pytest.fail("no progress event after the 6th file")
            assert next_process.count() == 4  # the committed batch, and only it
            _, s = run(next_process, workers=1)
            assert (s["decoded"], s["unchanged"], s["files"]) == (8, 4, 12)
        finally:
            gen.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file names")
def test_every_bad_file_is_skipped_and_counted(lib, monkeypatch):
    root, cat = lib
    factory.make_truncated_jpeg(root / "bad" / "truncated.jpg")
    factory.make_zero_bytes(root / "bad" / "empty.jpg")
    factory.make_text_as_image(root / "bad" / "text.jpg")
    factory.make_huge_png_header(root / "bad" / "bomb.png")
    factory.make_photo(os.fsencode(root / "bad") + b"/caf\xe9.jpg")
    factory.make_photo(root / "bad" / "vanishing.jpg")
    factory.make_photo(root / "bad" / "locked.jpg")

    real_decode = indexing._decode_file

    def decode(path, *args):
        if path.name == "vanishing.jpg":
            path.unlink()  # gone between the scan and the decode
        return real_decode(path, *args)

    real_open = indexing.open_regular

    def guarded_open(file, *args, **kwargs):
        # chmod 000 does not stop root, so refuse the read the way the OS would
        if os.path.basename(os.fspath(file)) == "locked.jpg":
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(indexing, "open_regular", guarded_open)
    monkeypatch.setattr(indexing, "_decode_file", decode)
    events, s = run(cat, workers=1)
    reasons = {e.path: e.reason for e in events if isinstance(e, Skipped)}
    assert reasons == {
        "bad/truncated.jpg": "truncated file",
        "bad/empty.jpg": "zero bytes",
        "bad/text.jpg": "not an image",
        "bad/bomb.png": "too many pixels (10,000,000,000 > 120,000,000)",
        "bad/caf\\xe9.jpg": "file name is not valid UTF-8",
        "bad/vanishing.jpg": "vanished during scan",
        "bad/locked.jpg": "unreadable: permission denied",
    }
    assert s["skipped"] == 7 and s["files"] == 6 and s["added"] == 6
    assert sorted(cat.skipped()) == sorted(reasons.items())


def test_file_that_goes_bad_leaves_the_catalog(lib):
    root, cat = lib
    run(cat, workers=2)
    factory.make_truncated_jpeg(root / "loose_000.jpg", size=(300, 200))
    _, s = run(cat, workers=2)
    assert s["skipped"] == 1 and s["removed"] == 1 and s["files"] == 5
    assert cat.entry_by_path("loose_000.jpg") is None


def test_progress_is_throttled(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    factory.make_library(root, {"a": 30}, size=(16, 12))
    with Catalog.for_root(root) as cat:
        events, s = run(cat, workers=2)
    progress = [e for e in events if isinstance(e, Progress)]
    # a start, throttled updates (at most 10 a second) and the last
    assert len(progress) <= 2 + int(s["seconds"] * 10) + 1
    assert progress[-1].done == 30
