"""The status-bar strip for long work: stage, progress, rate, time left, Cancel.

Jobs can yield thousands of ``Progress`` events a second; repainting for each
would cost more than the work. The widget keeps only the latest event and
applies it at most every ``interval_ms`` (a trailing-edge throttle), so the
last value always shows.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from hashview.core.events import Progress

logger = logging.getLogger(__name__)


STAGE_LABELS = {
    "scan": "Scanning",
    "index": "Indexing",
    "features": "Reading images",
    "fit": "Fitting",
    "train": "Training",
    "encode": "Encoding",
}


def stage_label(stage: str) -> str:
    """A person's word for an engine stage name ("index" -> "Indexing")."""
    return STAGE_LABELS.get(stage.lower(), stage[:1].upper() + stage[1:])


def format_eta(seconds: float | None) -> str:
    """'12 s left', '3 min left', '1 h 5 min left', or '' when unknown."""
    if seconds is None:
        return ""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s left"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min left"
    return f"{minutes // 60} h {minutes % 60} min left"


def format_rate(rate: float, stage: str) -> str:
    unit = "steps" if stage.lower().startswith("train") else "images"
    if rate <= 0:
        return ""
    if rate < 10:
        return f"{rate:.1f} {unit}/s"
    return f"{rate:.0f} {unit}/s"


class ProgressStrip(QWidget):
    """Shows the running job's progress; Cancel emits ``cancel_requested``."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None, interval_ms: int = 100) -> None:
        super().__init__(parent)
        self._stage = QLabel()
        self._bar = QProgressBar()
        self._bar.setFixedWidth(180)
        self._bar.setTextVisible(True)
        self._detail = QLabel()
        self._detail.setFixedWidth(380)  # a steady width: the strip must not jump at each file
        self._cancel = QPushButton("Cancel")
        self._cancel.setToolTip("Stop after the current step; finished work is kept")
        self._cancel.clicked.connect(self._request_cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self._stage, self._bar, self._detail, self._cancel):
            layout.addWidget(widget)
        self._pending: Progress | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.apply_pending)
        self.hide()

    def start(self, stage: str) -> None:
        """Show the strip for a new job, busy until its first event."""
        self._pending = None
        self._stage.setText(stage)
        self._bar.setRange(0, 0)
        self._detail.setText("")
        self._cancel.setEnabled(True)
        self.show()

    def show_progress(self, event: Progress) -> None:
        """Take a progress event; the display catches up within one interval."""
        self._pending = event
        if not self._timer.isActive():
            self._timer.start()

    def apply_pending(self) -> None:
        """Paint the latest event now."""
        event, self._pending = self._pending, None
        if event is None:
            return
        self._stage.setText(stage_label(event.stage))
        if event.total:
            self._bar.setRange(0, event.total)
            self._bar.setValue(min(event.done, event.total))
            self._bar.setFormat(f"{event.done} / {event.total}")
        else:
            self._bar.setRange(0, 0)
        parts = [format_rate(event.rate, event.stage), format_eta(event.eta_s), event.message]
        text = "  ·  ".join(p for p in parts if p)
        self._detail.setToolTip(text)
        self._detail.setText(
            self._detail.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, self._detail.width())
        )

    def stop(self) -> None:
        """Hide the strip when the job is over."""
        self._timer.stop()
        self._pending = None
        self.hide()

    @property
    def stage_text(self) -> str:
        return self._stage.text()

    def _request_cancel(self) -> None:
        self._cancel.setEnabled(False)
        self._stage.setText(self._stage.text() + " (cancelling…)")
        self.cancel_requested.emit()
