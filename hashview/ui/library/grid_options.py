"""How the library grid shows its pictures: thumbnail size, sort order, the folder tree, remembered in the settings.

The choices are named (``"medium"``, ``"modified"``) rather than stored as
pixels or column numbers, so a setting written by one version still means
the same to the next, and an unknown or hand-edited value falls back to the
default instead of breaking the grid.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSettings

from hashview.ui import settings as app_settings

logger = logging.getLogger(__name__)

SIZE_KEY = "library/thumbnail_size"
SORT_KEY = "library/sort"
FOLDERS_KEY = "library/show_folders"

THUMBNAIL_SIZES = {"small": 120, "medium": 160, "large": 224}
"""Tile edge in pixels. The catalog stores thumbnails 256 px on their long side, so large stays sharp;
small is the search results' size, so the shared loader's tiles serve both unscaled."""
SIZE_TEXT = {"small": "Small", "medium": "Medium", "large": "Large"}

SORT_TEXT = {"folder": "Folder", "name": "Name", "modified": "Date modified", "size": "Size"}
"""The orders the grid offers, in the order the menus list them; folder (then name) is the default."""


def _name_key(entry: Any) -> tuple[str, str]:
    return (entry.relpath.rpartition("/")[2].casefold(), entry.relpath)


def _folder_key(entry: Any) -> tuple[str, tuple[str, str]]:
    # string cuts, not PurePosixPath: a path object per entry made sorting 100,000 entries take seconds
    folder, _, name = entry.relpath.rpartition("/")
    return ((folder or ".").casefold(), (name.casefold(), entry.relpath))


def _sort_keys() -> dict[str, Callable[[Any], Any]]:
    return {
        "name": _name_key,
        "modified": lambda e: (-int(e.mtime_ns), _name_key(e)),  # newest first: what changed is what one looks for
        "size": lambda e: (-int(e.size), _name_key(e)),  # largest first: what takes the room
        "folder": _folder_key,
    }


def sorted_entries(entries: Sequence[Any], order: str) -> list[Any]:
    """``entries`` (catalog entries: relpath, size, mtime_ns) in ``order``; an unknown order sorts by folder."""
    keys = _sort_keys()
    key = keys.get(order, keys["folder"])
    return sorted(entries, key=key)


def _choice(settings: QSettings, key: str, choices: dict[str, Any]) -> str:
    default = str(app_settings.DEFAULTS[key])
    value = str(settings.value(key, default) or default)
    if value not in choices:
        logger.info("ignoring %s=%r (not one of %s)", key, value, ", ".join(choices))
        return default
    return value


def thumbnail_size(settings: QSettings) -> str:
    """The remembered thumbnail size name (small, medium or large)."""
    return _choice(settings, SIZE_KEY, THUMBNAIL_SIZES)


def sort_order(settings: QSettings) -> str:
    """The remembered sort order (folder, name, modified or size)."""
    return _choice(settings, SORT_KEY, SORT_TEXT)


def folders_shown(settings: QSettings) -> bool:
    """Whether the folder tree shows beside the grid (on unless turned off)."""
    return app_settings.get_flag(settings, FOLDERS_KEY)
