"""How many pairs the tone hashes add at each radius, true and false: the study that fixed ``tone.TONE_RADIUS``.

Indexes a set made by ``benchmarks.datasets.dup_dataset`` (or the broad-edit or
scale builders: any folder with a ``truth.json``) in a fresh cache, as
``hashview index F`` does (the shipped network encodes it and keeps each
picture's tone hash, ``images.tone_hash``), then for each radius 0..``--most``
counts the pairs whose tone hashes are within it and whose codes are beyond the
suggested radius (the pairs the tone look adds to the groups), split into true
copies and different photos (with a distractor among them, for the scale sets).

The radius was chosen on the development sets only (``dupset``, ``dupset_s1``,
10,000 photos): the largest with no false pair added on any of them. The broad-edit
set is held out of the choice and measured with ``benchmarks.dups``.

A second table (run 17) asks the same of pairs whose codes are *near* the radius:
for each tone radius and each margin in ``--margins``, the pairs whose codes are
beyond the radius by at most the margin (two weaker signals that agree). The
largest pair with no false pair on any development set, tone 6 of 64 and codes
within 2 bits beyond the radius, was tried and not adopted: on the held-out
broad-edit set it added about 10 true pairs and 6 false ones, and shipped
precision fell from 0.993 to 0.989 (docs/lab-notes.md, run 17).

Usage (from the repository root):
    python -m benchmarks.studies.tone_radius DATASET [--most 8] [--margins 2,4,6] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.dups import DISTRACTORS, truth_pairs
from benchmarks.provenance import provenance, provenance_line

READ_LOOKS = """
import json, sys
import numpy as np
from hashview.core.library import Library
with Library.open(sys.argv[1]) as lib:
    info, codeset = lib.ready_codes(None)
    tone = lib.tone_codes(info, codeset)
    paths = {e.id: str(e.path.relative_to(lib.root)) for e in lib.entries()}
    print(json.dumps({"radius": lib.duplicates.suggested_radius(), "network": info.name,
                      "paths": [paths[int(i)] for i in codeset.ids.tolist()],
                      "codes": codeset.codes.tolist(), "tone": tone.codes.tolist()}))
"""


def added_pairs(codes, tone, radius: int, most: int, margin: int | None = None) -> dict[frozenset, int]:
    """Row pairs the tone hashes add to the groups at tone radius ``most`` (``duplicates.tone.tone_pairs``:
    hashes within it, codes beyond ``radius``), with their tone distance; with ``margin``, only those whose
    codes are within ``radius + margin`` (the near rule run 17 tried)."""
    import numpy as np

    from hashview.core.duplicates.tone import tone_pairs
    from hashview.core.hamming.search import code_words

    tone, codes = np.array(tone, np.uint8), np.array(codes, np.uint8)
    i, j, d = tone_pairs(tone, codes, radius, most)
    if margin is not None:
        words, _ = code_words(codes)
        near = np.bitwise_count(words[i] ^ words[j]).sum(axis=1) <= radius + margin
        i, j, d = i[near], j[near], d[near]
    return {frozenset((a, b)): dist for a, b, dist in zip(i.tolist(), j.tolist(), d.tolist())}


def counted(found: dict[frozenset, int], paths: list[str], pairs: set, kind: dict, most: int) -> list[dict]:
    """For each tone radius 0..``most``, the pairs of ``found`` within it: true copies and different photos."""
    rows = []
    for t in range(most + 1):
        added = [frozenset((paths[a], paths[b])) for a, b in (tuple(p) for p, d in found.items() if d <= t)]
        true = [p for p in added if p in pairs]
        false = [p for p in added if p not in pairs]
        rows.append(
            {
                "radius": t,
                "true_added": len(true),
                "false_added": len(false),
                "false_with_distractors": sum(any(x.startswith(DISTRACTORS) for x in p) for p in false),
                "true_by_edit": {e: sum(kind[p] == e for p in true) for e in sorted({kind[p] for p in true})},
                "false_examples": sorted(sorted(p) for p in false)[:5],
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--most", type=int, default=8)
    parser.add_argument("--margins", default="2,4,6", help="code margins beyond the radius for the near table")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    print(provenance_line(record), file=sys.stderr if args.json else sys.stdout, flush=True)
    root = args.dataset.resolve()
    env = dict(os.environ, HASHVIEW_HOME=tempfile.mkdtemp(prefix="hashview-tone-"))
    subprocess.run(
        [sys.executable, "-m", "hashview", "index", str(root)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    looks = json.loads(
        subprocess.run(
            [sys.executable, "-c", READ_LOOKS, str(root)], env=env, check=True, capture_output=True, text=True
        ).stdout
    )
    pairs, kind = truth_pairs(root)
    paths = looks["paths"]
    rows = counted(
        added_pairs(looks["codes"], looks["tone"], looks["radius"], args.most), paths, pairs, kind, args.most
    )
    margins = [int(m) for m in args.margins.split(",") if m]
    near = {
        m: counted(
            added_pairs(looks["codes"], looks["tone"], looks["radius"], args.most, m), paths, pairs, kind, args.most
        )
        for m in margins
    }
    result = {
        "study": "tone_radius",
        "provenance": record,
        "dataset": str(root),
        "network": looks["network"],
        "suggested_radius": looks["radius"],
        "true_pairs": len(pairs),
        "rows": rows,
        "near_rows": {str(m): near[m] for m in margins},
    }
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{root}: {len(pairs)} true pairs; network {looks['network']}, suggested radius {looks['radius']}")
    print("tone radius: pairs the tone hashes add beyond the codes' radius, true / false (with a distractor)")
    for r in rows:
        print(
            f"  {r['radius']:2d}: {r['true_added']:4d} true, {r['false_added']:4d} false ({r['false_with_distractors']})"
        )
    print("near pairs: codes beyond the radius by at most M bits, tone within T: true / false")
    print("  T  " + "".join(f"{'M=' + str(m):>12s}" for m in margins))
    for t in range(args.most + 1):
        cells = "".join(f"{near[m][t]['true_added']:>7d} / {near[m][t]['false_added']:<3d}" for m in margins)
        print(f"  {t:2d} {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
