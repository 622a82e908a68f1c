"""One control from "exact copies" to "similar scenes", with what each setting gives.

A Hamming radius means nothing to most people; how many groups it makes and
how often those groups are right does. The slider's first stop is *exact
copies* (identical files, by content digest); the next stops are Hamming
radii 0, 1, 2... up to loose "similar scenes". A bar strip under it shows the
number of groups at every radius (from the engine's ``radius_profile``), the
chosen one highlighted, and the label says the group count and, where the
library has labels or decisions to measure it, the precision it implies.

Moving the slider emits ``radius_chosen`` once it rests (a scan per pixel of
drag would queue dozens of scans). A warning line under it says when the
network cannot tell the library's photos apart, or the radius chains unrelated
photos into large groups (``Library.duplicates.advice``): the groups are then no
basis for a clean-up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSlider, QWidget

logger = logging.getLogger(__name__)

EXACT = -1
"""The slider value meaning "identical files" (content digest, no network needed)."""


MIN_JUDGED = 5
"""Independent marks within a radius (decided pairs that share no photo) before its precision is shown as a
figure: from one or two marks a share is no measurement ("precision ≈ 0 %" after a single "Not a match" read as
a fact; that one click marks a photo against its whole group, so pairs are not counted)."""


def measured(point: dict[str, Any]) -> bool:
    """The profile point's precision rests on enough independent marks (``judged``) to show it as a figure."""
    return point.get("precision") is not None and int(point.get("judged", 0)) >= MIN_JUDGED


def precision_text(point: dict[str, Any]) -> str:
    """The precision part of the summary line: a figure with its evidence, or what is missing for one."""
    judged = int(point.get("judged", 0))
    if measured(point):
        return f"precision ≈ {point['precision']:.0%} (from {judged} independent marks)"
    if judged:
        return f"{judged} of {MIN_JUDGED} marks needed to measure precision here: mark a few more groups"
    return "precision unknown: mark a few groups to measure it"


class ProfileBars(QWidget):
    """Bars of group counts per radius; the chosen radius drawn in the highlight colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counts: list[int] = []
        self.current = -1
        self.setMinimumHeight(26)
        self.setToolTip("How many groups each radius gives")

    def set_counts(self, counts: Sequence[int], current: int) -> None:
        self.counts, self.current = list(counts), current
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if not self.counts:
            return
        painter = QPainter(self)
        top = max(max(self.counts), 1)
        slots = len(self.counts) + 1  # the first slot is "exact copies", which has no bar
        width = self.width() / slots
        base = QColor(self.palette().text().color())
        base.setAlpha(70)
        for i, count in enumerate(self.counts):
            height = (self.height() - 2) * count / top
            colour = self.palette().highlight().color() if i == self.current else base
            painter.fillRect(QRectF((i + 1) * width + 1, self.height() - height, width - 2, height), colour)
        painter.end()


class RadiusControl(QWidget):
    """The slider, its end labels, the profile bars and the "N groups, precision P" line."""

    radius_chosen = Signal(int)
    """A radius (0 or more), or ``EXACT``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile: list[dict[str, Any]] = []
        self.suggested: int | None = None
        self.exact_groups: int | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Duplicate radius")
        self.slider.setRange(EXACT, 8)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.bars = ProfileBars()
        self.summary = QLabel()
        self.summary.setObjectName("RadiusSummary")
        self.warning = QLabel()
        self.warning.setObjectName("RadiusWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.warning.hide()
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Exact copies"), 0, 0)
        layout.addWidget(self.slider, 0, 1)
        layout.addWidget(QLabel("Similar scenes"), 0, 2)
        layout.addWidget(self.bars, 1, 1)
        layout.addWidget(self.summary, 2, 0, 1, 3)
        layout.addWidget(self.warning, 3, 0, 1, 3)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(lambda: self.radius_chosen.emit(self.value()))
        self.slider.valueChanged.connect(self._moved)

    def value(self) -> int:
        return self.slider.value()

    def set_profile(self, profile: Sequence[dict[str, Any]], suggested: int | None) -> None:
        """Use the engine's profile (radius, groups, pairs, precision) for the range, bars and text."""
        self.profile = sorted(profile, key=lambda p: p["radius"])
        self.suggested = suggested
        if self.profile:
            top = max([p["radius"] for p in self.profile] + [suggested or 0, 1])
        else:  # no profile to go by: room for looser settings than the suggested one
            top = max(2 * (suggested or 0) + 2, 8)
        self.slider.blockSignals(True)
        self.slider.setMaximum(top)
        self.slider.blockSignals(False)
        self._describe()

    def set_value(self, radius: int) -> None:
        """Move the slider without asking for a scan (the caller scans)."""
        self.slider.blockSignals(True)
        self.slider.setValue(radius)
        self.slider.blockSignals(False)
        self._describe()

    def set_warning(self, text: str | None) -> None:
        """Show ``text`` (one line: why these groups are no basis for a clean-up) under the slider; None hides it."""
        self.warning.setText(f"⚠ {text[:1].upper()}{text[1:]}" if text else "")
        self.warning.setVisible(bool(text))

    def set_exact_groups(self, count: int | None) -> None:
        self.exact_groups = count
        self._describe()

    def choose(self, radius: int) -> None:
        """Move the slider and ask for a scan at once (keyboard, tests)."""
        self.set_value(radius)
        self._debounce.stop()
        self.radius_chosen.emit(self.value())

    def _moved(self, _value: int) -> None:
        self._describe()
        self._debounce.start()

    def entry(self, radius: int) -> dict[str, Any] | None:
        return next((p for p in self.profile if p["radius"] == radius), None)

    def _describe(self) -> None:
        radius = self.value()
        self.bars.set_counts([int(p["groups"]) for p in self.profile], radius)
        if radius == EXACT:
            count = "" if self.exact_groups is None else f": {self.exact_groups} groups"
            suggested = ", suggested" if self.suggested == EXACT else ""
            self.summary.setText(f"Exact copies (identical files{suggested}){count}")
            return
        words = "same code, the files may differ" if radius == 0 else f"within distance {radius}"
        parts = [f"Radius {radius} ({words}{', suggested' if radius == self.suggested else ''})"]
        point = self.entry(radius)
        if point is not None:
            parts.append(f"{point['groups']} groups")
            parts.append(precision_text(point))
        self.summary.setText(" · ".join(parts))
        tips = [
            f"r={p['radius']}: {p['groups']} groups" + (f", precision {p['precision']:.0%}" if measured(p) else "")
            for p in self.profile
        ]
        self.slider.setToolTip("\n".join(tips))
