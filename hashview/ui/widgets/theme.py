"""Light and dark mode that follow the system.

Qt 6.5+ reports the system's colour scheme (``styleHints().colorScheme()``)
and most platform styles switch their palette themselves. Where the palette
does not follow (Fusion on some Linux desktops, or a forced scheme), a dark
Fusion palette is applied. Custom-painted parts (thumbnail placeholders,
empty-view text, plots) read the palette, so they follow too.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

logger = logging.getLogger(__name__)


def dark_palette() -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, c in (
        (role.Window, "#2b2b2e"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1f1f22"),
        (role.AlternateBase, "#2b2b2e"),
        (role.ToolTipBase, "#3a3a3e"),
        (role.ToolTipText, "#e6e6e6"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#353539"),
        (role.ButtonText, "#e6e6e6"),
        (role.BrightText, "#ff6b6b"),
        (role.Highlight, "#3d8fd6"),
        (role.HighlightedText, "#ffffff"),
        (role.Link, "#6cb4ff"),
        (role.PlaceholderText, "#9a9aa0"),
        (role.Mid, "#55555a"),
    ):
        p.setColor(r, QColor(c))
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor("#7a7a80"))
    return p


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_color_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> bool:
    """Make the palette match ``scheme`` (default: the system's); True when dark."""
    scheme = app.styleHints().colorScheme() if scheme is None else scheme
    want_dark = scheme == Qt.ColorScheme.Dark
    if want_dark and not is_dark(app.palette()):
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif not want_dark and is_dark(app.palette()) and scheme == Qt.ColorScheme.Light:
        app.setPalette(app.style().standardPalette())
    logger.info("colour scheme: %s", "dark" if want_dark else "light")
    return want_dark


def follow_system_scheme(app: QApplication) -> None:
    """Apply the system's scheme now and whenever it changes."""
    apply_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_color_scheme(app, scheme))
