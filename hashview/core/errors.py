"""The one error a library raises for anything the user asked that cannot be done."""

from __future__ import annotations


class LibraryError(Exception):
    """Something the user asked cannot be done; str() is a one-line reason."""
