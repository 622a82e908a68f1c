"""Opening a folder and getting it ready to search: open -> index -> train or encode -> ready.

Each step is a core generator run on the session's job runner (one long job
at a time, progress and Cancel in the status bar); the next step starts from
the previous one's success callback: a library with no network yet trains one
(which also encodes it), else it encodes to catch up new files. The grid
shows the catalog's entries once indexing has finished, in the chosen order
and tile size (``grid_options``). Rescan (F5) runs the same chain on the open
folder; a ``FolderWatcher`` notices files added, removed or changed meanwhile
and, as the settings say, offers a rescan (``files_changed``) or runs one
itself once the folder has been quiet for a while and no job runs. The grid's
filter (words of the path, a chosen folder: ``filter_by_text``,
``filter_by_folder``) keeps its place and selection like a new order does, and
the count says "N of M images" while it hides some. The engine
is imported when the first folder is opened, torch only inside the workers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QPoint, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QFileDialog, QLabel

from hashview.core.events import CancelToken, Skipped
from hashview.core.nets import general
from hashview.ui import settings as app_settings
from hashview.ui.jobs import Job
from hashview.ui.library import grid_options
from hashview.ui.library.grid_filter import GridFilter, count_text
from hashview.ui.library.grid_model import ThumbnailModel
from hashview.ui.library.grid_view import LibraryView
from hashview.ui.library.watcher import FolderWatcher
from hashview.ui.library.welcome_view import WelcomeView
from hashview.ui.session import LEARNING_JOB, LibrarySession
from hashview.ui.widgets.thumbnails import Roles

logger = logging.getLogger(__name__)

STAGES = {"index": "Indexing", "auto-train": "Training", "encode": "Encoding", LEARNING_JOB: "Learning this library"}
LEARN_KEY = "library/learn_in_background"  # refine the shipped network on a new library after its scan (default on)
CHANGE_KEY = "library/on_change"  # notify (offer a rescan), rescan (by itself, after a quiet while), off
CHANGE_MODES = {
    "notify": "Tell me, and rescan when I ask",
    "rescan": "Rescan by itself once the folder is quiet",
    "off": "Do not watch the folder",
}
AUTO_RESCAN_MS = 5_000  # "rescan" mode: this long without a new change (a copy may still be running)


class LibraryController(QObject):
    """Opens folders from the welcome page, runs the index -> train/encode chain, fills the grid.

    ``first_training``: the options of the run that trains a library with no
    network yet (default: the engine's recommendation for the folder; tests
    pass a fast method).

    ``files_changed(int)``: how many files differ from the catalog now (0: none, or a rescan took them in).
    """

    files_changed = Signal(int)

    def __init__(
        self,
        session: LibrarySession,
        welcome: WelcomeView,
        grid: LibraryView,
        grid_model: ThumbnailModel,
        count_label: QLabel,
        first_training: Mapping[str, Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.welcome = welcome
        self.grid = grid
        self.grid_model = grid_model
        self.count_label = count_label
        self.first_training = dict(first_training or {})
        self._skipped = 0
        self._rescanning = False  # the chain runs for a rescan: no background learning at its end
        self._rescan_wanted = False  # asked for while another job ran: starts when it ends
        self.watcher = FolderWatcher(self, busy=session.jobs.busy)
        self.watcher.changed.connect(self._files_changed)
        self._auto_rescan = QTimer(self)
        self._auto_rescan.setSingleShot(True)
        self._auto_rescan.setInterval(AUTO_RESCAN_MS)
        self._auto_rescan.timeout.connect(self._rescan_by_itself)
        session.jobs.ended.connect(self._job_ended)
        welcome.open_requested.connect(self.choose_folder)
        welcome.folder_chosen.connect(self.open_folder)
        welcome.set_recent(app_settings.recent_folders(session.settings))
        session.opened.connect(self._show_library)
        session.about_to_close.connect(self._forget_library)

    # -- opening and closing ---------------------------------------------------------------
    def choose_folder(self) -> None:
        """Ask for a folder with the platform dialog and open it."""
        library = self.session.library
        start = str(library.root) if library is not None else ""
        folder = QFileDialog.getExistingDirectory(self.grid.window(), "Open a folder of images", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> bool:
        """Open ``folder`` as the library and start indexing it; False if it cannot be."""
        if not self.session.open(folder):
            return False
        self._rescanning = False
        self._run_step("index")
        return True

    def rescan(self) -> bool:
        """Index the open folder again (incremental: only new and changed files are read), then encode them.

        Asked for while another job runs, it starts when that job ends. False when no folder is open.
        """
        if self.session.library is None:
            self.session.show_status("Open a folder first, then rescan it.")
            return False
        self._auto_rescan.stop()
        if self.session.jobs.busy():
            self._rescan_wanted = True
            running = self.session.jobs.current
            self.session.show_status(f"Rescan once {running.name if running else 'the running job'} has finished.")
            return True
        self._rescan_wanted = False
        self._rescanning = True
        self._run_step("index")
        return True

    def _job_ended(self, _job: Job) -> None:
        if self.session.jobs.busy():
            return
        if self._rescan_wanted:
            self.rescan()
            return
        self.watcher.resume()

    # -- noticing changed files --------------------------------------------------------------
    def change_mode(self) -> str:
        mode = str(self.session.settings.value(CHANGE_KEY, app_settings.DEFAULTS[CHANGE_KEY]))
        return mode if mode in CHANGE_MODES else str(app_settings.DEFAULTS[CHANGE_KEY])

    def follow_changes(self, scanned: bool = False) -> None:
        """Watch the open folder as the settings say: start, keep or stop (a settings change), or, just
        ``scanned``, forget the changes the scan took in."""
        library = self.session.library
        if library is None or self.change_mode() == "off":
            self.watcher.stop()
            self._auto_rescan.stop()
            return
        if self.watcher.root != Path(library.root):
            self.watcher.start(Path(library.root), self._known_files)
        elif scanned:
            self.watcher.refresh()

    def _known_files(self) -> dict[Path, tuple[int, int] | None]:
        """What the catalog holds (the watcher compares the folders with it): path -> (size, mtime_ns)."""
        library = self.session.library
        if library is None:
            return {}
        known: dict[Path, tuple[int, int] | None] = {
            Path(e.path): (int(e.size), int(e.mtime_ns)) for e in library.entries()
        }
        catalog = getattr(library, "catalog", None)
        skipped = catalog.skipped() if catalog is not None and hasattr(catalog, "skipped") else []
        root = Path(library.root)
        for relpath, _reason in skipped:  # passed over by the scan (unreadable): on disk, yet no change
            known.setdefault(root / relpath, None)
        return known

    def _files_changed(self, count: int) -> None:
        self.files_changed.emit(count)
        if count and self.change_mode() == "rescan":
            self._auto_rescan.start()  # restarted by each new change: a copy in progress is waited for

    def _rescan_by_itself(self) -> None:
        if self.watcher.count() and not self.session.jobs.busy() and self.session.library is not None:
            logger.info("%d files changed in %s: rescanning", self.watcher.count(), self.session.library.root)
            self.rescan()

    # -- the grid's size and order -----------------------------------------------------------
    def apply_grid_options(self) -> None:
        """Show the grid in the remembered tile size and order (after a change in the menus or settings)."""
        settings = self.session.settings
        size = grid_options.THUMBNAIL_SIZES[grid_options.thumbnail_size(settings)]
        self.grid.set_tile_size(size)
        self.grid_model.set_tile_size(size)
        if self.session.thumbnails is not None:
            self.session.thumbnails.set_size(size)
        kept = self._grid_place()
        self.grid_model.set_order(grid_options.sort_order(settings))
        self._restore_grid_place(kept)

    def set_thumbnail_size(self, name: str) -> None:
        """Show tiles of the size ``name`` (small, medium, large) and remember it."""
        if name in grid_options.THUMBNAIL_SIZES:
            self.session.settings.setValue(grid_options.SIZE_KEY, name)
            self.apply_grid_options()

    def set_sort(self, order: str) -> None:
        """Sort the grid by ``order`` (folder, name, modified, size) and remember it."""
        if order in grid_options.SORT_TEXT:
            self.session.settings.setValue(grid_options.SORT_KEY, order)
            self.apply_grid_options()

    def _grid_place(self) -> tuple[Path | None, list[Path]]:
        """The picture at the grid's top left and the selected ones, to find them again after a reset."""
        top = self.grid.indexAt(QPoint(8, 8)).data(Roles.Path)
        model = self.grid.selectionModel()
        selected = [i.data(Roles.Path) for i in model.selectedIndexes()] if model is not None else []
        return top, selected

    def _restore_grid_place(self, place: tuple[Path | None, list[Path]]) -> None:
        top, selected = place
        rows = self.grid_model.rows_of_paths([p for p in (top, *selected) if p is not None])
        if top is not None and top in rows:
            self.grid.scrollTo(self.grid_model.index(rows[top]), QAbstractItemView.ScrollHint.PositionAtTop)
        model = self.grid.selectionModel()
        if model is not None:
            for path in selected:
                if path in rows:
                    model.select(self.grid_model.index(rows[path]), model.SelectionFlag.Select)

    def refresh_entries(self) -> None:
        """Show the catalog's entries in the grid, and their count (the view keeps its place and selection)."""
        library = self.session.library
        if library is None:
            return
        kept = self._grid_place()
        self.grid_model.set_entries(library.entries())
        self._restore_grid_place(kept)
        self.show_count()

    # -- the grid's filter ------------------------------------------------------------------
    def filter_by_text(self, text: str) -> None:
        """Show only pictures whose relative path holds every word of ``text`` (any case); "" shows all."""
        self._set_filter(GridFilter(text.strip(), self.grid_model.filter().folder))

    def filter_by_folder(self, folder: str) -> None:
        """Show only the pictures in ``folder`` (relative, "/" between names) and below it; "" shows all."""
        self._set_filter(GridFilter(self.grid_model.filter().text, folder))

    def _set_filter(self, grid_filter: GridFilter) -> None:
        """Filter, keep the selection, and show the top of what is left (or the first selected picture)."""
        _top, selected = self._grid_place()
        self.grid_model.set_filter(grid_filter)
        self._restore_grid_place((None, selected))
        model = self.grid.selectionModel()
        chosen = sorted(model.selectedIndexes(), key=lambda i: i.row()) if model is not None else []
        if chosen:
            self.grid.scrollTo(chosen[0])
        else:
            self.grid.scrollToTop()
        self.show_count()

    def show_count(self) -> None:
        """The count in the status bar ("N images", "N of M images" while filtered) and the empty grid's words."""
        shown, total = self.grid_model.rowCount(), self.grid_model.total_count()
        self.count_label.setText(count_text(shown, total))
        if total:  # with no pictures at all the grid says why (scanning, an empty folder): left as it is
            grid_filter = self.grid_model.filter()
            where = f" in {grid_filter.folder}" if grid_filter.folder else ""
            if grid_filter.text:
                self.grid.set_empty_text(
                    f"No picture{where} matches “{grid_filter.text}”.\nPress Escape in the filter box to clear it."
                )
            else:
                self.grid.set_empty_text(f"No pictures{where}.")

    def _show_library(self, _root: Path) -> None:
        self.grid_model.set_loader(self.session.thumbnails)
        self.apply_grid_options()
        self.refresh_entries()

    def _forget_library(self) -> None:
        self.watcher.stop()
        self._auto_rescan.stop()
        self._rescan_wanted = False
        self.grid_model.set_entries([])
        self.grid_model.set_loader(None)  # the session shuts the loader down next

    # -- the index -> train -> encode chain ------------------------------------------------
    def _run_step(self, step: str) -> None:
        library = self.session.library
        work = _step_work(library, step, self.first_training)
        if step == "index":
            self._skipped = 0
            self.grid.set_empty_text("Scanning the folder…\nThe pictures appear here as soon as the scan has finished.")
        if step == LEARNING_JOB:
            self.session.learning_started.emit()
        self.session.jobs.run(
            step,
            work,
            STAGES[step] + "…",
            on_event=self.session.learning_event.emit if step == LEARNING_JOB else self._show_event,
            on_success=lambda summary: self._step_succeeded(step, summary),
            on_failure=lambda message, details: self._step_failed(step, message, details),
            on_cancel=lambda: self._step_cancelled(step),
        )
        self.session.show_status(f"{STAGES[step]} {library.root}…")

    def _show_event(self, event: Any) -> None:
        if isinstance(event, Skipped):
            self._skipped += 1
        self.session.show_event(event)

    def _step_succeeded(self, step: str, summary: Any) -> None:
        session = self.session
        logger.info("%s finished: %s", step, summary)
        if step == "index":
            self.refresh_entries()
            self.follow_changes(scanned=True)
            session.indexed.emit(summary)
            if self.grid_model.total_count() == 0:
                message = f"No images found in {session.library.root}: add some, then open it again."
                self.grid.set_empty_text(message)
                session.show_status(message)
                session.pipeline_finished.emit(message)
                return
            # a library with no network answers with the shipped one (encoded now); without one, it trains its own
            untrained = session.library.networks.current() is None and general.general_file() is None
            self._run_step("auto-train" if untrained else "encode")
            return
        network = session.library.networks.current()
        count = self.grid_model.total_count()
        skipped = f" ({self._skipped} skipped)" if self._skipped else ""
        if step == LEARNING_JOB:
            session.learning_ended.emit(summary)
            name = network.name if network else "none"
            if isinstance(summary, dict) and summary.get("switched") is False:
                message = f"Ready: {count} images, network {name} (learning this library measured no better)"
            else:
                message = f"Ready: {count} images, network {name}, learnt on this library"
            session.set_ready(True, message)
            return
        message = f"Ready: {count} images{skipped}, network {network.name if network else 'none'}"
        session.set_ready(True, message)
        session.pipeline_finished.emit(message)
        if self._should_learn() and not self._rescanning:
            self._run_step(LEARNING_JOB)
            session.show_status(
                f"{message}; learning this library in the background (search works meanwhile; Cancel keeps {network.name if network else 'it'})"
            )

    def _should_learn(self) -> bool:
        """Whether to refine the shipped network on this library now: it answers, nothing else was
        ever trained here (the shelf holds shipped networks only: an upgrade adds the newer one), and the
        setting allows it (on by default; the tests turn it off)."""
        library = self.session.library
        if library is None or not app_settings.get_flag(self.session.settings, LEARN_KEY):
            return False
        current = library.networks.current()
        return (
            current is not None
            and general.is_general(current.config)
            and all(general.is_general(info.config) for info in library.networks.all())
        )

    def _step_failed(self, step: str, message: str, details: str) -> None:
        self.refresh_entries()
        text = f"{STAGES[step]} failed: {message} (details in the log)"
        self.session.report_error(f"{STAGES[step]} failed", message, details)
        self.session.show_status(text)
        if step == LEARNING_JOB:  # the opening had finished (ready) before the learning began: not a second ending
            self.session.learning_ended.emit(None)
            return
        self.session.pipeline_finished.emit(text)

    def _step_cancelled(self, step: str) -> None:
        self.refresh_entries()
        text = f"{STAGES[step]} cancelled; open the folder again to resume."
        if step == LEARNING_JOB:  # the library was ready before: it stays so, on the network it had
            self.session.learning_ended.emit(None)
            network = self.session.library.networks.current() if self.session.library else None
            text = f"Learning this library cancelled: {network.name if network else 'the network'} stays in use."
            self.session.show_status(text)
            return
        self.session.show_status(text)
        self.session.pipeline_finished.emit(text)


def _step_work(library: Any, step: str, first_training: Mapping[str, Any]) -> Callable[[CancelToken], Any]:
    """The job of one step of the chain: ``index`` or ``encode`` as they are, ``auto-train`` with ``first_training``."""
    if step in ("auto-train", LEARNING_JOB):  # learn: the same run, which refines the shipped network (start_from auto)
        options = dict(first_training)

        def train(cancel: CancelToken) -> Any:
            from hashview.core.train.pipeline import TrainOptions  # numpy: not on the way to the first window

            return library.train(TrainOptions(**options), cancel)

        return train
    run_step = getattr(library, step)  # index or encode

    def run(cancel: CancelToken) -> Any:
        return run_step(cancel=cancel)

    return run
