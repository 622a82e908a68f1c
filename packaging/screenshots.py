"""Screenshots of the real app on a real folder, for the README and for review.

Run under a virtual display, e.g.::

    xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python packaging/screenshots.py \\
        /tmp/photos resources/screenshots

It opens the main window (welcome screen), opens FOLDER and waits until
indexing, training and encoding have finished and the visible thumbnails have
loaded, then runs a query through the same slot a drop calls, and saves
``welcome.png``, ``progress.png`` (while indexing, if it was slow enough to catch),
``library.png``, ``search.png``, ``search-controls.png``, then trains from the
training panel: ``training-running.png`` (dupnet, cancelled after three
epochs), ``networks.png``, ``switch-question.png`` (the question a run from the panel
ends with) and ``training-done.png`` (a finished pcah run). The cache lives in a fresh
temporary HASHVIEW_HOME unless ``--keep-home`` is given, so every run shows the
whole first-run flow.

``--duplicates`` shoots the duplicates explorer instead of search and training.
``--dialogs`` shoots the dialogs and the dark mode instead and trains no deep
network: it reuses the library's network when the home has one (``--keep-home``
on the home of an earlier run), trains itq (about a second) on a fresh home, and
adds a pcah run (seconds) for the networks panel. It writes ``dark.png`` (the
library and a search after Qt reported the system's scheme as dark),
``error.png`` (a real worker error: importing a truncated network file),
``about.png`` (versions and device), ``keep-rules.png`` (the duplicates
explorer's keep rules) and ``networks.png`` (the pcah run next to the library's
network), and leaves the other screenshots alone::

    HASHVIEW_HOME=/tmp/hashview-shots-XXXX xvfb-run -a -s "-screen 0 1400x900x24" \\
        .venv/bin/python packaging/screenshots.py /tmp/photos --keep-home --dialogs
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

logger = logging.getLogger("hashview.screenshots")

SIZE = (1360, 840)


def spin_until(predicate, timeout_s: float) -> bool:
    """Run the Qt event loop until ``predicate()`` is true or time runs out."""
    from PySide6.QtCore import QEventLoop, QTimer

    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        QTimer.singleShot(25, loop.quit)
        loop.exec()
    return True


def thumbnails_loaded(view) -> bool:
    """Whether every item currently on screen in ``view`` shows its thumbnail."""
    from hashview.ui.widgets.thumbnails import Roles

    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row)
        if not view.visualRect(index).intersects(view.viewport().rect()):
            continue
        index.data(0x1)  # DecorationRole: asks the loader if it has not yet
        if not index.data(Roles.ThumbnailReady):
            return False
    return True


def save(window, path: Path) -> None:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    pixmap = window.grab()
    if not pixmap.save(str(path)):
        raise SystemExit(f"screenshots: cannot write {path}")
    logger.info("saved %s (%dx%d)", path, pixmap.width(), pixmap.height())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=Path("resources/screenshots"))
    parser.add_argument("--query", type=Path, help="image to search for (default: a file of FOLDER)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the pipeline")
    parser.add_argument("--keep-home", action="store_true", help="use the existing HASHVIEW_HOME")
    parser.add_argument(
        "--duplicates",
        action="store_true",
        help="after the library, shoot the duplicates explorer (duplicates*.png) instead of search",
    )
    parser.add_argument(
        "--dialogs",
        action="store_true",
        help="shoot the dialogs, the dark mode and the networks panel instead (no deep training)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)6.0f ms %(name)s: %(message)s")
    if not args.folder.is_dir():
        sys.stderr.write(f"screenshots: not a folder: {args.folder}\n")
        return 2
    if not args.keep_home:
        os.environ["HASHVIEW_HOME"] = tempfile.mkdtemp(prefix="hashview-shots-")
        # the views shot here wait on no background learning (the learning has its own shots: learning.png)
        Path(os.environ["HASHVIEW_HOME"], "settings.ini").write_text("[library]\nlearn_in_background=0\n")
    args.out.mkdir(parents=True, exist_ok=True)

    from hashview.app import create_application
    from hashview.ui.window.main_window import MainWindow

    app = create_application()
    if args.dialogs:
        from hashview.ui.widgets.theme import follow_system_scheme

        follow_system_scheme(app)  # as the app does: dark.png switches the scheme the same way
    # a library with no network yet gets a shallow one in the dialogs run (seconds, not a deep training)
    window = MainWindow(first_training={"method": "itq", "bits": 64} if args.dialogs else None)
    window.resize(*SIZE)
    window.show()
    spin_until(lambda: window.isVisible(), 5)
    spin_until(lambda: False, 0.3)  # let the first paint settle
    if args.dialogs:  # a kept home restores the docks of its last run: start from the plain window
        for dock in (window.training_dock, window.networks_dock):
            dock.hide()
    else:
        save(window, args.out / "welcome.png")

    outcome: list[str] = []
    window.pipeline_finished.connect(outcome.append)
    if not window.open_folder(args.folder):
        sys.stderr.write(f"screenshots: {window.statusBar().currentMessage()}\n")
        return 1
    bar = window.progress._bar
    if spin_until(lambda: outcome or (bar.maximum() > 0 and bar.value() > 0), args.timeout) and not outcome:
        spin_until(lambda: False, 0.2)
        if not args.dialogs:
            save(window, args.out / "progress.png")
    if not spin_until(lambda: outcome, args.timeout):
        sys.stderr.write("screenshots: the pipeline did not finish in time\n")
        return 1
    logger.info("pipeline: %s", outcome[0])
    if not window.ready:
        sys.stderr.write(f"screenshots: {outcome[0]}\n")
        return 1
    spin_until(lambda: thumbnails_loaded(window.library_view), 60)
    if args.dialogs:
        code = dialog_shots(app, window, args.out, args.query, args.timeout)
        window.close()
        app.quit()
        return code
    save(window, args.out / "library.png")
    if args.duplicates:
        code = duplicates_shots(window, args.out)
        window.close()
        app.quit()
        return code

    if not drop_query(window, args.query):
        return 1
    save(window, args.out / "search.png")

    # search controls: top 12 within radius 12, first result current
    window.search_panel.set_limits(12, 12)
    results: list = []
    window.results_shown.connect(results.append)
    window.search_again()
    spin_until(lambda: results, 120)
    spin_until(lambda: thumbnails_loaded(window.results_view), 30)
    save(window, args.out / "search-controls.png")

    # training panel mid-training: a real run of the default deep method on the same photos,
    # captured once a few epochs have drawn their precision-recall curves, then cancelled
    window.training_dock.show()
    window.training_dock.raise_()
    panel = window.training_panel
    panel.set_options({"method": "dupnet", "bits": None, "device": "auto", "labels": "none"})  # its own 128 bits
    from hashview.core.events import EpochDone

    epochs: list = []
    window.jobs.event_received.connect(lambda step, event: isinstance(event, EpochDone) and epochs.append(event))
    ended: list = []
    window.networks.training_ended.connect(ended.append)
    panel.request_start()
    spin_until(lambda: ended or len(epochs) >= 3, args.timeout)
    spin_until(lambda: False, 0.5)  # let the throttled plots redraw
    save(window, args.out / "training-running.png")
    window.jobs.cancel()
    spin_until(lambda: ended, args.timeout)

    window.networks_dock.show()
    window.networks_dock.raise_()
    spin_until(lambda: False, 0.2)
    save(window, args.out / "networks.png")

    # training panel after a quick shallow run (PCA hashing of raw pixels, seconds)
    window.training_dock.show()
    window.training_dock.raise_()
    panel.set_options({"method": "pcah", "bits": 32, "backbone": "pixels", "labels": "none"})
    ended.clear()
    answer_switch_question(args.out / "switch-question.png")
    panel.request_start()
    spin_until(lambda: ended, args.timeout)
    spin_until(lambda: False, 0.2)
    save(window, args.out / "training-done.png")
    window.close()
    app.quit()
    return 0


def answer_switch_question(shot: Path | None = None) -> None:
    """Answer the "Use the new network?" question a run from the training panel ends with (saving it to
    ``shot`` first): it is modal, and a screenshot run would wait on it for ever. Polls until it shows."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.windowTitle() != "Use the new network?":
            QTimer.singleShot(50, poll)
            return
        if shot is not None:
            save(box, shot)
        next(b for b in box.buttons() if b.text() == "Use the new network").click()

    QTimer.singleShot(50, poll)


