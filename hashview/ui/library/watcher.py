"""Noticing files added, removed or changed in the open library's folder, without rescanning it.

A ``QFileSystemWatcher`` watches the library's folders (inotify on Linux,
FSEvents on macOS, ReadDirectoryChangesW on Windows). A folder event only says
"something in this folder changed", often many times a second while a copy
runs, so the watcher waits for a quiet moment (``quiet_ms``) and then compares
each changed folder's image files (name, size, modification time) with what
the catalog holds: the count it reports is of real changes, and the app's own
moves (trash, undo, the catalog's files in its hidden folder) count nothing.

Operating systems cap the watches one user may hold (Linux: fs.inotify.
max_user_watches, 8,192 on older kernels, shared with every other program), so
at most ``max_watched`` folders are watched; the others, and any the system
refuses, are polled instead: every ``poll_ms`` the watcher stats those folders
(a folder's modification time changes when a file is added, removed or renamed
in it), a few thousand stats, far cheaper than listing their files. Edits saved
in place into an existing file change no folder and are seen at the next event
in that folder or by a rescan (F5).

While a job runs (``busy``) or the watcher is paused, the folders that
changed are only noted: the index may be writing the very rows they would be
compared with. They are compared when it ends (``resume``), so a copy into the
folder during indexing never starts a storm of rescans.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

logger = logging.getLogger(__name__)

ADDED, REMOVED, MODIFIED = "added", "removed", "modified"
MAX_WATCHED = 2000  # folders; a photo library rarely has more, and inotify's watches are a shared budget
QUIET_MS = 1500  # a copy of many files sends many events: compare once they stop
POLL_MS = 30_000  # folders that cannot be watched are stat'ed this often
POLL_BATCH = 2000  # at most this many folder stats per poll tick (the GUI thread stays free)

KnownFiles = Callable[[], dict[Path, "tuple[int, int] | None"]]
"""What the catalog holds: absolute path -> (size, mtime_ns), or None for a file the last scan passed over."""


class FolderWatcher(QObject):
    """Counts the image files that differ from the catalog, folder by folder, as the folders change.

    Signals:
        changed(int): the number of files now known to differ (0: none); emitted after each comparison.
    """

    changed = Signal(int)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        max_watched: int = MAX_WATCHED,
        quiet_ms: int | None = None,
        poll_ms: int | None = None,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        """``busy()``: whether a job runs that may write the catalog (then folders are only noted).
        ``quiet_ms`` and ``poll_ms`` default to ``QUIET_MS`` and ``POLL_MS``, read when it is built."""
        super().__init__(parent)
        self.max_watched = max_watched
        self._busy = busy
        self._watcher: QFileSystemWatcher | None = None
        self._root: Path | None = None
        self._known_files: KnownFiles = dict
        self._known: dict[Path, dict[Path, tuple[int, int] | None]] = {}  # by folder, read at each comparison
        self._folders: set[Path] = set()  # every folder followed, watched or polled
        self._polled: dict[Path, int] = {}  # folder -> its mtime_ns when last seen (-1: gone)
        self._poll_cursor = 0
        self._dirty: set[Path] = set()
        self._changes: dict[Path, str] = {}
        self.paused = False
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(QUIET_MS if quiet_ms is None else quiet_ms)
        self._quiet.timeout.connect(self._compare_dirty)
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS if poll_ms is None else poll_ms)
        self._poll.timeout.connect(self.poll)

    # -- following a library -------------------------------------------------------------------
    @property
    def root(self) -> Path | None:
        return self._root

    def start(self, root: Path, known: KnownFiles) -> None:
        """Follow ``root``; ``known()`` says what the catalog holds, read afresh at each comparison.

        Reading it afresh (rather than keeping a copy) is what makes the app's own moves count
        nothing: the trash forgets its files in the catalog before their folder's event arrives.
        """
        self.stop()
        self._root = Path(root)
        self._known_files = known
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._folder_changed)
        self._follow(sorted(self._folders_to_follow(self._by_folder())))
        logger.info(
            "watching %d folders of %s (%d polled every %d s)",
            len(self._folders) - len(self._polled),
            root,
            len(self._polled),
            self._poll.interval() // 1000,
        )

    def refresh(self) -> None:
        """The catalog was brought up to date (a rescan): forget the changes counted before it.

        Folders that changed while it ran (noted while paused) are compared now, or when unpaused.
        """
        if self._root is None:
            return
        self._follow(sorted(self._folders_to_follow(self._by_folder()) - self._folders))
        self._changes.clear()
        self._compare_dirty()

    def stop(self) -> None:
        """Stop following the library (it closes)."""
        self._quiet.stop()
        self._poll.stop()
        if self._watcher is not None:
            self._watcher.directoryChanged.disconnect(self._folder_changed)
            self._watcher.deleteLater()
            self._watcher = None
        self._root = None
        self._known_files = dict
        self._known, self._folders, self._polled = {}, set(), {}
        self._dirty.clear()
        had = bool(self._changes)
        self._changes.clear()
        if had:
            self.changed.emit(0)

    def set_paused(self, paused: bool) -> None:
        """While paused, changed folders are noted but not compared; unpausing compares them."""
        self.paused = paused
        self.resume()

    def resume(self) -> None:
        """Compare the folders noted while paused or busy, after the quiet interval (a job has ended)."""
        if not self.paused and self._dirty and not self._busy():
            self._quiet.start()

    # -- what changed ---------------------------------------------------------------------------
    def changes(self) -> dict[Path, str]:
        """Each file that differs from the catalog: ``ADDED``, ``REMOVED`` or ``MODIFIED``."""
        return dict(self._changes)

    def count(self) -> int:
        return len(self._changes)

    def pending_folders(self) -> list[Path]:
        """Folders that changed and wait to be compared (the quiet interval, or a job, runs)."""
        return sorted(self._dirty)

    def watched_folders(self) -> list[Path]:
        return [Path(p) for p in self._watcher.directories()] if self._watcher is not None else []

    def polled_folders(self) -> list[Path]:
        return list(self._polled)

    # -- inside -----------------------------------------------------------------------------------
    def _by_folder(self) -> dict[Path, dict[Path, tuple[int, int] | None]]:
        """What the catalog holds, by folder: file -> (size, mtime_ns), or None for a file the scan passed over."""
        by_folder: dict[Path, dict[Path, tuple[int, int] | None]] = {}
        for path, stat in self._known_files().items():
            by_folder.setdefault(path.parent, {})[path] = stat
        return by_folder

    def _folders_to_follow(self, by_folder: dict[Path, Any]) -> set[Path]:
        """The root, every folder holding a known file, and the folders between them and the root."""
        assert self._root is not None
        folders = {self._root}
        for start in by_folder:
            folder = start
            while folder not in folders and self._root in folder.parents:
                folders.add(folder)
                folder = folder.parent
        return folders

    def _follow(self, folders: Sequence[Path]) -> None:
        if self._watcher is None or not folders:
            return
        room = max(0, self.max_watched - len(self._watcher.directories()))
        wanted = [str(f) for f in folders[:room]]
        refused = self._watcher.addPaths(wanted) if wanted else []
        self._folders.update(folders)
        for folder in [Path(p) for p in refused] + list(folders[room:]):
            self._polled[folder] = _mtime(folder)
        if self._polled and not self._poll.isActive():
            self._poll.start()

    def _folder_changed(self, folder: str) -> None:
        self._dirty.add(Path(folder))
        self._quiet.start()  # (re)start: compare once the events stop

    def poll(self) -> None:
        """Stat a batch of the polled folders; those whose time changed (or that went) are compared."""
        folders = list(self._polled)
        if not folders:
            return
        start = self._poll_cursor % len(folders)
        batch = (folders[start:] + folders[:start])[:POLL_BATCH]
        self._poll_cursor = start + len(batch)
        for folder in batch:
            now = _mtime(folder)
            if now != self._polled[folder]:
                self._polled[folder] = now
                self._folder_changed(str(folder))

    def _compare_dirty(self) -> None:
        if self.paused or self._root is None or self._busy():
            return  # resume() compares them
        dirty, self._dirty = self._dirty, set()
        if dirty:
            self._known = self._by_folder()
        for folder in sorted(dirty):
            self._compare(folder)
        self.changed.emit(len(self._changes))

    def _compare(self, folder: Path) -> None:
        """Replace what is known to differ directly in ``folder`` by a fresh look at it."""
        from hashview.core.images.decode import is_image_name  # numpy and Pillow: not on the way to the first window

        for path in [p for p in self._changes if p.parent == folder]:
            del self._changes[path]
        known = self._known.get(folder, {})
        try:
            children = list(os.scandir(folder))
        except OSError:  # the folder went (deleted, moved away): its files and its subfolders' are gone
            for known_folder, files in self._known.items():
                if known_folder == folder or folder in known_folder.parents:
                    self._changes.update(dict.fromkeys(files, REMOVED))
            gone = {f for f in self._folders if f == folder or folder in f.parents}
            self._folders -= gone  # the system drops its watches; one made again is a new folder
            for f in gone:
                self._polled.pop(f, None)
            return
        on_disk: set[Path] = set()
        for child in children:
            if child.name.startswith("."):
                continue
            path = Path(child.path)
            try:
                if child.is_dir():
                    if path not in self._folders:
                        self._new_folder(path)
                    continue
                if not is_image_name(child.name) or not child.is_file():
                    continue
                st = child.stat()
            except OSError:
                continue
            on_disk.add(path)
            if path not in known:
                self._changes[path] = ADDED
            elif known[path] is not None and known[path] != (st.st_size, st.st_mtime_ns):
                self._changes[path] = MODIFIED
        for path in known:
            if path not in on_disk:
                self._changes[path] = REMOVED

    def _new_folder(self, folder: Path) -> None:
        """A folder that appeared (copied in, made, or moved back): follow it and its subfolders, compare each."""
        found: list[Path] = []
        for here, subfolders, _files in os.walk(folder):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            found.append(Path(here))
        found = [f for f in found if f not in self._folders]
        self._follow(found)
        for new in found:
            self._compare(new)


def _mtime(folder: Path) -> int:
    try:
        return os.stat(folder).st_mtime_ns
    except OSError:
        return -1
