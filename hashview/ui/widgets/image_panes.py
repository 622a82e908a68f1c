"""Side-by-side compare of two pictures with synced zoom and pan, and their difference.

Deciding which copy to keep means looking closely: is one a crop, a
re-compression, a screenshot with a caption? Two ``ImagePane`` views show the
pictures; zooming or panning one moves the other to the same place *in image
coordinates* (fractions of width and height), so a downscaled copy lines up
with its original. The difference view shows |A - B| per pixel after scaling
B onto A, brightened so small differences show; it is computed in a worker,
since decoding two photos and subtracting them takes longer than a frame.

Decoding happens off the GUI thread too (``load_image`` uses QImage, which is
safe in worker threads; QPixmap is made on the GUI thread only).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPainter, QPixmap, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QWidget

from hashview.core.images.safe_open import open_regular, read_all

if TYPE_CHECKING:  # numpy is imported when a difference is computed, not on the way to the first window
    import numpy as np

logger = logging.getLogger(__name__)

MAX_EDGE = 2048
"""Pictures are decoded at most this large for the compare: enough to judge, bounded memory."""

DIFF_EDGE = 1024
"""The difference is computed at most this large."""


_SIGNATURES: tuple[tuple[int, bytes, bytes], ...] = (
    (0, b"\xff\xd8\xff", b"jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", b"png"),
    (0, b"GIF8", b"gif"),
    (0, b"BM", b"bmp"),
    (8, b"WEBP", b"webp"),
    (0, b"II*\x00", b"tiff"),
    (0, b"MM\x00*", b"tiff"),
)


def sniffed_format(path: Path) -> bytes:
    """Qt's name for the format ``path``'s first bytes show, or b"" (unknown, unreadable).

    ``load_image`` runs in worker threads. A reader that is not told the format
    probes every image plugin when the suffix does not name it (a PNG saved as
    ``.jpg``), and a plugin probe can take Qt's connection lock while the
    worker holds Python's GIL: the deadlock the thumbnails once hit against
    the GUI thread (see ``thumbnails.decode_thumbnail``). Naming the
    format from the file's own signature avoids the probe for every format a
    camera or phone writes that Qt reads.
    """
    data = read_picture(path, limit=16)
    return format_of(data or b"")


def format_of(head: bytes) -> bytes:
    """Qt's name for the image format whose signature starts ``head`` (b"" when none matches)."""
    for offset, signature, name in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return name
    return b""


def read_picture(path: Path, limit: int | None = None) -> bytes | None:
    """The file's bytes (the first ``limit`` of them), or None when it is not a readable regular file.

    Read the way indexing reads (``core.images.safe_open``): opened without
    waiting, checked to be a regular file, bounded. A FIFO or a device dropped
    on the window, or swapped in since the scan, is refused at once instead of
    blocking the thread that asked (the GUI thread, for the query preview).
    """
    try:
        reader, size = open_regular(path)
        with reader:
            return reader.read(limit) if limit is not None else read_all(reader, size)
    except OSError as exc:
        logger.warning("cannot read %s: %s", path, exc)
        return None


def load_image(path: Path, max_edge: int = MAX_EDGE) -> QImage:
    """Decode ``path`` upright (EXIF orientation applied), scaled to fit ``max_edge``; null if unreadable."""
    data = read_picture(path)
    if data is None:
        return QImage()
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, format_of(data[:16]))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_edge:
        size.scale(max_edge, max_edge, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(size)
    image = reader.read()
    if image.isNull():
        logger.warning("cannot decode %s: %s", path, reader.errorString())
    # The reader must go before its buffer: Qt's TIFF handler touches the device when it is destroyed,
    # and a buffer released first makes that a crash (seen with PySide6 6.11).
    del reader
    buffer.close()
    return image


def _rgb_array(image: QImage) -> np.ndarray:
    import numpy as np

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * height)
    return buffer.reshape(height, stride)[:, : width * 3].reshape(height, width, 3).copy()


