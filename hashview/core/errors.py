"""The errors a user can cause, as one hierarchy under ``HashviewError``.

A front end catches ``HashviewError`` and shows its ``str()``, one line saying
which file and what to do; anything else (a ``ValueError`` from a bug, a
``KeyError``) keeps its traceback, so a bug is never dressed up as bad input.

The base and the errors several subsystems share live here. The others stay
beside the code that raises them, each a ``HashviewError``:

- ``catalog.faults.CatalogError``: the catalog cannot be read or written;
- ``nets.device.DeviceError``: the device asked for is not here;
- ``nets.backbones.BackboneError``: unknown backbone, weights not to be had;
- ``nets.network_file.NetworkFileError``: a network file that cannot be used;
- ``nets.shelf.NetworkNotFound`` (also a ``LookupError``): no network of that name;
- ``methods.UnknownMethodError`` (also a ``ValueError``): no method of that name;
- ``images.decode.BadImageError``: a file that is not a readable image;
- ``duplicates.cleanup.TrashRefused``: a move to the trash that a check refused.

``events.Cancelled`` is not one: cancelling is the user's wish, not a fault.
"""

from __future__ import annotations


class HashviewError(Exception):
    """Something the user asked or gave cannot be done; ``str()`` is a one-line reason."""


class LibraryError(HashviewError):
    """A library refuses what it was asked (no network yet, an empty library, ...)."""


class OptionError(LibraryError, ValueError):
    """An option out of its range or of a kind that cannot go with the others.

    Also a ``ValueError``, as every refusal of an option was before there was a
    hierarchy (callers and tests catch it as one).
    """


class DataError(HashviewError, ValueError):
    """The images and labels given cannot train what was asked.

    A data set of ``hashview eval`` that cannot be read or does not fit the
    protocol; too few images, or no labels for a method that needs them.
    Also a ``ValueError``, as it always was.
    """
