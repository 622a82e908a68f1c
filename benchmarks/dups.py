"""Duplicate finding quality: hashview's default pipeline beside imagededup's perceptual hashes.

On a set made by ``benchmarks.datasets.dup_dataset`` (real photos, groups of edited copies,
``truth.json``), runs in one go:
- hashview as a user would, defaults only, in the pipelines of ``--hashview``
  (``PIPELINES``: the shipped network alone, then refined on the library; or
  trained from zero), timed per step; then, untimed, its pairs at
  the radii around the suggested one (is a miss the radius or the codes?);
  its cache is kept and its path printed, for the studies
  (``benchmarks.studies.radius_rules`` and the others);
- imagededup PHash and DHash at their default thresholds, and at the
  threshold that gives each its best F1 (an oracle the user does not have).
Prints pair precision, recall and F1, and recall per edit type (a pair is an
original with one of its copies, or two copies of one photo).

Usage (from the repository root):
    python -m benchmarks.dups DATASET [--hashview shipped,refined,scratch] [--json] [--skip-imagededup]
        [--seed N] [--bits K] [--params JSON]

``--json`` prints one JSON object: the provenance and one row per tool.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.provenance import provenance, provenance_line

DISTRACTORS = "distractors/"


def truth_pairs(root: Path) -> tuple[set[frozenset], dict[frozenset, str]]:
    """All pairs within the true groups, and for each the edit type that makes it hard."""
    truth = json.loads((root / "truth.json").read_text())
    pairs, kind = set(), {}
    for group in truth["groups"]:
        for a, b in itertools.combinations(group, 2):
            pair = frozenset((a["path"], b["path"]))
            pairs.add(pair)
            edits = sorted({a["edit"], b["edit"]} - {"original"})
            kind[pair] = edits[0] if len(edits) == 1 else "copy-copy"
    return pairs, kind


def score(found: set[frozenset], pairs: set[frozenset], kind: dict[frozenset, str]) -> dict:
    tp = len(found & pairs)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(pairs) if pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per = defaultdict(lambda: [0, 0])
    for pair in pairs:
        per[kind[pair]][1] += 1
        per[kind[pair]][0] += pair in found
    false = found - pairs
    copy_copy = {p for p in pairs if kind[p] == "copy-copy"}
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        # an original with its copy, and two copies of one photo (two edits apart), apart: the second are most pairs
        "recall_original_copy": len(found & (pairs - copy_copy)) / max(1, len(pairs - copy_copy)),
        "recall_copy_copy": len(found & copy_copy) / max(1, len(copy_copy)),
        "pairs_found": len(found),
        "true_pairs": len(pairs),
        # a larger library (benchmarks.datasets.dup_scale_dataset) adds photos under distractors/ that are in no group
        "false_pairs": len(false),
        "false_with_distractors": sum(any(p.startswith(DISTRACTORS) for p in f) for f in false),
        "recall_by_edit": {k: hits / total for k, (hits, total) in sorted(per.items())},
    }


def groups_to_pairs(groups: list[list[str]]) -> set[frozenset]:
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


PIPELINES = ("shipped", "refined", "scratch")
"""How hashview runs (defaults only, a fresh cache for ``shipped`` and ``scratch``):
- ``shipped``: ``hashview index F && hashview dups F --json``: the scan encodes with the shipped network, no training;
- ``refined``: then ``hashview train F`` (refines the shipped network on the library) and ``dups`` again, in the
  same cache: its seconds are the training and the second ``dups``, so shipped + refined is the whole way;
