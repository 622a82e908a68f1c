"""The copy distance's lift as run 7 had it and as it is now, on networks already trained.

``radius.lift_radius`` raises the suggested radius from the valley of the
nearest-neighbour histogram towards the training probe's copy distance, and
stops where the different photos' mode begins. Run 7 stopped at the first bin
fuller than a share of the photos the valley pairs ("old"); now the bins taken
in count together against that share, and a climb (a bin clearly fuller than
every bin taken in so far, the next no emptier) stops it too ("new"). For each kept cache
(``benchmarks.dups`` prints where it left one) this reads the copy distance the network
recorded, computes the radius both ways on the very same codes, and scores
``hashview dups --json --radius R`` against the set's truth at each (grouped
pairs, as ``benchmarks.dups`` scores them). No retraining and no re-probing.

Usage (from the repository root): python -m benchmarks.studies.lift_rules DATASET:CACHE [DATASET:CACHE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
from pathlib import Path

from benchmarks.dups import groups_to_pairs, relative_groups, score, truth_pairs
from benchmarks.provenance import provenance_line


def scored(root: Path, radius: int, truth, kind) -> str:
    from hashview import cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["dups", str(root), "--json", "--radius", str(radius)])
    result = score(groups_to_pairs(relative_groups(root, out.getvalue())), truth, kind)
    edit, recall = min(result["recall_by_edit"].items(), key=lambda kv: kv[1])
    return f"r {radius} F1 {result['f1']:.3f} {edit} {recall:.2f}"


def compare(root: Path, cache: Path) -> str:
    os.environ["HASHVIEW_HOME"] = str(cache)  # read per library open: one cache after another
    from hashview.core.duplicates import radius as rules
    from hashview.core.duplicates.finder import recorded_copy_distance
    from hashview.core.library import Library

    with Library.open(str(root)) as lib:
        info, codes = lib.ready_codes()
    copy = recorded_copy_distance(info)
    nearest = rules.nearest_distances(codes.codes)
    valley = rules.valley_radius(nearest, info.bits)
    target = rules.lift_target(copy, info.bits)
    old = rules.lift_radius(nearest, valley, target, rise_margin=None, cumulative=False)
    new = rules.lift_radius(nearest, valley, target)
    truth, kind = truth_pairs(root)
    scores = " | ".join(scored(root, r, truth, kind) for r in sorted({old, new}))
    return f"{cache.name} {root.name} {info.bits} valley {valley} q98 {copy} old {old} new {new} | {scores}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="DATASET:CACHE, the cache a benchmarks.dups run left behind")
    args = parser.parse_args()
    print(provenance_line(), flush=True)
    for run in args.runs:
        dataset, cache = run.split(":", 1)
        print(compare(Path(dataset).resolve(), Path(cache)), flush=True)


if __name__ == "__main__":
    main()
