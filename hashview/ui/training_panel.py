"""The training panel: choose how to train, start and cancel, watch the curves draw.

The panel knows nothing about the engine: Start emits ``start_requested`` with
a dict of ``TrainOptions`` fields, Cancel emits ``cancel_requested``, and the
window feeds it the worker's events (``show_event``). Deep methods yield
``StepLoss`` and ``EpochDone``; shallow ones only ``Progress``, so the panel
shows progress and the final stats instead of curves. The plots (pyqtgraph)
are built the first time the panel is shown, keeping pyqtgraph off the path
to the first window.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent, QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from hashview.core.events import EpochDone, Progress, StepLoss

logger = logging.getLogger(__name__)

SHALLOW_METHODS = ("lsh", "pcah", "itq")
"""Methods fitted in one pass (no epochs). Known here because asking a deep method's
module would import torch on the GUI thread."""

BACKBONES = ("pixels", "resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large")
DEVICES = (("auto", "Auto (best available)"), ("cuda", "CUDA GPU"), ("mps", "Apple MPS"), ("cpu", "CPU"))
LABELS = (
    ("folders", "Folders (first-level subfolder = class)", ""),
    ("none", "None (self-supervised: held-out photos with synthetic edits)", ""),
    ("decisions", "My duplicate decisions", "Comes with the duplicates explorer: "
     "your 'same picture' / 'not a match' decisions will train pairwise losses."),
)
DEFAULT_OPTIONS: dict[str, Any] = {
    "method": "itq", "bits": 64, "backbone": "pixels", "weights": "none",
    "epochs": 10, "device": "auto", "labels": "none",
}


def method_names() -> list[str]:
    from hashview.core.methods import method_names as names  # a dict of names: no torch

    return names()


def describe_stats(stats: Mapping[str, Any]) -> str:
    """One line of a finished run's stats: images, time, mAP, device."""
    parts = []
    if "images" in stats:
        parts.append(f"{stats['images']} images")
    seconds = stats.get("train_seconds")
    if isinstance(seconds, (int, float)):
        parts.append(f"trained in {seconds:.1f} s")
    if isinstance(stats.get("map"), (int, float)):
        parts.append(f"mAP {stats['map']:.3f}")
    if stats.get("device"):
        parts.append(f"on {stats['device']}")
    return ", ".join(parts)


