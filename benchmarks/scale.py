"""A library at scale, end to end: time and peak memory of each step, beside imagededup's PHash in the same run.

On a set made by ``benchmarks.datasets.dup_scale_dataset`` (for issue 21's
100,000 photos: ``--photos 100000 --min-apart 0.25 --more fashion_mnist.npz
mnist.npz``), runs as a user would, defaults only, each step a fresh process
under ``/usr/bin/time`` (wall seconds and peak resident memory):

- ``hashview index F`` (scan, thumbnails, and encoding with the shipped network);
- ``hashview dups F --json`` (the suggested radius, the groups), scored against the
  set's truth (pair precision, recall, F1; false pairs with a distractor apart);
- ``hashview search F COPY`` for one copy of the set (a query in the library);
- imagededup's PHash: ``encode_images(F, recursive=True)`` (its default workers),
  then all pairs within its default threshold 10. Its own ``find_duplicates`` is
  not used for the search: at 10,000 photos it took minutes, and at 100,000 its
  tree search in Python would take hours, which would flatter hashview; the
  pairs come from one vectorised pass (``dups.hash_distances``, the same pairs
  its search returns, checked there on smaller sets).

Usage (from the repository root):
    python -m benchmarks.scale SET [--json] [--skip-imagededup]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.dups import groups_to_pairs, relative_groups, score, truth_pairs
from benchmarks.provenance import provenance, provenance_line

PHASH = """
import json, sys, time, warnings
from pathlib import Path
from benchmarks.dups import hash_distances, quiet_imagededup
root = Path(sys.argv[1])
method = quiet_imagededup("PHash")
started = time.monotonic()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    encodings = method.encode_images(image_dir=str(root), recursive=True)
encoded = time.monotonic()
pairs = [sorted(p) for p, d in hash_distances(encodings, 10).items()]
print(json.dumps({"encode_s": encoded - started, "search_s": time.monotonic() - encoded, "pairs": pairs}))
"""


def timed(command: list[str], env: dict) -> tuple[str, float, float]:
    """A command's stdout, its wall seconds and its peak resident memory in MiB (``/usr/bin/time``)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        started = time.monotonic()
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", report.name, *command],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        seconds = time.monotonic() - started
        peak_kib = int(report.read().strip().splitlines()[-1])
    return out, seconds, peak_kib / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-imagededup", action="store_true")
    args = parser.parse_args(argv)
    record = provenance()
    print(provenance_line(record), file=sys.stderr if args.json else sys.stdout, flush=True)
    root = args.dataset.resolve()
    truth = json.loads((root / "truth.json").read_text())
    pairs, kind = truth_pairs(root)
    photos = sum(1 for p in root.rglob("*") if p.is_file() and p.name != "truth.json")
    query = next(c["path"] for group in truth["groups"] for c in group if c["edit"] != "original")
    env = dict(os.environ, HASHVIEW_HOME=tempfile.mkdtemp(prefix="hashview-scale-"))
    hashview = [sys.executable, "-m", "hashview"]
    steps: dict[str, dict] = {}
    _out, seconds, peak = timed([*hashview, "index", str(root)], env)
    steps["index"] = {"seconds": seconds, "peak_mib": peak}
    out, seconds, peak = timed([*hashview, "dups", str(root), "--json"], env)
    steps["dups"] = {"seconds": seconds, "peak_mib": peak}
    found = groups_to_pairs(relative_groups(root, out))
    _out, seconds, peak = timed([*hashview, "search", str(root), str(root / query), "--json"], env)
    steps["search"] = {"seconds": seconds, "peak_mib": peak}
    rows = [
        {
            "tool": "hashview shipped (defaults)",
            **score(found, pairs, kind),
            "seconds": steps["index"]["seconds"] + steps["dups"]["seconds"],
            "steps": steps,
        }
    ]
    if not args.skip_imagededup:
        out, seconds, peak = timed([sys.executable, "-c", PHASH, str(root)], dict(os.environ, PYTHONPATH=os.getcwd()))
        result = json.loads(out)
        default = {frozenset(p) for p in result.pop("pairs")}
        rows.append(
            {
                "tool": "imagededup PHash (threshold 10; vectorised search)",
                **score(default, pairs, kind),
                "seconds": result["encode_s"] + result["search_s"],
                "steps": {"process": {"seconds": seconds, "peak_mib": peak}, **result},
            }
        )
    if args.json:
        print(json.dumps({"benchmark": "scale", "provenance": record, "photos": photos, "rows": rows}, indent=1))
        return 0
    print(f"{photos} pictures in {root}, {len(pairs)} true pairs")
    for r in rows:
        print(
            f"{r['tool']:52s} P {r['precision']:.3f} R {r['recall']:.3f} F1 {r['f1']:.3f} "
            f"false {r['false_pairs']} (with a distractor {r['false_with_distractors']}) {r['seconds']:.1f} s"
        )
        for name, step in r["steps"].items():
            if isinstance(step, dict):
                print(f"    {name:8s} {step['seconds']:8.1f} s  peak {step['peak_mib']:8.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
