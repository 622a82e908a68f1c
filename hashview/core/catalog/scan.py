"""Finding the image files under a library root.

The walk is recursive and never raises for what it finds inside the root:
hidden files and folders are passed over silently, folders it cannot read,
names it cannot store and image names that are not regular files (a FIFO, a
device, a broken link or a link loop) are listed with a one-line reason, and
directory links are followed without ever looping.
"""

from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from hashview.core.images.decode import IMAGE_SUFFIXES
from hashview.core.images.safe_open import file_kind
from hashview.core.terminal_text import shown_path

logger = logging.getLogger(__name__)


@dataclass
class ScanResult:
    """What a scan found.

    Attributes:
        files: absolute paths of the image files, sorted, each under the root
            as given (links inside the root are not resolved).
        skipped: ``(display path, reason)`` for image files and folders that
            were passed over; display paths are relative to the root with "/"
            separators, and bytes that are not UTF-8 are shown as ``\\xNN``.
        unreadable: relative "/" paths of folders that could not be listed
            (also in ``skipped``); what the catalog knows under them is kept,
            since their files may still be there.
    """

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def display_path(path: str | os.PathLike[str]) -> str:
    """A printable version of a path, with bytes that are not UTF-8 as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_valid_utf8(name: str) -> bool:
    """Whether a name from the file system is valid UTF-8 (no surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "vanished during scan"
    return (exc.strerror or type(exc).__name__).lower()


def _not_a_file_reason(entry: os.DirEntry[str]) -> str:
    """Why an image-named entry that is not a regular file is passed over, in a few words."""
    try:
        mode = os.stat(entry.path).st_mode  # of the target, for links
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "link loop"
        if isinstance(exc, FileNotFoundError) and entry.is_symlink():
            return "broken link"
        return f"unreadable: {_os_reason(exc)}"
    return f"not a regular file ({file_kind(mode)})"


def scan_folder(root: Path) -> ScanResult:
    """List the image files under ``root``, recursively, with what was skipped.

    Args:
        root: the library folder.

    Returns:
        A ``ScanResult``; the walk itself never raises for what it meets inside.

    Raises:
        FileNotFoundError, NotADirectoryError, PermissionError: ``root`` itself
            is missing, not a folder, or cannot be listed. (An index of an
            unmounted drive must not look like a folder whose files were all
            deleted.)
    """
    root = Path(os.path.abspath(root))
    if not root.exists():
        raise FileNotFoundError(f"no such folder: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    with os.scandir(root):  # raises PermissionError for an unreadable root
        pass

    result = ScanResult()
    root_stat = root.stat()
    visited: set[tuple[int, int]] = {(root_stat.st_dev, root_stat.st_ino)}
    # Depth-first with an explicit stack: deep trees cannot hit the recursion limit.
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = f"unreadable folder: {_os_reason(exc)}"
            result.skipped.append((display_path(rel or "."), reason))
            result.unreadable.append(rel)
            logger.info("skipped folder %s: %s", shown_path(display_path(folder)), reason)
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in children:
            name = entry.name
            if name.startswith("."):
                continue
            child_rel = f"{rel}/{name}" if rel else name
            try:
                is_dir = entry.is_dir()  # follows links
            except OSError:
                is_dir = False
            if is_dir:
                if not is_valid_utf8(name):
                    result.skipped.append((display_path(child_rel), "folder name is not valid UTF-8"))
                    continue
                try:
                    st = entry.stat()  # of the target, for links
                except OSError as exc:
                    result.skipped.append((display_path(child_rel), f"unreadable folder: {_os_reason(exc)}"))
                    result.unreadable.append(child_rel)
                    continue
                key = (st.st_dev, st.st_ino)
                if key in visited:
                    logger.debug(
                        "not entering %s again (a link loop or second link)", shown_path(display_path(entry.path))
                    )
                    continue
                visited.add(key)
                subfolders.append((entry.path, child_rel))
                continue
            if os.path.splitext(name)[1].lower() not in IMAGE_SUFFIXES:
                continue
            try:
                is_file = entry.is_file()
            except OSError:
                is_file = False
            if not is_file:  # FIFOs, sockets, devices and broken links are never read
                result.skipped.append((display_path(child_rel), _not_a_file_reason(entry)))
                continue
            if not is_valid_utf8(name):
                result.skipped.append((display_path(child_rel), "file name is not valid UTF-8"))
                continue
            result.files.append(Path(entry.path))
        stack.extend(reversed(subfolders))
    result.files.sort()
    return result


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with "/" separators (the catalog's key)."""
    return Path(os.path.relpath(path, root)).as_posix()


def label_of(relpath: str) -> str | None:
    """The first-level subfolder a file lies in, or None for files directly in the root."""
    head, sep, _ = relpath.partition("/")
    return head if sep else None
