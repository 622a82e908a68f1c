"""Training from the window and network management, on the real engine (itq is fitted in seconds)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from dialog_answers import answer_next_dialog, click, press, type_and_accept
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox
from test_ui_main_window import open_and_wait_ready, photos  # noqa: F401 - fixture

from hashview.core.events import Finished
from hashview.core.library import Library
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.pipeline import TrainOptions
from hashview.ui.settings import open_settings
from hashview.ui.training.networks_panel import Column, NetworksModel, format_seconds
from hashview.ui.window.main_window import MainWindow

FAST_TRAINING = {"method": "itq"}  # the first-run training of these tests: seconds, not minutes

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot):
    win = MainWindow(settings=open_settings(), first_training=FAST_TRAINING)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def succeeded(name):
    """A ``check_params_cb`` for ``JobRunner.ended``: the job ``name`` ended with success."""
    return lambda job: job.name == name and job.outcome == "succeeded"


def drain(generator):
    for event in generator:
        if isinstance(event, Finished):
            return event.summary
    return None


def test_networks_model_shows_stats_and_marks_the_current_one(qtbot):
    infos = [
        SimpleNamespace(
            id=f"n{i}",
            name=f"net{i}",
            method="itq",
            bits=64,
            created="2024-01-02T03:04:05",
            stats={"map": 0.4321, "images": 432, "train_seconds": 75.0},
        )
        for i in range(2)
    ]
    model = NetworksModel()
    model.set_networks(infos, "n1")
    assert model.rowCount() == 2 and model.columnCount() == len(Column)
    assert model.index(1, Column.Name).data() == "● net1"
    assert model.index(0, Column.Name).data() == "net0"
    assert model.index(0, Column.Map).data() == "0.432"
    assert model.index(0, Column.TrainTime).data() == "1.2 min"
    assert model.index(0, Column.Created).data() == "2024-01-02 03:04:05"
    infos[0].stats["total_train_seconds"] = 7800.0  # trained on from an earlier network: the whole line's time
    model.set_networks(infos, "n1")
    assert model.index(0, Column.TrainTime).data() == format_seconds(7800.0) != format_seconds(75.0)


USE_NEW, KEEP = "Use the new network", "Keep the current one"


def test_training_from_the_panel_switches_search_to_the_new_network_when_asked_to(qtbot, window, photos):  # noqa: F811
    open_and_wait_ready(qtbot, window, photos)
    first = window.library.networks.current()
    window.training_dock.show()
    window.training_panel.set_options({"method": "pcah", "bits": 32})
    with qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS) as blocker:
        asked = answer_next_dialog(click(USE_NEW), QMessageBox, wait_ms=TIMEOUT_MS)
        window.training_panel.request_start()
        assert window.training_panel.running
    assert blocker.args == ["finished"]
    assert asked and asked[0]["title"] == "Use the new network?"
    assert f"Search and duplicates use {first.name} now" in asked[0]["text"]
    current = window.library.networks.current()
    assert current.id != first.id and current.method == "pcah" and current.bits == 32
    assert window.ready and "search now uses it" in window.statusBar().currentMessage()
    assert window.networks_panel.model.rowCount() == 2
    assert "Device in use: cpu" in window.training_panel.form.device_used.text()
    assert "pcah-32 is now in use" in window.training_panel.status.text()
    # the options are remembered for the next session
    again = MainWindow(settings=open_settings(), first_training=FAST_TRAINING)
    qtbot.addWidget(again)
    assert again.training_panel.options()["method"] == "pcah"


def test_a_network_trained_from_the_panel_does_not_replace_the_one_in_use_unasked(qtbot, window, photos):  # noqa: F811
    """Issue 22, item 2: "Start training" with whatever the form holds replaced the network search and
    duplicates used the moment the run ended. Now the person is asked; "Keep" (the default) keeps it."""
    open_and_wait_ready(qtbot, window, photos)
    first = window.library.networks.current()
    window.training_panel.set_options({"method": "lsh", "bits": 16})
    with qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS) as blocker:
        asked = answer_next_dialog(click(KEEP), QMessageBox, wait_ms=TIMEOUT_MS)
        window.training_panel.request_start()
    assert blocker.args == ["finished"] and asked
    assert "cannot be compared" in asked[0]["text"]  # itq's and lsh's figures come from no common test
    library = window.library
    assert library.networks.current().id == first.id
    new = [n for n in library.networks.all() if n.id != first.id]
    assert len(new) == 1 and new[0].method == "lsh"
    assert f"{new[0].name} is trained; {first.name} stays in use" in window.training_panel.status.text()
    assert window.networks_panel.model.rowCount() == 2
    # the new network was encoded: switching to it later needs no training
    assert library.ready_codes(new[0].id)[1] is not None


def test_rename_use_and_delete_networks_through_the_real_dialogs(qtbot, window, photos):  # noqa: F811
    open_and_wait_ready(qtbot, window, photos)
    library = window.library
    old = library.networks.current()
    new_id = drain(library.train(TrainOptions(method="lsh", bits=16, name="other")))["network"]
    window.networks.refresh()
    panel = window.networks_panel
    assert panel.model.rowCount() == 2 and panel.model.current_id() == new_id

    # rename: cancelled changes nothing; typed and accepted renames
    panel.select(old.id)
    seen = answer_next_dialog(lambda dialog: dialog.reject(), kind=QInputDialog)
    panel.rename_button.click()
    assert seen and library.networks.get(old.id).name == old.name
    seen = answer_next_dialog(kind=QInputDialog, reply=type_and_accept("holiday"))
    panel.rename_button.click()
    assert seen == [{"title": "Rename network", "text": "New name (letters, digits, - _ .):"}]
    assert library.networks.get(old.id).name == "holiday"
    # the shipped network (what a new folder uses) keeps saying so under its new name
    assert panel.model.index(panel.model.row_of(old.id), Column.Name).data() == "holiday (shipped)"
    # a name the engine refuses: an error, no rename
    seen = answer_next_dialog(kind=QInputDialog, reply=type_and_accept("no/slashes"))
    with qtbot.waitSignal(window.error_reported, timeout=TIMEOUT_MS) as blocker:
        panel.rename_button.click()
    assert seen and "bad network name" in blocker.args[0] and library.networks.get(old.id).name == "holiday"
    window.error_dialog.close()

    panel.select(old.id)
    with qtbot.waitSignal(window.jobs.ended, timeout=TIMEOUT_MS, check_params_cb=succeeded("switch")):
        panel.request_use()
    assert library.networks.current().id == old.id and window.ready

    # deleting a network not in use: a yes/no question; No keeps it
    panel.select(new_id)
    seen = answer_next_dialog(kind=QMessageBox, reply=press(QMessageBox.StandardButton.No))
    panel.delete_button.click()
    assert seen[0]["text"] == "Delete other and its codes?" and len(library.networks.all()) == 2

    # deleting the current network asks which one search should use instead
    panel.select(old.id)

    def choose_other(dialog):
        assert isinstance(dialog, QInputDialog) and "holiday is in use for search" in dialog.labelText()
        assert dialog.comboBoxItems() == ["other (lsh, 16 bits)"]
        dialog.setTextValue("other (lsh, 16 bits)")
        dialog.accept()

    seen = answer_next_dialog(choose_other, kind=QInputDialog)
    panel.delete_button.click()
    assert seen
    assert [n.id for n in library.networks.all()] == [new_id]
    assert library.networks.current().id == new_id and window.ready

    # the only network: a warning whose default is No; Yes deletes it and search waits
    panel.select(new_id)
    seen = answer_next_dialog(kind=QMessageBox, reply=press(QMessageBox.StandardButton.No))
    panel.delete_button.click()
    assert "is the only network" in seen[0]["text"] and library.networks.all() != []
    seen = answer_next_dialog(kind=QMessageBox, reply=press(QMessageBox.StandardButton.Yes))
    panel.delete_button.click()
    assert seen and library.networks.all() == [] and not window.ready
    assert panel.hint.isVisibleTo(panel)


def test_import_a_network_file(qtbot, window, photos, tmp_path):  # noqa: F811
    open_and_wait_ready(qtbot, window, photos)
    exported = tmp_path / "shared.pt"
    exported.write_bytes(window.library.networks.current().path.read_bytes())
    window.networks_panel.ask_import_path = lambda: str(exported)
    with qtbot.waitSignal(window.jobs.ended, timeout=TIMEOUT_MS, check_params_cb=succeeded("import")):
        window.networks_panel.request_import()
    assert window.networks_panel.model.rowCount() == 2
    assert "Imported" in window.statusBar().currentMessage()

    bogus = tmp_path / "bogus.pt"
    bogus.write_bytes(b"nope")
    window.networks_panel.ask_import_path = lambda: str(bogus)
    with qtbot.waitSignal(window.error_reported, timeout=TIMEOUT_MS) as blocker:
        window.networks_panel.request_import()
    assert "bogus.pt" in blocker.args[0]
    assert window.error_dialog.isVisible() and "hashview.log" in window.error_dialog.informativeText()


def test_training_on_decisions_with_a_chosen_trunk(qtbot, photos):  # noqa: F811
    window = MainWindow(
        settings=open_settings(),
        first_training=FAST_TRAINING,  # dupnet: a few steps, not minutes
        open_library=lambda folder: Library.open(folder, runtime=RuntimeOptions(dupnet_seconds=0.3)),
    )
    qtbot.addWidget(window)
    window.show()
    open_and_wait_ready(qtbot, window, photos)
    panel = window.training_panel
    assert not panel.form.labels.model().item(panel.form.labels.findData("decisions")).isEnabled()
    library = window.library
    library.decisions.record(photos / "photo_00.jpg", photos / "photo_01.jpg", "same")
    library.decisions.record(photos / "photo_02.jpg", photos / "photo_03.jpg", "different")
    window.duplicates.decided.emit("different")  # what the explorer says after each decision
    assert "2 pairs" in panel.form.labels.itemText(panel.form.labels.findData("decisions"))
    window.training_dock.show()
    panel.set_options(
        {"method": "dupnet", "labels": "decisions", "backbone": "cnn-s", "bits": 16, "epochs": 1, "device": "cpu"}
    )
    with qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS) as blocker:
        answer_next_dialog(click(USE_NEW), QMessageBox, wait_ms=TIMEOUT_MS)
        panel.request_start()
    assert blocker.args == ["finished"], panel.status.text()
    config = library.networks.current().config
    assert config["method"] == "dupnet" and config["net"]["trunk"] == "cnn-s"
    assert config["labels"] == "decisions" and config["options"]["decision_pairs"] == 2


def test_a_torchvision_backbone_and_its_weights_file_reach_training(qtbot, window, photos, tmp_path):  # noqa: F811
    import torch
    import torchvision

    weights = tmp_path / "mobilenet.pth"
    torch.save(torchvision.models.mobilenet_v3_small(weights=None).state_dict(), weights)
    open_and_wait_ready(qtbot, window, photos)
    panel = window.training_panel
    panel.set_options({"method": "itq", "bits": 32, "backbone": "mobilenet_v3_small"})
    panel.form.ask_weights_path = lambda: str(weights)
    choose = panel.form.weights.findData("choose")
    panel.form.weights.setCurrentIndex(choose)
    panel.form.weights.activated.emit(choose)
    with qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS) as blocker:
        answer_next_dialog(click(USE_NEW), QMessageBox, wait_ms=TIMEOUT_MS)
        panel.request_start()
    assert blocker.args == ["finished"], panel.status.text()
    features = window.library.networks.current().config["features"]
    assert features["kind"] == "mobilenet_v3_small" and features["weights"] == str(weights)


def test_the_shipped_network_is_named_as_such(qtbot):
    shipped = SimpleNamespace(
        id="general-abc",
        name="general",
        method="dupnet",
        bits=128,
        created="2026-12-03T00:00:00",
        stats={},
        config={"general": {"recipe": {}}},
    )
    own = SimpleNamespace(id="d1", name="dupnet-128", method="dupnet", bits=128, created="", stats={}, config={})
    model = NetworksModel()
    model.set_networks([shipped, own], "general-abc")
    assert model.index(0, Column.Name).data() == "● general (shipped)"
    assert model.index(0, Column.Map).data() == "—"  # its probe's mAP is of its own corpus
    assert model.index(1, Column.Name).data() == "dupnet-128"
    assert "shipped with hashview" in model.index(0, Column.Name).data(Qt.ItemDataRole.ToolTipRole)
    assert "shipped" not in model.index(1, Column.Name).data(Qt.ItemDataRole.ToolTipRole)
