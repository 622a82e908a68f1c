"""What the grid's context menu does with a file outside hashview: open it, show it in its folder, copy its path.

Opening goes through ``QDesktopServices.openUrl`` (the platform's default
application: xdg-open on Linux). Revealing selects the file where the platform
has a way to (Explorer's ``/select,``, Finder's ``open -R``); elsewhere (Linux
and the BSDs, where file managers share no command line for it) it opens the
containing folder. The opener and the process starter are parameters so a
test can check the URL or command built without launching anything.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

logger = logging.getLogger(__name__)

UrlOpener = Callable[[QUrl], bool]
ProcessStarter = Callable[[str, list[str]], bool]


def start_detached(program: str, arguments: list[str]) -> bool:
    started, _pid = QProcess.startDetached(program, arguments)
    return bool(started)


def open_file(path: Path, opener: UrlOpener = QDesktopServices.openUrl) -> bool:
    """Open ``path`` in the application the desktop associates with it; False if none would."""
    ok = opener(QUrl.fromLocalFile(str(path)))
    if not ok:
        logger.warning("no application opened %s", path)
    return bool(ok)


def reveal_in_file_manager(
    path: Path,
    opener: UrlOpener = QDesktopServices.openUrl,
    start: ProcessStarter = start_detached,
    platform: str = sys.platform,
) -> bool:
    """Show ``path`` in the file manager: selected on Windows and macOS, its folder opened elsewhere."""
    path = Path(path)
    if platform.startswith("win"):
        return start("explorer.exe", [f"/select,{path}"])
    if platform == "darwin":
        return start("open", ["-R", str(path)])
    return bool(opener(QUrl.fromLocalFile(str(path.parent))))


def copy_paths(paths: Sequence[Path]) -> str:
    """Put ``paths`` on the clipboard as text, one per line; returns the text."""
    text = "\n".join(str(p) for p in paths)
    QGuiApplication.clipboard().setText(text)
    return text
