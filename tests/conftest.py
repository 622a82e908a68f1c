"""Test set-up: offscreen Qt, and a private hashview home for every test."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def hashview_home(tmp_path_factory, monkeypatch):
    """Point the cache, logs and settings at a fresh folder so tests never touch the user's."""
    home = tmp_path_factory.mktemp("hashview_home")
    monkeypatch.setenv("HASHVIEW_HOME", str(home))
    # the app refines the shipped network on each new library in the background (minutes of a real
    # run); the window tests open many small folders, so it is off here and on in its own tests
    (home / "settings.ini").write_text("[library]\nlearn_in_background=0\n", encoding="utf-8")
    return home


@pytest.fixture(autouse=True)
def empty_clipboard_after_test():
    """Leave nothing on the clipboard: Qt's offscreen platform segfaults at exit when the
    clipboard still owns a QMimeData set from Python (PySide6 6.11; xcb does not)."""
    yield
    import sys

    if "PySide6.QtGui" in sys.modules:
        from PySide6.QtGui import QGuiApplication

        if QGuiApplication.instance() is not None:
            QGuiApplication.clipboard().clear()


@pytest.fixture
def one_torch_thread():
    """Tiny networks train fastest on one thread and do not fight a busy machine's other jobs."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def private_trash(tmp_path, monkeypatch):
    """The real system trash, moved into the test's folder: Qt's freedesktop trash lives in
    $XDG_DATA_HOME/Trash for files on the home volume, so HOME and XDG_DATA_HOME point here
    (the test's files share the volume). Returns the trash folder (``files/``, ``info/``)."""
    home = tmp_path / "home"
    (home / ".local" / "share").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    return home / ".local" / "share" / "Trash"