class TrainingPanel(QWidget):
    """Training options, Start/Cancel, progress and the live plots."""

    start_requested = Signal(dict)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.method = QComboBox()
        for name in method_names():
            self.method.addItem(name + ("" if name in SHALLOW_METHODS else "  (deep)"), name)
        self.method.currentIndexChanged.connect(self._update_enabled)
        self.bits = QSpinBox()
        self.bits.setRange(8, 1024)
        self.bits.setSingleStep(8)
        self.bits.setSuffix(" bits")
        self.backbone = QComboBox()
        for name in BACKBONES:
            self.backbone.addItem("raw pixels (16×16)" if name == "pixels" else name, name)
        self.backbone.currentIndexChanged.connect(self._update_enabled)
        self.pretrained = QCheckBox("ImageNet weights (downloaded on first use)")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1000)
        self.device = QComboBox()
        for value, text in DEVICES:
            self.device.addItem(text, value)
        self.device_used = QLabel("Device: chosen when training starts")
        self.labels = QComboBox()
        for value, text, tip in LABELS:
            self.labels.addItem(text, value)
            if tip:
                index = self.labels.count() - 1
                self.labels.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
                model = self.labels.model()
                if isinstance(model, QStandardItemModel):
                    model.item(index).setEnabled(False)

        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Code length", self.bits)
        form.addRow("Backbone", self.backbone)
        form.addRow("", self.pretrained)
        form.addRow("Epochs", self.epochs)
        form.addRow("Device", self.device)
        form.addRow("", self.device_used)
        form.addRow("Labels", self.labels)

        self.start_button = QPushButton("Start training")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.request_start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status = QLabel("Pick a method and press Start. The current network stays in use until a new one is ready.")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addStretch(1)

        self._plots = QSplitter(Qt.Orientation.Vertical)
        self.loss_plot: Any = None
        self.pr_plot: Any = None
        layout = QHBoxLayout(self)
        layout.addWidget(controls, 0)
        layout.addWidget(self._plots, 1)
        self.running = False
        self.set_options(DEFAULT_OPTIONS)

    # -- options ---------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """The chosen options, as ``TrainOptions`` fields."""
        method = self.method.currentData()
        backbone = self.backbone.currentData()
        options: dict[str, Any] = {
            "method": method,
            "bits": self.bits.value() // 8 * 8,
            "backbone": backbone,
            "weights": "imagenet" if self.pretrained.isChecked() and backbone != "pixels" else "none",
            "device": self.device.currentData(),
            "labels": self.labels.currentData(),
        }
        if method not in SHALLOW_METHODS:
            options["epochs"] = self.epochs.value()
        return options

    def set_options(self, options: Mapping[str, Any]) -> None:
        """Show ``options`` (e.g. the last run's, from the settings); unknown values are ignored."""
        merged = {**DEFAULT_OPTIONS, **{k: v for k, v in options.items() if v is not None}}
        for combo, key in ((self.method, "method"), (self.backbone, "backbone"),
                           (self.device, "device"), (self.labels, "labels")):
            index = combo.findData(merged[key])
            if index >= 0 and (combo is not self.labels or merged[key] != "decisions"):
                combo.setCurrentIndex(index)
        try:
            self.bits.setValue(int(merged["bits"]))
            self.epochs.setValue(int(merged["epochs"]))
        except (TypeError, ValueError):
            pass
        self.pretrained.setChecked(merged["weights"] == "imagenet")
        self._update_enabled()

    def _update_enabled(self) -> None:
        deep = self.method.currentData() not in SHALLOW_METHODS
        idle = not self.running
        for widget in (self.method, self.bits, self.backbone, self.device, self.labels):
            widget.setEnabled(idle)
        self.epochs.setEnabled(idle and deep)
        self.epochs.setToolTip("" if deep else "Shallow methods are fitted in one pass: no epochs.")
        self.pretrained.setEnabled(idle and self.backbone.currentData() != "pixels")
        self.start_button.setEnabled(idle)
        self.cancel_button.setEnabled(self.running)

    # -- running -----------------------------------------------------------------
    def request_start(self) -> None:
        """Emit ``start_requested`` with the chosen options."""
        self.start_requested.emit(self.options())

    def set_running(self, running: bool) -> None:
        """Lock the options while a run is going; clear the plots when one starts."""
        self.running = running
        if running:
            self._ensure_plots()
            self.loss_plot.clear_steps()
            self.pr_plot.clear_epochs()
            self.progress.setRange(0, 0)
            self.progress.show()
            self._plots.setVisible(self.method.currentData() not in SHALLOW_METHODS)
            self.status.setText("Starting…")
        else:
            self.progress.hide()
        self._update_enabled()

    def show_device(self, description: str) -> None:
        self.device_used.setText(f"Device in use: {description}")

    def show_event(self, event: Any) -> None:
        """Reflect one training event (StepLoss, EpochDone, Progress)."""
        if isinstance(event, (StepLoss, EpochDone)):
            self._plots.show()
        if isinstance(event, StepLoss):
            self._ensure_plots()
            self.loss_plot.add_step(event.loss)
            if event.step % 20 == 0:
                self.status.setText(f"Epoch {event.epoch + 1}, step {event.step + 1}: loss {event.loss:.4f}")
        elif isinstance(event, EpochDone):
            self._ensure_plots()
            self.loss_plot.redraw()
            drawn = self.pr_plot.show_epoch(event.epoch, event.stats)
            loss = event.stats.get("loss")
            text = f"Epoch {event.epoch + 1} done"
            if isinstance(loss, (int, float)):
                text += f": mean loss {loss:.4f}"
            if isinstance(event.stats.get("map"), (int, float)):
                text += f", mAP {event.stats['map']:.3f}"
            if not drawn:
                text += " (no precision-recall figures this epoch)"
            self.status.setText(text)
        elif isinstance(event, Progress):
            if event.total:
                self.progress.setRange(0, event.total)
                self.progress.setValue(event.done)
            else:
                self.progress.setRange(0, 0)
            what = event.message or event.stage
            self.status.setText(f"{what[:1].upper()}{what[1:]}: {event.done}" + (f" / {event.total}" if event.total else ""))

    def show_finished(self, summary: Mapping[str, Any]) -> None:
        """The run is over and its network is in use."""
        self.set_running(False)
        name = summary.get("name") or summary.get("network", "the new network")
        line = describe_stats(summary)
        self.status.setText(f"Done: {name} is now in use for search." + (f"\n{line}" if line else ""))

    def show_stopped(self, text: str) -> None:
        """The run was cancelled or failed; ``text`` says which and what is in use."""
        self.set_running(False)
        self.status.setText(text)

    # -- plots, built on first show ---------------------------------------------
    def _ensure_plots(self) -> None:
        if self.loss_plot is not None:
            return
        from hashview.ui.training_plots import LossPlot, PrecisionRecallPlot  # imports pyqtgraph

        self.loss_plot = LossPlot()
        self.pr_plot = PrecisionRecallPlot()
        self._plots.addWidget(self.loss_plot)
        self._plots.addWidget(self.pr_plot)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self._ensure_plots()
        super().showEvent(event)
