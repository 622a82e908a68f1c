"""Live training plots: the loss per step, the probe's score per epoch, and the PR curve by distance (Hamming radius).

A deep run yields a ``StepLoss`` per batch, hundreds a second on a GPU;
redrawing for each would cost more than the training. ``LossPlot`` appends to
growing numpy arrays and redraws at most every ``interval_ms`` (trailing edge,
so the last value always shows), with pyqtgraph's clip-to-view and peak
downsampling so a long run stays cheap to draw. Colours come from the widget's
palette, so the plots follow light and dark mode.

pyqtgraph costs most of a second to import, so only this module imports it and
the training panel imports this module the first time it is shown.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

logger = logging.getLogger(__name__)

SMOOTHING = 0.9
"""Weight of the past in the loss's exponential moving average (TensorBoard-style)."""


def smooth(values: np.ndarray, weight: float = SMOOTHING) -> np.ndarray:
    """Debiased exponential moving average of ``values`` (same length)."""
    out = np.empty(len(values), dtype=np.float64)
    last = 0.0
    for i, value in enumerate(values):
        last = weight * last + (1 - weight) * float(value)
        out[i] = last / (1 - weight ** (i + 1))
    return out


def _themed(plot: pg.PlotWidget, palette: QPalette) -> None:
    """Give ``plot`` the palette's background and text colours."""
    plot.setBackground(palette.color(QPalette.ColorRole.Base))
    text = palette.color(QPalette.ColorRole.Text)
    for name in ("left", "bottom"):
        axis = plot.getPlotItem().getAxis(name)
        axis.setPen(pg.mkPen(text))
        axis.setTextPen(pg.mkPen(text))
    plot.getPlotItem().titleLabel.setText(plot.getPlotItem().titleLabel.text, color=text)


def _titled(plot: pg.PlotWidget, text: str) -> None:
    """Set ``plot``'s title in the palette's text colour (a plot's title does not follow the palette)."""
    plot.setTitle(text, color=plot.palette().color(QPalette.ColorRole.Text), size="9pt")


def _two_colours(palette: QPalette) -> tuple[QColor, QColor]:
    """The accent and a second colour that stands apart from it on a light or a dark background."""
    other = QColor("#e07b39") if palette.color(QPalette.ColorRole.Base).lightness() > 128 else QColor("#f0a050")
    return palette.color(QPalette.ColorRole.Highlight), other


class LossPlot(pg.PlotWidget):
    """Loss per optimisation step: raw values faint, the moving average on top."""

    def __init__(self, parent: QWidget | None = None, interval_ms: int = 100) -> None:
        super().__init__(parent)
        self.setTitle("Loss per step")
        self.setLabel("bottom", "step")
        self.setLabel("left", "loss")
        self.showGrid(x=True, y=True, alpha=0.2)
        item = self.getPlotItem()
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")
        self._raw = item.plot([], [])
        self._smooth = item.plot([], [])
        self._x = np.zeros(1024, np.float64)
        self._y = np.zeros(1024, np.float64)
        self._ema = np.zeros(1024, np.float64)
        self._n = 0
        self._last = 0.0
        self.redraws = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.redraw)
        self._built = True
        self._apply_palette()

    def __len__(self) -> int:
        return self._n

    def clear_steps(self) -> None:
        self._n = 0
        self._last = 0.0
        self.redraw()

    def add_step(self, loss: float) -> None:
        """Append one step's loss; the curve redraws at most once per interval."""
        if self._n == len(self._x):
            for name in ("_x", "_y", "_ema"):
                old = getattr(self, name)
                grown = np.zeros(2 * len(old), np.float64)
                grown[: len(old)] = old
                setattr(self, name, grown)
        n = self._n
        self._last = SMOOTHING * self._last + (1 - SMOOTHING) * float(loss)
        self._x[n] = n + 1
        self._y[n] = loss
        self._ema[n] = self._last / (1 - SMOOTHING ** (n + 1))
        self._n = n + 1
        if not self._timer.isActive():
            self._timer.start()

    def smoothed(self) -> np.ndarray:
        return self._ema[: self._n].copy()

    def redraw(self) -> None:
        """Hand the curves their current data (views of the growing arrays)."""
        n = self._n
        self._raw.setData(self._x[:n], self._y[:n])
        self._smooth.setData(self._x[:n], self._ema[:n])
        self.redraws += 1

    def _apply_palette(self) -> None:
        palette = self.palette()
        _themed(self, palette)
        accent = QColor(palette.color(QPalette.ColorRole.Highlight))
        faint = QColor(accent)
        faint.setAlpha(70)
        self._raw.setPen(pg.mkPen(faint, width=1))
        self._smooth.setPen(pg.mkPen(accent, width=2))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.__dict__.get("_built"):
            self._apply_palette()


