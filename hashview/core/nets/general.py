"""The general duplicate network that ships inside the package.

A library with no network of its own answers with this one from the moment its
scan ends: no training before the first search or duplicate group. It is an
ordinary DupNet network file (``network_file.py``: weights only, a checksum),
trained once by the project on photos that no benchmark set holds
(``benchmarks/training/train_general.py``; its recipe, command, commit, seed,
time and machine are in the file's ``general`` entry and in docs/benchmarks.md).

A library adopts it by copying it onto its own shelf (``LibraryNetworks.adopt_general``)
under an id made from the file's digest, so the codes it made stay valid for
that exact file even after an upgrade ships another, and the networks panel
lists it like any network the user can switch back to.

Torch-free: finding the file and naming it read bytes only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

GENERAL_NAME = "general"
GENERAL_FILE = "general-dupnet.pt"
GENERAL_TWIN = "general-dupnet.npz"  # its numpy twin (``twin_file``): encodes a first scan without torch


def general_file() -> Path | None:
    """The shipped network file, or None where a build left it out (then libraries train their own)."""
    path = Path(str(resources.files("hashview").joinpath("data", GENERAL_FILE)))
    return path if path.is_file() else None


def general_twin() -> Path | None:
    """The shipped network's numpy twin, or None where a build left it out (then torch encodes)."""
    path = Path(str(resources.files("hashview").joinpath("data", GENERAL_TWIN)))
    return path if path.is_file() else None


def is_general(config: Mapping[str, Any]) -> bool:
    """Whether a network's config (its file's, or its shelf summary) is the shipped network's:
    only that file records the recipe it was trained by under ``general``."""
    return isinstance(config.get("general"), Mapping)


def general_id(path: Path) -> str:
    """The shelf id of a shipped file: its name and the start of its digest (one id per file version)."""
    digest = hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()
    return f"{GENERAL_NAME}-{digest[:12]}"
