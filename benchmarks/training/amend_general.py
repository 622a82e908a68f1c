"""Change how the shipped general network *looks* at pictures, without training it again.

How a network sees a picture before its first layer (``core/nets/input_arrays.py:seen_by_network``:
a uniform frame trimmed, the photo cut out of a screenshot) is set in its config,
so that training and encoding agree and an older file keeps meaning what it
meant. A view added after the shipped network was trained is set here, on the
file's config, and recorded in its ``general`` entry with the commit, date,
machine and command (the weights are unchanged; the file's digest, and so its
shelf id, changes, so libraries encode again with it). Then write its numpy twin again
(``python -m benchmarks.training.general_twin``): a twin names the file it was made from.

Usage (from the repository root):
    python -m benchmarks.training.amend_general hashview/data/general-dupnet.pt --cut-screens
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from benchmarks.provenance import provenance

VIEWS = {
    "cut_screens": "encoding sees the photo a screenshot shows (core/images/screens.py)",
}


def amend(path: Path, views: list[str]) -> list[str]:
    """Set ``views`` (keys of ``VIEWS``) on the network file at ``path``; returns those it newly set."""
    from hashview.core.nets.network_file import load_network, save_network

    config, state = load_network(path)
    added = [view for view in views if not config["net"].get(view)]
    if not added:
        return []
    record = provenance()
    for view in added:
        config["net"][view] = True
        config["general"][view] = (
            f"set on the saved config after training ({VIEWS[view]}); "
            f"commit {(record['commit']['sha'] or '?')[:10]}, {record['date']}, {record['machine']['cpu']}, "
            f"command: {' '.join(record['command'])}"
        )
    save_network(path, config, state)
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("network", type=Path, help="the general network file to amend")
    parser.add_argument("--cut-screens", action="store_true", help=VIEWS["cut_screens"])
    args = parser.parse_args(argv)
    views = [view for view in VIEWS if getattr(args, view)]
    if not views:
        parser.error("name at least one view to set")
    added = amend(args.network, views)
    print(f"{args.network}: " + (f"set {', '.join(added)}" if added else "already set, unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