def difference_image(path_a: Path, path_b: Path, max_edge: int = DIFF_EDGE) -> tuple[QImage, float]:
    """|A - B| as an image (B scaled onto A's frame), brightened; and the mean difference in 0..1.

    The brightening maps the 99th percentile of the difference to white, so a
    re-save shows its faint noise while a caption or crop stands out.

    Raises:
        ValueError: a picture cannot be decoded.
    """
    a = load_image(path_a, max_edge)
    b = load_image(path_b, max_edge)
    if a.isNull() or b.isNull():
        raise ValueError(f"cannot decode {Path(path_a if a.isNull() else path_b).name}")
    import numpy as np

    b = b.scaled(a.size(), Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    diff = np.abs(_rgb_array(a).astype(np.int16) - _rgb_array(b).astype(np.int16)).astype(np.float32)
    mean = float(diff.mean() / 255.0)
    top = float(np.percentile(diff, 99)) or 1.0
    shown = np.clip(diff * (255.0 / max(top, 8.0)), 0, 255).astype(np.uint8)
    height, width = shown.shape[:2]
    image = QImage(shown.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()
    return image, mean


class ImagePane(QGraphicsView):
    """One picture, fit to the pane; wheel zooms about the cursor, drag pans.

    ``view_changed(zoom, fx, fy)`` tells where it looks: ``zoom`` relative to
    fit-to-pane (1.0) and the centre as fractions of the picture's width and
    height. ``show_view`` applies such a place without echoing it back.
    """

    view_changed = Signal(float, float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # drag pans; both panes move
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(QSize(160, 120))
        self.zoom = 1.0
        self._quiet = False
        self._text = ""
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._report)

    def set_image(self, image: QImage | None, text: str = "") -> None:
        """Show ``image`` (None or null: show ``text`` instead), fitted."""
        self._text = text
        if image is None or image.isNull():
            self._item.setPixmap(QPixmap())
            self.scene().setSceneRect(QRectF())
        else:
            self._item.setPixmap(QPixmap.fromImage(image))
            self.scene().setSceneRect(self._item.boundingRect())
        self.zoom = 1.0
        self._apply(1.0, 0.5, 0.5)
        self.viewport().update()

    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    def image_size(self) -> QSize:
        return self._item.pixmap().size()

    def centre_fraction(self) -> tuple[float, float]:
        rect = self._item.boundingRect()
        if rect.isEmpty():
            return 0.5, 0.5
        centre = self.mapToScene(self.viewport().rect().center())
        return centre.x() / rect.width(), centre.y() / rect.height()

    def show_view(self, zoom: float, fx: float, fy: float) -> None:
        """Look at the picture at ``zoom`` (1 = fit) centred on (fx, fy); no ``view_changed``."""
        self._quiet = True
        try:
            self._apply(zoom, fx, fy)
        finally:
            self._quiet = False

    def set_zoom(self, zoom: float) -> None:
        """Zoom to ``zoom`` times fit, keeping the centre, and tell the others."""
        fx, fy = self.centre_fraction()
        self._apply(zoom, fx, fy)
        self._report()

    def _fit_scale(self) -> float:
        rect = self._item.boundingRect()
        if rect.isEmpty():
            return 1.0
        view = self.viewport().rect()
        return min(view.width() / rect.width(), view.height() / rect.height())

    def _apply(self, zoom: float, fx: float, fy: float) -> None:
        self.zoom = max(1.0, min(float(zoom), 64.0))
        scale = self._fit_scale() * self.zoom
        self.resetTransform()
        self.scale(scale, scale)
        rect = self._item.boundingRect()
        self.centerOn(QPointF(fx * rect.width(), fy * rect.height()))

    def _report(self, *_args: object) -> None:
        if not self._quiet and self.has_image():
            fx, fy = self.centre_fraction()
            self.view_changed.emit(self.zoom, fx, fy)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if not self.has_image():
            return
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        new_zoom = max(1.0, min(self.zoom * factor, 64.0))
        step = new_zoom / self.zoom
        self.zoom = new_zoom
        self.scale(step, step)  # about the cursor (AnchorUnderMouse)
        if self.zoom == 1.0:
            self._apply(1.0, 0.5, 0.5)
        self._report()
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        fx, fy = self.centre_fraction()
        super().resizeEvent(event)
        self.show_view(self.zoom, fx, fy)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        if self.has_image() or not self._text:
            return
        painter.save()
        painter.resetTransform()
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(
            self.viewport().rect().adjusted(12, 12, -12, -12),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
            self._text,
        )
        painter.restore()


def sync_panes(*panes: ImagePane) -> None:
    """Make zoom and pan on any of ``panes`` move the others to the same place in the picture."""
    for pane in panes:
        others = [p for p in panes if p is not pane]
        pane.view_changed.connect(lambda zoom, fx, fy, others=others: [o.show_view(zoom, fx, fy) for o in others])
