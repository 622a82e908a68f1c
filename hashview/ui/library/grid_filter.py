"""Which pictures the library grid shows: a text filter and a chosen folder, and the folders' counts.

Plain Python on relative paths (``"2023/trip/IMG_1.jpg"``, "/" between
folders, as the catalog stores them), so the rules are tested without a window
and run fast on 100,000 entries: a filter change is one pass of substring tests
over case-folded paths computed once per entries refresh, and the folder tree's
counts are one ``Counter`` over the paths' folders plus one walk up per distinct
folder (a library has far fewer folders than pictures).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

logger = logging.getLogger(__name__)

ALL_FOLDERS = ""
"""The folder that stands for the whole library ("All pictures")."""


@dataclass(frozen=True)
class GridFilter:
    """What the grid shows: pictures whose relative path holds every word of ``text`` (any case),
    in ``folder`` or below it (``ALL_FOLDERS``: anywhere)."""

    text: str = ""
    folder: str = ALL_FOLDERS

    def words(self) -> list[str]:
        return self.text.casefold().split()

    def is_empty(self) -> bool:
        return not self.words() and self.folder == ALL_FOLDERS

    def rows(self, relpaths: Sequence[str], folded: Sequence[str]) -> list[int]:
        """The rows of ``relpaths`` (``folded``: the same, case-folded) that pass, in their order."""
        if self.folder != ALL_FOLDERS:
            prefix = self.folder + "/"
            rows = [row for row, relpath in enumerate(relpaths) if relpath.startswith(prefix)]
        else:
            rows = list(range(len(relpaths)))
        for word in self.words():  # one plain pass per word, each over what the last one left
            rows = [row for row in rows if word in folded[row]]
        return rows


def parent_folder(relpath: str) -> str:
    """The folder of ``relpath`` relative to the library (``ALL_FOLDERS`` for a picture at the top)."""
    cut = relpath.rfind("/")
    return relpath[:cut] if cut >= 0 else ALL_FOLDERS


def folder_counts(relpaths: Iterable[str]) -> dict[str, int]:
    """Pictures in each folder and its subfolders, keyed by folder (``ALL_FOLDERS``: the whole library).

    Every folder on the way to a picture is a key, even one that holds only subfolders.
    """
    direct = Counter(parent_folder(relpath) for relpath in relpaths)
    counts: dict[str, int] = {ALL_FOLDERS: sum(direct.values())}
    for folder, count in direct.items():
        while folder != ALL_FOLDERS:
            counts[folder] = counts.get(folder, 0) + count
            folder = parent_folder(folder)
    return counts


def count_text(shown: int, total: int) -> str:
    """The grid's count: "120 images", or "12 of 120 images" while a filter hides some."""
    if shown == total:
        return f"{total} image{'s' if total != 1 else ''}"
    return f"{shown} of {total} images"
