"""The networks of one library: files, their plain-JSON summaries, the current one.

Each trained network is ``networks/<id>.pt`` (weights + config, see
``network_file.py``) with ``networks/<id>.json`` beside it, a copy of the
config that lists and shows networks without importing torch. The id is the
network's name plus the time it was made plus 32 random bits, so retraining
makes a new version and the codes of the old one stay valid for it, and two
runs with the same name in the same second (in two processes, say) never
write over each other.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hashview.core.errors import HashviewError, OptionError

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class NetworkNotFound(HashviewError, LookupError):
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
    """``name`` when it can name a network, else ``OptionError`` (a ``ValueError`` too) saying what can."""
    if not _NAME_RE.match(name):
        raise OptionError(f"bad network name {name!r}: use letters, digits, '-', '_' and '.' (at most 64)")
    return name


def new_network_id(name: str, now: float | None = None) -> str:
    """``NAME-YYYYmmdd-HHMMSS-xxxxxxxx``: readable, ordered by time, and unique (random suffix)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now if now is not None else time.time()))
    return f"{check_name(name)}-{stamp}-{secrets.token_hex(4)}"


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
        target = self.directory / f"{network_id}.json"
        fd, tmp = tempfile.mkstemp(prefix=network_id, suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(summary, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise OSError(exc.errno, exc.strerror, str(target)) from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return self._info(summary)

    def _info(self, summary: dict[str, Any]) -> NetworkInfo:
        network_id = summary["id"]
        return NetworkInfo(
            id=network_id,
            name=str(summary.get("name", network_id)),
            method=str(summary.get("method", "?")),
            bits=int(summary.get("bits", 0)),
            created=str(summary.get("created", "")),
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
            if (
                isinstance(summary, dict)
                and isinstance(summary.get("id"), str)
                and self.weights_path(summary["id"]).is_file()
            ):
                try:
                    infos.append(self._info(summary))
                except (TypeError, ValueError):  # a summary edited by hand: not listed rather than breaking the list
                    continue
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

    def import_file(
        self, source: Path, load: Callable[[Path], Any], name: str | None = None, network_id: str | None = None
    ) -> tuple[NetworkInfo, Any]:
        """Copy a network file onto the shelf as a new network version, checked before it is listed.

        The copy (not the source) is loaded and checked by ``load`` while it still
        has a temporary name, so what is listed is exactly what was checked,
        and a file that fails, or a copy cut short by a full disk, never
        appears on the shelf.

        Args:
            source: the file to import.
            load: reads and fully checks a network file; returns an object with
                its ``config`` (``hasher.load_hasher``); raises to refuse it.
            name: the display name; default: the file's own name, else its stem.
            network_id: the id to list it under (the shipped network's, made from its digest);
                default: a new one from the name and the time.

        Returns:
            The new network's info and what ``load`` returned.
        """
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=self.directory)
        os.close(fd)
        target: Path | None = None
        try:
            try:
                shutil.copyfile(source, tmp)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(exc.filename or tmp)) from exc
            loaded = load(Path(tmp))
            config = loaded.config
            name = name or str(config.get("name") or "")
            if not name or not _NAME_RE.match(name):
                name = re.sub(r"[^A-Za-z0-9_.-]", "-", Path(source).stem).lstrip("-_.")[:64] or "imported"
            if network_id is None:
                network_id = new_network_id(name)
                while (self.directory / f"{network_id}.json").exists() or self.weights_path(network_id).exists():
                    network_id = new_network_id(name)
            target = self.weights_path(network_id)
            os.replace(tmp, target)
            summary = {k: v for k, v in config.items() if k not in ("id", "format_version")}
            summary.update(name=name, imported_from=os.fsdecode(source))
            if not isinstance(summary.get("created"), str):
                summary["created"] = time.strftime("%Y-%m-%dT%H:%M:%S")
            if not isinstance(summary.get("stats", {}), dict):
                summary["stats"] = {}
            info = self.add(network_id, summary)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            if target is not None:
                target.unlink(missing_ok=True)
            raise
        return info, loaded
