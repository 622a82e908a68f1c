"""A network file's numpy twin: the same config and encoding weights as an ``.npz``, read without torch.

The shipped network (``general``) ships a twin beside its ``.pt`` so that a
library encodes its first scan with ``numpy_net`` and never imports torch
(issue 21). The twin names the file it was made from by that file's shelf id
(``general.general_id``, from its digest): a twin is used for that exact file
only, so a replaced or edited ``.pt`` falls back to torch, which checks it
completely. ``np.load(allow_pickle=False)`` reads no Python objects, so a twin
cannot run code either; it carries its own checksum (config, source id, every
array's name, dtype, shape and bytes), so a damaged twin is refused.

Made by ``benchmarks/training/general_twin.py`` from the shipped file;
``tests/test_numpy_net.py`` checks that the committed twin matches it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core.nets.network_file import NetworkFileError
from hashview.core.nets.numpy_net import NumpyHashNet, expected_shapes, runs_in_numpy

_CONFIG, _SOURCE, _CHECKSUM, _STATE = "config", "source", "checksum", "state/"


def twin_checksum(config_text: str, source: str, state: Mapping[str, np.ndarray]) -> str:
    """blake2b of the config's JSON, the source id and every array (name, dtype, shape, bytes), in name order."""
    h = hashlib.blake2b(digest_size=16)
    h.update(config_text.encode())
    h.update(source.encode())
    for key in sorted(state):
        array = np.ascontiguousarray(state[key])
        h.update(f"{key}|{array.dtype.str}|{array.shape}".encode())
        h.update(array.tobytes())
    return h.hexdigest()


def save_twin(path: Path, config: Mapping[str, Any], state: Mapping[str, Any], source: str) -> None:
    """Atomically write the twin of the network ``source`` (its shelf id): its config and, of ``state``
    (tensors or arrays), the float32 arrays ``numpy_net`` needs.

    Raises:
        ValueError: the network is not one ``numpy_net`` runs.
    """
    if not runs_in_numpy(config):
        raise ValueError("only a cnn-trunk network has a numpy twin")
    arrays = {k: np.asarray(_as_array(state[k]), np.float32) for k in expected_shapes(config)}
    config_text = json.dumps(dict(config), sort_keys=True)
    payload = {
        _CONFIG: np.frombuffer(config_text.encode(), np.uint8),
        _SOURCE: np.frombuffer(source.encode(), np.uint8),
        _CHECKSUM: np.frombuffer(twin_checksum(config_text, source, arrays).encode(), np.uint8),
        **{_STATE + k: v for k, v in arrays.items()},
    }
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **payload)  # type: ignore[arg-type]  # numpy's stub wants a str for each key
        os.chmod(tmp, 0o644)  # package data: readable by all, as the .pt beside it
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_twin(path: Path) -> tuple[dict[str, Any], NumpyHashNet, str]:
    """The twin's config, its network ready to encode, and the id of the file it was made from.

    Raises:
        NetworkFileError: unreadable, damaged (checksum), or weights the config's network cannot use.
    """
    label = Path(path).name
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise NetworkFileError(f"{label}: unreadable numpy twin ({exc})") from None
    try:
        config_text = arrays.pop(_CONFIG).tobytes().decode()
        source = arrays.pop(_SOURCE).tobytes().decode()
        stated = arrays.pop(_CHECKSUM).tobytes().decode()
        config = json.loads(config_text)
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError):
        raise NetworkFileError(f"{label}: not a hashview numpy twin") from None
    state = {k[len(_STATE) :]: v for k, v in arrays.items() if k.startswith(_STATE)}
    if twin_checksum(config_text, source, state) != stated:
        raise NetworkFileError(f"{label}: checksum mismatch (the twin was damaged or edited)")
    if not isinstance(config, dict):
        raise NetworkFileError(f"{label}: its config is not a mapping")
    try:
        network = NumpyHashNet(config, state)
        width = network.codes(np.zeros((1, network.size, network.size, network.channels), np.uint8)).shape
    except (KeyError, TypeError, ValueError) as exc:
        raise NetworkFileError(f"{label}: cannot run its network ({exc})") from None
    if width != (1, network.bits):
        raise NetworkFileError(f"{label}: it makes codes of {width[1]} bits, not {network.bits}")
    return config, network, source


def _as_array(value: Any) -> np.ndarray:
    """A tensor (on any device) or an array as a numpy array."""
    if hasattr(value, "detach"):
        return np.asarray(value.detach().cpu().numpy())
    return np.asarray(value)
