"""Search controls, result actions, pasting a query; About, errors, settings, dark mode."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication
from test_ui_main_window import open_and_wait_ready, photos, window  # noqa: F401 - fixtures

from hashview.ui.search import result_actions
from hashview.ui.settings import open_settings
from hashview.ui.widgets import dialogs, theme
from hashview.ui.window.main_window import MainWindow

FAST_TRAINING = {"method": "itq"}  # the first-run training of these tests: seconds, not minutes


def test_top_k_radius_copy_and_paste(qtbot, window, photos, tmp_path, monkeypatch):  # noqa: F811
    open_and_wait_ready(qtbot, window, photos)
    query = photos / "photo_03.jpg"
    with qtbot.waitSignal(window.results_shown, timeout=30_000):
        window.search_images([query])
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        window.search_panel.top_k.setValue(5)
    assert len(blocker.args[0].hits) == 5
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        window.search_panel.radius.setValue(0)
    assert [h.distance for h in blocker.args[0].hits] == [0] and "within distance 0" in window.results_header.text()
    assert open_settings().value("search/radius") in (0, "0")

    # keyboard: the first result is current; Ctrl+C copies its path
    window.results_view.setFocus()
    assert window.results_view.currentIndex().row() == 0
    with qtbot.waitSignal(window.search_panel.action_taken):
        qtbot.keyClick(window.results_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == str(query)

    # a picture on the clipboard (not a file) is saved and encoded on the fly
    window.search_panel.radius.setValue(-1)
    mime = QMimeData()
    mime.setImageData(QImage(str(photos / "photo_05.jpg")))
    QGuiApplication.clipboard().setMimeData(mime)
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        window.paste_query()
    pasted = Path(blocker.args[0].query)
    from hashview.core.paths import cache_root

    assert pasted.name.startswith("pasted-") and pasted.parent == cache_root() / "pasted"  # hashview's, not /tmp
    assert Path(blocker.args[0].hits[0].path) == photos / "photo_05.jpg"


def test_typing_250_into_top_k_searches_once_for_250(qtbot, window, photos):  # noqa: F811
    """A person types digit by digit; only the number they end on is searched for (issue 18)."""
    open_and_wait_ready(qtbot, window, photos)
    with qtbot.waitSignal(window.results_shown, timeout=30_000):
        window.search_images([photos / "photo_03.jpg"])
    library = window.library
    real_search = library.search
    asked = []

    def recording_search(*args, **kwargs):  # the real search, with its k written down
        asked.append(kwargs["k"])
        return real_search(*args, **kwargs)

    library.search = recording_search
    spin = window.search_panel.top_k
    spin.setFocus()
    spin.selectAll()
    with qtbot.waitSignal(window.results_shown, timeout=30_000) as blocker:
        for digit in "250":
            qtbot.keyClicks(spin, digit)
            qtbot.wait(60)  # a typist's pause: longer than 2 or 25 ms, shorter than the debounce
    assert spin.value() == 250
    qtbot.wait(400)  # longer than the debounce: a late search for 2 or 25 would show now
    assert asked == [250]
    assert len(blocker.args[0].hits) == 24  # every photo of the library: k is 250, not 2 or 25


def test_paths_from_clipboard_prefers_files(tmp_path):
    mime = QMimeData()
    mime.setText("nothing")
    assert result_actions.paths_from_clipboard(mime, tmp_path) == []
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    mime.setImageData(image)
    [saved] = result_actions.paths_from_clipboard(mime, tmp_path)
    assert saved.parent == tmp_path and QImage(str(saved)).size() == image.size()
    assert result_actions.reveal_command(Path("/x/a.jpg"), "darwin") == ("open", ["-R", "/x/a.jpg"])
    assert result_actions.reveal_command(Path("/x/a.jpg"), "linux") is None


def test_about_lists_versions_without_importing_torch(qtbot, window):  # noqa: F811
    found = dialogs.versions()
    assert {"hashview", "Qt", "PySide6", "numpy", "torch"} <= set(found)
    box = dialogs.show_about(window)
    qtbot.addWidget(box)
    assert "PySide6" in box.text()
    box.close()
    # in a fresh process (this one may have torch loaded by other tests), the box does not load it
    code = textwrap.dedent(
        """
        import sys
        from PySide6.QtWidgets import QApplication, QWidget
        from hashview.ui.widgets import dialogs
        app = QApplication([])
        parent = QWidget()
        parent.show()
        box = dialogs.show_about(parent)
        app.processEvents()
        assert box.isVisible() and "PySide6" in box.text(), box.text()
        assert "not loaded yet" in box.text(), box.text()
        assert "torch" not in sys.modules, "the About box imported torch"
        box.close()
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_failing_job_shows_a_dialog_and_logs(qtbot, tmp_path, caplog):
    class Broken:
        def __init__(self, root):
            self.root = root

        def index(self, cancel):
            raise OSError("disk on fire")
            yield  # pragma: no cover

        def entries(self):
            return []

        def thumbnail(self, file_id):
            return None

        def close(self):
            pass

    win = MainWindow(settings=open_settings(), first_training=FAST_TRAINING, open_library=Broken)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.error_reported, timeout=10_000) as blocker:
        win.open_folder(tmp_path)
    assert blocker.args[0] == "Indexing failed: OSError: disk on fire"
    assert "Traceback" in win.error_dialog.detailedText()
    assert "disk on fire" in caplog.text
    win.close()


def test_window_state_persists(qtbot, tmp_path):
    first = MainWindow(settings=open_settings(), first_training=FAST_TRAINING)
    qtbot.addWidget(first)
    first.show()
    first.resize(700, 500)  # the offscreen screen is 800x600
    first.networks_dock.show()
    size = first.size()
    first.close()
    second = MainWindow(settings=open_settings(), first_training=FAST_TRAINING)
    qtbot.addWidget(second)
    second.show()
    assert second.size() == size
    assert not second.networks_dock.isHidden()


def test_dark_scheme_gives_a_dark_palette(qtbot):
    app = QApplication.instance()
    before, style = app.palette(), app.style().name()
    try:
        assert theme.apply_color_scheme(app, Qt.ColorScheme.Dark)
        assert theme.is_dark(app.palette())
    finally:
        app.setStyle(style)
        app.setPalette(before)


def test_pasted_pictures_older_than_a_day_are_removed_at_the_next_paste(tmp_path):
    import os
    import time

    from PySide6.QtCore import QMimeData
    from PySide6.QtGui import QColor, QImage

    from hashview.ui.search.result_actions import PASTE_KEPT_SECONDS, paths_from_clipboard

    folder = tmp_path / "pasted"
    folder.mkdir()
    old, recent, other = folder / "pasted-old.png", folder / "pasted-recent.png", folder / "mine.png"
    for path in (old, recent, other):
        path.write_bytes(b"png")
    stale = time.time() - PASTE_KEPT_SECONDS - 60
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    mime = QMimeData()
    mime.setImageData(image)
    made = paths_from_clipboard(mime, folder)
    assert len(made) == 1 and made[0].exists()
    assert not old.exists() and recent.exists() and other.exists()  # only our own old pastes go
