"""Write the shipped network's numpy twin (``hashview/data/general-dupnet.npz``) from its ``.pt``.

The twin (``core/nets/twin_file.py``) holds the same config and encoding weights,
read with numpy alone, and names the ``.pt`` it was made from by that file's shelf
id (its digest): a library then encodes its first scan without importing torch.
Run it after every change to the shipped file (``train_general``, ``amend_general``);
``tests/test_numpy_net.py`` fails while the committed twin was made from another file.

Usage (from the repository root):
    python -m benchmarks.training.general_twin [--network hashview/data/general-dupnet.pt] [--out hashview/data/general-dupnet.npz]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hashview.core.nets.general import GENERAL_FILE, GENERAL_TWIN, general_id
from hashview.core.nets.network_file import load_network
from hashview.core.nets.twin_file import save_twin

DATA = Path(__file__).resolve().parents[2] / "hashview" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=DATA / GENERAL_FILE)
    parser.add_argument("--out", type=Path, default=DATA / GENERAL_TWIN)
    args = parser.parse_args(argv)
    config, state = load_network(args.network)
    source = general_id(args.network)
    save_twin(args.out, config, state, source)
    print(f"{args.out}: the numpy twin of {args.network.name} ({source}), {args.out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
