"""Thumbnails decoded off the main thread, and the item roles every thumbnail list shares.

The library grid, the search results and the duplicates explorer all show
catalog thumbnails. A grid of 100,000 photos cannot decode them when it
paints: its model answers with ``placeholder_image()`` at once and asks a
``ThumbnailLoader``, which decodes the catalog's JPEG bytes in a QThreadPool,
newest request first (the rows on screen now), keeps a bounded LRU of ready
QImages, and says which file is ready so the model repaints that row.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QImage, QPainter

logger = logging.getLogger(__name__)

THUMB_SIZE = 160
"""Edge of the square box thumbnails are scaled into, in pixels."""


class Roles(IntEnum):
    """Named roles shared by the library and results models."""

    FileId = Qt.ItemDataRole.UserRole + 1
    Path = Qt.ItemDataRole.UserRole + 2
    Distance = Qt.ItemDataRole.UserRole + 3
    ThumbnailReady = Qt.ItemDataRole.UserRole + 4


def placeholder_image(size: int = THUMB_SIZE) -> QImage:
    """A quiet grey tile shown until a thumbnail has been decoded."""
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(128, 128, 128, 60))
    margin = size // 10
    painter.drawRoundedRect(margin, margin, size - 2 * margin, size - 2 * margin, 8, 8)
    painter.end()
    return image


def decode_thumbnail(data: bytes | None, size: int = THUMB_SIZE) -> QImage | None:
    """Decode JPEG bytes into a ``size`` square tile, the picture centred; None if unreadable.

    Every tile has the same size so that names line up under the pictures in
    the grid, whatever the pictures' shapes. Safe in a pool thread (QImage and
    QPainter on a QImage are; QPixmap is not).

    The format is named: without it Qt asks every image plugin whether the
    bytes are its format, and the SVG plugin's probe builds a QTextStream,
    which takes Qt's signal-connection lock while this thread holds the GIL;
    a GUI thread disconnecting a Python slot at that moment holds the lock and
    waits for the GIL, and both hang (seen once in the test suite).
    Thumbnails are always JPEG (``core.images.thumbnail_bytes``).
    """
    if not data:
        return None
    # The stub types the C++ `const char *format` as bytes, but the binding accepts only str (bytes: ValueError).
    image = QImage.fromData(data, "JPEG")  # type: ignore[arg-type]
    if image.isNull():
        return None
    if image.width() > size or image.height() > size:
        image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    tile = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    tile.fill(Qt.GlobalColor.transparent)
    painter = QPainter(tile)
    painter.drawImage((size - image.width()) // 2, (size - image.height()) // 2, image)
    painter.end()
    return tile


class _LoaderSignals(QObject):
    loaded = Signal(object, QImage)


class _DecodeTask(QRunnable):
    """Drains the loader's request stack from a pool thread."""

    def __init__(self, loader: ThumbnailLoader) -> None:
        super().__init__()
        self._loader = loader

    def run(self) -> None:
        self._loader._drain()


class ThumbnailLoader(QObject):
    """Decodes thumbnails in a thread pool and caches them in a bounded LRU.

    Args:
        fetch: ``file_id -> JPEG bytes or None``; called from pool threads.
        capacity: how many decoded images to keep.
        pool: the pool to run in (tests may pass a dedicated one).
        max_pending: requests beyond this are forgotten, oldest first; a row
            scrolled out of view is simply asked for again when it comes back.
        size: the tile edge images are decoded to (``set_size`` changes it: the grid's thumbnail size).
    """

    loaded = Signal(object)

    def __init__(
        self,
        fetch: Callable[[Any], bytes | None],
        capacity: int = 3000,
        pool: QThreadPool | None = None,
        max_pending: int = 600,
        parent: QObject | None = None,
        size: int = THUMB_SIZE,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._capacity = capacity
        self._base_capacity = capacity
        self._size = size
        self._max_pending = max_pending
        self._pool = pool or QThreadPool.globalInstance()
        self._cache: OrderedDict[Any, QImage] = OrderedDict()
        self._failed: set[Any] = set()
        self._lock = threading.Lock()
        self._stack: list[Any] = []
        self._pending: set[Any] = set()
        self._draining = 0
        self._stopped = False
        self._signals = _LoaderSignals(self)  # deleted with the loader, on the GUI thread
        self._signals.loaded.connect(self._store)

    def get(self, file_id: Any) -> QImage | None:
        """The cached image, or None after queueing a decode for it."""
        image = self._cache.get(file_id)
        if image is not None:
            self._cache.move_to_end(file_id)
            return image
        if file_id not in self._failed:
            self._request(file_id)
        return None

    @property
    def size(self) -> int:
        """The edge of the tiles this loader decodes."""
        return self._size

    def set_size(self, size: int) -> None:
        """Decode tiles of ``size`` from now on: the cache is emptied (rows ask again as they repaint)
        and holds fewer large tiles, about the same memory as at the default size."""
        if size == self._size:
            return
        with self._lock:
            self._size = size
            self._stack.clear()
            self._pending.clear()
        self._cache.clear()
        self._failed.clear()
        self._capacity = max(200, self._base_capacity * THUMB_SIZE * THUMB_SIZE // (size * size))

    def has(self, file_id: Any) -> bool:
        """Whether the decoded image is in the cache now (no decode is queued)."""
        return file_id in self._cache

    def shutdown(self) -> None:
        """Stop decoding and wait for pool threads to leave ``fetch``."""
        with self._lock:
            self._stopped = True
            self._stack.clear()
            self._pending.clear()
        self._pool.waitForDone(10_000)

    def _request(self, file_id: Any) -> None:
        with self._lock:
            if self._stopped or file_id in self._pending:
                return
            self._pending.add(file_id)
            self._stack.append(file_id)
            if len(self._stack) > self._max_pending:
                dropped = self._stack.pop(0)
                self._pending.discard(dropped)
            start = self._draining < max(1, self._pool.maxThreadCount() - 1)
            if start:
                self._draining += 1
        if start:
            self._pool.start(_DecodeTask(self))

    def _drain(self) -> None:
        while True:
            with self._lock:
                if self._stopped or not self._stack:
                    self._draining -= 1
                    return
                file_id = self._stack.pop()
            try:
                image = decode_thumbnail(self._fetch(file_id), self._size)
            except Exception:
                logger.exception("thumbnail %r failed", file_id)
                image = None
            self._signals.loaded.emit(file_id, image if image is not None else QImage())

    @Slot(object, QImage)
    def _store(self, file_id: Any, image: QImage) -> None:
        with self._lock:
            self._pending.discard(file_id)
            if self._stopped:
                return
        if image.isNull():
            self._failed.add(file_id)
        elif image.width() != self._size:
            pass  # decoded before the size changed: the row asks again when it repaints
        else:
            self._cache[file_id] = image
            self._cache.move_to_end(file_id)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)
        self.loaded.emit(file_id)


def file_urls_mime(paths: Sequence[Path]) -> QMimeData:
    """Mime data carrying local file URLs, as a file manager would send them."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


class FileListModel(QAbstractListModel):
    """A list model whose rows are files: they drag out as file URLs (to a file manager, a browser, a query panel)."""

    def path_at(self, row: int) -> Path:
        """The file a row shows."""
        raise NotImplementedError

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return file_urls_mime([self.path_at(r) for r in rows])

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction
