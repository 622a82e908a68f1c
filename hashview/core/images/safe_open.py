"""Opening a listed file for reading without hanging and without unbounded reads.

A library folder is not under hashview's control: between the scan and the
read a file can be swapped for a FIFO (a plain ``open`` then waits for a
writer forever, and neither Ctrl-C nor Cancel can stop a thread stuck in it),
for a link to ``/dev/zero`` (read until memory runs out), or for a folder.
So every image file is opened here: non-blocking (``O_NONBLOCK``, which makes
opening a FIFO return at once), checked with ``fstat`` on the open descriptor
(not the name, which may change again) to be a regular file, and read through
a reader that stops at the size ``fstat`` reported plus a little: a file
growing while it is read cannot make a read unbounded either.
"""

from __future__ import annotations

import io
import logging
import os
import stat
from typing import TYPE_CHECKING, BinaryIO

from hashview.core.errors import HashviewError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

logger = logging.getLogger(__name__)

#: The largest file read as a picture. A 120-megapixel 32-bit float RGBA TIFF
#: (the most a picture under ``images.MAX_PIXELS`` can take uncompressed) is
#: under 2 GB; camera RAWs and huge PNGs are far smaller.
MAX_FILE_BYTES = 2 << 30
#: How far past the size ``fstat`` reported a read may go (a file being
#: appended to while read); beyond it the reader reports end of file.
READ_SLACK = 1 << 16

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class NotARegularFile(HashviewError, OSError):
    """The name leads to something other than a regular file; ``str()`` says what.

    Also an ``OSError``: readers that pass over unreadable files catch it as one."""


class FileTooLarge(HashviewError, OSError):
    """A regular file larger than ``MAX_FILE_BYTES``; ``str()`` says how large."""


def file_kind(mode: int) -> str:
    """A short name for what a ``st_mode`` describes ("FIFO", "folder", ...)."""
    if stat.S_ISREG(mode):
        return "regular file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


class _BoundedRaw(io.RawIOBase):
    """A raw reader over a descriptor that reports end of file at ``limit`` bytes."""

    def __init__(self, fd: int, limit: int, name: str) -> None:
        super().__init__()
        self._file = io.FileIO(fd, "rb", closefd=True)
        self.limit = limit
        self.name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        room = self.limit - self._file.tell()
        if room <= 0:
            return 0
        view = memoryview(buffer).cast("B")
        return self._file.readinto(view[: min(len(view), room)]) or 0

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()

    def close(self) -> None:
        if not self.closed:
            self._file.close()
        super().close()


def open_regular(path: str | os.PathLike[str], max_bytes: int | None = None) -> tuple[BinaryIO, int]:
    """Open ``path`` for bounded binary reading if, once open, it is a regular file.

    Args:
        path: the file to read; links are followed (a link to a photo is a photo).
        max_bytes: refuse regular files larger than this (default ``MAX_FILE_BYTES``).

    Returns:
        (reader, size): a buffered, seekable reader that ends at ``size`` plus
        ``READ_SLACK`` bytes, and the size ``fstat`` reported. The caller closes it.

    Raises:
        NotARegularFile: a FIFO, device, socket or folder (never waited on, never read).
        FileTooLarge: larger than ``max_bytes``.
        OSError: the name cannot be opened (missing, permission, link loop).
    """
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"not a regular file ({file_kind(st.st_mode)})")
        if st.st_size > max_bytes:
            raise FileTooLarge(f"too large to be a picture ({st.st_size:,} bytes > {max_bytes:,})")
        _make_blocking(fd)
        raw = _BoundedRaw(fd, st.st_size + READ_SLACK, os.fsdecode(path))
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(raw, buffer_size=1 << 16), st.st_size


def _make_blocking(fd: int) -> None:
    """Clear ``O_NONBLOCK`` again: it only had to keep the open from waiting."""
    try:
        import fcntl
    except ImportError:  # Windows: there was no O_NONBLOCK to clear
        return
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    if flags & os.O_NONBLOCK:
        fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)


def read_all(reader: BinaryIO, size: int) -> bytes:
    """Everything ``open_regular``'s reader holds (at most ``size`` plus ``READ_SLACK`` bytes)."""
    return reader.read(size + READ_SLACK)
