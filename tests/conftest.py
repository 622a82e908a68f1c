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
    return home
