"""One file per trained network: its weights plus a plain config that rebuilds it.

The file is a ``torch.save`` of ``{"config": dict of primitives, "state": dict of
tensors}``. Storing only primitives (never a Namespace or a class) lets
``torch.load(weights_only=True)`` read it, so opening a network file someone
sent you cannot run code. Writes are atomic: a crash mid-save leaves the old
file or none, never half of one.

Files also carry ``"checksum"``: a blake2b digest of the config and of every
tensor's name, dtype, shape and bytes (as code files carry a CRC), so a file
damaged after it was written, or edited, is refused instead of encoding
garbage. Files written before checksums (none in the payload) still load.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from hashview.core.errors import HashviewError

FORMAT_VERSION = 1


class NetworkFileError(HashviewError):
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
    tensors = {
        k: torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v for k, v in state.items()
    }
    full_config = {**config, "format_version": FORMAT_VERSION}
    payload = {"config": full_config, "state": tensors, "checksum": checksum(full_config, tensors)}
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:  # a full disk, say: name the file the user can act on
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def checksum(config: dict[str, Any], state: dict[str, Any]) -> str:
    """The digest a network file carries: the config (as sorted JSON) and each tensor's name, dtype, shape, bytes."""
    import torch

    h = hashlib.blake2b(digest_size=32)
    h.update(json.dumps(config, sort_keys=True, default=repr).encode("utf-8", "surrogateescape"))

    def feed(value: Any) -> None:  # checkpoints nest (an optimizer's state): walk it in a fixed order
        if isinstance(value, torch.Tensor):
            h.update(f"T{value.dtype}{tuple(value.shape)}".encode())
            flat = value.detach().cpu().contiguous().reshape(-1)
            if flat.numel():
                h.update(flat.view(torch.uint8).numpy().data)
        elif isinstance(value, dict):
            h.update(b"D%d" % len(value))
            for key in sorted(value, key=repr):
                h.update(b"\0" + repr(key).encode("utf-8", "surrogateescape") + b"\0")
                feed(value[key])
        elif isinstance(value, (list, tuple)):
            h.update(b"L%d" % len(value))
            for item in value:
                feed(item)
        else:
            h.update(b"P" + repr(value).encode("utf-8", "surrogateescape"))

    feed(state)
    return h.hexdigest()


def _load_failure(exc: BaseException) -> str:
    """A short reason from torch's error: its first sentence (torch appends advice), and for a
    broken archive what that means for the person (a cut-short copy or download)."""
    lines = str(exc).strip().splitlines()
    first = (lines[0] if lines else type(exc).__name__).split(". ")[0].rstrip(".")[:200]
    if "zip archive" in first or isinstance(exc, EOFError):
        return f"the file is damaged or incomplete ({first})"
    return first


def load_network(path: Path, display: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a network file safely; returns (config, state of tensors).

    Args:
        path: the file.
        display: the name errors use (default: the file's name).

    Raises:
        NetworkFileError: with a one-line reason.
    """
    import torch

    path = Path(path)
    label = display or path.name
    if not path.is_file():
        raise NetworkFileError(f"network file not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file
        raise NetworkFileError(f"cannot read network file {label}: {_load_failure(exc)}") from None
    if not isinstance(payload, dict) or "config" not in payload or "state" not in payload:
        raise NetworkFileError(f"{label} is not a hashview network file")
    config, state = payload["config"], payload["state"]
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise NetworkFileError(f"{label} is not a hashview network file (its config is not a table of settings)")
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise NetworkFileError(f"{label} is not a hashview network file (its weights are not a table)")
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise NetworkFileError(f"{label} has format version {version}; this hashview reads version {FORMAT_VERSION}")
    stored = payload.get("checksum")
    if stored is not None and stored != checksum(config, state):
        raise NetworkFileError(
            f"{label} is damaged or was altered (its checksum does not match): "
            "copy or export it again from where it came from"
        )
    return config, state
