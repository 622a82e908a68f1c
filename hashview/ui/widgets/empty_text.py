"""The sentence an empty item view shows in its middle ("Scanning the folder…", "Drop a picture…").

An empty grid or result list says nothing by itself; both say what will fill
them, painted over the viewport while their model has no rows.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QAbstractItemView

logger = logging.getLogger(__name__)


def paint_empty_text(view: QAbstractItemView, text: str) -> None:
    """Write ``text`` in the middle of ``view`` while its model has no rows."""
    model = view.model()
    if not text or (model is not None and model.rowCount() > 0):
        return
    painter = QPainter(view.viewport())
    painter.setPen(view.palette().placeholderText().color())
    painter.drawText(
        view.viewport().rect().adjusted(24, 24, -24, -24), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text
    )
    painter.end()
