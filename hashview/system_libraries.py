"""The system libraries Qt needs on Linux, and one message naming the packages that bring them.

PySide6's wheels carry Qt but not the X11, OpenGL and font libraries Qt links to.
A minimal Debian lacks several of them (``libxcb-icccm4`` and ``libxcb-keysyms1``
among others), and Qt then stops with a message that names its xcb plugin or one
library, not what to install. ``missing_message`` names every missing library's
package in one ``sudo apt install`` line instead; ``app.py`` prints it before Qt
is imported, and ``dev.py`` prints it before it downloads anything.

The lists are the ``NEEDED`` entries of PySide6 6.11's ``libQt6Gui``,
``libQt6DBus``, ``libQt6XcbQpa`` and ``plugins/platforms/libqxcb.so``, minus the
C and C++ runtimes every system has; ``tests/test_system_libraries.py`` reads the
installed plugin again and fails when a new PySide6 needs a library not listed here.
Pure Python and standard library only (``dev.py`` imports it before the
environment exists); a check costs a few ``dlopen`` calls of libraries Qt loads
next anyway, a few milliseconds in all.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemLibrary:
    """A shared library by the name the loader looks for, and the Debian/Ubuntu package that has it."""

    soname: str
    package: str


QT_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libGL.so.1", "libgl1"),
    SystemLibrary("libEGL.so.1", "libegl1"),
    SystemLibrary("libxkbcommon.so.0", "libxkbcommon0"),
    SystemLibrary("libX11.so.6", "libx11-6"),
    SystemLibrary("libglib-2.0.so.0", "libglib2.0-0"),
    SystemLibrary("libgthread-2.0.so.0", "libglib2.0-0"),
    SystemLibrary("libfontconfig.so.1", "libfontconfig1"),
    SystemLibrary("libfreetype.so.6", "libfreetype6"),
    SystemLibrary("libdbus-1.so.3", "libdbus-1-3"),
)
"""What Qt's GUI libraries need on any platform, the offscreen one of the tests included."""

XCB_LIBRARIES: tuple[SystemLibrary, ...] = (
    SystemLibrary("libxcb.so.1", "libxcb1"),
    SystemLibrary("libX11-xcb.so.1", "libx11-xcb1"),
    SystemLibrary("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    SystemLibrary("libxcb-cursor.so.0", "libxcb-cursor0"),
    SystemLibrary("libxcb-icccm.so.4", "libxcb-icccm4"),
    SystemLibrary("libxcb-util.so.1", "libxcb-util1"),
    SystemLibrary("libxcb-image.so.0", "libxcb-image0"),
    SystemLibrary("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    SystemLibrary("libxcb-randr.so.0", "libxcb-randr0"),
    SystemLibrary("libxcb-render.so.0", "libxcb-render0"),
    SystemLibrary("libxcb-render-util.so.0", "libxcb-render-util0"),
    SystemLibrary("libxcb-shape.so.0", "libxcb-shape0"),
    SystemLibrary("libxcb-shm.so.0", "libxcb-shm0"),
    SystemLibrary("libxcb-sync.so.1", "libxcb-sync1"),
    SystemLibrary("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    SystemLibrary("libxcb-xkb.so.1", "libxcb-xkb1"),
)
"""What Qt's xcb platform plugin (a window on X11 or XWayland) needs besides ``QT_LIBRARIES``."""


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds ``soname`` as Qt's own ``dlopen`` would.

    Loading is the one answer that matches the loader's (``LD_LIBRARY_PATH``, the
    cache, a bundle's own folder); the libraries found stay loaded, as Qt loads
    them a moment later anyway.
    """
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(environ: Mapping[str, str]) -> bool:
    """Whether Qt will open its window through the xcb plugin under this environment.

    ``QT_QPA_PLATFORM`` decides when it is set (``offscreen`` for the tests needs
    no X libraries); otherwise Qt 6 tries Wayland first in a Wayland session and
    X11 everywhere else.
    """
    platform = environ.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return not (environ.get("XDG_SESSION_TYPE") == "wayland" and environ.get("WAYLAND_DISPLAY"))


def needed_libraries(environ: Mapping[str, str] = os.environ) -> tuple[SystemLibrary, ...]:
    """The libraries Qt needs to open a window under ``environ``; none off Linux."""
    if not sys.platform.startswith("linux"):
        return ()
    return QT_LIBRARIES + XCB_LIBRARIES if uses_xcb(environ) else QT_LIBRARIES


def missing_libraries(
    libraries: Iterable[SystemLibrary], loadable: Callable[[str], bool] | None = None
) -> list[SystemLibrary]:
    """Those of ``libraries`` the loader cannot find.

    ``loadable`` is the lookup, ``can_load`` unless given (read at call time, so a
    test may replace the module's ``can_load`` and run the app's own start-up).
    """
    lookup = loadable if loadable is not None else can_load
    return [library for library in libraries if not lookup(library.soname)]


def install_message(missing: Iterable[SystemLibrary]) -> str:
    """The one message naming the missing libraries and the ``apt`` line that installs them."""
    missing = list(missing)
    packages = list(dict.fromkeys(library.package for library in missing))
    names = ", ".join(library.soname for library in missing)
    return (
        f"hashview: Qt cannot open a window: the system libraries {names} are missing.\n"
        f"On Debian or Ubuntu install them with:\n"
        f"    sudo apt install {' '.join(packages)}\n"
        f"(on other systems, install the packages that provide these libraries)"
    )


def missing_message(
    environ: Mapping[str, str] = os.environ, loadable: Callable[[str], bool] | None = None
) -> str | None:
    """The install message when a library Qt needs under ``environ`` is missing; ``None`` when all are there."""
    missing = missing_libraries(needed_libraries(environ), loadable)
    if not missing:
        return None
    logger.info("missing system libraries: %s", ", ".join(library.soname for library in missing))
    return install_message(missing)
