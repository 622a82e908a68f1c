"""Render hashview's SVG icon to the PNG sizes desktops and the window use.

    .venv/bin/python packaging/render_icons.py [--sheet PATH]

Reads ``hashview/data/icons/hashview.svg`` and writes ``hashview-N.png`` beside
it for N in 16, 32, 48, 64, 128, 256 and 512, with Qt's own SVG renderer
(PySide6-Essentials has QtSvg), offscreen, so no display is needed. The PNGs are
committed: the app loads them without the SVG plugin, and a packager copies them
to ``share/icons/hicolor/NxN/apps/``. ``--sheet`` also writes every size side by
side on light and dark backgrounds, to look at them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent / "hashview" / "data" / "icons"
SOURCE = ICONS / "hashview.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(size: int):
    """The icon as a transparent ``size`` x ``size`` QImage."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: cannot read {SOURCE}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def sheet(images: dict[int, object], path: Path) -> None:
    """Every size at 1:1, on a light row and a dark row."""
    from PySide6.QtGui import QColor, QImage, QPainter

    margin = 16
    width = sum(SIZES) + margin * (len(SIZES) + 1)
    height = 2 * (max(SIZES) + 2 * margin)
    out = QImage(width, height, QImage.Format.Format_ARGB32)
    painter = QPainter(out)
    for row, colour in enumerate(("#f4f4f4", "#2b2b2b")):
        top = row * height // 2
        painter.fillRect(0, top, width, height // 2, QColor(colour))
        x = margin
        for size in SIZES:
            painter.drawImage(x, top + margin, images[size])
            x += size + margin
    painter.end()
    out.save(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheet", type=Path, help="also write all sizes side by side to this PNG")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([])
    images = {size: render(size) for size in SIZES}
    for size, image in images.items():
        path = ICONS / f"hashview-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"render_icons: cannot write {path}")
        print(path.relative_to(ICONS.parent.parent.parent))
    if args.sheet:
        sheet(images, args.sheet)
        print(args.sheet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
