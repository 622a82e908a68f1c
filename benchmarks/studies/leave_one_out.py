"""Leave one family out: how the duplicate network does on an edit it never saw in training.

For each training family named (one per group of issue 20's list by default),
trains hashview's default duplicate network with that family's rate at 0
(``HASHVIEW_PARAMS='{"edit_<family>": 0}'``, through ``benchmarks.dups``, so
everything else is the defaults) and reads, on a set made by
``benchmarks.datasets.broad_edit_dataset``, the recall of the evaluation
families that match it (the evaluation edits are written apart from the
training edits, so the names differ: training's ``screenshot`` is the set's
``gallery-screenshot`` and ``chat-screenshot``). With ``--full RESULT`` (a
``benchmarks.dups --json`` file of the full vocabulary on the same set) each
row shows the recall with the family kept beside it.

Usage (from the repository root):
    python -m benchmarks.studies.leave_one_out DATASET [--families gamma,sepia,...] [--full dups.json] [--json]

Each family costs one full default training (about 5 minutes on a 2-core CPU).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.provenance import provenance, provenance_line

# training family -> the evaluation families (benchmarks/datasets/edit_families) that are that edit
MATCHES = {
    "gamma": ("gamma",),
    "exposure": ("exposure", "brightness-contrast"),
    "sepia": ("sepia",),
    "greyscale": ("greyscale",),
    "white_balance": ("white-balance",),
    "sharpen": ("sharpen",),
    "noise": ("noise",),
    "perspective": ("perspective",),
    "turn": ("turn",),
    "mirror": ("mirror",),
    "watermark": ("watermark",),
    "sticker": ("sticker", "logo"),
    "screenshot": ("gallery-screenshot", "chat-screenshot"),
    "canvas": ("canvas",),
}
# one per group of issue 20's list: tone, colour, detail, geometry, overlays, re-capture
DEFAULT_FAMILIES = ("gamma", "sepia", "sharpen", "perspective", "watermark", "screenshot")


def run_without(dataset: Path, family: str) -> dict:
    """``benchmarks.dups`` on ``dataset`` with ``family`` left out of training (hashview only)."""
    params = json.dumps({f"edit_{family}": 0.0})
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.dups",
            str(dataset),
            "--json",
            "--skip-imagededup",
            "--hashview",
            "scratch",
            "--params",
            params,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out)["rows"][0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--families", default=",".join(DEFAULT_FAMILIES), help="training families, comma-separated")
    parser.add_argument("--full", type=Path, help="benchmarks.dups --json result of the full vocabulary, same set")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = [f for f in families if f not in MATCHES]
    if unknown:
        parser.error(f"no evaluation families known for {', '.join(unknown)} (known: {', '.join(MATCHES)})")
    record = provenance()
    print(provenance_line(record), file=sys.stderr, flush=True)
    full: dict[str, float] = {}
    if args.full:
        full = json.loads(args.full.read_text())["rows"][0]["recall_by_edit"]
    rows = []
    for family in families:
        result = run_without(args.dataset.resolve(), family)
        for edit in MATCHES[family]:
            rows.append(
                {
                    "left_out": family,
                    "evaluated": edit,
                    "recall_left_out": result["recall_by_edit"].get(edit),
                    "recall_with_it": full.get(edit),
                    "precision": result["precision"],
                    "f1": result["f1"],
                    "seconds": result["seconds"],
                }
            )
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({"benchmark": "leave_one_out", "provenance": record, "rows": rows}, indent=1))
        return 0
    print(f"{'left out':14s} {'evaluated on':20s} {'recall':>7s} {'with it':>8s} {'P':>6s} {'F1':>6s}")
    for r in rows:
        with_it = "" if r["recall_with_it"] is None else f"{r['recall_with_it']:8.2f}"
        print(
            f"{r['left_out']:14s} {r['evaluated']:20s} {r['recall_left_out']:7.2f} {with_it:>8s} "
            f"{r['precision']:6.3f} {r['f1']:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
