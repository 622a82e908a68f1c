"""What a trained duplicate network's codes can do, whatever the radius: all pairs against the truth.

``benchmarks.dups`` scores the groups ``hashview dups`` shows, at the suggested radius
and a few around it. This reads the codes of a kept cache (``benchmarks.dups``
prints ``hashview cache: DIR``) and scores every pair of codes within each radius
0..K/4 (``core.pairs.pairs_within``, exact), so the best radius in hindsight is known (is a miss the
radius or the codes?), then counts the false pairs within ``--within`` bits by
kind: two of the set's own photos, two distractors (``benchmarks.datasets.dup_scale_dataset``),
or one of each. ``--sheet`` saves a contact sheet of a sample of them, each
pair side by side, to look at what the network confuses.

Usage (from the repository root):
    python -m benchmarks.studies.dup_codes_report DATASET CACHE [--within 6] [--sheet OUT.png] [--show 24]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from benchmarks.dups import DISTRACTORS, truth_pairs
from benchmarks.provenance import provenance_line


def by_radius(d: np.ndarray, true: np.ndarray, n_true: int, most: int) -> list[dict]:
    """P, R and F1 of every pair within each radius 0..``most``, from the pairs within ``most``
    (their distances ``d``, and which of them are true pairs)."""
    found = np.cumsum(np.bincount(d, minlength=most + 1))
    hits = np.cumsum(np.bincount(d[true], minlength=most + 1))
    rows = []
    for r in range(most + 1):
        p = hits[r] / found[r] if found[r] else 1.0
        rec = hits[r] / n_true
        rows.append(
            {
                "radius": r,
                "pairs": int(found[r]),
                "true": int(hits[r]),
                "precision": p,
                "recall": rec,
                "f1": 2 * p * rec / (p + rec) if p + rec else 0.0,
            }
        )
    return rows


def sheet(root: Path, names: list[str], pairs: list[tuple[int, int]], out: Path, side: int = 96) -> None:
    from PIL import Image

    cols = 4
    canvas = Image.new("RGB", (cols * (2 * side + 18), ((len(pairs) + cols - 1) // cols) * (side + 8)), "white")
    for k, (a, b) in enumerate(pairs):
        x, y = (k % cols) * (2 * side + 18), (k // cols) * (side + 8)
        for n, row in enumerate((a, b)):
            with Image.open(root / names[row]) as image:
                canvas.paste(image.convert("RGB").resize((side, side)), (x + n * (side + 4) + 2, y + 2))
    canvas.save(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("cache", type=Path)
    parser.add_argument("--within", type=int, default=6, help="count (and show) the false pairs within this many bits")
    parser.add_argument("--sheet", type=Path, help="save a contact sheet of false pairs here")
    parser.add_argument("--show", type=int, default=24)
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    root = args.dataset.resolve()
    os.environ["HASHVIEW_HOME"] = str(args.cache.resolve())
    from hashview.core.hamming.pairs import pairs_within
    from hashview.core.library import Library

    pairs, _kind = truth_pairs(root)
    with Library.open(root) as lib:
        info, codeset = lib.ready_codes(None)
        paths = {e.id: str(Path(e.path).relative_to(root)) for e in lib.entries()}
        suggested = lib.duplicates.suggested_radius()
    names = [paths[int(i)] for i in codeset.ids]
    most = info.bits // 4
    i, j, d = pairs_within(codeset.codes, most)
    true = np.array([frozenset((names[a], names[b])) in pairs for a, b in zip(i.tolist(), j.tolist())], bool)
    print(f"{root.name}: {len(names)} codes of {info.bits} bits, {len(pairs)} true pairs, suggested radius {suggested}")
    rows = by_radius(np.asarray(d, np.int64), true, len(pairs), most)
    best = max(rows, key=lambda r: r["f1"])
    for r in rows:
        mark = "*" if r["radius"] == suggested else ("<- best" if r is best else "")
        print(
            f"r {r['radius']:3d}  pairs {r['pairs']:8d}  true {r['true']:4d}  P {r['precision']:.3f}  R {r['recall']:.3f}"
            f"  F1 {r['f1']:.3f} {mark}"
        )
    close = (d <= args.within) & ~true
    false = list(zip(i[close].tolist(), j[close].tolist(), np.asarray(d)[close].tolist()))
    kinds: dict[str, int] = {}
    for a, b, _d in false:
        extra = sum(names[x].startswith(DISTRACTORS) for x in (a, b))
        key = ("two of the set's photos", "a photo and a distractor", "two distractors")[extra]
        kinds[key] = kinds.get(key, 0) + 1
    print(f"false pairs within {args.within} bits: {len(false)}: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    if args.sheet and false:
        pick = np.random.default_rng(0).choice(len(false), min(args.show, len(false)), replace=False)
        chosen = [false[k] for k in pick]
        sheet(root, names, [(a, b) for a, b, _d in chosen], args.sheet)
        for a, b, dist in chosen:
            print(f"  {dist:3d}  {names[a]}  {names[b]}")
        print(f"sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
