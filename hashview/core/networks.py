"""The networks of one library: files, their plain-JSON summaries, the current one.

Each trained network is ``networks/<id>.pt`` (weights + config, see
``network_file.py``) with ``networks/<id>.json`` beside it, a copy of the
config that lists and shows networks without importing torch. The id is the
network's name plus the time it was made, so retraining makes a new version
and the codes of the old one stay valid for it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class NetworkNotFound(LookupError):
    """No network of that name (the message says what there is)."""


@dataclass(frozen=True)
class NetworkInfo:
    """What a person (or the CLI) needs to know about a trained network."""

    id: str
    name: str
    method: str
    bits: int
    created: str
    path: Path
    stats: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"bad network name {name!r}: use letters, digits, '-', '_' and '.' (at most 64)")
    return name


def new_network_id(name: str, now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{check_name(name)}-{stamp}"


class NetworkShelf:
    """The folder of a library's networks."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def weights_path(self, network_id: str) -> Path:
        return self.directory / f"{network_id}.pt"

    def add(self, network_id: str, config: dict[str, Any]) -> NetworkInfo:
        """Record the summary of a network whose weights file is already written."""
        self.directory.mkdir(parents=True, exist_ok=True)
        summary = {**config, "id": network_id}
        fd, tmp = tempfile.mkstemp(prefix=network_id, suffix=".tmp", dir=self.directory)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(summary, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.directory / f"{network_id}.json")
        return self._info(summary)

    def _info(self, summary: dict[str, Any]) -> NetworkInfo:
        network_id = summary["id"]
        return NetworkInfo(
            id=network_id,
            name=summary.get("name", network_id),
            method=summary.get("method", "?"),
            bits=int(summary.get("bits", 0)),
            created=summary.get("created", ""),
            path=self.weights_path(network_id),
            stats=summary.get("stats", {}),
            config=summary,
        )

    def all(self) -> list[NetworkInfo]:
        """Every network whose summary and weights are both present, oldest first."""
        if not self.directory.is_dir():
            return []
        infos = []
        for json_path in sorted(self.directory.glob("*.json")):
            try:
                summary = json.loads(json_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(summary, dict) and "id" in summary and self.weights_path(summary["id"]).is_file():
                infos.append(self._info(summary))
        return sorted(infos, key=lambda info: (info.created, info.id))

    def find(self, name_or_id: str) -> NetworkInfo:
        """The network with this id, or the newest one with this name."""
        infos = self.all()
        for info in infos:
            if info.id == name_or_id:
                return info
        named = [info for info in infos if info.name == name_or_id]
        if named:
            return named[-1]
        known = ", ".join(sorted({info.name for info in infos})) or "none yet"
        raise NetworkNotFound(f"no network named {name_or_id!r} (known: {known})")

    def rename(self, network_id: str, name: str) -> NetworkInfo:
        """Give a network a new display name; its id (and so its codes) stays the same."""
        check_name(name)
        info = self.find(network_id)
        return self.add(info.id, {**info.config, "name": name})

    def delete(self, network_id: str) -> None:
        """Remove a network's summary, then its weights (a crash between leaves an unlisted file)."""
        info = self.find(network_id)
        (self.directory / f"{info.id}.json").unlink(missing_ok=True)
        info.path.unlink(missing_ok=True)

    def import_file(self, source: Path, config: dict[str, Any], name: str | None = None) -> NetworkInfo:
        """Copy a validated network file onto the shelf as a new network version.

        Args:
            source: a network file that ``load_hasher`` has already read.
            config: the config stored in it (method, bits, stats...).
            name: the display name; default: the file's own name, else its stem.
        """
        name = name or str(config.get("name") or "")
        if not name or not _NAME_RE.match(name):
            name = re.sub(r"[^A-Za-z0-9_.-]", "-", Path(source).stem).lstrip("-_.")[:64] or "imported"
        network_id = new_network_id(name)
        taken = {info.id for info in self.all()}
        suffix = 1
        while network_id in taken or self.weights_path(network_id).exists():
            suffix += 1
            network_id = f"{new_network_id(name)}-{suffix}"
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=network_id, suffix=".tmp", dir=self.directory)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, self.weights_path(network_id))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        summary = {k: v for k, v in config.items() if k not in ("id", "format_version")}
        summary.update(name=name, imported_from=str(source))
        summary.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%S"))
        return self.add(network_id, summary)
