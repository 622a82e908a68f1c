"""What a person does with a found picture: open it, show it in its folder, copy its path.

Also the clipboard as a query source: an image copied from a browser or an
editor is saved to a temporary PNG (the engine encodes files), copied files
are used as they are.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QMimeData, QProcess, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QImage

from hashview.core import paths
from hashview.ui.search.query_panel import image_paths

logger = logging.getLogger(__name__)


def open_in_viewer(path: Path) -> bool:
    """Open ``path`` in the system's default viewer."""
    logger.info("opening %s", path)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def reveal_command(path: Path, platform: str = sys.platform) -> tuple[str, list[str]] | None:
    """The program that shows ``path`` selected in the file manager, or None to open its folder."""
    if platform == "darwin":
        return "open", ["-R", str(path)]
    if platform.startswith("win"):
        return "explorer", [f"/select,{path}"]
    return None


def reveal_in_file_manager(path: Path) -> bool:
    """Show ``path`` in the file manager: selected where the platform can, else its folder."""
    command = reveal_command(path)
    if command is not None and QProcess.startDetached(*command)[0]:
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(path).parent)))


def copy_paths(paths: Sequence[Path]) -> str:
    """Put the paths (one a line) and their file URLs on the clipboard; returns the text."""
    text = "\n".join(str(p) for p in paths)
    mime = QMimeData()
    mime.setText(text)
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    QGuiApplication.clipboard().setMimeData(mime)
    return text


def paths_from_clipboard(mime: QMimeData | None = None, folder: Path | None = None) -> list[Path]:
    """Image files to use as a query from the clipboard (or ``mime``): copied files, or a pasted image.

    A pasted image is written as PNG into ``folder`` (default: a hashview
    temporary folder), since the engine encodes files.
    """
    mime = mime if mime is not None else QGuiApplication.clipboard().mimeData()
    if mime is None:
        return []
    files = image_paths(mime)
    if files:
        return files
    if not mime.hasImage():
        return []
    image = mime.imageData()
    if not isinstance(image, QImage) or image.isNull():
        return []
    folder = Path(folder) if folder is not None else paths.cache_root() / "pasted"
    folder.mkdir(parents=True, exist_ok=True)
    _forget_old_pastes(folder)
    with tempfile.NamedTemporaryFile(dir=folder, prefix="pasted-", suffix=".png", delete=False) as fh:
        target = Path(fh.name)
    # The stub types the C++ `const char *format` as bytes, but the binding accepts only str (bytes: ValueError).
    if not image.save(str(target), "PNG"):  # type: ignore[call-overload]
        logger.warning("cannot save the pasted image to %s", target)
        return []
    logger.info("pasted image saved to %s", target)
    return [target]


PASTE_KEPT_SECONDS = 24 * 3600
"""A pasted query picture is kept this long (its results may still be on screen), then removed."""


def _forget_old_pastes(folder: Path) -> None:
    """Remove our own pasted pictures older than ``PASTE_KEPT_SECONDS``: nobody else ever cleans them."""
    cutoff = time.time() - PASTE_KEPT_SECONDS
    for old in folder.glob("pasted-*.png"):
        try:
            if old.is_file() and not old.is_symlink() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError as exc:
            logger.debug("cannot remove the old pasted picture %s: %s", old, exc)
