"""The method registry: one name, one module, one hashing method.

Each method module defines a ``METHOD`` object with ``name``, ``title``,
``kind`` ("shallow": hashes a fixed feature vector; "deep": trains a network),
``needs_labels`` and its defaults. Modules are imported on demand so that
listing methods costs nothing.
"""

from __future__ import annotations

import importlib

_MODULES = {
    "lsh": "hashview.core.methods.lsh",
    "pcah": "hashview.core.methods.pcah",
    "itq": "hashview.core.methods.itq",
    "dhln": "hashview.core.methods.dhln",
    "ssdh": "hashview.core.methods.ssdh",
    "dshsre": "hashview.core.methods.dshsre",
    "ddh": "hashview.core.methods.ddh",
    "bae": "hashview.core.methods.bae",
    "dupnet": "hashview.core.methods.dupnet",
}

DEFAULT_METHOD = "dupnet"       # without labels: learns duplicates from the library (benchmarks/dups.py)
DEFAULT_LABELLED_METHOD = "ssdh"  # with class labels (--labels folders)


class UnknownMethodError(ValueError):
    """A method name that is not in the registry (the message lists the known ones)."""


def method_names() -> list[str]:
    return list(_MODULES)


def recommended_method(labelled: bool) -> str:
    """The method ``hashview train`` uses when none is named."""
    return DEFAULT_LABELLED_METHOD if labelled else DEFAULT_METHOD


def get_method(name: str):
    """Return the ``METHOD`` object of ``name``.

    Raises:
        UnknownMethodError: listing the known names.
    """
    try:
        module_name = _MODULES[name]
    except KeyError:
        raise UnknownMethodError(f"unknown method {name!r}; choose one of {', '.join(_MODULES)}") from None
    return importlib.import_module(module_name).METHOD
