"""Removing the temporary files a crashed hashview left in a library's cache folder.

Every file hashview replaces (codes, code stamps, network files and their
summaries) is written to a temporary name beside it and renamed over the old
one, so a crash never leaves a half-written file under a real name; it leaves
the temporary one instead, and nothing ever removed those. When a library is
opened, ``remove_stale_temp`` deletes them.

Which files: only names hashview itself writes (``*.tmp`` from
``tempfile.mkstemp(..., suffix=".tmp")`` and ``*.tmp.npy`` for code stamps),
only regular files (never a link, never a folder), only in the library's own
cache folder and its ``codes`` and ``networks`` folders (nothing is searched
beyond them), and only ones not written to for ``STALE_SECONDS``. Age, not
"held open by a live process", decides: there is no portable way to ask
whether another process has a file open, a writer keeps its file's mtime
fresh as it writes, and no save takes minutes. So a second hashview (the app
beside a command) that is saving right now never loses its file.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

logger = logging.getLogger(__name__)

#: A temporary file untouched this long belongs to no running save.
STALE_SECONDS = 10 * 60
#: The folders of a library's cache folder that hold replaced-by-rename files.
SUBFOLDERS = ("codes", "networks")
_SUFFIXES = (".tmp", ".tmp.npy")


def _is_our_temp_name(name: str) -> bool:
    return name.endswith(_SUFFIXES) and len(name) > len(".tmp")


def remove_stale_temp(directory: Path, now: float | None = None) -> list[Path]:
    """Delete hashview's stale temporary files in ``directory`` and its known subfolders.

    Never raises: a file that cannot be removed (or a folder that cannot be
    listed) is logged and left, and opening the library goes on.

    Args:
        directory: a library's cache folder (``paths.library_dir``).
        now: the current time (``time.time()``), for tests.

    Returns:
        The files removed.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    for folder in (Path(directory), *(Path(directory) / sub for sub in SUBFOLDERS)):
        try:
            with os.scandir(folder) as it:
                entries = [e for e in it if _is_our_temp_name(e.name)]
        except FileNotFoundError:
            continue
        except OSError as exc:
            logger.debug("cannot look for stale temporary files in %s: %s", folder, exc)
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < STALE_SECONDS:
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # its writer finished (or another cleaner came first)
            except OSError as exc:
                logger.warning("cannot remove stale temporary file %s: %s", entry.path, exc)
                continue
            removed.append(Path(entry.path))
    if removed:
        logger.info("removed %d temporary files left by an earlier crash in %s", len(removed), directory)
    return removed
