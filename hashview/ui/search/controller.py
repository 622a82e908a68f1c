"""Queries: run ``Library.search`` in a worker and show the hits, so the GUI thread never waits.

A query comes from a drop on the query panel or the window, a paste, or
"find similar" on a grid item or a result; a new one (or new top-k / radius)
replaces the one running, whose late result is then ignored. Searches are
short and read only, so they run in their own worker beside the session's
long job rather than on its runner.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from hashview.ui import settings as app_settings
from hashview.ui.search.panel import SearchPanel
from hashview.ui.search.result_actions import paths_from_clipboard
from hashview.ui.session import LibrarySession
from hashview.ui.workers import Worker

logger = logging.getLogger(__name__)


class SearchController(QObject):
    """Runs the search panel's queries on the open library, one at a time, and shows their results."""

    results_shown = Signal(object)
    """The ``QueryResult`` now on screen."""

    def __init__(self, session: LibrarySession, panel: SearchPanel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.panel = panel
        self._search: Worker | None = None
        self._query: list[Path] = []
        self._copy_radius: dict[str, int | None] = {}  # network id -> its duplicate radius, read once per network
        panel.set_limits(app_settings.get_int(session.settings, "search/k"), app_settings.get_radius(session.settings))
        panel.options_changed.connect(self.search_again)
        panel.similar_requested.connect(self.search_images)
        panel.action_taken.connect(session.show_status)
        panel.query_panel.query_dropped.connect(self.search_images)
        session.opened.connect(lambda _root: panel.results_model.set_loader(session.thumbnails))
        session.about_to_close.connect(self._forget_library)
        session.ready_changed.connect(self._fit_radius)

    def search_images(self, paths: Sequence[Path]) -> None:
        """Find the library images nearest to ``paths`` (the slot a drop calls)."""
        session, panel = self.session, self.panel
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if session.library is None:
            session.show_status("Open a folder first, then drop an image to search it.")
            return
        if not session.ready:
            session.show_status(
                "Not ready to search yet: wait until indexing, training and encoding "
                "have finished, then drop the image again."
            )
            return
        if self._search is not None:
            self._search.cancel()
        if panel.query_panel.current_query() != paths[0]:
            panel.query_panel.show_query(paths[0], extra=len(paths) - 1)
        self._query = paths
        k, radius = panel.k(), panel.radius_value()
        library = session.library

        known = dict(self._copy_radius)

        def search(_cancel: Any) -> tuple[Any, str, int | None]:
            # the duplicate radius beside the hits, read in the worker once per network (a large library's
            # takes a fraction of a second, a search milliseconds): the results mark the likely copies
            results = library.search(paths, k=k, radius=radius)
            network = library.networks.current()
            key = network.id if network is not None else ""
            copy_radius = known[key] if key in known else library.duplicates.suggested_radius()
            return results, key, copy_radius

        worker = Worker(search, name="search", parent=self)
        worker.finished.connect(lambda results: self._show_results(worker, results))
        worker.failed.connect(lambda message: self._search_failed(worker, message))
        self._search = worker
        session.show_status(f"Searching for images like {paths[0].name}…")
        worker.start()

    def search_again(self) -> None:
        """Run the current query again with the new top-k and radius, and remember them."""
        settings, panel = self.session.settings, self.panel
        settings.setValue("search/k", panel.k())
        radius = panel.radius_value()
        settings.setValue("search/radius", -1 if radius is None else radius)
        if self._query and self.session.ready:
            self.search_images(self._query)

    def paste_query(self) -> None:
        """Search for the image (or image files) on the clipboard."""
        paths = paths_from_clipboard()
        if not paths:
            self.session.show_status("The clipboard holds no image: copy a picture or an image file, then paste.")
            return
        self.panel.query_panel.submit(paths)

    def stop(self) -> None:
        """Cancel the running query and wait for its worker (the library is closing)."""
        if self._search is not None:
            self._search.cancel()
            self._search.wait()
        self._search = None

    def _forget_library(self) -> None:
        self.stop()
        self._copy_radius = {}
        self.panel.results_model.clear()
        self.panel.query_panel.clear()
        self.panel.results_model.set_loader(None)  # the session shuts the loader down next

    def _fit_radius(self, ready: bool) -> None:
        network = self.session.current_network() if ready else None
        if network is not None:
            self.panel.radius.setMaximum(network.bits)

    def _show_results(self, worker: Worker, found: tuple[Any, str, int | None]) -> None:
        if worker is not self._search:
            return
        self._search = None
        panel = self.panel
        results, network, copy_radius = found
        self._copy_radius[network] = copy_radius
        if not results:
            panel.results_model.clear()
            self.session.show_status("The search found nothing.")
            return
        first = results[0]
        panel.results_model.set_hits(first.hits, copy_radius)
        name = Path(str(first.query)).name
        more = f" (showing the first of {len(results)} queries)" if len(results) > 1 else ""
        radius = panel.radius_value()
        within = f" within distance {radius}" if radius is not None else ""
        panel.header.setText(f"{len(first.hits)} nearest to {name}{within}{more}")
        panel.results_view.scrollToTop()
        if first.hits:
            panel.results_view.setCurrentIndex(panel.results_model.index(0))
        self.session.show_status(f"Found {len(first.hits)} images like {name}.")
        self.results_shown.emit(first)

    def _search_failed(self, worker: Worker, message: str) -> None:
        if worker is self._search:
            self._search = None
            self.session.show_status(f"Search failed: {message}")
