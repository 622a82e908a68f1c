"""Small widgets: the query panel's drops, the progress strip, the welcome page."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from hashview.core.events import Progress
from hashview.ui.library.welcome_view import WelcomeView
from hashview.ui.search.query_panel import QueryPanel
from hashview.ui.widgets.progress_strip import ProgressStrip, format_eta


def urls_mime(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def send_drop(widget, mime: QMimeData) -> tuple[bool, bool]:
    """Deliver drag-enter then drop like a real drag would; returns (entered, dropped)."""
    pos = QPointF(widget.rect().center())
    enter = QDragEnterEvent(
        widget.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def test_query_panel_emits_dropped_image_paths(qtbot, tmp_path):
    image = tmp_path / "query.jpg"
    Image.new("RGB", (300, 200), (10, 120, 200)).save(image)
    panel = QueryPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.query_dropped, timeout=2_000) as blocker:
        entered, dropped = send_drop(panel, urls_mime([image, tmp_path / "notes.txt"]))
    assert entered and dropped
    assert blocker.args == [[image]]
    assert panel.current_query() == image


def test_query_panel_refuses_non_images(qtbot, tmp_path):
    panel = QueryPanel()
    qtbot.addWidget(panel)
    with qtbot.assertNotEmitted(panel.query_dropped):
        entered, _ = send_drop(panel, urls_mime([tmp_path / "notes.txt"]))
    assert not entered


def test_progress_strip_shows_latest_event_and_cancels(qtbot):
    strip = ProgressStrip(interval_ms=10)
    qtbot.addWidget(strip)
    strip.start("Indexing…")
    assert strip.isVisibleTo(strip.parentWidget() or strip) or not strip.isHidden()
    for i in range(1, 101):
        strip.show_progress(Progress("index", i, 100, rate=50.0, eta_s=(100 - i) / 50))
    strip.apply_pending()
    assert strip.stage_text == "Indexing"
    assert strip._bar.value() == 100
    with qtbot.waitSignal(strip.cancel_requested, timeout=1_000):
        qtbot.mouseClick(strip._cancel, Qt.MouseButton.LeftButton)
    assert not strip._cancel.isEnabled()
    strip.stop()
    assert strip.isHidden()


def test_format_eta():
    assert format_eta(None) == ""
    assert format_eta(12.4) == "12 s left"
    assert format_eta(185) == "3 min left"
    assert format_eta(3900) == "1 h 5 min left"


def test_welcome_view_open_and_recent(qtbot, tmp_path):
    view = WelcomeView()
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.open_requested, timeout=1_000):
        qtbot.mouseClick(view.open_button, Qt.MouseButton.LeftButton)
    view.set_recent([tmp_path])
    from PySide6.QtWidgets import QPushButton

    recent = [b for b in view.findChildren(QPushButton) if b.text() == str(tmp_path)]
    assert len(recent) == 1
    with qtbot.waitSignal(view.folder_chosen, timeout=1_000) as blocker:
        recent[0].click()
    assert blocker.args == [Path(tmp_path)]
