"""The app's own reads of picture files never wait on a FIFO: the compare view (a worker) and the query preview
(the GUI thread) open files the way indexing does (non-blocking, regular files only, bounded)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from imagefactory import make_photo

from hashview.ui.search.query_panel import QueryPanel
from hashview.ui.widgets.image_panes import load_image, sniffed_format


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    path = tmp_path / "looks-like-a-photo.jpg"
    os.mkfifo(path)
    return path


def test_the_compare_view_refuses_a_fifo_at_once(fifo, tmp_path):
    results = []
    worker = threading.Thread(target=lambda: results.append((load_image(fifo), sniffed_format(fifo))), daemon=True)
    worker.start()
    worker.join(10)
    if worker.is_alive():  # release the reader the old code was stuck in, so the suite goes on
        with open(fifo, "wb"):
            pass
        pytest.fail("load_image waited on a FIFO")
    image, kind = results[0]
    assert image.isNull() and kind == b""
    photo = make_photo(tmp_path / "real.jpg", (64, 48), seed=1)
    assert not load_image(photo).isNull() and sniffed_format(photo) == b"jpeg"


@pytest.mark.timeout(30)
def test_the_query_preview_shows_no_preview_for_a_fifo_instead_of_freezing_the_window(qtbot, fifo, tmp_path):
    panel = QueryPanel()
    qtbot.addWidget(panel)
    panel.show_query(fifo)  # the GUI thread: the old QImageReader(path) blocked here for good
    assert panel._preview.text() == "(no preview)"
    photo = make_photo(tmp_path / "real.jpg", (64, 48), seed=2)
    panel.show_query(photo)
    assert panel._preview.pixmap() is not None and not panel._preview.pixmap().isNull()
