"""Warnings raised while one file is decoded, caught for that file.

Pillow warns through ``warnings`` ("Corrupt EXIF data", "Truncated File
Read", palette transparency, decompression bombs). Left alone, Python prints
each once, on stderr, with Pillow's source line and without the name of the
file that caused it; among a thousand files, useless. ``caught_for_file``
collects the warnings of the calling thread while it decodes one file, so
the decoder can name the file (or skip it, for a bomb).

``warnings.catch_warnings`` cannot do this: it swaps process-wide state and
decodes run on many threads at once, so one thread's exit would restore the
printer in the middle of another's decode, and a warning would land on the
wrong file. Instead one printer is installed for the process (again, should
something replace it) that hands a warning to the list of the thread that
raised it, and passes every other warning on to the printer it replaced.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_local = threading.local()
_install_lock = threading.Lock()
_PILLOW_MODULES = r"PIL\."


def _install() -> None:
    """Put the per-thread printer in front of whatever prints warnings now."""
    if getattr(warnings.showwarning, "_hashview_per_file", False):
        return
    with _install_lock:
        previous = warnings.showwarning
        if getattr(previous, "_hashview_per_file", False):
            return

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            caught = getattr(_local, "caught", None)
            if caught is None:
                return previous(message, category, filename, lineno, file, line)
            caught.append((category, " ".join(str(message).split())))
            return None

        show._hashview_per_file = True  # type: ignore[attr-defined]
        warnings.showwarning = show
        # Python shows a warning once per source line; a per-file report needs
        # it every time, for every file.
        warnings.filterwarnings("always", module=_PILLOW_MODULES)


@contextmanager
def caught_for_file() -> Iterator[list[tuple[type[Warning], str]]]:
    """Collect (category, one-line message) of the warnings this thread raises in the block."""
    _install()
    outer = getattr(_local, "caught", None)
    caught: list[tuple[type[Warning], str]] = []
    _local.caught = caught
    try:
        yield caught
    finally:
        _local.caught = outer