def drop_query(window, query: Path | None) -> bool:
    """Search for ``query`` (default: the library's fifth photo) as a drop would; False on no results."""
    if query is None:
        query = window.library_model.index(min(4, window.library_model.rowCount() - 1)).data(0x0100 + 2)
    results: list = []
    window.results_shown.connect(results.append)
    window.query_panel.submit([Path(query)])  # exactly what a drop on the panel calls
    if not spin_until(lambda: results, 120):
        sys.stderr.write(f"screenshots: no results: {window.statusBar().currentMessage()}\n")
        return False
    spin_until(lambda: thumbnails_loaded(window.results_view), 60)
    spin_until(lambda: thumbnails_loaded(window.library_view), 10)
    return True


def save_dialog(dialog, path: Path) -> None:
    """Grab ``dialog`` as a person sees it: shown, laid out and painted."""
    spin_until(lambda: dialog.isVisible(), 5)
    spin_until(lambda: False, 0.3)
    save(dialog, path)


def dialog_shots(app, window, out: Path, query: Path | None, timeout: float) -> int:
    """Dark mode, a worker error, About, the keep rules and the networks panel; no deep training.

    Dark mode is switched the way the system does it: Qt's ``colorSchemeChanged``
    signal, which ``theme.follow_system_scheme`` listens to (under Xvfb there is
    no platform theme to ask, and ``QStyleHints.setColorScheme`` has no effect).
    """
    import shutil

    from PySide6.QtCore import Qt

    from hashview.core.duplicates.keep_rules import KeepPolicy
    from hashview.ui.widgets import dialogs

    # dark mode: the library and a search, after the system turned dark
    if not drop_query(window, query):
        return 1
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    spin_until(lambda: False, 0.3)
    spin_until(lambda: thumbnails_loaded(window.results_view) and thumbnails_loaded(window.library_view), 30)
    save(window, out / "dark.png")
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    spin_until(lambda: False, 0.3)

    # a worker error: importing a network file that was cut short (an interrupted copy)
    network = window.library.networks.current()
    broken = Path(tempfile.mkdtemp(prefix="hashview-shots-import-")) / f"{network.name}-from-laptop.pt"
    data = Path(network.path).read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    errors: list = []
    window.error_reported.connect(errors.append)
    window.networks.import_network(broken)
    if not spin_until(lambda: errors, timeout):
        sys.stderr.write("screenshots: importing a broken network file reported no error\n")
        return 1
    save_dialog(window.error_dialog, out / "error.png")
    window.error_dialog.close()
    shutil.rmtree(broken.parent, ignore_errors=True)

    # About: torch is loaded by now (the import above), so it names torch and the device
    box = dialogs.show_about(window)
    save_dialog(box, out / "about.png")
    box.close()

    # the keep rules of the duplicates explorer, with folders filled in as a person would
    controller = window.duplicates
    root = Path(window.library.root)
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    controller.policy = KeepPolicy(
        ("folder", "resolution", "oldest"), tuple(folders[-1:]) + tuple(folders[:1]), tuple(folders[-1:])
    )
    controller.edit_rules()
    dialog = controller.rules_dialog
    dialog.rules.setCurrentRow(0)
    save_dialog(dialog, out / "keep-rules.png")
    dialog.reject()

    # the networks panel once a quick shallow run (PCA hashing of raw pixels) sits beside the library's network
    ended: list = []
    window.networks.training_ended.connect(ended.append)
    window.training_panel.set_options({"method": "pcah", "bits": 32, "backbone": "pixels", "labels": "none"})
    answer_switch_question()
    window.training_panel.request_start()
    if not spin_until(lambda: ended, timeout):
        sys.stderr.write("screenshots: the pcah run did not end in time\n")
        return 1
    window.networks_dock.show()
    window.networks_dock.raise_()
    spin_until(lambda: False, 0.3)
    save(window, out / "networks.png")
    return 0


