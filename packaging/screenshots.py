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
epochs), ``networks.png`` and ``training-done.png`` (a finished pcah run). The cache lives in a fresh
temporary HASHVIEW_HOME unless ``--keep-home`` is given, so every run shows the
whole first-run flow.
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
    from hashview.ui.thumbnail_model import Roles

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
    parser.add_argument("--duplicates", action="store_true",
                        help="after the library, shoot the duplicates explorer (duplicates*.png) instead of search")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(relativeCreated)6.0f ms %(name)s: %(message)s")
    if not args.folder.is_dir():
        sys.stderr.write(f"screenshots: not a folder: {args.folder}\n")
        return 2
    if not args.keep_home:
        os.environ["HASHVIEW_HOME"] = tempfile.mkdtemp(prefix="hashview-shots-")
    args.out.mkdir(parents=True, exist_ok=True)

    from hashview.app import create_application
    from hashview.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    spin_until(lambda: window.isVisible(), 5)
    spin_until(lambda: False, 0.3)  # let the first paint settle
    save(window, args.out / "welcome.png")

    outcome: list[str] = []
    window.pipeline_finished.connect(outcome.append)
    if not window.open_folder(args.folder):
        sys.stderr.write(f"screenshots: {window.statusBar().currentMessage()}\n")
        return 1
    bar = window.progress._bar
    if spin_until(lambda: outcome or (bar.maximum() > 0 and bar.value() > 0), args.timeout) and not outcome:
        spin_until(lambda: False, 0.2)
        save(window, args.out / "progress.png")
    if not spin_until(lambda: outcome, args.timeout):
        sys.stderr.write("screenshots: the pipeline did not finish in time\n")
        return 1
    logger.info("pipeline: %s", outcome[0])
    if not window.ready:
        sys.stderr.write(f"screenshots: {outcome[0]}\n")
        return 1
    spin_until(lambda: thumbnails_loaded(window.library_view), 60)
    save(window, args.out / "library.png")
    if args.duplicates:
        code = duplicates_shots(window, args.out)
        window.close()
        app.quit()
        return code

    query = args.query
    if query is None:
        query = window.library_model.index(min(4, window.library_model.rowCount() - 1)).data(0x0100 + 2)
    results: list = []
    window.results_shown.connect(results.append)
    window.query_panel.submit([Path(query)])  # exactly what a drop on the panel calls
    if not spin_until(lambda: results, 120):
        sys.stderr.write(f"screenshots: no results: {window.statusBar().currentMessage()}\n")
        return 1
    spin_until(lambda: thumbnails_loaded(window.results_view), 60)
    spin_until(lambda: thumbnails_loaded(window.library_view), 10)
    save(window, args.out / "search.png")

    # search controls: top 12 within radius 12, first result current
    window.search_panel.set_limits(12, 12)
    results.clear()
    window.search_again()
    spin_until(lambda: results, 120)
    spin_until(lambda: thumbnails_loaded(window.results_view), 30)
    save(window, args.out / "search-controls.png")

    # training panel mid-training: a real run of the default deep method on the same photos,
    # captured once a few epochs have drawn their precision-recall curves, then cancelled
    window.training_dock.show()
    window.training_dock.raise_()
    panel = window.training_panel
    panel.set_options({"method": "dupnet", "bits": 64, "device": "auto", "labels": "none"})
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
    panel.request_start()
    spin_until(lambda: ended, args.timeout)
    spin_until(lambda: False, 0.2)
    save(window, args.out / "training-done.png")
    window.close()
    app.quit()
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
    rows = [r for r in range(model.rowCount())
            if any(w in Path(m.path).name for m in model.group(r).members for w in wanted)]
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
