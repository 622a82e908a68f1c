"""The composition root: argv, logging, the crash hook, QApplication, main window.

``hashview COMMAND ...`` hands over to the headless CLI (which never loads Qt);
``hashview [FOLDER]`` opens the desktop app. Everything is wired here and
nowhere else, so views stay testable on their own. Nothing on the path to the
first window imports torch: the engine loads it inside workers when a network
is first needed.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QWidget

    from hashview.core.library import Library
    from hashview.core.runtime import RuntimeOptions

logger = logging.getLogger(__name__)

LOG_FILE = "hashview.log"

APP_ID = "io.github.hashview.hashview"
"""The desktop id: the ``.desktop`` file, the AppStream metainfo and the icon in ``packaging/`` bear it."""

ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
"""The PNG sizes of ``hashview/data/icons/`` (``packaging/render_icons.py`` draws them from the SVG)."""


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to a rotating file under ``paths.log_dir()`` (created now) and to stderr."""
    from hashview.core.paths import log_dir

    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    file_handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("hashview: %(levelname)s: %(message)s"))
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(file_handler)
    root.addHandler(console)
    return path


def install_excepthook(log_path: Path) -> None:
    """Log any uncaught exception and show it in a dialog instead of dying silently."""
    showing = False

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        nonlocal showing
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        logger.critical("uncaught exception", exc_info=(kind, value, tb))
        from PySide6.QtWidgets import QApplication, QMessageBox

        if showing or QApplication.instance() is None:
            return
        showing = True
        try:
            box = QMessageBox(QMessageBox.Icon.Critical, "hashview: unexpected error", f"{kind.__name__}: {value}")
            box.setInformativeText(f"hashview keeps running. Details are in the log:\n{log_path}")
            box.setDetailedText("".join(traceback.format_exception(kind, value, tb)))
            box.exec()
        finally:
            showing = False

    sys.excepthook = hook


def create_application() -> QApplication:
    """The QApplication, named so that QSettings finds the app's settings."""
    from PySide6.QtWidgets import QApplication

    from hashview import __version__
    from hashview.ui import settings

    existing = QApplication.instance()  # a QCoreApplication to the type checker; the app only makes QApplications
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0] if sys.argv else "hashview"])
    app.setOrganizationName(settings.ORGANISATION)
    app.setApplicationName(settings.APPLICATION)
    app.setApplicationDisplayName("hashview")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)  # Wayland finds the desktop file, and with it the icon, by this name
    app.setWindowIcon(window_icon())
    return app


def window_icon() -> QIcon:
    """The app's icon from its PNG sizes: no SVG plugin needed, and each size loads only when drawn."""
    from importlib import resources

    from PySide6.QtCore import QSize
    from PySide6.QtGui import QIcon

    icon = QIcon()
    folder = resources.files("hashview").joinpath("data", "icons")
    for size in ICON_SIZES:
        icon.addFile(str(folder.joinpath(f"hashview-{size}.png")), QSize(size, size))
    return icon


def quit_once_shown(app: QApplication, window: QWidget, poll_ms: int = 10) -> None:
    """Quit with status 0 once ``window`` is on screen, saying so on stdout.

    ``--exit-after-window`` uses it: ``packaging/build_app.py`` starts a built
    bundle this way and times it to its first window.
    """
    from PySide6.QtCore import QTimer

    def check() -> None:
        handle = window.windowHandle()
        if window.isVisible() and handle is not None and handle.isExposed():
            timer.stop()
            sys.stdout.write("hashview: window shown\n")
            sys.stdout.flush()
            app.quit()

    timer = QTimer(app)
    timer.setInterval(poll_ms)
    timer.timeout.connect(check)
    timer.start()


def read_runtime(environ: Mapping[str, str] = os.environ) -> RuntimeOptions:
    """The environment's ``HASHVIEW_*`` choices (``core/runtime.py``), read once for the app's whole run.

    They reach every library the app opens (``library_opener``), so its
    training runs get them as ``hashview train`` does. Reading them imports
    neither numpy nor the engine: the first window stays quick.

    Raises:
        OptionError: a variable whose text cannot be used (one line naming it).
    """
    from hashview.core.runtime import RuntimeOptions

    return RuntimeOptions.from_environ(environ)


def library_opener(runtime: RuntimeOptions) -> Callable[[Path], Library]:
    """What the window opens a folder with: ``Library.open`` with ``runtime``.

    The engine loads with the first folder (not on the way to the first
    window); the search engine and view processes ``runtime`` asks for are chosen then, before any job.
    """

    def open_library(folder: Path) -> Library:
        from hashview.core.hamming.search import set_kernel
        from hashview.core.library import Library
        from hashview.core.nets.view_processes import set_processes

        set_kernel(runtime.kernel)
        set_processes(runtime.view_processes)
        return Library.open(folder, runtime=runtime)

    return open_library


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="hashview",
        description="Browse a folder of photos by learned binary codes. "
        "Commands: index, train, encode, search, dups, eval (see 'hashview COMMAND --help').",
    )
    parser.add_argument("folder", nargs="?", type=Path, help="open the app on this folder")
    parser.add_argument(
        "--exit-after-window",
        action="store_true",
        help="quit once the window shows, printing 'hashview: window shown' (a start-up check for packagers)",
    )
    return parser.parse_args(argv)


def give_windowless_streams() -> None:
    """Give the app somewhere to write when it has no console.

    ``hashview`` is a GUI entry (``[project.gui-scripts]``): on Windows it runs
    under pythonw, where ``sys.stdout`` and ``sys.stderr`` are ``None`` and any
    write raises. There its one-line messages go nowhere instead; the log file
    still has what the log records.
    """
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process


CLI_GLOBAL_OPTIONS = ("-v", "--verbose")
"""Options of ``hashview`` itself that may stand before a command."""


def main(argv: list[str] | None = None) -> int:
    """Run a CLI command or the desktop app; returns the exit status."""
    give_windowless_streams()
    argv = list(sys.argv[1:] if argv is None else argv)
    # The command line's own options come before its command (`hashview -v index F`).
    command = next((a for a in argv if a not in CLI_GLOBAL_OPTIONS), None)
    if command is not None and not command.startswith("-"):
        from hashview import cli

        if command in cli.COMMANDS:
            return cli.main(argv)

    args = _parse(argv)
    if args.folder is not None and not args.folder.is_dir():
        sys.stderr.write(f"hashview: not a folder: {args.folder}\n")
        return 2
    from hashview.core.errors import OptionError

    try:
        runtime = read_runtime()
    except OptionError as exc:  # as the command line refuses it: before any window
        sys.stderr.write(f"hashview: {exc}\n")
        return 2

    log_path = setup_logging()
    from hashview.system_libraries import missing_message

    missing = missing_message()  # before Qt loads: its own message names one library, not the packages
    if missing is not None:
        sys.stderr.write(missing + "\n")
        return 1
    install_excepthook(log_path)

    from hashview import __version__
    from hashview.ui.widgets.theme import follow_system_scheme
    from hashview.ui.window.main_window import MainWindow

    app = create_application()
    follow_system_scheme(app)
    window = MainWindow(open_library=library_opener(runtime))
    window.show()
    if args.exit_after_window:
        quit_once_shown(app, window)
    if args.folder is not None:
        window.open_folder(args.folder)
    logger.info("hashview %s started", __version__)
    return app.exec()
