"""The library grid stays virtual: 100,000 rows ask only for what is on screen."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QThreadPool

from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.widgets.thumbnails import ThumbnailLoader


@dataclass
class FakeEntry:
    id: int
    relpath: str
    path: Path
    width: int = 64
    height: int = 48


def test_a_hundred_thousand_rows_fetch_only_visible_thumbnails(qtbot, tmp_path):
    fetched: list[int] = []
    loader = ThumbnailLoader(lambda i: fetched.append(i) or None, pool=QThreadPool())
    model = ThumbnailModel(loader)
    model.set_entries([FakeEntry(i, f"img_{i}.jpg", tmp_path / f"img_{i}.jpg") for i in range(100_000)])
    view = LibraryView()
    view.setModel(model)
    view.resize(800, 600)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.waitUntil(lambda: 99_999 in fetched, timeout=10_000)
    assert len(set(fetched)) < 200  # a few screens' worth, not 100,000
    loader.shutdown()


def test_activating_an_item_asks_for_similar_images(qtbot, tmp_path):
    model = ThumbnailModel()
    model.set_entries([FakeEntry(1, "a.jpg", tmp_path / "a.jpg")])
    view = LibraryView()
    view.setModel(model)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.similar_requested, timeout=1_000) as blocker:
        view.activated.emit(model.index(0))
    assert blocker.args == [[tmp_path / "a.jpg"]]
