"""The composition root: CLI hand-over, bad folders, and a torch-free first window."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

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
        import hashview.ui.main_window
        from PySide6.QtWidgets import QApplication
        qt = QApplication([])
        window = hashview.ui.main_window.MainWindow()
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
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
