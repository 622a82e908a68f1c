"""The drop target for "find images like this one".

A small widget in the spirit of Qt's drop-site example: it accepts drops of
image files (file URLs from a file manager, or items dragged from the grid),
shows the query's thumbnail, and emits one domain signal, ``query_dropped``.
It knows nothing about the engine; the ``SearchController`` decides what a query means.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from hashview.ui.widgets.image_panes import load_image

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"})
PREVIEW = 220

HINT = "Drop an image here\nto find similar ones"


def image_paths(mime: QMimeData) -> list[Path]:
    """The local image files named by ``mime``'s URLs, in order."""
    if not mime.hasUrls():
        return []
    paths = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
    return paths


class QueryPanel(QFrame):
    """Accepts dropped image files and emits ``query_dropped(list[Path])``."""

    query_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setObjectName("QueryPanel")
        self.setFrameShape(QFrame.Shape.NoFrame)  # paintEvent draws a dashed outline instead
        self.setContentsMargins(2, 2, 2, 2)
        self.setMinimumSize(QSize(PREVIEW + 20, PREVIEW + 60))
        self._preview = QLabel(HINT)
        self._preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._preview.setMinimumSize(QSize(PREVIEW, PREVIEW))
        self._caption = QLabel("")
        self._caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._caption.setWordWrap(True)
        self._query: Path | None = None
        self._highlighted = False
        layout = QVBoxLayout(self)
        layout.addWidget(self._preview, 1)
        layout.addWidget(self._caption)
        self._set_highlight(False)
        self.setAccessibleName("Query: drop an image")

    # -- the domain --------------------------------------------------------
    def submit(self, paths: Sequence[Path]) -> None:
        """Show the first path as the query and emit ``query_dropped``."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        self.show_query(paths[0], extra=len(paths) - 1)
        logger.info("query dropped: %s", ", ".join(map(str, paths)))
        self.query_dropped.emit(paths)

    def show_query(self, path: Path, extra: int = 0) -> None:
        """Show ``path``'s image, decoded at preview size (fast for JPEG)."""
        self._query = Path(path)
        image = load_image(Path(path), PREVIEW)  # bounded, and never waits on a FIFO: this is the GUI thread
        if image.isNull():
            self._preview.setText("(no preview)")
        else:
            self._preview.setPixmap(QPixmap.fromImage(image))
        more = f" (+{extra} more)" if extra else ""
        self._caption.setText(f"Query: {path.name}{more}")
        self._caption.setToolTip(str(path))

    def current_query(self) -> Path | None:
        """The image shown as the query, if any."""
        return self._query

    def clear(self) -> None:
        self._query = None
        self._preview.clear()
        self._preview.setText(HINT)
        self._caption.setText("")

    # -- drag and drop -------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if image_paths(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._set_highlight(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        if image_paths(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self._set_highlight(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self._set_highlight(False)
        paths = image_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.submit(paths)

    def _set_highlight(self, on: bool) -> None:
        self._highlighted = on
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        # the dashed drop outline, painted from the current palette so that it (and the
        # caption, which a style sheet would pin to the palette of its time) follows dark mode
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        role = QPalette.ColorRole.Highlight if self._highlighted else QPalette.ColorRole.Mid
        painter.setPen(QPen(self.palette().color(role), 2, Qt.PenStyle.DashLine))
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), 8, 8)
        painter.end()
