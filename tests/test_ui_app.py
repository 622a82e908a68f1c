"""The composition root: CLI hand-over, bad folders, and a torch-free first window."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from dialog_answers import answer_next_dialog
from PySide6.QtWidgets import QMessageBox

import hashview
from hashview import app


def test_a_missing_folder_exits_2_with_one_line(tmp_path, capsys):
    status = app.main([str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip() == f"hashview: not a folder: {tmp_path / 'missing'}"


def test_commands_go_to_the_cli(monkeypatch):
    from hashview import cli

    seen = []
    monkeypatch.setattr(cli, "main", lambda argv: seen.append(argv) or 7)
    assert app.main(["index", "somewhere"]) == 7
    assert seen == [["index", "somewhere"]]


def test_logging_goes_to_a_file_under_the_log_dir(hashview_home):
    import logging

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        path = app.setup_logging()
        logging.getLogger("hashview.test").warning("hello log")
        for handler in root.handlers:
            handler.flush()
        assert path.parent == hashview_home / "logs"
        assert "hello log" in path.read_text(encoding="utf-8")
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_the_first_window_imports_neither_torch_nor_numpy(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    code = textwrap.dedent(
        f"""
        import sys
        import hashview.app
        import hashview.ui.window.main_window
        from PySide6.QtWidgets import QApplication
        qt = QApplication([])
        window = hashview.ui.window.main_window.MainWindow()
        window.show()
        qt.processEvents()
        assert "torch" not in sys.modules, "torch was imported by the window"
        heavy = sorted(m for m in ("numpy", "pyqtgraph") if m in sys.modules)
        assert not heavy, f"{{heavy}} imported on the way to the first window"
        done = []
        window.pipeline_finished.connect(done.append)
        window.open_folder({str(folder)!r})  # an empty folder: index runs, nothing to train
        while not done:
            qt.processEvents()
        assert done[0].startswith("No images found"), done
        window.close()
        assert "torch" not in sys.modules, "torch was imported"
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_app_starts_on_a_folder_and_exits_cleanly(tmp_path, hashview_home):
    """``hashview FOLDER``: logging, the crash hook, the window on the folder, then a clean exit."""
    folder = tmp_path / "empty photos"
    folder.mkdir()
    code = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        import hashview.app
        from hashview.ui.window.main_window import MainWindow

        qt = hashview.app.create_application()  # main() takes this one over
        seen = {{}}

        def watch():
            [window] = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
            seen["visible"] = window.isVisible()
            seen["title"] = window.windowTitle()
            seen["hook"] = sys.excepthook is not sys.__excepthook__

            def finished(message):
                seen["message"] = message
                window.close()  # the last window: the app quits and main() returns

            window.pipeline_finished.connect(finished)

        QTimer.singleShot(0, watch)
        status = hashview.app.main([{str(folder)!r}])
        assert status == 0, status
        assert seen["visible"] and seen["title"] == "empty photos — hashview", seen
        assert seen["hook"], "no crash hook installed"
        assert seen["message"].startswith("No images found"), seen
        assert qt.applicationName() and "torch" not in sys.modules
        print("started and closed")
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "started and closed"
    log = (hashview_home / "logs" / app.LOG_FILE).read_text(encoding="utf-8")
    assert "hashview 0.1.0 started" in log.replace(hashview.__version__, "0.1.0")
    assert f"opened library {folder}" in log


def test_an_uncaught_error_is_logged_and_shown_once_in_a_dialog(qtbot, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    interrupts = []
    monkeypatch.setattr(sys, "__excepthook__", lambda *info: interrupts.append(info[0]))
    log_path = tmp_path / "logs" / "hashview.log"
    app.install_excepthook(log_path)
    hook = sys.excepthook
    shown = []

    def read_and_close(box):
        assert isinstance(box, QMessageBox)
        shown.append((box.text(), box.informativeText(), box.detailedText()))
        hook(RuntimeError, RuntimeError("while the first is shown"), None)  # logged, no second dialog
        box.button(QMessageBox.StandardButton.Ok).click()

    seen = answer_next_dialog(read_and_close, kind=QMessageBox)
    try:
        raise ValueError("the disk is on fire")
    except ValueError:
        hook(*sys.exc_info())
    assert len(seen) == 1 and seen[0]["title"] == "hashview: unexpected error"
    [(text, informative, details)] = shown
    assert text == "ValueError: the disk is on fire"
    assert "hashview keeps running" in informative and str(log_path) in informative
    assert "Traceback" in details and 'raise ValueError("the disk is on fire")' in details
    assert "the disk is on fire" in caplog.text and "while the first is shown" in caplog.text

    seen = answer_next_dialog(lambda box: box.button(QMessageBox.StandardButton.Ok).click(), kind=QMessageBox)
    hook(KeyError, KeyError("again"), None)  # the dialog shows again once the first was closed
    assert len(seen) == 1
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)  # Ctrl-C is not a crash: Python's own hook
    assert interrupts == [KeyboardInterrupt]