- ``scratch``: ``hashview index F --no-encode && hashview train F --from-scratch && hashview dups F --json``
  (what every library did before a network shipped)."""


def run_hashview(
    root: Path, pipeline: str, seed: int | None = None, bits: int | None = None, env: dict | None = None
) -> tuple[set[frozenset], dict, dict]:
    """One pipeline's pairs, its steps' seconds and network, and the environment (its cache) it ran in."""
    env = env or dict(os.environ, HASHVIEW_HOME=tempfile.mkdtemp(prefix="hashview-bench-"))
    hashview = [sys.executable, "-m", "hashview"]
    times = {}
    options = (["--seed", str(seed)] if seed is not None else []) + (["--bits", str(bits)] if bits else [])
    steps = {
        "shipped": [["index", str(root)]],
        "refined": [["train", str(root), *options]],
        "scratch": [["index", str(root), "--no-encode"], ["train", str(root), "--from-scratch", *options]],
    }[pipeline]
    for step in steps:
        started = time.monotonic()
        subprocess.run(hashview + step, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[step[0]] = time.monotonic() - started
    started = time.monotonic()
    out = subprocess.run(
        [*hashview, "dups", str(root), "--json"], env=env, check=True, capture_output=True, text=True
    ).stdout
    times["dups"] = time.monotonic() - started
    times["network"] = network_summary(root, env)
    return groups_to_pairs(relative_groups(root, out)), times, env


def relative_groups(root: Path, dups_json: str) -> list[list[str]]:
    return [[str(Path(p).relative_to(root)) for p in g["paths"]] for g in json.loads(dups_json)]


def pairs_by_radius(root: Path, env: dict, suggested: int, spread: int = 3) -> dict[int, set[frozenset]]:
    """The pairs at radii around the suggested one (after the timed run): is a miss the radius or the codes?"""
    found = {}
    for radius in range(max(0, suggested - spread), suggested + spread + 1):
        out = subprocess.run(
            [sys.executable, "-m", "hashview", "dups", str(root), "--json", "--radius", str(radius)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found[radius] = groups_to_pairs(relative_groups(root, out))
    return found


NETWORK_SUMMARY = """
import json, sys
from hashview.core.library import Library
with Library.open(sys.argv[1]) as lib:
    info = lib.networks.get()
    s = info.stats
    baseline = s.get("baseline") or {}
    steps = sum(int(h.get("steps", 0)) for h in s.get("history", []))
    fit = s.get("fit_seconds")
    phases = s.get("phase_seconds") or {}
    stepping = phases.get("steps", fit)  # older networks kept only fit_seconds, which holds the probes too
    print(json.dumps({"network": info.name, "method": info.method, "bits": info.bits, "probe_map": s.get("map"), "refined_from_map": baseline.get("map"), "trunk": s.get("trunk"), "input_size": s.get("input_size"), "compute": s.get("compute"),
                      "steps": steps, "fit_seconds": fit, "seconds_per_step": round(stepping / steps, 3) if steps and stepping else None,
                      "suggested_radius": lib.duplicates.suggested_radius(),
                      "phase_seconds": " ".join(f"{k} {v}" for k, v in phases.items()) or None}))
"""


def network_summary(root: Path, env: dict) -> dict:
    """What the default training made: method, steps, seconds per step, the suggested radius."""
    out = subprocess.run(
        [sys.executable, "-c", NETWORK_SUMMARY, str(root)], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def hash_distances(encodings: dict[str, str], most: int) -> dict[frozenset, int]:
    """Every pair of imagededup's 64-bit hex hashes within Hamming distance ``most``, with its distance,
    from one pass over all pairs: its ``find_duplicates`` once per threshold took minutes each on
    10,000 photos."""
    import numpy as np

    names = list(encodings)
    words = np.array([int(encodings[n], 16) for n in names], np.uint64)
    found: dict[frozenset, int] = {}
    for a in range(len(words) - 1):
        d = np.bitwise_count(words[a + 1 :] ^ words[a])
        for b in np.flatnonzero(d <= most).tolist():
            found[frozenset((names[a], names[a + 1 + b]))] = int(d[b])
    return found


def within(distances: dict[frozenset, int], threshold: int) -> set[frozenset]:
    return {pair for pair, d in distances.items() if d <= threshold}


def quiet_imagededup(method_name: str):
    """imagededup's hashing method ``method_name`` (PHash, DHash), its per-module loggers set to errors only."""
    import logging

    from imagededup import methods

    method = getattr(methods, method_name)(verbose=False)
    for name in list(logging.root.manager.loggerDict):  # its loggers are made per module, each with a handler
        if name.startswith("imagededup"):
            logging.getLogger(name).setLevel(logging.ERROR)
    return method


