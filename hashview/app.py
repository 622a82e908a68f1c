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
    from PySide6.QtWidgets import QApplication

    from hashview.core.library import Library
    from hashview.core.runtime import RuntimeOptions

logger = logging.getLogger(__name__)

LOG_FILE = "hashview.log"


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
    return app


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
    window); the search engine ``runtime`` asks for is chosen then, before any search.
    """

    def open_library(folder: Path) -> Library:
        from hashview.core.hamming.search import set_kernel
        from hashview.core.library import Library

        set_kernel(runtime.kernel)
        return Library.open(folder, runtime=runtime)

    return open_library


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="hashview",
        description="Browse a folder of photos by learned binary codes. "
        "Commands: index, train, encode, search, dups, eval (see 'hashview COMMAND --help').",
    )
    parser.add_argument("folder", nargs="?", type=Path, help="open the app on this folder")
    return parser.parse_args(argv)


CLI_GLOBAL_OPTIONS = ("-v", "--verbose")
"""Options of ``hashview`` itself that may stand before a command."""


def main(argv: list[str] | None = None) -> int:
    """Run a CLI command or the desktop app; returns the exit status."""
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
    install_excepthook(log_path)

    from hashview import __version__
    from hashview.ui.widgets.theme import follow_system_scheme
    from hashview.ui.window.main_window import MainWindow

    app = create_application()
    follow_system_scheme(app)
    window = MainWindow(open_library=library_opener(runtime))
    window.show()
    if args.folder is not None:
        window.open_folder(args.folder)
    logger.info("hashview %s started", __version__)
    return app.exec()
