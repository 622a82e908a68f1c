"""The training panel and its plots, driven with events built here (no engine, no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from hashview.core.events import EpochDone, Progress, StepLoss
from hashview.ui.training_panel import TrainingPanel, describe_stats
from hashview.ui.training_plots import smooth


@pytest.fixture
def panel(qtbot):
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def pr_stats(epoch: int) -> dict:
    radius = list(range(0, 9))
    precision = [1.0 - 0.05 * r - 0.01 * epoch for r in radius]
    recall = [0.1 * r + 0.02 * epoch for r in radius]
    return {"loss": 1.0 / (epoch + 1), "map": 0.5 + 0.1 * epoch,
            "pr": {"radius": radius, "precision": precision, "recall": recall}}


def test_start_emits_the_chosen_options(qtbot, panel):
    panel.set_options({"method": "ssdh", "bits": 32, "backbone": "resnet18", "weights": "imagenet",
                       "epochs": 3, "device": "cpu", "labels": "folders"})
    with qtbot.waitSignal(panel.start_requested) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"method": "ssdh", "bits": 32, "backbone": "resnet18", "weights": "imagenet",
                               "epochs": 3, "device": "cpu", "labels": "folders"}


def test_shallow_methods_have_no_epochs_and_decisions_are_not_offered_yet(panel):
    panel.set_options({"method": "itq", "backbone": "pixels"})
    assert not panel.epochs.isEnabled() and not panel.pretrained.isEnabled()
    assert "epochs" not in panel.options()
    decisions = panel.labels.findData("decisions")
    assert not panel.labels.model().item(decisions).isEnabled()
    assert "duplicates explorer" in panel.labels.itemData(decisions, Qt.ItemDataRole.ToolTipRole)
    panel.set_options({"labels": "decisions"})
    assert panel.options()["labels"] != "decisions"


def test_running_locks_the_options_and_enables_cancel(qtbot, panel):
    panel.set_running(True)
    assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    assert not panel.method.isEnabled()
    with qtbot.waitSignal(panel.cancel_requested):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    panel.show_stopped("Training cancelled: itq-64 stays in use.")
    assert panel.start_button.isEnabled() and "stays in use" in panel.status.text()


def test_loss_curve_grows_and_redraws_are_throttled(qtbot, panel):
    panel.set_running(True)
    plot = panel.loss_plot
    for step in range(3000):
        panel.show_event(StepLoss(step // 1000, step % 1000, 2.0 * np.exp(-step / 800)))
    assert len(plot) == 3000 and plot.redraws <= 2
    qtbot.waitUntil(lambda: plot._raw.xData is not None and len(plot._raw.xData) == 3000, timeout=2_000)
    smoothed = plot.smoothed()
    assert smoothed[-1] < smoothed[10] and len(smoothed) == 3000


def test_each_epoch_draws_the_pr_curve_and_map(panel):
    panel.set_running(True)
    for epoch in range(2):
        panel.show_event(StepLoss(epoch, 0, 1.0))
        panel.show_event(EpochDone(epoch, pr_stats(epoch)))
    pr = panel.pr_plot
    assert pr.maps == [(0, 0.5), (1, pytest.approx(0.6))]
    assert list(pr._precision.yData) == pytest.approx(pr_stats(1)["pr"]["precision"])
    assert "mAP 0.600" in pr.getPlotItem().titleLabel.text
    assert "Epoch 2" in panel.status.text() and "mAP 0.600" in panel.status.text()


def test_an_epoch_without_pr_figures_still_shows(panel):
    panel.set_running(True)
    panel.show_event(EpochDone(0, {"loss": 0.5}))
    assert panel.pr_plot.maps == [] and "no precision-recall" in panel.status.text()


def test_shallow_progress_then_final_stats(panel):
    panel.set_running(True)
    panel.show_event(Progress("features", 5, 10, message="reading images"))
    assert panel.progress.maximum() == 10 and panel.progress.value() == 5
    panel.show_finished({"name": "itq-64", "images": 432, "train_seconds": 3.2, "device": "cpu"})
    assert panel.progress.isHidden()
    assert "itq-64 is now in use" in panel.status.text() and "432 images, trained in 3.2 s" in panel.status.text()


def test_smoothing_is_debiased():
    values = np.full(5, 2.0)
    assert smooth(values) == pytest.approx(values)
    assert describe_stats({"map": 0.25}) == "mAP 0.250"
