"""File names made safe to print on a terminal.

A file name may hold any byte but "/" and NUL: newlines, carriage returns,
escape sequences that recolour or retitle a terminal, bidirectional overrides
that make a name read backwards. Printed raw, such a name can forge a line of
output or hide what a command is about to act on. ``printable`` shows each of
those characters as a visible escape instead; everything a person can read
(accents, CJK, emoji, ordinary and non-breaking spaces) stays as it is.
``--json`` output never goes through here: JSON has its own exact escaping.
"""

from __future__ import annotations

import os
import unicodedata

# Control characters (C0, DEL, C1), lone surrogates (a name that is not valid
# UTF-8, decoded with surrogateescape), line and paragraph separators, and
# format characters (bidi overrides, zero-width spaces, soft hyphens).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp", "Cf"})
# Joiners are format characters that emoji and several scripts need to read right.
_KEPT = frozenset({"\u200c", "\u200d"})
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_escape(char: str) -> bool:
    if char.isprintable() or char == " ":
        return False
    return char not in _KEPT and unicodedata.category(char) in _ESCAPED_CATEGORIES


def printable(text: object) -> str:
    """``text`` with every control and format character shown as a visible escape.

    Newlines become ``\\n``, the escape character ``\\x1b``, a bidi override
    ``\\u202e``, a byte that was not UTF-8 ``\\xNN``. The result is one line
    and encodes on any UTF-8 terminal.
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(_escape(c) if _needs_escape(c) else c for c in text)


def shown_path(path: str | bytes | os.PathLike[str]) -> str:
    """A path as it may be printed: bytes that are not UTF-8 as ``\\xNN``, controls escaped."""
    return printable(os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path))
