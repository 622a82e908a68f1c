"""Moving a copy out of the library and replacing a copy with a hard link, so that no byte is ever lost.

The bulk clean-up (``bulk.py``) offers these two as alternatives to the
system trash. Each function acts on one file and either finishes or leaves
everything as it found it, raising ``OSError`` (or ``Unsafe``) with a one-line
reason:

- **Move** never overwrites: on one file system the file gets its new name as
  a hard link first (which fails when the name is taken) and loses its old
  name after; across file systems (or where hard links are not supported) the
  bytes are copied to a temporary name beside the target, flushed, compared
  with the source by content digest, given the target name without
  overwriting, and only then is the source removed. If removing the source
  fails, the copy is removed again, so the file is never in two places.
- **A symbolic link moves as a link**: a new link naming the same file is made
  at the target (a relative link is written as the absolute path of what it
  named, so it still works from its new folder) and the old link is removed.
  The file it names is never touched.
- **Replace with a hard link** only for byte-identical files: the copy and the
  kept file are hashed now (not trusted from the catalog), must be on one file
  system, and the copy must be a regular file (a link holds no bytes of its
  own). The link is made under a temporary name in the copy's folder and
  renamed over the copy in one step (``os.replace``), so the copy's name never
  points at nothing. The copy's own metadata (times, mode) is recorded for undo.

Undo puts things back with the same rules (``move_back``, ``unlink_copy``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from hashview.core.errors import HashviewError

logger = logging.getLogger(__name__)


class Unsafe(HashviewError):
    """This file is left as it is; str() says why in one line."""


def digest(path: Path) -> str:
    """The catalog's content digest of ``path``, read now (regular files only: never a FIFO or device)."""
    from hashview.core.images.decode import file_digest

    return file_digest(path)


def _temp_beside(target: Path, tag: str) -> Path:
    return target.parent / f".{target.name}.hashview-{tag}-{secrets.token_hex(4)}.tmp"


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _taken(target: Path) -> Unsafe:
    return Unsafe(f"{target} exists already; hashview never overwrites a file")


def _give_name(temp: Path, target: Path) -> None:
    """Rename ``temp`` to ``target`` without overwriting; ``temp`` is removed whatever happens."""
    try:
        os.link(temp, target)
    except FileExistsError:
        _remove_quietly(temp)
        raise _taken(target) from None
    except OSError:  # no hard links on this file system (FAT, some shares): check, then rename
        if os.path.lexists(target):
            _remove_quietly(temp)
            raise _taken(target) from None
        try:
            os.rename(temp, target)
        except OSError:
            _remove_quietly(temp)
            raise
        return
    _remove_quietly(temp)