class PrecisionRecallPlot(pg.PlotWidget):
    """Precision and recall by Hamming radius after each epoch, with the mAP in the title."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLabel("bottom", "distance (bits that differ)")
        self.setLabel("left", "precision / recall")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setYRange(0, 1.02)
        self.addLegend(offset=(-10, 10))
        self._precision = self.getPlotItem().plot([], [], name="precision", symbol="o", symbolSize=5)
        self._recall = self.getPlotItem().plot([], [], name="recall", symbol="t", symbolSize=5)
        self.maps: list[tuple[int, float]] = []
        self._ground_truth = ""
        self._set_title("Precision-recall: after the first epoch")
        self._built = True
        self._apply_palette()

    def clear_epochs(self) -> None:
        self.maps = []
        self._precision.setData([], [])
        self._recall.setData([], [])
        self._set_title("Precision-recall: after the first epoch")

    def show_epoch(self, epoch: int, stats: Mapping[str, Any]) -> bool:
        """Draw the epoch's PR curve and mAP when ``stats`` carries them; False if not."""
        pr = stats.get("pr")
        value = stats.get("map")
        if isinstance(value, (int, float)):
            self.maps.append((epoch, float(value)))
        if isinstance(stats.get("ground_truth"), str):
            self._ground_truth = stats["ground_truth"]
        drawn = False
        if isinstance(pr, Mapping) and all(k in pr for k in ("radius", "precision", "recall")):
            radius = np.asarray(pr["radius"], np.float64)
            self._precision.setData(radius, np.asarray(pr["precision"], np.float64))
            self._recall.setData(radius, np.asarray(pr["recall"], np.float64))
            drawn = True
        title = f"Precision-recall by radius, epoch {epoch + 1}"
        if isinstance(value, (int, float)):
            title += f" — retrieval score (mAP) {float(value):.3f}"
        if self._ground_truth:
            title += f" ({self._ground_truth})"
        if drawn or self.maps:
            self._set_title(title)
        return drawn

    def _set_title(self, text: str) -> None:
        _titled(self, text)

    def _apply_palette(self) -> None:
        palette = self.palette()
        _themed(self, palette)
        accent, other = _two_colours(palette)
        self._precision.setPen(pg.mkPen(accent, width=2))
        self._precision.setSymbolBrush(accent)
        self._recall.setPen(pg.mkPen(other, width=2))
        self._recall.setSymbolBrush(other)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.__dict__.get("_built"):
            self._apply_palette()


class ScorePlot(pg.PlotWidget):
    """The probe's retrieval score (mAP) after each epoch, the best epoch marked: the curve an open run
    stops on (``core/nets/stopping.py``), so a person sees it rise, flatten and why the run ended there."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setLabel("bottom", "epoch")
        self.setLabel("left", "retrieval score (mAP)")
        self.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # scores, not "x0.001" of them
        self.showGrid(x=True, y=True, alpha=0.2)
        self._curve = self.getPlotItem().plot([], [], symbol="o", symbolSize=5)
        self._best = self.getPlotItem().plot([], [], pen=None, symbol="star", symbolSize=14)
        self.epochs: list[int] = []  # 1-based
        self.scores: list[float] = []
        self.best_epoch = 0
        self._what = ""
        self._set_title("Retrieval score by epoch: after the first epoch")
        self._built = True
        self._apply_palette()

    def clear_epochs(self) -> None:
        self.epochs, self.scores, self.best_epoch, self._what = [], [], 0, ""
        self._curve.setData([], [])
        self._best.setData([], [])
        self._set_title("Retrieval score by epoch: after the first epoch")

    def add_epoch(self, epoch: int, stats: Mapping[str, Any]) -> bool:
        """Add epoch ``epoch``'s (0-based) mAP when ``stats`` has one; mark the best epoch. False if none."""
        value = stats.get("map")
        if not isinstance(value, (int, float)):
            return False
        self.epochs.append(epoch + 1)
        self.scores.append(float(value))
        best = stats.get("best_epoch")
        self.best_epoch = int(best) if isinstance(best, int) and best in self.epochs else self._argmax()
        if isinstance(stats.get("ground_truth"), str) and "held-out" in stats["ground_truth"]:
            self._what = " on held-out images"
        self._curve.setData(np.asarray(self.epochs, np.float64), np.asarray(self.scores, np.float64))
        step = max(1, math.ceil(len(self.epochs) / 10))  # whole epochs on the axis, about ten of them at most
        self.getPlotItem().getAxis("bottom").setTickSpacing(major=step, minor=step)
        at = self.epochs.index(self.best_epoch)
        self._best.setData([float(self.best_epoch)], [self.scores[at]])
        self._set_title(f"Retrieval score{self._what} by epoch — best {self.scores[at]:.3f} at epoch {self.best_epoch}")
        return True

    def _argmax(self) -> int:
        top = max(self.scores)
        return max(e for e, s in zip(self.epochs, self.scores, strict=True) if s == top)

    def _set_title(self, text: str) -> None:
        _titled(self, text)

    def _apply_palette(self) -> None:
        palette = self.palette()
        _themed(self, palette)
        accent, other = _two_colours(palette)
        self._curve.setPen(pg.mkPen(accent, width=2))
        self._curve.setSymbolBrush(accent)
        self._best.setSymbolBrush(other)
        self._best.setSymbolPen(pg.mkPen(other))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.__dict__.get("_built"):
            self._apply_palette()
