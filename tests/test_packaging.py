"""Packaging: a GUI entry point, the desktop id everywhere, the icon, and a start-up a bundle can time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from hashview import app

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_hashview_is_a_gui_script_with_a_console_entry_beside_it():
    gui, console = project()["gui-scripts"], project()["scripts"]
    assert gui["hashview"] == "hashview.app:main"  # no console window on Windows
    assert "hashview" not in console
    assert console["hashview-cli"] == "hashview.cli:main"


def test_the_icons_ship_in_the_wheel():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    assert {"data/*.pt", "data/icons/*.svg", "data/icons/*.png"} <= set(data["hashview"])


def test_the_desktop_id_is_one_everywhere():
    desktop = PACKAGING / f"{app.APP_ID}.desktop"
    metainfo = PACKAGING / f"{app.APP_ID}.metainfo.xml"
    assert f"Icon={app.APP_ID}\n" in desktop.read_text(encoding="utf-8")
    text = metainfo.read_text(encoding="utf-8")
    assert f"<id>{app.APP_ID}</id>" in text
    assert f'<launchable type="desktop-id">{app.APP_ID}.desktop</launchable>' in text
    for name in ("duplicates.png", "search.png"):
        assert f"resources/screenshots/{name}</image>" in text
        assert (ROOT / "resources" / "screenshots" / name).exists()


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils is not installed")
def test_the_desktop_file_validates():
    done = subprocess.run(
        ["desktop-file-validate", str(PACKAGING / f"{app.APP_ID}.desktop")], capture_output=True, text=True
    )
    assert done.returncode == 0 and not done.stdout.strip(), done.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream is not installed")
def test_the_metainfo_validates():
    done = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(PACKAGING / f"{app.APP_ID}.metainfo.xml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_every_icon_size_is_there_at_its_size(qapp):
    folder = ROOT / "hashview" / "data" / "icons"
    assert (folder / "hashview.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in app.ICON_SIZES:
        image = QImage(str(folder / f"hashview-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_the_application_has_the_icon_and_the_desktop_name(qapp):
    made = app.create_application()
    icon = made.windowIcon()
    assert not icon.isNull()
    assert {s.width() for s in icon.availableSizes()} == set(app.ICON_SIZES)
    assert made.desktopFileName() == app.APP_ID


def test_exit_after_window_shows_the_window_then_quits(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HASHVIEW_HOME=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "hashview", "--exit-after-window"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["hashview: window shown"]


def test_without_a_console_the_app_still_answers(monkeypatch, tmp_path):
    """pythonw (the gui-script on Windows) gives no stdout or stderr: a message must not crash."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert app.main([str(tmp_path / "missing")]) == 2