def run_imagededup(root: Path, method_name: str) -> tuple[set[frozenset], dict[frozenset, int], float]:
    """Pairs at the default threshold, timed as a user runs it: ``encode_images(folder, recursive=True)``
    (its default workers) and one ``find_duplicates`` at the default threshold; then pairs per threshold
    0..20 for the best-F1 oracle (not timed; ``hash_distances``, checked against imagededup's own
    search at the default)."""
    import warnings

    method = quiet_imagededup(method_name)
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encodings = method.encode_images(image_dir=str(root), recursive=True)
        default_found = method.find_duplicates(encoding_map=encodings, max_distance_threshold=10)
    seconds = time.monotonic() - started
    files = {str(p.relative_to(root)) for p in root.rglob("*") if p.suffix.lower() in {".jpg", ".png", ".webp"}}
    # keys are paths under the folder; a file imagededup cannot decode is missing, and none of its pairs is found
    assert set(encodings) <= files, "imagededup keys a recursive scan by the path under the folder"

    default = {frozenset((a, b)) for a, dups in default_found.items() for b in dups}
    distances = hash_distances(encodings, 20)
    assert within(distances, 10) == default, "the sweep pairs what imagededup's own search pairs"
    return default, distances, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-imagededup", action="store_true")
    parser.add_argument(
        "--seed", type=int, help="train with this seed (default: hashview's own, 0), to see the spread of runs"
    )
    parser.add_argument(
        "--params",
        help="change the method's hyper-parameters for this run, a JSON object, e.g. '{\"views\": 4}' "
        "(sets HASHVIEW_PARAMS: an experiment, not the defaults)",
    )
    parser.add_argument("--bits", type=int, help="train codes of this length (default: hashview's, 128 for dupnet)")
    parser.add_argument(
        "--hashview",
        type=lambda text: [p for p in text.split(",") if p],
        default=["shipped", "refined"],
        help=f"hashview's pipelines, comma-separated, of {', '.join(PIPELINES)} (default: shipped,refined; "
        "refined follows shipped in its cache)",
    )
    args = parser.parse_args(argv)
    unknown = [p for p in args.hashview if p not in PIPELINES] + (
        ["refined without shipped before it"]
        if "refined" in args.hashview
        and ("shipped" not in args.hashview or args.hashview.index("shipped") > args.hashview.index("refined"))
        else []
    )
    if unknown:
        parser.error(f"--hashview: {', '.join(unknown)} (choose from {', '.join(PIPELINES)})")
    record = provenance()
    print(provenance_line(record), file=sys.stderr if args.json else sys.stdout, flush=True)
    root = args.dataset.resolve()
    pairs, kind = truth_pairs(root)
    rows = []
    if args.params:
        json.loads(args.params)  # bad JSON stops here, before minutes of training
        os.environ["HASHVIEW_PARAMS"] = (
            args.params
        )  # hashview's own processes inherit it (read by hashview's command line: core/runtime.py)
    env = None
    for pipeline in args.hashview:
        found, times, env = run_hashview(root, pipeline, args.seed, args.bits, env if pipeline == "refined" else None)
        network = times.pop("network")
        by_radius = {
            r: score(p, pairs, kind) for r, p in pairs_by_radius(root, env, network["suggested_radius"]).items()
        }
        tool = (
            f"hashview {pipeline} ("
            + (f"params {args.params}" if args.params else "defaults")
            + (f", seed {args.seed}" if args.seed is not None else "")
            + (f", {args.bits} bits" if args.bits else "")
            + ")"
        )
        rows.append(
            {
                "tool": tool,
                "pipeline": pipeline,
                **score(found, pairs, kind),
                "seconds": sum(times.values()),
                "steps": times,
                "network": network,
                "by_radius": by_radius,
                "cache": env["HASHVIEW_HOME"],
            }
        )
    if not args.skip_imagededup:
        for name in ("PHash", "DHash"):
            default, distances, seconds = run_imagededup(root, name)
            rows.append(
                {"tool": f"imagededup {name} (threshold 10)", **score(default, pairs, kind), "seconds": seconds}
            )
            best_t = max(range(21), key=lambda t: score(within(distances, t), pairs, kind)["f1"])
            rows.append(
                {
                    "tool": f"imagededup {name} (best threshold {best_t})",
                    **score(within(distances, best_t), pairs, kind),
                    "seconds": seconds,
                }
            )
    if args.json:
        print(json.dumps({"benchmark": "dups", "provenance": record, "rows": rows}, indent=1))
        return 0
    edits = sorted({k for r in rows for k in r["recall_by_edit"]})
    print(f"{len(pairs)} true pairs in {root}")
    distractors = json.loads((root / "truth.json").read_text()).get("distractors")
    print(f"{'tool':40s} {'P':>6s} {'R':>6s} {'F1':>6s} {'R o-c':>6s} {'R c-c':>6s} {'s':>7s}")
    for r in rows:
        print(
            f"{r['tool']:40s} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
            f"{r['recall_original_copy']:6.3f} {r['recall_copy_copy']:6.3f} {r['seconds']:7.1f}"
        )
    print("recall per edit (an original and its copy; copy-copy: two copies of one photo)")
    print(f"{'edit':22s} " + " ".join(f"{r['tool'][:24]:>24s}" for r in rows))
    for e in edits:
        print(f"{e:22s} " + " ".join(f"{r['recall_by_edit'].get(e, float('nan')):24.2f}" for r in rows))
    if distractors:
        print(
            f"false pairs with one of the {distractors} distractors: "
            + ", ".join(f"{r['tool']} {r['false_with_distractors']} of {r['false_pairs']}" for r in rows)
        )
    for hv in (r for r in rows if "pipeline" in r):
        print(f"{hv['tool']}: steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in hv["steps"].items()))
        print("  network: " + ", ".join(f"{k} {v}" for k, v in hv["network"].items()))
        print(f"  cache: {hv['cache']} (kept, for python -m benchmarks.studies.radius_rules)")
        print(
            "  at other radii (P/R/F1, * suggested): "
            + ", ".join(
                f"{r}{'*' if r == hv['network']['suggested_radius'] else ''} "
                f"{s['precision']:.3f}/{s['recall']:.3f}/{s['f1']:.3f}"
                for r, s in hv["by_radius"].items()
            )
        )
    with contextlib.suppress(OSError):
        print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
