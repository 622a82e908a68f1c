"""Words for people in the training and networks panels: each method described, no bare jargon."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt

from hashview.core.methods import UnknownMethodError, get_method, method_description, method_names
from hashview.ui.training.networks_panel import Column, NetworksModel
from hashview.ui.training.options_form import TrainingOptionsForm


@pytest.mark.parametrize("name", method_names())
def test_every_method_has_a_one_line_description_with_its_real_title(name):
    description = method_description(name)
    assert description.title == get_method(name).title  # the module's own title, kept in step
    assert description.gist and description.good_for and "\n" not in description.line()
    assert len(description.line()) <= 150


def test_an_unknown_method_has_no_description():
    with pytest.raises(UnknownMethodError, match="choose one of"):
        method_description("nope")


def test_the_form_describes_the_chosen_method_under_the_list_and_in_each_items_tooltip(qtbot):
    form = TrainingOptionsForm()
    qtbot.addWidget(form)
    for index in range(form.method.count()):
        name = form.method.itemData(index)
        line = method_description(name).line()
        assert form.method.itemText(index) == f"{name} — {method_description(name).gist}"
        assert line in form.method.itemData(index, Qt.ItemDataRole.ToolTipRole)

    def shown() -> str:
        return form.method_about.text().lower() + " | " + form.method_about.toolTip()

    chosen = method_description(form.method.currentData())
    assert shown() == f"{chosen.good_for.lower()} | {chosen.line()}"
    form.labels.setCurrentIndex(form.labels.findData("folders"))  # the method follows: a deep supervised one
    chosen = method_description(form.method.currentData())
    assert form.method.currentData() == "ssdh" and shown() == f"{chosen.good_for.lower()} | {chosen.line()}"
    tip = form.method.itemData(form.method.findData("itq"), Qt.ItemDataRole.ToolTipRole)
    assert "choose Labels: None" in tip and method_description("itq").line() in tip  # why disabled, and what it is


def test_the_networks_table_says_retrieval_score_and_explains_it(qtbot):
    info = SimpleNamespace(
        id="n1", name="dupnet-128", method="dupnet", bits=128, created="", stats={"map": 0.768}, config={}
    )
    model = NetworksModel()
    model.set_networks([info], "n1")
    header = model.headerData(Column.Map, Qt.Orientation.Horizontal)
    assert header == "Retrieval score" and "mAP" not in header
    tip = model.headerData(Column.Map, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "mean average precision" in tip and "1 is perfect" in tip
    assert model.index(0, Column.Map).data() == "0.768"
    assert model.index(0, Column.Map).data(Qt.ItemDataRole.ToolTipRole) == tip
    assert model.headerData(Column.Bits, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_the_precision_plot_speaks_of_distance_in_bits_not_hamming(qtbot):
    from hashview.ui.training.plots import PrecisionRecallPlot

    plot = PrecisionRecallPlot()
    qtbot.addWidget(plot)
    label = plot.getPlotItem().getAxis("bottom").labelText
    assert label == "distance (bits that differ)" and "Hamming" not in label
    plot.show_epoch(0, {"map": 0.5, "pr": {"radius": [0, 1], "precision": [1, 0.5], "recall": [0.2, 0.4]}})
    assert "retrieval score (mAP) 0.500" in plot.getPlotItem().titleLabel.text
