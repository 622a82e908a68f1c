"""One file per trained network: its weights plus a plain config that rebuilds it.

The file is a ``torch.save`` of ``{"config": dict of primitives, "state": dict of
tensors}``. Storing only primitives (never a Namespace or a class) lets
``torch.load(weights_only=True)`` read it, so opening a network file someone
sent you cannot run code. Writes are atomic: a crash mid-save leaves the old
file or none, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1


class NetworkFileError(Exception):
    """A network file is missing, corrupt, or from an incompatible version."""


def save_network(path: Path, config: dict[str, Any], state: dict[str, Any]) -> None:
    """Atomically write a network file.

    Args:
        path: where to write; its folder is created.
        config: primitives only (str, int, float, bool, None, lists and dicts of them).
        state: tensors (or numpy arrays, converted here) by name.
    """
    import numpy as np
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v for k, v in state.items()}
    payload = {"config": {**config, "format_version": FORMAT_VERSION}, "state": tensors}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_failure(exc: BaseException) -> str:
    """A short reason from torch's error: its first sentence (torch appends advice), and for a
    broken archive what that means for the person (a cut-short copy or download)."""
    lines = str(exc).strip().splitlines()
    first = (lines[0] if lines else type(exc).__name__).split(". ")[0].rstrip(".")[:200]
    if "zip archive" in first or isinstance(exc, EOFError):
        return f"the file is damaged or incomplete ({first})"
    return first


def load_network(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a network file safely; returns (config, state of tensors).

    Raises:
        NetworkFileError: with a one-line reason.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise NetworkFileError(f"network file not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a bad file
        raise NetworkFileError(f"cannot read network file {path.name}: {_load_failure(exc)}") from None
    if not isinstance(payload, dict) or "config" not in payload or "state" not in payload:
        raise NetworkFileError(f"{path.name} is not a hashview network file")
    config = payload["config"]
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise NetworkFileError(f"{path.name} has format version {version}; this hashview reads version {FORMAT_VERSION}")
    return config, payload["state"]
