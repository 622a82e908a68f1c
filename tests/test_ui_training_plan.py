"""The training panel says how long a run trains, draws the probe's score by epoch, and says why it stopped
(issue 23), driven with events built here (no engine, no torch)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from test_ui_training import panel  # noqa: F401 - fixture

from hashview.core.events import EpochDone, Progress, StepLoss


def test_auto_epochs_say_the_plan_and_a_count_forces_it(qtbot, panel):  # noqa: F811
    form = panel.form
    panel.set_options({"method": "ssdh", "labels": "folders"})
    assert form.epochs.value() == 0 and form.epochs.text() == "Auto"
    assert panel.options()["epochs"] is None  # Auto: the method decides
    caption = form.epochs_about.text()
    assert caption.startswith("Trains until the score on held-out labelled photos stops improving")
    assert "at most 60 epochs" in caption and form.epochs_about.isVisible()
    form.epochs.setValue(5)
    assert panel.options()["epochs"] == 5 and form.epochs_about.text().startswith("Trains exactly 5 epochs")
    panel.set_options({"method": "itq", "labels": "none"})
    assert not form.epochs_about.isVisible()  # a shallow method fits in one pass


def test_the_plan_shows_when_training_starts_then_the_curve_then_why_it_stopped(qtbot, panel):  # noqa: F811
    panel.set_options({"method": "ssdh", "labels": "folders"})
    with qtbot.waitSignal(panel.start_requested):
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    panel.set_running(True)  # as the controller does once the job starts
    assert panel.plan.isVisible() and panel.plan.text().startswith("Trains until the score on held-out")
    exact = "Trains until the held-out score stops improving (at most 60 epochs or 20 min); 1,000 of 40,000 labelled images are held out to score it"
    panel.show_event(Progress("plan", 0, 1, message=exact))
    assert panel.plan.text() == exact
    scores = [0.40, 0.60, 0.70, 0.69, 0.72]
    for epoch, score in enumerate(scores):
        panel.show_event(StepLoss(epoch, 0, 1.0))
        stats = {"loss": 1.0, "map": score, "best_epoch": 5 if epoch == 4 else min(epoch + 1, 3)}
        if epoch == 4:
            stats["stop_reason"] = "plateau after epoch 4 (held-out mAP rose +0.0011 an epoch over epochs 1-4)"
        panel.show_event(EpochDone(epoch, stats))
    plot = panel.score_plot
    assert plot.epochs == [1, 2, 3, 4, 5] and plot.scores == pytest.approx(scores) and plot.best_epoch == 5
    assert list(plot._curve.yData) == pytest.approx(scores)
    assert "best 0.720 at epoch 5" in plot.getPlotItem().titleLabel.text
    assert panel.plan.text() == "Stopped: plateau after epoch 4 (held-out mAP rose +0.0011 an epoch over epochs 1-4)."
    stopping = {
        "reason": "plateau after epoch 4 (held-out mAP rose +0.0011 an epoch over epochs 1-4); the learning rate cooled down over epoch 5",
        "kept_epoch": 5,
        "epochs_run": 5,
        "kept_map": 0.72,
        "plan": {"kind": "open"},
    }
    panel.show_finished({"name": "ssdh-64", "map": 0.72, "stopping": stopping})
    assert panel.plan.text() == (
        "Stopped: plateau after epoch 4 (held-out mAP rose +0.0011 an epoch over epochs 1-4); the learning rate cooled down over epoch 5; "
        "kept epoch 5 of 5 (held-out mAP 0.720)."
    )
    assert panel.plan.isVisible() and "ssdh-64 is now in use" in panel.status.text()


def test_a_background_run_shows_no_plan_it_did_not_ask_for(panel):  # noqa: F811
    panel.set_options({"method": "ssdh", "labels": "folders"})
    panel.set_running(True)  # the library feature's own run: Start was not pressed
    assert not panel.plan.isVisible()
    panel.show_event(EpochDone(0, {"loss": 1.0, "map": 0.5}))
    assert panel.score_plot.scores == [0.5] and panel.score_plot.best_epoch == 1
