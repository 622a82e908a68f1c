"""The training panel: choose how to train, start and cancel, watch the curves draw.

The panel knows nothing about the engine: Start emits ``start_requested`` with
a dict of ``TrainOptions`` fields (from the options form,
``options_form.py``), Cancel emits ``cancel_requested``, and the
``NetworkController`` feeds it the job's events (``show_event``). Deep methods yield
``StepLoss`` and ``EpochDone``; shallow ones only ``Progress``, so the panel
shows progress and the final stats instead of curves. How long a run trains is
on show throughout (``core/nets/stopping.py``): the form says what "Auto" epochs
means, the run's own plan replaces it when training starts (a ``Progress`` of
stage "plan"), the probe's score draws as a curve by epoch, and the end says why
training stopped and which epoch it kept. The plots (pyqtgraph)
are built the first time the panel is shown, keeping pyqtgraph off the path
to the first window.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSplitter, QVBoxLayout, QWidget

from hashview.core.events import EpochDone, Progress, StepLoss
from hashview.core.nets.stopping import stop_line
from hashview.ui.training.options_form import TrainingOptionsForm, is_shallow

logger = logging.getLogger(__name__)


def describe_stats(stats: Mapping[str, Any]) -> str:
    """One line of a finished run's stats: images, time, retrieval score (mAP), device."""
    parts = []
    if "images" in stats:
        parts.append(f"{stats['images']} images")
    seconds = stats.get("train_seconds")
    if isinstance(seconds, (int, float)):
        parts.append(f"trained in {seconds:.1f} s")
    if isinstance(stats.get("map"), (int, float)):
        parts.append(f"retrieval score {stats['map']:.3f}")
    if stats.get("device"):
        parts.append(f"on {stats['device']}")
    return ", ".join(parts)


def refinement_verdict(summary: Mapping[str, Any]) -> str:
    """What the switch rule measured, in words ("" for a run from zero): both networks on the same copies."""
    baseline = summary.get("baseline") or {}
    before, after = baseline.get("map"), summary.get("map")
    if before is None or after is None:
        return ""
    return (
        f"it ranks edited copies of this library's own photos at a score of {after:.3f} (mAP, 1 is perfect), "
        f"the network it refined at {before:.3f}"
    )


