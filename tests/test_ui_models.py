"""Item models tested without a window: roles, drag data, off-thread thumbnails."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtGui import QImage

from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.search.results_model import ResultsModel
from hashview.ui.widgets.thumbnails import Roles, ThumbnailLoader, decode_thumbnail


@dataclass
class FakeEntry:
    id: int
    relpath: str
    path: Path
    width: int = 64
    height: int = 48


@dataclass
class FakeHit:
    file_id: int
    path: Path
    distance: int


def jpeg_bytes(colour=(200, 30, 30), size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


def entries(tmp_path, n=5):
    return [FakeEntry(i, f"sub/img_{i}.jpg", tmp_path / "sub" / f"img_{i}.jpg") for i in range(n)]


def test_decode_thumbnail_scales_and_rejects_garbage():
    image = decode_thumbnail(jpeg_bytes(colour=(200, 30, 30), size=(400, 200)), size=160)
    assert image is not None and (image.width(), image.height()) == (160, 160)
    assert image.pixelColor(80, 80).red() > 150  # the picture, 160 x 80, centred
    assert image.pixelColor(80, 10).alpha() == 0  # transparent above it
    assert decode_thumbnail(b"not a jpeg") is None
    assert decode_thumbnail(None) is None


def test_decode_thumbnail_reads_jpeg_only_without_probing_other_formats():
    """Probing every plugin (SVG's included) could deadlock a pool thread against the GUI thread
    (see decode_thumbnail); a PNG, which the catalog never stores, shows that no probe ran."""
    from io import BytesIO

    from PIL import Image

    png = BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(png, format="PNG")
    assert decode_thumbnail(png.getvalue()) is None
    assert decode_thumbnail(jpeg_bytes(colour=(10, 200, 10), size=(40, 30))) is not None


def test_library_model_roles(qtbot, tmp_path):
    model = ThumbnailModel()
    model.set_entries(entries(tmp_path))
    assert model.rowCount() == 5
    index = model.index(2)
    assert index.data(Qt.ItemDataRole.DisplayRole) == "img_2.jpg"
    assert index.data(Roles.FileId) == 2
    assert index.data(Roles.Path) == tmp_path / "sub" / "img_2.jpg"
    assert "sub/img_2.jpg" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert isinstance(index.data(Qt.ItemDataRole.DecorationRole), QImage)  # placeholder


def test_library_model_drags_file_urls(qtbot, tmp_path):
    model = ThumbnailModel()
    model.set_entries(entries(tmp_path))
    assert model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled
    mime = model.mimeData([model.index(1), model.index(3)])
    assert [Path(u.toLocalFile()) for u in mime.urls()] == [
        tmp_path / "sub" / "img_1.jpg",
        tmp_path / "sub" / "img_3.jpg",
    ]


def test_thumbnail_arrives_after_placeholder(qtbot, tmp_path):
    fetched = []

    def fetch(file_id):
        fetched.append(file_id)
        return jpeg_bytes()

    pool = QThreadPool()
    loader = ThumbnailLoader(fetch, pool=pool)
    model = ThumbnailModel(loader)
    model.set_entries(entries(tmp_path))
    index = model.index(4)
    assert not index.data(Roles.ThumbnailReady)
    with qtbot.waitSignal(model.dataChanged, timeout=5_000):
        placeholder = index.data(Qt.ItemDataRole.DecorationRole)
    image = index.data(Qt.ItemDataRole.DecorationRole)
    assert index.data(Roles.ThumbnailReady)
    assert image is not placeholder and image.pixelColor(80, 80).red() > 150
    assert fetched == [4]
    loader.shutdown()


def test_loader_cache_is_bounded_and_failures_are_not_retried(qtbot):
    pool = QThreadPool()
    calls = []

    def fetch(file_id):
        calls.append(file_id)
        return None if file_id == "bad" else jpeg_bytes()

    loader = ThumbnailLoader(fetch, capacity=3, pool=pool)
    for key in ["a", "b", "c", "d", "bad"]:
        with qtbot.waitSignal(loader.loaded, timeout=5_000):
            assert loader.get(key) is None
    assert not loader.has("a") and loader.has("d")
    assert loader.get("bad") is None
    assert calls.count("bad") == 1
    loader.shutdown()


def test_thumbnail_threads_reuse_their_catalog_connection(qtbot, tmp_path, monkeypatch):
    """Qt pool threads get a new Python thread state per task; the catalog must still open
    one connection per thread, not one per thumbnail batch (they stayed open until close)."""
    import sqlite3

    from hashview.core.catalog.database import Catalog
    from hashview.core.catalog.records import FileRecord

    opened = []
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: opened.append(1) or real_connect(*a, **kw))
    root = tmp_path / "lib"
    root.mkdir()
    with Catalog.for_root(root) as catalog:
        catalog.upsert(
            FileRecord(
                relpath=f"{i}.jpg",
                size=1,
                mtime_ns=1,
                digest=f"d{i}",
                width=64,
                height=48,
                orientation=1,
                taken=None,
                label=None,
                thumb=jpeg_bytes(),
            )
            for i in range(30)
        )
        pool = QThreadPool()
        pool.setMaxThreadCount(2)
        loader = ThumbnailLoader(catalog.thumbnail, pool=pool)
        before = len(opened)
        for entry in catalog.entries():  # one decode task each: the previous one has drained
            with qtbot.waitSignal(loader.loaded, timeout=5_000):
                loader.get(entry.id)
        loader.shutdown()
        assert len(opened) - before <= pool.maxThreadCount()


def test_results_model_shows_distance(qtbot, tmp_path):
    model = ResultsModel()
    model.set_hits([FakeHit(7, tmp_path / "a.jpg", 0), FakeHit(3, tmp_path / "b.jpg", 3)])
    assert model.rowCount() == 2
    assert model.index(0).data() == "a.jpg\nd = 0"
    assert model.index(1).data() == "b.jpg\nd = 3"
    assert model.index(1).data(Roles.Distance) == 3
    assert model.index(1).data(Roles.Path) == tmp_path / "b.jpg"
    assert [Path(u.toLocalFile()) for u in model.mimeData([model.index(0)]).urls()] == [tmp_path / "a.jpg"]
    model.clear()
    assert model.rowCount() == 0


REFCOUNT_PROBE = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from types import SimpleNamespace
from PySide6.QtWidgets import QApplication
app = QApplication([])
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.search.results_model import ResultsModel, ResultsView
from hashview.ui.library.grid_model import ThumbnailModel

model = ThumbnailModel(None)
model.set_entries([SimpleNamespace(id=i, relpath=f"a/{i}.jpg", path=f"/x/{i}.jpg", width=9, height=9) for i in range(500)])
grid = LibraryView(); grid.setModel(model); grid.resize(600, 400); grid.show()
results = ResultsModel(None)
results.set_hits([SimpleNamespace(file_id=i, path=f"/x/{i}.jpg", distance=i) for i in range(60)])
view = ResultsView(); view.setModel(results); view.resize(300, 400); view.show()
app.processEvents()
before = [sys.getrefcount(x) for x in (None, True, False)]
for n in range(3000):
    model._repaint(n % 40)        # what every loaded thumbnail does: dataChanged.emit
    results._repaint(n % 40)
    if n % 100 == 0:
        grid.viewport().repaint(); view.viewport().repaint(); app.processEvents()
app.processEvents()
after = [sys.getrefcount(x) for x in (None, True, False)]
print([a - b for a, b in zip(after, before)])
"""


def test_repainting_thumbnails_does_not_corrupt_reference_counts():
    """PySide6 6.12.0 over-releases True/False/None on each dataChanged.emit and the app aborts
    minutes later ("bool_dealloc"); pyproject.toml excludes it. Run in a subprocess: the failure
    is a fatal abort, not an exception."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", REFCOUNT_PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    deltas = [int(x) for x in result.stdout.strip().strip("[]").split(",")]
    assert min(deltas) > -50, deltas  # thousands of emits: a leak of references would show as large negatives
