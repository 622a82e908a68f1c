"""The duplicates explorer after a network change, and its warnings (issue 18, point 4), on the real engine.

After one press of the training panel's default (itq, 64 bits) the explorer kept the previous network's
radius (19, a 128-bit DupNet's) and proposed moving 395 of 456 photos to the trash, in groups of 100
unrelated pictures. A network change now resets the radius to the new network's suggestion, and the
explorer says when a network cannot tell the photos apart or a radius chains them.
"""

from __future__ import annotations

import shutil

import pytest
from dialog_answers import answer_next_dialog, click
from imagefactory import make_photo
from PySide6.QtWidgets import QMessageBox
from test_destructive_guards import collapse_codes, drive
from test_ui_duplicates import build, real_library
from test_ui_main_window import open_and_wait_ready, photos  # noqa: F401 - fixture

from hashview.core.library import Library
from hashview.core.train.pipeline import TrainOptions
from hashview.ui.settings import open_settings
from hashview.ui.widgets.radius_control import EXACT
from hashview.ui.window.main_window import MainWindow

TIMEOUT_MS = 60_000


@pytest.fixture
def window(qtbot):
    win = MainWindow(settings=open_settings(), first_training={"method": "itq"})
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def library_with_an_exact_copy(root) -> Library:
    """20 different photos and one byte-identical copy, indexed, with an itq network of 64 bits."""
    for k in range(20):
        make_photo(root / f"p{k:02d}.jpg", (96, 72), seed=k)
    (root / "backup").mkdir()
    shutil.copyfile(root / "p03.jpg", root / "backup" / "p03.jpg")
    library = Library.open(root)
    drive(library.index())
    drive(library.train(TrainOptions(method="itq", bits=64)))
    return library


def test_a_new_network_resets_the_radius_to_its_suggestion(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path, real_library(tmp_path / "photos"))  # itq, 32 bits
    chosen = explorer.radius.slider.maximum()  # the loosest setting, chosen for this network
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        explorer.radius.choose(chosen)
    assert explorer.radius.value() == chosen
    drive(library.train(TrainOptions(method="lsh", bits=64)))  # another network becomes current
    suggested = library.duplicates.suggested_radius()
    assert suggested is not None and suggested != chosen  # else the test could not tell
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        controller.scan()  # what the pipeline's end, or showing the explorer, does
    assert explorer.radius.value() == suggested
    assert controller.scan_result.network == library.networks.current().id
    assert "suggested" in explorer.radius.summary.text()
    assert explorer.radius.profile == sorted(library.duplicates.profile(), key=lambda p: p["radius"])  # the new one's
    # a radius chosen on the new network is kept, as before
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        explorer.radius.choose(suggested + 1)
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        controller.scan()
    assert explorer.radius.value() == suggested + 1


def test_training_from_the_panel_rescans_a_shown_explorer_at_the_new_suggestion(qtbot, window, photos):  # noqa: F811
    open_and_wait_ready(qtbot, window, photos)  # index, then the first training (itq)
    controller, explorer = window.duplicates, window.duplicates.explorer
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        controller.show_explorer()
    chosen = explorer.radius.slider.maximum()
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        explorer.radius.choose(chosen)
    first = window.library.networks.current()
    window.training_panel.set_options({"method": "lsh", "bits": 64})
    with (
        qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS),
        qtbot.waitSignal(window.networks.training_ended, timeout=TIMEOUT_MS),
    ):
        answer_next_dialog(click("Use the new network"), QMessageBox, wait_ms=TIMEOUT_MS)
        window.training_panel.request_start()
    current = window.library.networks.current()
    assert current.id != first.id and current.method == "lsh"
    assert controller.scan_result.network == current.id
    suggested = window.library.duplicates.suggested_radius()
    assert suggested != chosen and explorer.radius.value() == suggested


def test_the_explorer_warns_when_the_network_cannot_tell_photos_apart(qtbot, tmp_path):
    library = library_with_an_exact_copy(tmp_path / "photos")
    collapse_codes(library)  # what an untrained network gives: every photo a few bits from every other
    library, explorer, _controller = build(qtbot, tmp_path, library)
    warning = explorer.radius.warning
    assert not warning.isHidden() and "cannot tell the library's photos apart" in warning.text()
    # only the identical files are offered as copies, at the setting the explorer suggests
    assert explorer.radius.value() == EXACT and "suggested" in explorer.radius.summary.text()
    assert explorer.groups_model.rowCount() == 1
    assert sorted(m.path.name for m in explorer.current_group().members) == ["p03.jpg", "p03.jpg"]
    assert "1 groups; the keep rules would move 1 copies" in explorer.status.text()


def test_the_explorer_warns_when_a_chosen_radius_chains_the_library(qtbot, tmp_path):
    library, explorer, controller = build(qtbot, tmp_path, library_with_an_exact_copy(tmp_path / "photos"))
    assert explorer.radius.warning.isHidden()  # a network that separates the photos, at its suggestion
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        controller.scan(48)  # a radius kept from another network: most of the 64 bits
    text = explorer.radius.warning.text()
    assert not explorer.radius.warning.isHidden() and "Radius 48 puts" in text and "not duplicates" in text
    with qtbot.waitSignal(controller.scanned, timeout=TIMEOUT_MS):
        explorer.radius.choose(library.duplicates.suggested_radius())
    assert explorer.radius.warning.isHidden()