class TrainingPanel(QWidget):
    """Training options, Start/Cancel, progress and the live plots."""

    start_requested = Signal(dict)
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TrainingPanel")
        self.form = TrainingOptionsForm()
        self.form.noted.connect(self._show_note)

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
        self.status = QLabel(
            "Choose what to train on and how, then press Start. "
            "The current network stays in use until a new one is ready."
        )
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan = QLabel()  # how long the run trains, then why it stopped (hidden until a run starts)
        self.plan.setObjectName("TrainingPlan")
        self.plan.setWordWrap(True)
        self.plan.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plan.hide()

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.plan)
        left.addWidget(self.status)
        left.addStretch(1)

        self._plots = QSplitter(Qt.Orientation.Vertical)
        self.loss_plot: Any = None
        self.score_plot: Any = None
        self.pr_plot: Any = None
        layout = QHBoxLayout(self)
        layout.addWidget(controls, 0, Qt.AlignmentFlag.AlignLeft)  # its own width, also when the plots hide
        layout.addWidget(self._plots, 1)
        self.running = False
        self._asked_plan = ""  # the form's plan when Start was pressed (a background run has none)

    # -- options ---------------------------------------------------------------------
    def options(self) -> dict[str, Any]:
        """The chosen options, as ``TrainOptions`` fields."""
        return self.form.options()

    def set_options(self, options: Mapping[str, Any]) -> None:
        """Show ``options`` (e.g. the last run's); see ``TrainingOptionsForm.set_options``."""
        self.form.set_options(options)

    def set_decision_count(self, count: int | None) -> None:
        """How many duplicate decisions the open library has (None: no library open)."""
        self.form.set_decision_count(count)

    def _show_note(self, text: str) -> None:
        if not self.running:
            self.status.setText(text)

    # -- running -----------------------------------------------------------------
    def request_start(self) -> None:
        """Emit ``start_requested`` with the chosen options."""
        self._asked_plan = self.form.plan_text()
        self.start_requested.emit(self.options())

    def set_running(self, running: bool) -> None:
        """Lock the options while a run is going; clear the plots when one starts."""
        self.running = running
        if running:
            self._ensure_plots()
            self.loss_plot.clear_steps()
            self.score_plot.clear_epochs()
            self.pr_plot.clear_epochs()
            self.show_plan(self._asked_plan)  # what Start asked for, until the run states its own plan
            self._asked_plan = ""
            self.progress.setRange(0, 0)
            self.progress.show()
            self._plots.setVisible(not is_shallow(self.form.method.currentData()))
            self.status.setText("Starting…")
        else:
            self.progress.hide()
        self.form.set_running(running)
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def show_device(self, description: str) -> None:
        self.form.show_device(description)

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
            self.score_plot.add_epoch(event.epoch, event.stats)
            drawn = self.pr_plot.show_epoch(event.epoch, event.stats)
            loss = event.stats.get("loss")
            text = f"Epoch {event.epoch + 1} done"
            if isinstance(loss, (int, float)):
                text += f": mean loss {loss:.4f}"
            if isinstance(event.stats.get("map"), (int, float)):
                text += f", retrieval score {event.stats['map']:.3f} (1 is perfect)"
            if not drawn:
                text += " (no precision-recall figures this epoch)"
            reason = event.stats.get("stop_reason")
            if isinstance(reason, str) and reason:
                self.show_plan(f"Stopped: {reason}.")
            self.status.setText(text)
        elif isinstance(event, Progress) and event.stage == "plan":
            self.show_plan(event.message)
        elif isinstance(event, Progress):
            if event.total:
                self.progress.setRange(0, event.total)
                self.progress.setValue(event.done)
            else:
                self.progress.setRange(0, 0)
            if event.stage == "train" and self.loss_plot is not None:
                return  # the steps' own line (loss) stays; only the bar moves
            what = event.message or event.stage
            self.status.setText(
                f"{what[:1].upper()}{what[1:]}: {event.done}" + (f" / {event.total}" if event.total else "")
            )

    def show_finished(self, summary: Mapping[str, Any]) -> None:
        """The run is over: its network is in use, or (a refinement that measured no better) kept aside."""
        self.set_running(False)
        name = summary.get("name") or summary.get("network", "the new network")
        line = describe_stats(summary)
        verdict = refinement_verdict(summary)
        if summary.get("kept"):  # trained beside the network in use, and the person chose to keep that one
            head = (
                f"Done: {name} is trained; {summary.get('current_name', 'the previous network')} stays in use"
                " (switch under Networks at any time)."
            )
        elif summary.get("switched") is False:
            head = f"Done, but {summary.get('current_name', 'the network it refined')} stays in use: {verdict}."
            head += "\nThe new network is listed under Networks if you want it anyway."
        else:
            head = f"Done: {name} is now in use for search." + (
                f" {verdict[:1].upper()}{verdict[1:]}." if verdict else ""
            )
        stopping = summary.get("stopping")
        if isinstance(stopping, Mapping) and stopping.get("reason"):
            ended = stop_line(dict(stopping))
            self.show_plan(ended[:1].upper() + ended[1:] + ".")
        self.status.setText(head + (f"\n{line}" if line else ""))

    def show_plan(self, text: str) -> None:
        """Show how long the run trains (or, at its end, why it stopped); "" hides the line."""
        self.plan.setText(text)
        self.plan.setVisible(bool(text))

    def show_stopped(self, text: str) -> None:
        """The run was cancelled or failed; ``text`` says which and what is in use."""
        self.set_running(False)
        self.status.setText(text)

    # -- plots, built on first show ---------------------------------------------
    def _ensure_plots(self) -> None:
        if self.loss_plot is not None:
            return
        from hashview.ui.training.plots import LossPlot, PrecisionRecallPlot, ScorePlot  # imports pyqtgraph

        self.loss_plot = LossPlot()
        self.score_plot = ScorePlot()
        self.pr_plot = PrecisionRecallPlot()
        self._plots.addWidget(self.loss_plot)
        self._plots.addWidget(self.score_plot)
        self._plots.addWidget(self.pr_plot)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        self._ensure_plots()
        super().showEvent(event)