def _copy_verified(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (never overwriting), compared by content digest before it gets its name."""
    temp = _temp_beside(target, "copy")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with open(source, "rb") as reader, os.fdopen(descriptor, "wb") as writer:
            shutil.copyfileobj(reader, writer, 1 << 20)
            writer.flush()
            os.fsync(writer.fileno())
        shutil.copystat(source, temp)
        if digest(temp) != digest(source):
            raise Unsafe(f"the copy of {source} at {target} did not match it; the original stays")
    except BaseException:
        _remove_quietly(temp)
        raise
    _give_name(temp, target)


def _link_text(link: Path) -> str:
    """What a moved link should name: its own text when absolute, else the file it named, as an absolute path."""
    text = os.readlink(link)
    return text if os.path.isabs(text) else os.path.realpath(link)


def move_file(source: Path, target: Path) -> str:
    """Move one file or link to ``target`` (its folders made), never overwriting; returns how it went.

    Returns:
        "renamed" (same file system), "copied" (copied, verified, then the
        source removed) or "link" (a symbolic link re-made at ``target``).

    Raises:
        Unsafe: ``target`` exists, or the copy did not match; the source stays.
        OSError: the file system refused; the source stays.
    """
    if os.path.lexists(target):
        raise _taken(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        text = _link_text(source)
        try:
            os.symlink(text, target)
        except FileExistsError:
            raise _taken(target) from None
        how = "link"
    else:
        if not stat.S_ISREG(os.lstat(source).st_mode):
            raise Unsafe(f"{source} is not a regular file")
        try:
            os.link(source, target, follow_symlinks=False)
            how = "renamed"
        except FileExistsError:
            raise _taken(target) from None
        except OSError:  # another file system (EXDEV), or no hard links here
            _copy_verified(source, target)
            how = "copied"
    try:
        os.unlink(source)
    except OSError:
        _remove_quietly(target)  # a second name of, or a verified copy of, the source that stays
        raise
    return how


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths are names of one file (a hard link), links followed."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_linkable(copy: Path, keeper: Path) -> None:
    """Raise ``Unsafe`` unless ``copy`` may be replaced by a hard link to ``keeper`` (without reading content)."""
    if copy.is_symlink():
        raise Unsafe(f"{copy} is a symbolic link: it holds no bytes of its own, so it is left as it is")
    if keeper.is_symlink():
        raise Unsafe(f"the kept file {keeper} is a symbolic link: a hard link would name the file it points to")
    copy_stat, keeper_stat = os.stat(copy), os.stat(keeper)
    if not (stat.S_ISREG(copy_stat.st_mode) and stat.S_ISREG(keeper_stat.st_mode)):
        raise Unsafe(f"{copy} or its kept file is not a regular file")
    if copy_stat.st_dev != keeper_stat.st_dev:
        raise Unsafe(f"{copy} is on another drive than the kept file {keeper}: a hard link cannot cross drives")
    if (copy_stat.st_dev, copy_stat.st_ino) == (keeper_stat.st_dev, keeper_stat.st_ino):
        raise Unsafe(f"{copy} is already a hard link to the kept file")


@dataclass(frozen=True)
class LinkedFile:
    """A copy replaced by a hard link to ``keeper``, with the copy's own metadata for undo."""

    path: Path
    keeper: Path
    mode: int
    times_ns: tuple[int, int]


def replace_with_link(copy: Path, keeper: Path) -> LinkedFile:
    """Replace ``copy`` by a hard link to ``keeper``, in one rename, only when their bytes are identical now.

    Raises:
        Unsafe: not byte-identical now, a link, another drive, already linked,
            or the copy changed while it was read; nothing was changed.
        OSError: the file system refused; nothing was changed.
    """
    check_linkable(copy, keeper)
    before = os.stat(copy)
    if digest(copy) != digest(keeper):
        raise Unsafe(f"{copy} is not byte-identical to the kept file {keeper}: replacing it would lose its own bytes")
    after = os.stat(copy)
    if (before.st_size, before.st_mtime_ns, before.st_ino) != (after.st_size, after.st_mtime_ns, after.st_ino):
        raise Unsafe(f"{copy} changed while it was compared; it is left as it is")
    temp = _temp_beside(copy, "link")
    os.link(keeper, temp)
    try:
        os.replace(temp, copy)
    except BaseException:
        _remove_quietly(temp)
        raise
    return LinkedFile(copy, keeper, stat.S_IMODE(before.st_mode), (before.st_atime_ns, before.st_mtime_ns))


def unlink_copy(linked: LinkedFile) -> bool:
    """Undo ``replace_with_link``: give ``linked.path`` its own bytes again (a copy of the kept file's, which
    were identical), with its old mode and times. False (nothing done) when the name is no longer that link."""
    if not same_file(linked.path, linked.keeper) or linked.path.is_symlink():
        logger.warning("cannot undo the hard link %s: it is not a link to %s any more", linked.path, linked.keeper)
        return False
    temp = _temp_beside(linked.path, "unlink")
    try:
        shutil.copyfile(linked.keeper, temp)
        os.chmod(temp, linked.mode)
        os.utime(temp, ns=linked.times_ns)
        os.replace(temp, linked.path)
    except BaseException:
        _remove_quietly(temp)
        raise
    return True


@dataclass(frozen=True)
class MovedFile:
    original: Path
    moved_to: Path


@dataclass
class MoveBatch:
    """The files one bulk move put in the destination, for undo."""

    files: list[MovedFile] = field(default_factory=list)

    @property
    def originals(self) -> list[Path]:
        return [f.original for f in self.files]

    def can_undo(self) -> bool:
        return bool(self.files)


@dataclass
class LinkBatch:
    """The copies one bulk clean-up replaced by hard links, for undo."""

    files: list[LinkedFile] = field(default_factory=list)

    @property
    def originals(self) -> list[Path]:
        return [f.path for f in self.files]

    def can_undo(self) -> bool:
        return bool(self.files)


def move_back(batch: MoveBatch) -> list[Path]:
    """Move a batch's files back where they were (never overwriting); returns the files restored."""
    restored = []
    for item in batch.files:
        if not os.path.lexists(item.moved_to):
            logger.warning("cannot move %s back: %s is not there any more", item.original, item.moved_to)
            continue
        try:
            move_file(item.moved_to, item.original)
        except (OSError, Unsafe) as exc:
            logger.warning("cannot move %s back: %s", item.original, exc)
            continue
        logger.info("moved %s back from %s", item.original, item.moved_to)
        restored.append(item.original)
    return restored


def unlink_batch(batch: LinkBatch) -> list[Path]:
    """Give each hard-linked copy of a batch its own bytes again; returns the copies restored."""
    restored = []
    for item in batch.files:
        try:
            if unlink_copy(item):
                logger.info("gave %s its own copy of the bytes again (undo of a hard link)", item.path)
                restored.append(item.path)
        except OSError as exc:
            logger.warning("cannot undo the hard link %s: %s", item.path, exc)
    return restored
