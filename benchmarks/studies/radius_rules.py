"""Radius rules compared on networks already trained: which share of synthetic copies should the radius hold?

``benchmarks.dups`` leaves each run's cache behind and prints where (``hashview
cache: DIR``). For each such cache and its dataset, this re-probes the trained
network the way training does (``RetrievalProbe``: synthetic edits of up to
1,000 library photos, each against its photo), and for each rule (the radius
holds 95 %, 95 % plus one bit, 98 % or 99 % of those copies, and never less
than the valley of the nearest-neighbour histogram; see ``radius.suggest_radius``)
prints the radius it gives, the pair F1 there and the edit with the lowest
recall; and the 98 % rule as it was before the lift check (``radius.lift_radius``),
raised all the way to the copy distance. No retraining: the rules are compared on the very same codes. The
probe here draws its copies with seed 0, not the run's own seed, so a rule's
radius can differ by a bit from the one the run itself suggested.

Usage (from the repository root): python -m benchmarks.studies.radius_rules DATASET:CACHE [DATASET:CACHE ...]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from benchmarks.dups import groups_to_pairs, score, truth_pairs
from benchmarks.provenance import provenance_line

RULES = {"95 %": (0.95, 0), "95 % + 1": (0.95, 1), "98 %": (0.98, 0), "99 %": (0.99, 0)}
UNCHECKED = "98 %, lifted all the way"  # the rule before ``radius.lift_radius``: at least the copy distance


def copy_distances(lib, info, copies: int = 1000) -> np.ndarray:
    """Each synthetic copy's distance to its photo under the library's network (as training's probe draws them)."""
    from hashview.core.events import drain
    from hashview.core.nets.probe import RetrievalProbe
    from hashview.core.train.pipeline import _decode_library

    net = lib.networks.hasher(info).model
    decode = _decode_library(lib.entries(), net.config["net"]["input_size"], net.config["net"]["channels"], None)
    _ok, images = drain(decode)
    return RetrievalProbe(images, None, queries=copies, database=copies).copy_distances(net)


def compare(dataset: Path, cache: Path) -> str:
    os.environ["HASHVIEW_HOME"] = str(cache)
    from hashview.core.duplicates.radius import lift_target, nearest_distances, suggest_radius, valley_radius
    from hashview.core.library import Library
    from hashview.core.nets.probe import distance_holding

    pairs, kind = truth_pairs(dataset)
    with Library.open(dataset) as lib:
        info, codeset = lib.ready_codes(None)
        apart = copy_distances(lib, info)
        steps = int(sum(h.get("steps", 0) for h in info.stats.get("history", [])))
        valley = valley_radius(nearest_distances(codeset.codes), info.bits)
        radii = {
            rule: suggest_radius(codeset.codes, info.bits, distance_holding(apart, share) + slack)
            for rule, (share, slack) in RULES.items()
        }
        radii[UNCHECKED] = max(valley, lift_target(distance_holding(apart, 0.98), info.bits))
        cells = [f"{cache.name} {dataset.name} steps {steps} valley {valley}"]
        for rule, radius in radii.items():
            groups = [
                [str(Path(p).relative_to(dataset)) for p in g.paths] for g in lib.duplicates.groups(radius=radius)
            ]
            s = score(groups_to_pairs(groups), pairs, kind)
            edit, recall = min(s["recall_by_edit"].items(), key=lambda kv: kv[1])
            cells.append(f"{rule}: r {radius} F1 {s['f1']:.3f} {edit} {recall:.2f}")
    return " | ".join(cells)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="DATASET:CACHE, a benchmarks.dups dataset and the cache its run left")
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    for run in args.runs:
        dataset, _, cache = run.partition(":")
        print(compare(Path(dataset).resolve(), Path(cache).resolve()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
