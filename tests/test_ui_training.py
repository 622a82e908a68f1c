"""The training panel and its plots, driven with events built here (no engine, no torch)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from hashview.core.events import EpochDone, Progress, StepLoss
from hashview.ui.training.panel import TrainingPanel, describe_stats
from hashview.ui.training.plots import smooth


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
    return {
        "loss": 1.0 / (epoch + 1),
        "map": 0.5 + 0.1 * epoch,
        "pr": {"radius": radius, "precision": precision, "recall": recall},
    }


def test_the_form_opens_on_what_the_app_itself_trains(qtbot, panel):
    """Issue 22, item 2: "Start training" as the form opens trains the library's own kind of network (dupnet at
    its 128 bits, as the first training does), not a 64-bit itq that replaced it within seconds."""
    from hashview.core.train.pipeline import TrainOptions, default_bits, method_name

    first = TrainOptions()  # what the app trains for a library with no network (library controller, auto-train)
    with qtbot.waitSignal(panel.start_requested) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    options = blocker.args[0]
    assert options["method"] == method_name(first) == "dupnet"
    assert panel.form.bits.value() == default_bits(first) == 128


def test_start_emits_the_chosen_options(qtbot, panel):
    chosen = {
        "method": "ssdh",
        "bits": 32,
        "backbone": "resnet18",
        "weights": "imagenet",
        "epochs": 3,
        "device": "cpu",
        "labels": "folders",
    }
    panel.set_options(chosen)
    with qtbot.waitSignal(panel.start_requested) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == chosen


def test_the_code_length_follows_the_method_until_the_user_sets_one(panel):
    form = panel.form
    panel.set_options({"method": "dupnet", "labels": "none"})
    assert form.bits.value() == 128 and panel.options()["bits"] is None  # None: the method's own
    panel.set_options({"method": "itq"})
    assert form.bits.value() == 64 and panel.options()["bits"] is None
    form.bits.setValue(32)  # the user's own length sticks across methods and is sent as asked
    panel.set_options({"method": "dupnet"})
    assert form.bits.value() == 32 and panel.options()["bits"] == 32
    form.bits.setValue(128)  # back at the method's default: it follows the method again
    assert panel.options()["bits"] is None
    panel.set_options({"method": "itq"})
    assert form.bits.value() == 64


def backbones(panel) -> list[str]:
    combo = panel.form.backbone
    return [combo.itemData(i) for i in range(combo.count())]


def item_enabled(combo, value) -> bool:
    return combo.model().item(combo.findData(value)).isEnabled()


def tooltip(combo, value) -> str:
    return combo.itemData(combo.findData(value), Qt.ItemDataRole.ToolTipRole) or ""


def test_shallow_methods_have_no_epochs_and_hash_pixels_or_torchvision_features(panel):
    form = panel.form
    panel.set_options({"method": "itq", "backbone": None})
    assert not form.epochs.isEnabled() and "epochs" not in panel.options()
    assert backbones(panel) == ["pixels", "resnet18", "resnet50", "mobilenet_v3_small", "mobilenet_v3_large"]
    assert panel.options()["backbone"] == "pixels" and "raw pixels" in form.backbone.currentText()
    assert not form.weights.isEnabled() and panel.options()["weights"] == "none"
    panel.set_options({"backbone": "resnet18", "weights": "imagenet"})
    assert form.weights.isEnabled() and panel.options()["weights"] == "imagenet"


def test_deep_methods_offer_their_trunks_with_the_default_preselected(panel):
    form = panel.form
    panel.set_options({"method": "dupnet", "labels": "none"})
    assert panel.options()["backbone"] == "auto" and "cnn-xs on a CPU" in form.backbone.currentText()
    assert {"cnn", "cnn-l", "cnn-s", "cnn-xs", "dhln", "resnet18", "mobilenet_v3_large"} <= set(backbones(panel))
    assert "pixels" not in backbones(panel) and not form.weights.isEnabled()
    panel.set_options({"method": "ssdh", "labels": "folders"})
    assert panel.options()["backbone"] == "auto" and "cnn-s on a CPU" in form.backbone.currentText()
    panel.set_options({"method": "dhln"})
    assert panel.options()["backbone"] == "dhln" and "(default)" in form.backbone.currentText()
    panel.set_options({"method": "bae", "labels": "none"})
    assert backbones(panel) == ["bae"] and not form.backbone.isEnabled()
    # the user's own pick is kept across methods that have it; a method's default is not
    panel.set_options({"method": "ddh", "backbone": "resnet50", "weights": "imagenet"})
    assert form.weights.isEnabled()
    form.method.setCurrentIndex(form.method.findData("dupnet"))
    assert panel.options()["backbone"] == "resnet50" and panel.options()["weights"] == "imagenet"
    form.backbone.setCurrentIndex(form.backbone.findData("cnn"))
    assert not form.weights.isEnabled() and panel.options()["weights"] == "none"


def test_a_weights_file_is_picked_with_a_dialog(qtbot, panel, tmp_path):
    form = panel.form
    panel.set_options({"method": "itq", "backbone": "mobilenet_v3_small"})
    choose = form.weights.findData("choose")
    form.ask_weights_path = lambda: ""  # cancelled: the previous choice stays
    form.weights.setCurrentIndex(choose)
    form.weights.activated.emit(choose)
    assert panel.options()["weights"] == "none"
    weights = tmp_path / "my-net.pth"
    form.ask_weights_path = lambda: str(weights)
    form.weights.setCurrentIndex(choose)
    form.weights.activated.emit(choose)
    assert panel.options()["weights"] == str(weights) and form.weights.currentText() == "File: my-net.pth"
    with qtbot.waitSignal(panel.start_requested) as blocker:
        qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0]["backbone"] == "mobilenet_v3_small" and blocker.args[0]["weights"] == str(weights)
    panel.set_options({"backbone": "pixels"})
    assert panel.options()["weights"] == "none"


def test_decisions_are_offered_once_the_library_has_some(panel):
    form = panel.form
    assert not item_enabled(form.labels, "decisions")
    assert "duplicates explorer" in tooltip(form.labels, "decisions")
    panel.set_options({"method": "dupnet", "labels": "decisions"})  # e.g. the last run's, before a library opens
    assert panel.options()["labels"] == "none" and panel.options()["method"] == "dupnet"
    panel.set_decision_count(3)
    assert item_enabled(form.labels, "decisions") and "3 pairs" in form.labels.currentText()
    assert panel.options()["labels"] == "decisions"
    panel.set_decision_count(0)
    assert panel.options()["labels"] == "none" and "none yet" in form.labels.itemText(form.labels.findData("decisions"))


def test_by_default_decisions_are_used_once_there_are_some_unless_the_user_said_none(panel):
    form = panel.form
    panel.set_options({"method": "dupnet"})  # labels left at the default, "auto"
    assert panel.options()["labels"] == "none"
    panel.set_decision_count(2)
    assert panel.options()["labels"] == "decisions"
    panel.set_options({"method": "itq"})  # itq cannot use them: auto means none for it
    assert panel.options()["labels"] == "none"
    panel.set_decision_count(3)
    assert panel.options()["method"] == "itq" and panel.options()["labels"] == "none"
    panel.set_options({"method": "dupnet", "labels": "auto"})
    assert panel.options()["labels"] == "decisions"
    form.labels.setCurrentIndex(form.labels.findData("none"))  # the user's own choice sticks
    panel.set_decision_count(4)
    assert panel.options()["labels"] == "none"


def test_the_label_source_decides_which_methods_fit(panel):
    form = panel.form
    panel.set_decision_count(2)
    panel.set_options({"method": "itq", "labels": "none"})
    form.labels.setCurrentIndex(form.labels.findData("decisions"))
    assert panel.options()["method"] == "dupnet" and "Only dupnet trains on decisions" in panel.status.text()
    assert not item_enabled(form.method, "itq") and "dupnet can" in tooltip(form.method, "itq")
    form.labels.setCurrentIndex(form.labels.findData("folders"))
    assert panel.options()["method"] == "ssdh"
    assert item_enabled(form.method, "dhln") and not item_enabled(form.method, "dupnet")
    form.labels.setCurrentIndex(form.labels.findData("none"))
    assert panel.options()["method"] == "dupnet" and not item_enabled(form.method, "ssdh")
    assert "Labels: Folders" in tooltip(form.method, "ssdh")
    # a method that cannot use the label source given wins over it
    panel.set_options({"method": "itq", "labels": "folders"})
    assert panel.options()["labels"] == "none"


def test_running_locks_the_options_and_enables_cancel(qtbot, panel):
    panel.set_running(True)
    assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
    assert not panel.form.method.isEnabled() and not panel.form.backbone.isEnabled()
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
    assert "retrieval score (mAP) 0.600" in pr.getPlotItem().titleLabel.text
    assert "Epoch 2" in panel.status.text() and "retrieval score 0.600" in panel.status.text()


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
    assert describe_stats({"map": 0.25}) == "retrieval score 0.250"


def test_a_refinement_kept_aside_says_which_network_stays_and_why(panel):
    panel.show_finished(
        {"name": "general", "switched": False, "current_name": "general", "map": 0.91, "baseline": {"map": 0.93}}
    )
    text = panel.status.text()
    assert text.startswith("Done, but general stays in use") and "0.910" in text and "0.930" in text
    assert "listed under Networks" in text and not panel.running


def test_a_refinement_that_measured_better_says_both_figures(panel):
    panel.show_finished({"name": "dupnet-128", "switched": True, "map": 0.95, "baseline": {"map": 0.93}})
    text = panel.status.text()
    assert text.startswith("Done: dupnet-128 is now in use for search. It ranks") and "0.950" in text


def test_a_run_from_zero_reports_no_comparison(panel):
    panel.show_finished({"name": "itq-64", "map": 0.5})
    assert (
        panel.status.text().startswith("Done: itq-64 is now in use for search.")
        and "refined" not in panel.status.text()
    )


def test_the_weights_field_does_not_say_from_scratch_where_it_does_not_apply(panel):
    """The form showed "Weights: From scratch" while dupnet refined the shipped network: the field only
    applies to torchvision trunks, and says so for the others."""
    panel.set_options({"method": "dupnet", "bits": 128})
    weights = panel.form.weights
    assert weights.currentText() == "Not used by this trunk" and not weights.isEnabled()
    assert "refines" in weights.toolTip()
    panel.set_options({"method": "ssdh", "bits": 48, "backbone": "resnet18", "labels": "folders"})
    assert weights.currentText() == "From scratch" and weights.isEnabled()
