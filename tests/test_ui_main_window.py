"""The main window end to end on the real engine: open, index, train, drop, results.

A small folder of generated photos goes through the real workers; the test
waits on the window's signals, never on time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from imagefactory import make_photo
from PySide6.QtCore import Qt
from test_ui_widgets import send_drop, urls_mime

from hashview.core.nets import general
from hashview.ui.settings import open_settings
from hashview.ui.widgets.thumbnails import Roles
from hashview.ui.window.main_window import MainWindow

FAST_TRAINING = {"method": "itq"}  # the first-run training of these tests: seconds, not minutes

PIPELINE_TIMEOUT_MS = 60_000


@pytest.fixture
def photos(tmp_path) -> Path:
    root = tmp_path / "photos"
    for i in range(24):
        make_photo(root / f"photo_{i:02d}.jpg", size=(96, 72), seed=i)
    return root


@pytest.fixture
def window(qtbot):
    win = MainWindow(settings=open_settings(), first_training=FAST_TRAINING)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def open_and_wait_ready(qtbot, window: MainWindow, folder: Path) -> str:
    with (
        qtbot.waitSignal(window.pipeline_finished, timeout=PIPELINE_TIMEOUT_MS) as blocker,
        qtbot.waitSignal(window.library_indexed, timeout=PIPELINE_TIMEOUT_MS),
    ):
        assert window.open_folder(folder)
    return blocker.args[0]


def test_starts_on_the_welcome_screen(window):
    assert window.stack.currentWidget() is window.welcome


def test_opening_a_folder_indexes_encodes_with_the_shipped_network_and_becomes_ready(qtbot, window, photos):
    """No training before the first search: the scan ends, the shipped network encodes, the window is ready."""
    message = open_and_wait_ready(qtbot, window, photos)
    assert message.startswith("Ready: 24 images"), message
    assert "network general" in message
    assert window.library.codes_ready() and [n.name for n in window.library.networks.all()] == ["general"]
    assert window.ready
    assert window.stack.currentWidget() is not window.welcome
    assert window.library_model.rowCount() == 24
    assert window.statusBar().currentMessage() == message
    assert window.progress.isHidden()
    # the first rows' thumbnails arrive off-thread
    first = window.library_model.index(0)
    first.data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: first.data(Roles.ThumbnailReady), timeout=5_000)


def test_without_a_shipped_network_the_first_folder_trains_one(qtbot, window, photos, monkeypatch):
    monkeypatch.setattr(general, "general_file", lambda: None)
    message = open_and_wait_ready(qtbot, window, photos)
    assert message.startswith("Ready: 24 images") and "network itq-64" in message, message


def test_a_dropped_image_finds_itself_first(qtbot, window, photos):
    open_and_wait_ready(qtbot, window, photos)
    query = photos / "photo_07.jpg"
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        entered, dropped = send_drop(window.query_panel, urls_mime([query]))
    assert entered and dropped
    result = blocker.args[0]
    assert Path(result.hits[0].path) == query and result.hits[0].distance == 0
    first = window.results_model.index(0)
    assert first.data().startswith(f"{query.name}\n") and first.data().endswith("d = 0")
    assert first.data(Roles.Path) == query
    distances = [h.distance for h in result.hits]
    assert distances == sorted(distances)


def test_a_grid_item_dragged_onto_the_query_panel_searches(qtbot, window, photos):
    open_and_wait_ready(qtbot, window, photos)
    model = window.library_model
    mime = model.mimeData([model.index(3)])
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        send_drop(window.query_panel, mime)
    assert blocker.args[0].hits[0].path == model.index(3).data(Roles.Path)


def test_a_query_before_codes_are_ready_says_so(qtbot, window, photos):
    with qtbot.waitSignal(window.status_changed, timeout=5_000) as blocker:
        window.search_images([photos / "photo_01.jpg"])
    assert "Open a folder first" in blocker.args[0]
    with qtbot.waitSignal(window.pipeline_finished, timeout=PIPELINE_TIMEOUT_MS):
        window.open_folder(photos)
        with qtbot.waitSignal(window.status_changed, timeout=5_000) as blocker:
            window.search_images([photos / "photo_01.jpg"])
        assert "Not ready to search yet" in blocker.args[0]


def test_dropping_a_folder_on_the_window_opens_it(qtbot, window, photos):
    with qtbot.waitSignal(window.pipeline_finished, timeout=PIPELINE_TIMEOUT_MS):
        entered, _ = send_drop(window, urls_mime([photos]))
    assert entered
    assert window.library is not None and Path(window.library.root) == photos.resolve()


def test_a_missing_folder_is_reported_not_raised(qtbot, window, tmp_path):
    assert not window.open_folder(tmp_path / "nope")
    assert "Cannot open" in window.statusBar().currentMessage()
    assert window.stack.currentWidget() is window.welcome


class SlowLibrary:
    """A stand-in engine whose indexing waits until it is cancelled."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.closed = False

    def index(self, cancel):
        from hashview.core.events import Progress

        yield Progress("index", 1, 10)
        for _ in range(1000):  # at most ~10 s if the cancel never came
            if cancel.cancelled:
                break
            cancel._event.wait(0.01)
        cancel.raise_if_cancelled()
        yield Progress("index", 2, 10)

    def entries(self):
        return []

    def thumbnail(self, file_id):
        return None

    def close(self):
        self.closed = True


def test_cancel_stops_the_chain(qtbot, photos):
    window = MainWindow(settings=open_settings(), first_training=FAST_TRAINING, open_library=SlowLibrary)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.pipeline_finished, timeout=10_000) as blocker:
        window.open_folder(photos)
        assert not window.progress.isHidden()
        qtbot.mouseClick(window.progress._cancel, Qt.MouseButton.LeftButton)
    assert blocker.args[0].startswith("Indexing cancelled")
    assert not window.ready and window.progress.isHidden()
    library = window.library
    window.close()
    assert library.closed
