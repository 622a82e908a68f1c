"""Queries: run ``Library.search`` in a worker and show the hits, so the GUI thread never waits.

A query comes from a drop on the query panel or the window, a paste, or
"find similar" on a grid item; a new one (or new top-k / radius) replaces the
one running, whose late result is then ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

from hashview.ui.result_actions import paths_from_clipboard
from hashview.ui.workers import Worker

if TYPE_CHECKING:
    from hashview.ui.main_window import MainWindow

logger = logging.getLogger(__name__)


class SearchFlow(QObject):
    """Runs the window's queries, one at a time, and shows their results."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._search: Worker | None = None
        self._query: list[Path] = []

    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths`` (the slot a drop calls)."""
        window = self.window
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if window.library is None:
            window.set_status("Open a folder first, then drop an image to search it.")
            return
        if not window.ready:
            window.set_status("Not ready to search yet: wait until indexing, training and encoding "
                              "have finished, then drop the image again.")
            return
        if self._search is not None:
            self._search.cancel()
        if window.query_panel.current_query() != paths[0]:
            window.query_panel.show_query(paths[0], extra=len(paths) - 1)
        self._query = paths
        k, radius = window.search_panel.k(), window.search_panel.radius_value()
        library = window.library
        worker = Worker(lambda cancel: library.search(paths, k=k, radius=radius), name="search", parent=self)
        worker.finished.connect(lambda results: self._show_results(worker, results))
        worker.failed.connect(lambda message: self._search_failed(worker, message))
        self._search = worker
        window.set_status(f"Searching for images like {paths[0].name}…")
        worker.start()

    def search_again(self) -> None:
        """Run the current query again with the new top-k and radius, and remember them."""
        window = self.window
        window.settings.setValue("search/k", window.search_panel.k())
        radius = window.search_panel.radius_value()
        window.settings.setValue("search/radius", -1 if radius is None else radius)
        if self._query and window.ready:
            self.search_images(self._query)

    def paste_query(self) -> None:
        """Search for the image (or image files) on the clipboard."""
        paths = paths_from_clipboard()
        if not paths:
            self.window.set_status("The clipboard holds no image: copy a picture or an image file, then paste.")
            return
        self.window.query_panel.submit(paths)

    def stop(self) -> None:
        """Cancel the running query and wait for its worker (the library is closing)."""
        if self._search is not None:
            self._search.cancel()
            self._search.wait()
        self._search = None

    def _show_results(self, worker: Worker, results: Any) -> None:
        if worker is not self._search:
            return
        self._search = None
        window = self.window
        if not results:
            window.results_model.clear()
            window.set_status("The search found nothing.")
            return
        first = results[0]
        window.results_model.set_hits(first.hits)
        name = Path(str(first.query)).name
        more = f" (showing the first of {len(results)} queries)" if len(results) > 1 else ""
        radius = window.search_panel.radius_value()
        within = f" within distance {radius}" if radius is not None else ""
        window.results_header.setText(f"{len(first.hits)} nearest to {name}{within}{more}")
        window.results_view.scrollToTop()
        if first.hits:
            window.results_view.setCurrentIndex(window.results_model.index(0))
        window.set_status(f"Found {len(first.hits)} images like {name}.")
        window.results_shown.emit(first)

    def _search_failed(self, worker: Worker, message: str) -> None:
        if worker is self._search:
            self._search = None
            self.window.set_status(f"Search failed: {message}")
