"""One duplicates scan, run in a worker: the groups at a radius, with the radius advice and profile.

The explorer's radius belongs to the network whose codes it was read from;
``scan_library`` checks that the current network is still that one and
otherwise starts from the new network's suggestion (see its docstring). What
it finds comes back to the GUI thread as one ``Scan``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from hashview.ui.widgets.radius_control import EXACT

logger = logging.getLogger(__name__)


@dataclass
class Scan:
    """What one scan found, handed from the worker to the GUI thread."""

    groups: list[Any]
    entries: dict[Any, Any]
    radius: int
    profile: list[dict[str, Any]] | None
    suggested: int | None
    network: str | None = None  # the id of the network whose codes (and radius) these are; None: no network
    warning: str | None = None  # one line: the network cannot tell the photos apart, or the radius chains them
    note: str | None = None  # one line: why the suggestion is below the codes' own radius
    bits: int | None = None  # the network's code length: what "near-identical" means (``near_identical_limit``)


def scan_library(library: Any, radius: int | None, with_profile: bool, shown_network: str | None = None) -> Scan:
    """Groups at ``radius`` (None: the suggested one; ``EXACT``: identical files), in a worker.

    ``shown_network``: the network the explorer's radius belongs to. When the
    current network is another one (trained, switched to, imported), that
    radius means nothing for the new codes (a 128-bit DupNet's 19 grouped a
    64-bit itq's photos by the hundred): the new network's suggestion is used
    and its profile read. The suggestion is guarded (``Library.duplicates.advice``):
    a network that cannot tell photos apart gets exact copies and a warning.
    """
    from hashview.core.duplicates.finder import chain_warning  # numpy: not on the way to the first window

    network = library.networks.current()
    profile = suggested = warning = note = None
    if network is not None:
        if radius is not None and network.id != shown_network:
            radius, with_profile = None, True
        advice = library.duplicates.advice()
        suggested = EXACT if advice.radius is None else int(advice.radius)
        warning, note = advice.warning, None if advice.warning else advice.reason
        if with_profile:
            profile = list(library.duplicates.profile())
    if radius is None:
        radius = suggested if suggested is not None else EXACT
    entries = library.entries()
    if radius == EXACT or network is None:
        groups, radius = library.duplicates.groups(exact=True), EXACT
    else:
        groups = library.duplicates.groups(radius=radius)
        warning = warning or chain_warning(groups, entries, radius)
    return Scan(
        list(groups),
        {e.id: e for e in entries},
        radius,
        profile,
        suggested,
        network.id if network is not None else None,
        warning,
        note,
        (int(network.bits) or None) if network is not None else None,
    )
