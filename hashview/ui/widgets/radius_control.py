"""One control from "exact copies" through "edited copies" to "similar pictures", with what each gives.

A Hamming radius means nothing to most people; what kind of copies a setting
finds, how many groups it makes and how often those groups are right does. So
the control speaks in three stops, with the numbers secondary:

- **Exact copies**: the slider's first position, identical files (same
  content digest, no network needed);
- **Edited copies**: code distances from 0 up to the suggested radius, where
  re-saves, downscales, format changes and edits such as crops sit;
- **Similar pictures**: beyond the suggestion, where other shots of a scene
  (and mistakes) join.

Three buttons under the slider jump to each stop; the slider moves through
every distance between. A bar strip shows the number of groups at every
distance (from the engine's ``radius_profile``), the chosen one highlighted;
the line under it names the stop, the group count and, where the library has
decisions to measure it, the precision. The raw figures (distance, pairs,
groups per distance) sit behind "Details" instead of a long tooltip.

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

from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QLabel, QPushButton, QSlider, QToolButton, QToolTip, QWidget

logger = logging.getLogger(__name__)

EXACT = -1
"""The slider value meaning "identical files" (content digest, no network needed)."""

STOPS = {
    "exact": ("Exact copies", "identical files only"),
    "edited": ("Edited copies", "re-saved, resized, converted or lightly edited"),
    "similar": ("Similar pictures", "edits and look-alikes, other shots of a scene: check before trashing"),
}
"""The control's three stops: (name, what a setting there finds)."""


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

    def event(self, event: QEvent) -> bool:
        """A tooltip for the bar under the pointer only: "distance 7: 12 groups"."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            slot = int(event.pos().x() / max(self.width() / (len(self.counts) + 1), 1)) - 1
            if 0 <= slot < len(self.counts):
                QToolTip.showText(event.globalPos(), f"Distance {slot}: {self.counts[slot]} groups", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class RadiusControl(QWidget):
    """The slider, its three stops, the profile bars, the "Edited copies: N groups" line and the details."""

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
        self.slider.setToolTip(
            "Left: identical files only. Middle: edited copies (the suggested setting).\n"
            "Right: similar pictures: more groups, and more that are not copies."
        )
        self.bars = ProfileBars()
        self.stops: dict[str, QPushButton] = {}
        self._stop_group = QButtonGroup(self)
        for key, (name, finds) in STOPS.items():
            button = QPushButton(name)
            button.setCheckable(True)
            button.setFlat(True)
            button.setToolTip(f"{name}: {finds}")
            button.clicked.connect(lambda _checked=False, k=key: self.choose_stop(k))
            self._stop_group.addButton(button)
            self.stops[key] = button
        self.summary = QLabel()
        self.summary.setObjectName("RadiusSummary")
        self.summary.setWordWrap(True)
        self.details_button = QToolButton()
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setAutoRaise(True)
        self.details_button.toggled.connect(self._show_details)
        self.details = QLabel()
        self.details.setObjectName("RadiusDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.hide()
        self.warning = QLabel()
        self.warning.setObjectName("RadiusWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b00020; font-weight: bold;")
        self.warning.hide()
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setVerticalSpacing(2)
        layout.addWidget(self.slider, 0, 0, 1, 3)
        layout.addWidget(self.bars, 1, 0, 1, 3)
        layout.addWidget(self.stops["exact"], 2, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.stops["edited"], 2, 1, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.stops["similar"], 2, 2, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.summary, 3, 0, 1, 2)
        layout.addWidget(self.details_button, 3, 2, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.details, 4, 0, 1, 3)
        layout.addWidget(self.warning, 5, 0, 1, 3)
        for column in range(3):
            layout.setColumnStretch(column, 1)
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

    def choose_stop(self, key: str) -> None:
        """Jump to a stop of ``STOPS`` and scan: exact copies, the suggested radius, or a looser one."""
        self.choose(self.stop_radius(key))

    def stop_radius(self, key: str) -> int:
        """The slider value a stop's button jumps to."""
        if key == "exact":
            return EXACT
        edited = max(self._edited_limit(), 0)
        if key == "edited":
            return edited
        return min(self.slider.maximum(), edited + max(2, edited // 2))

    def stop_of(self, radius: int) -> str:
        """Which stop (a key of ``STOPS``) ``radius`` belongs to."""
        if radius == EXACT:
            return "exact"
        return "edited" if radius <= self._edited_limit() else "similar"

    def _edited_limit(self) -> int:
        """The loosest radius still called "edited copies": the suggested one (half the range if none is
        known; none when the network cannot tell photos apart and suggests exact copies only)."""
        if self.suggested is None:
            return self.slider.maximum() // 2
        return self.suggested

    def _moved(self, _value: int) -> None:
        self._describe()
        self._debounce.start()

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)

    def entry(self, radius: int) -> dict[str, Any] | None:
        return next((p for p in self.profile if p["radius"] == radius), None)

    def _describe(self) -> None:
        radius = self.value()
        stop = self.stop_of(radius)
        self.bars.set_counts([int(p["groups"]) for p in self.profile], radius)
        self.stops[stop].setChecked(True)
        name, finds = STOPS[stop]
        suggested = " (suggested)" if radius == self.suggested else ""
        point = self.entry(radius)
        groups = self.exact_groups if radius == EXACT else (point["groups"] if point is not None else None)
        count = f": {groups} groups" if groups is not None else ""
        figures = [] if radius == EXACT else [self._distance_words(radius)]
        if point is not None:
            figures.append(precision_text(point))
        secondary = f" <span style='color: gray'>· {' · '.join(figures)}</span>" if figures else ""
        self.summary.setText(f"<b>{name}</b>{suggested}{count} — {finds}{secondary}")
        self.details.setText(self._details_text(radius, point))

    @staticmethod
    def _distance_words(radius: int) -> str:
        return "codes equal, the files may differ" if radius == 0 else f"codes within distance {radius}"

    def _details_text(self, radius: int, point: dict[str, Any] | None) -> str:
        """The figures for the curious: this setting's pairs and groups, the suggestion, groups per distance."""
        lines = []
        if radius == EXACT:
            lines.append("Exact copies: files with the same content digest (byte for byte), found without a network.")
        else:
            here = f"Distance {radius} (bits that differ between two codes; 0 = the same code)"
            if point is not None:
                here += f": {point['pairs']} pairs in {point['groups']} groups"
            lines.append(here + ".")
        if self.suggested is not None:
            lines.append(
                "Suggested: exact copies only."
                if self.suggested == EXACT
                else f"Suggested: distance {self.suggested}, in the gap between photos with a copy and photos without."
            )
        if self.profile:
            per = ", ".join(f"{p['radius']}: {p['groups']}" for p in self.profile)
            lines.append(f"Groups at each distance: {per}.")
        return "\n".join(lines)
