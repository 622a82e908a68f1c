"""The platform's trash, through Qt: the one place hashview moves a file out of a library.

Both front ends use it (the explorer's trash button and ``hashview dups --trash
--yes``), with the checks of ``core.cleanup``. It needs only QtCore, no
application object and no display, so the command line can use it headless.

``QFile(path).moveToTrash()`` is the instance form on purpose: the static
``QFile.moveToTrash(name)`` returns a pair in some PySide6 releases and a plain
bool in others (6.11 among them), while the instance method returns a bool and
leaves the trash path in ``fileName()`` everywhere. Qt moves a symbolic link as
a link (it renames the directory entry), which ``core.cleanup`` relies on.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QFile, QStandardPaths

logger = logging.getLogger(__name__)


def _ensure_data_home() -> None:
    """Make sure the freedesktop data folder exists: Qt puts ``Trash/`` in it but will not create it."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        if location:
            Path(location).mkdir(parents=True, exist_ok=True)


def move_to_trash(path: Path) -> Path | None:
    """Move one file (or link) to the system trash; where it went, or None if the platform does not say.

    Raises:
        OSError: the platform refused (no trash on this volume, the file is gone, permissions...).
    """
    _ensure_data_home()
    file = QFile(str(path))
    if not file.moveToTrash():
        reason = file.errorString() or "no reason given"
        raise OSError(f"the system trash refused {path}: {reason}")
    where = file.fileName()
    return Path(where) if where and Path(where) != Path(path) else None
