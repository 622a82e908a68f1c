"""The networks of one library: which exist, which is current, renaming, deleting, importing.

``library.networks`` is one of these. The network files and their summaries
live on the library's shelf (``nets.shelf``); which one is current is a key in
the catalog's meta table, so it travels with the catalog; a network's loaded
hash function is cached here because loading it imports torch and reads the
whole file. The codes a network made are the library's (``Library.codes``):
deleting a network asks the library to drop them through ``drop_codes``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from hashview.core.catalog.database import Catalog
from hashview.core.errors import LibraryError
from hashview.core.nets.shelf import NetworkInfo, NetworkNotFound, NetworkShelf

if TYPE_CHECKING:
    from hashview.core.methods.hasher import DeepHasher, ShallowHasher

    Hasher: TypeAlias = ShallowHasher | DeepHasher

logger = logging.getLogger(__name__)

CURRENT_NETWORK_KEY = "current_network"
SHIPPED_SEEN_KEY = "shipped_network_seen"  # the id of the last shipped file this library moved to


class LibraryNetworks:
    """The library's networks, the current one, and their loaded hash functions.

    Args:
        root: the library's folder (for the hint in "no network yet").
        catalog: the library's catalog, which remembers the current network.
        shelf: the library's network files and summaries.
        drop_codes: deletes a network's codes and their stamps (the library keeps them).
    """

    def __init__(
        self, root: Path, catalog: Catalog, shelf: NetworkShelf, drop_codes: Callable[[NetworkInfo], None]
    ) -> None:
        self.root = root
        self.catalog = catalog
        self.shelf = shelf
        self._drop_codes = drop_codes
        self._hashers: dict[str, Hasher] = {}
        self._shipped_id: str | None = None  # the shipped file's id, read once ("" where none ships)

    def all(self) -> list[NetworkInfo]:
        """Every network of the library, oldest first."""
        return self.shelf.all()

    def current(self) -> NetworkInfo | None:
        """The network search and duplicates use; None before the first one (or after deleting it)."""
        network_id = self.catalog.get_meta(CURRENT_NETWORK_KEY)
        if not network_id:
            return None
        try:
            return self.shelf.find(network_id)
        except NetworkNotFound:
            return None

    def set_current(self, name: str) -> NetworkInfo:
        """Make the network named (or with id) ``name`` current; ``LibraryError`` for an unknown one."""
        info = self.get(name)
        self.catalog.set_meta(CURRENT_NETWORK_KEY, info.id)
        return info

    def get(self, name: str | None = None) -> NetworkInfo:
        """The named network (a name or an id), or the current one when ``name`` is None.

        Raises:
            LibraryError: an unknown name, or no current network yet.
        """
        if name is None:
            info = self.current()
            if info is None:
                info = self.adopt_general()
            elif self._general_upgrade_due(info):
                try:
                    info = self.adopt_general() or info
                except LibraryError as exc:  # a damaged newer file: keep answering with the one that works
                    logger.warning("kept %s: the newer shipped network was refused (%s)", info.id, exc)
            if info is None:
                raise LibraryError(f"no network yet for {self.root}: run 'hashview train {self.root}' first")
            return info
        try:
            return self.shelf.find(name)
        except NetworkNotFound as exc:
            raise LibraryError(str(exc)) from None

    def adopt_general(self) -> NetworkInfo | None:
        """Make the shipped general network current; None where none ships.

        A library with no current network answers with the shipped one rather
        than with nothing: search and duplicates work as soon as the scan ends.
        """
        info = self.install_general()
        if info is not None:
            self.catalog.set_meta(CURRENT_NETWORK_KEY, info.id)
            self.catalog.set_meta(SHIPPED_SEEN_KEY, info.id)
            logger.info("adopted the shipped network %s", info.id)
        return info

    def _general_upgrade_due(self, current: NetworkInfo) -> bool:
        """Whether the current network is a shipped one older than the file this hashview ships, and this
        library has not been moved to that file yet.

        An upgrade that ships a better general network moves the libraries that
        answer with the old one to it, once: the old stays on the shelf, and a
        person who switches back to it stays there (the move is remembered by
        the shipped file's id). A library's own networks, trained or refined,
        are never replaced.
        """
        from hashview.core.nets.general import general_file, general_id, is_general

        if not is_general(current.config):
            return False
        if self._shipped_id is None:
            source = general_file()
            self._shipped_id = general_id(source) if source is not None else ""
        shipped = self._shipped_id
        return bool(shipped) and shipped != current.id and self.catalog.get_meta(SHIPPED_SEEN_KEY) != shipped

    def general_config(self) -> dict[str, Any] | None:
        """The shipped network's config (its method, code length, trunk, input), read from the file
        (imports torch); None where none ships or the file cannot be read (``install_general`` says why)."""
        from hashview.core.nets.general import general_file
        from hashview.core.nets.network_file import NetworkFileError, load_network

        source = general_file()
        if source is None:
            return None
        try:
            config, _state = load_network(source)
        except NetworkFileError:
            return None
        return config

    def install_general(self) -> NetworkInfo | None:
        """The shipped general network on this library's shelf (copied once, checked completely on the
        way in by ``import_file``, under an id from the file's digest); None where none ships."""
        from hashview.core.nets.general import GENERAL_NAME, general_file, general_id

        source = general_file()
        if source is None:
            return None
        network_id = general_id(source)
        try:
            return self.shelf.find(network_id)
        except NetworkNotFound:
            return self.import_file(source, GENERAL_NAME, network_id=network_id, twin=True)

    def rename(self, name: str, new_name: str) -> NetworkInfo:
        """Rename a network; its id, codes and current status stay as they were."""
        info = self.get(name)
        return self.shelf.rename(info.id, new_name)  # a bad name: OptionError, a LibraryError

    def delete(self, name: str, make_current: str | None = None, leave_none: bool = False) -> NetworkInfo | None:
        """Delete a network file, its summary and its codes.

        Deleting the current network needs a clear choice: ``make_current`` names
        the network to use instead, or ``leave_none`` accepts having none (search
        then waits for a new training run).

        Returns:
            The current network afterwards (None when there is none).

        Raises:
            LibraryError: the current network without a choice, or an unknown name.
        """
        info = self.get(name)
        current = self.current()
        replacement = None
        if current is not None and current.id == info.id:
            if make_current is not None:
                replacement = self.get(make_current)
                if replacement.id == info.id:
                    raise LibraryError(f"{info.name} cannot replace itself: choose another network")
            elif not leave_none:
                others = [n.name for n in self.all() if n.id != info.id]
                hint = (
                    f"choose one of {', '.join(others)} to use instead"
                    if others
                    else "confirm that no network will be left"
                )
                raise LibraryError(f"{info.name} is the current network: {hint}")
            self.catalog.set_meta(CURRENT_NETWORK_KEY, replacement.id if replacement is not None else "")
        self._hashers.pop(info.id, None)
        self.shelf.delete(info.id)
        self._drop_codes(info)
        logger.info("deleted network %s", info.id)
        return self.current()

    def import_file(
        self, path: Path | str, name: str | None = None, network_id: str | None = None, twin: bool = False
    ) -> NetworkInfo:
        """Copy a network file into this library after checking it completely (imports torch).

        Everything is checked before the network is listed: its checksum, its
        config, every tensor's presence and shape against the network it
        rebuilds, and that it encodes (``hasher.load_hasher``). A file that
        fails is refused and nothing of it stays on the shelf. The imported
        network is a new version with no codes yet: encode it (or make it
        current and encode) before searching with it. With ``twin`` (the
        shipped file), the shipped numpy twin made from exactly this file is
        checked instead and torch is not imported (``hasher.twin_hasher``);
        the file itself is checked when its torch network is first needed.

        Raises:
            LibraryError: the file cannot be used as a hashview network (one line saying why).
        """
        from hashview.core.nets.network_file import NetworkFileError

        path = Path(path)
        if not path.is_file():
            raise LibraryError(f"network file not found: {path}")
        try:
            info, hasher = self.shelf.import_file(
                path, lambda copy: self._checked(copy, str(path), twin), name, network_id
            )
        except NetworkFileError as exc:
            raise LibraryError(f"not imported: {exc}") from None
        from hashview.core.methods.hasher import DeepHasher

        if not (isinstance(hasher, DeepHasher) and hasher.fast is not None):
            self._hashers[info.id] = hasher  # a twin's hasher names the copy's temporary path: made again
        logger.info("imported network %s from %s", info.id, path)
        return info

    def hasher(self, info: NetworkInfo) -> Hasher:
        """The loaded hash function of a network (cached; loading imports torch, except for the shipped
        network where its numpy twin ships: ``_checked``)."""
        if info.id not in self._hashers:
            from hashview.core.nets.general import is_general
            from hashview.core.nets.network_file import NetworkFileError

            try:
                self._hashers[info.id] = self._checked(info.path, None, is_general(info.config))
            except NetworkFileError as exc:
                raise LibraryError(str(exc)) from None
        return self._hashers[info.id]

    @staticmethod
    def _checked(path: Path, display: str | None, twin: bool) -> Hasher:
        """The network file at ``path``, checked completely: on the shipped numpy twin where ``twin`` and
        one was made from this very file (``hasher.twin_hasher``, no torch), else by ``hasher.load_hasher``."""
        from hashview.core.methods.hasher import load_hasher, twin_hasher
        from hashview.core.nets.general import general_twin
        from hashview.core.nets.network_file import NetworkFileError

        shipped_twin = general_twin() if twin else None
        if shipped_twin is not None:
            try:
                hasher = twin_hasher(path, shipped_twin)
            except NetworkFileError as exc:  # a damaged twin costs the time of importing torch, nothing else
                logger.warning("encoding with torch: the shipped numpy twin was refused (%s)", exc)
                hasher = None
            if hasher is not None:
                return hasher
        return load_hasher(path, display=display)

    def keep_hasher(self, info: NetworkInfo, hasher: Hasher) -> None:
        """Cache the hash function a training run just built, so encoding with it loads nothing."""
        self._hashers[info.id] = hasher