def duplicates_shots(window, out: Path) -> int:
    """The explorer on the open library: groups and compare, synced zoom, difference, confirmation.

    Picks a group with an edited copy (a caption or a crop shows best in the
    difference). The trash confirmation is shot and then cancelled: nothing moves.
    """
    controller = window.duplicates
    explorer = controller.explorer
    scanned: list = []
    controller.scanned.connect(scanned.append)
    controller.show_explorer()
    if not spin_until(lambda: scanned, 300):
        sys.stderr.write(f"screenshots: no duplicate scan: {explorer.status.text()}\n")
        return 1
    shown: list = []
    explorer.compare_shown.connect(lambda *pair: shown.append(pair))
    model = explorer.groups_model
    wanted = ("caption", "crop", "border", "messenger")
    rows = [
        r
        for r in range(model.rowCount())
        if any(w in Path(m.path).name for m in model.group(r).members for w in wanted)
    ]
    small = [r for r in rows if len(model.group(r).members) <= 6]  # a true group reads best
    row = (small or rows or [0])[0]
    explorer.select_group(row)
    group = explorer.current_group()
    member = next((i for i, m in enumerate(group.members) if any(w in Path(m.path).name for w in wanted)), 1)
    shown.clear()
    explorer.select_member(member)
    spin_until(lambda: shown, 30)
    spin_until(lambda: thumbnails_loaded(explorer.groups_view) and thumbnails_loaded(explorer.members_view), 60)
    save(window, out / "duplicates.png")
    explorer.left.set_zoom(3.0)
    spin_until(lambda: False, 0.2)
    save(window, out / "duplicates-zoom.png")
    explorer.left.set_zoom(1.0)
    diffs: list = []
    explorer.difference_shown.connect(diffs.append)
    explorer.diff_button.click()
    spin_until(lambda: diffs, 60)
    save(window, out / "duplicates-difference.png")
    explorer.diff_button.click()
    dialog = controller.request_trash(explorer.current_group())
    if dialog is not None:
        spin_until(lambda: dialog.isVisible(), 5)
        spin_until(lambda: False, 0.2)
        save(dialog, out / "duplicates-trash-confirm.png")
        dialog.reject()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
