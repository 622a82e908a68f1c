"""Where hashview keeps its files: functions, never created at import time.

Tests and portable installs point everything elsewhere with the
``HASHVIEW_HOME`` environment variable; otherwise platformdirs decides.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

APP_NAME = "hashview"


def _home_override() -> Path | None:
    home = os.environ.get("HASHVIEW_HOME")
    return Path(home) if home else None


def cache_root() -> Path:
    """The folder holding every library's catalog, codes and networks."""
    home = _home_override()
    if home is not None:
        return home / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def data_root() -> Path:
    """The folder for what the user made and hashview cannot rebuild (their duplicate decisions).

    Apart from the cache on purpose: deleting the cache to recover from a fault
    must never lose the user's own work.
    """
    home = _home_override()
    if home is not None:
        return home / "data"
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """The folder for log files (crashes and worker errors land here)."""
    home = _home_override()
    if home is not None:
        return home / "logs"
    import platformdirs

    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def library_key(root: Path) -> str:
    """A stable short key for a library root (its resolved absolute path)."""
    resolved = str(Path(root).expanduser().resolve())
    return hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def library_dir(root: Path) -> Path:
    """The cache folder of one library, keyed by its root. Not created here."""
    return cache_root() / "libraries" / library_key(root)


def decisions_path(root: Path) -> Path:
    """The decisions file of one library (outside the cache, keyed like it). Not created here."""
    return data_root() / "libraries" / library_key(root) / "decisions.jsonl"
