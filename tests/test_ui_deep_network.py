"""The window on a real deep network: first training, new photos, an outside query, and Cancel.

The other window tests train itq (seconds); the app's own first training is a
deep network. Here the real engine trains a tiny dupnet from the window (four
steps, 32-pixel input), the folder is opened again after photos were added
(index, then encoding with the deep network), and a picture from outside the
library is searched for. Cancel is pressed on a real training run started from
the training panel, on a real worker thread; the previous network must stay.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from imagefactory import make_photo

from hashview.core.library import Library
from hashview.core.nets import general
from hashview.core.runtime import RuntimeOptions
from hashview.ui.settings import open_settings
from hashview.ui.window.main_window import MainWindow

TIMEOUT_MS = 120_000
TINY_DUPNET = {"method": "dupnet", "bits": 32, "input_size": 32, "epochs": 1, "batch_size": 8, "device": "cpu"}


@pytest.fixture
def folder(tmp_path) -> Path:
    root = tmp_path / "photos"
    for i in range(10):
        make_photo(root / f"photo_{i:02d}.jpg", size=(64, 48), seed=i)
    return root


def make_window(qtbot, first_training, runtime: RuntimeOptions) -> MainWindow:
    """The window, opening folders as the app does with ``runtime`` (what it reads from ``HASHVIEW_*``)."""
    window = MainWindow(
        settings=open_settings(),
        first_training=first_training,
        open_library=lambda folder: Library.open(folder, runtime=runtime),
    )
    qtbot.addWidget(window)
    window.show()
    return window


def open_and_wait(qtbot, window: MainWindow, folder: Path) -> str:
    with qtbot.waitSignal(window.pipeline_finished, timeout=TIMEOUT_MS) as blocker:
        assert window.open_folder(folder)
    return blocker.args[0]


def test_first_deep_training_then_new_photos_and_an_outside_query(qtbot, folder, tmp_path, monkeypatch):
    monkeypatch.setattr(general, "general_file", lambda: None)  # a build without the shipped network trains its own
    window = make_window(qtbot, TINY_DUPNET, RuntimeOptions(params={"min_steps": 4, "passes": 0.0}))
    message = open_and_wait(qtbot, window, folder)
    assert message.startswith("Ready: 10 images") and "network dupnet-32" in message, message
    network = window.library.networks.current()
    assert network.method == "dupnet" and network.config["net"]["input_size"] == 32

    new = make_photo(folder / "later" / "new.jpg", size=(64, 48), seed=77)
    message = open_and_wait(qtbot, window, folder)  # index finds it, then the deep network encodes it
    assert message.startswith("Ready: 11 images") and "network dupnet-32" in message, message
    assert window.library.networks.current().id == network.id and window.library.codes_ready()

    outside = tmp_path / "downloads" / "sent_by_a_friend.jpg"
    outside.parent.mkdir()
    shutil.copyfile(new, outside)
    with qtbot.waitSignal(window.results_shown, timeout=TIMEOUT_MS) as blocker:
        window.search_images([outside])
    result = blocker.args[0]
    assert Path(result.query) == outside
    assert new in {Path(hit.path) for hit in result.hits if hit.distance == 0}
    window.close()


def test_cancel_from_the_window_keeps_the_previous_network(qtbot, folder):
    """Cancel a real dupnet run started from the training panel: the itq network stays current and usable."""
    # a deep run that would go on for minutes: only Cancel ends it within the test's timeout (itq ignores these)
    slow = RuntimeOptions(params={"min_steps": 100_000, "passes": 0.0}, dupnet_seconds=600)
    window = make_window(qtbot, {"method": "itq", "bits": 32}, slow)
    open_and_wait(qtbot, window, folder)
    library = window.library
    previous = library.networks.current()
    window.training_dock.show()
    panel = window.training_panel
    panel.set_options({"method": "dupnet", "bits": 64, "epochs": 1, "device": "cpu", "labels": "none"})
    with qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS) as blocker:
        panel.request_start()
        assert panel.running and window.jobs.busy()
        qtbot.waitUntil(lambda: panel.loss_plot is not None and len(panel.loss_plot) > 3, timeout=TIMEOUT_MS)
        panel.cancel_button.click()
    assert blocker.args == ["cancelled"]
    assert not window.jobs.busy() and not panel.running
    assert f"{previous.name} stays in use" in panel.status.text()
    assert library.networks.current().id == previous.id
    assert [n.id for n in library.networks.all()] == [previous.id]  # nothing half-trained is listed
    assert window.networks_panel.model.rowCount() == 1 and window.ready
    # and search still works, on the previous network's codes
    query = folder / "photo_04.jpg"
    with qtbot.waitSignal(window.results_shown, timeout=TIMEOUT_MS) as blocker:
        window.search_images([query])
    assert Path(blocker.args[0].hits[0].path) == query and blocker.args[0].hits[0].distance == 0
    assert library.networks.current().id == previous.id
    window.close()


@pytest.mark.parametrize("better", [True, False])
def test_a_new_library_is_ready_at_once_then_learns_in_the_background(qtbot, folder, monkeypatch, better):
    """The shipped network answers when the scan ends; then a refinement runs as a job of its own and
    becomes current only when the switch rule says it measured better."""
    from hashview.core import library as library_module

    monkeypatch.setattr(library_module, "refined_better", lambda summary: better)
    window = make_window(qtbot, None, RuntimeOptions(params={"refine_steps": 4}))
    window.settings.setValue("library/learn_in_background", 1)
    with qtbot.waitSignal(window.jobs.ended, timeout=TIMEOUT_MS, check_params_cb=lambda job: job.name == "learn"):
        message = open_and_wait(qtbot, window, folder)
        assert message.startswith("Ready: 10 images") and "network general" in message, message
        assert window.ready  # search and duplicates answer while it learns
    library = window.library
    names = sorted(n.name for n in library.networks.all())
    assert names == ["dupnet-128", "general"]
    current = library.networks.current()
    assert current.name == ("dupnet-128" if better else "general") and library.codes_ready()
    status = window.statusBar().currentMessage()
    assert ("learnt on this library" in status) if better else ("measured no better" in status), status
    panel = window.training_panel  # the training panel showed the run, whoever started it
    assert not panel.running and len(panel.loss_plot) > 0
    assert panel.status.text().startswith("Done: dupnet-128 is now in use" if better else "Done, but general stays")
    window.close()
    again = make_window(qtbot, None, RuntimeOptions(params={"refine_steps": 4}))
    again.settings.setValue("library/learn_in_background", 1)
    open_and_wait(qtbot, again, folder)  # learnt (or tried) once: opening again does not learn again
    assert not again.jobs.busy() and len(again.library.networks.all()) == 2
    again.close()


def test_a_failed_background_learning_leaves_the_library_ready_on_the_shipped_network(qtbot, folder, monkeypatch):
    from hashview.core.errors import LibraryError

    def refuse(self, options, cancel=None):
        raise LibraryError("the disk is full")
        yield  # a generator, as Library.train is

    monkeypatch.setattr(Library, "train", refuse)
    window = make_window(qtbot, None, RuntimeOptions())
    window.settings.setValue("library/learn_in_background", 1)
    finished = []
    window.pipeline_finished.connect(finished.append)
    with qtbot.waitSignal(window.error_reported, timeout=TIMEOUT_MS) as blocker:
        assert window.open_folder(folder)
    assert "the disk is full" in blocker.args[0]
    qtbot.waitUntil(lambda: not window.jobs.busy(), timeout=TIMEOUT_MS)
    assert len(finished) == 1 and finished[0].startswith("Ready: 10 images")  # one ending per opening
    assert window.ready and window.library.networks.current().name == "general"
    assert window.statusBar().currentMessage().startswith("Learning this library failed: the disk is full")
    assert not window.training_panel.running
    window.error_dialog.close()
    window.close()
