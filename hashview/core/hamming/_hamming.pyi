"""Types of the optional compiled kernel built from ``_hamming.c`` (see ``setup.py``).

Every buffer is read or written in place through the buffer protocol; the
functions take positional arguments only and release the GIL while they scan.
"""

from typing import Any

import numpy as np

_ReadBuffer = np.ndarray[Any, Any] | bytes | bytearray | memoryview
_WriteBuffer = np.ndarray[Any, Any] | bytearray | memoryview

def top_k(
    codes: _ReadBuffer,
    row_bytes: int,
    queries: _ReadBuffer,
    k: int,
    lo: int,
    hi: int,
    indices: _WriteBuffer,
    distances: _WriteBuffer,
    /,
) -> int:
    """The best k rows of codes[lo:hi] per query into the int64 ``indices`` and ``distances``; returns min(k, hi - lo)."""

def distances(
    codes: _ReadBuffer, row_bytes: int, query: _ReadBuffer, lo: int, hi: int, out: _WriteBuffer, itemsize: int, /
) -> None:
    """The distance of rows lo..hi-1 to one query into ``out`` (itemsize 1, 2 or 8 bytes per item)."""

def popcount() -> str:
    """The popcount in use: 'popcnt', 'builtin' or 'swar'."""

def set_popcount(name: str, /) -> str:
    """Choose 'hw' or 'swar' (tests); returns the previous."""
