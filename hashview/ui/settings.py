"""Where the desktop app keeps its settings, declared once with their defaults.

Normally QSettings in the platform's place under the organisation/application
names that ``app.main`` sets. When ``HASHVIEW_HOME`` is set (tests, portable
installs) an INI file inside it, so a test never reads or writes the user's.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

logger = logging.getLogger(__name__)

ORGANISATION = "hashview"
APPLICATION = "hashview"

DEFAULTS: dict[str, int | str] = {
    "search/k": 50,  # how many results a query shows
    "search/radius": -1,  # show only results within this Hamming distance; -1: any distance
    "recent/max": 6,  # how many recent folders the welcome screen lists
    "duplicates/keep_rules": "",  # KeepPolicy JSON (rule order, preferred and reference folders); "": defaults
    "library/learn_in_background": 1,  # after a new library's scan, refine the shipped network on it (0: on request)
    "library/thumbnail_size": "medium",  # the grid's tiles: small, medium or large (library/grid_options.py)
    "library/show_folders": 1,  # the folder tree beside the grid (View ▸ Folders)
    "library/sort": "folder",  # the grid's order: folder (then name, as the catalog lists), name, modified or size
    "library/on_change": "notify",  # files changed in the folder: notify (a Rescan button), rescan (by itself), off
}


def open_settings() -> QSettings:
    """The app's settings store (an INI under HASHVIEW_HOME when that is set)."""
    home = os.environ.get("HASHVIEW_HOME")
    if home:
        return QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings(ORGANISATION, APPLICATION)


def get_int(settings: QSettings, key: str) -> int:
    """An integer setting, falling back to its declared default."""
    # QSettings gives back whatever was stored (an int, or a str from an INI file): Any; int() checks it.
    value: Any = settings.value(key, DEFAULTS[key])
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(DEFAULTS[key])


def get_flag(settings: QSettings, key: str) -> bool:
    """A yes/no setting (stored as 1 or 0; an INI file's "true" and "false" read too)."""
    value: Any = settings.value(key, DEFAULTS[key])
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    try:
        return bool(int(value))
    except (TypeError, ValueError):
        return bool(DEFAULTS[key])


def get_radius(settings: QSettings) -> int | None:
    """The search radius, or None for "any distance"."""
    radius = get_int(settings, "search/radius")
    return None if radius < 0 else radius


def recent_folders(settings: QSettings) -> list[Path]:
    """Recently opened folders that still exist, newest first."""
    try:
        names = json.loads(str(settings.value("recent/folders", "[]")))
    except ValueError:
        names = []
    return [Path(n) for n in names if isinstance(n, str) and Path(n).is_dir()]


def remember_folder(settings: QSettings, folder: Path) -> None:
    """Put ``folder`` first in the recent list (stored as JSON: QSettings lists are lossy)."""
    names = [str(folder)] + [str(p) for p in recent_folders(settings) if p != folder]
    settings.setValue("recent/folders", json.dumps(names[: get_int(settings, "recent/max")]))
