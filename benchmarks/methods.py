"""Every hashing method x bit length x data set, beside the papers' own figures.

Usage (from the repository root):
    python -m benchmarks.methods --data ../shared/datasets/mnist.npz --protocol mnist-dhln \
        --methods dhln ssdh --bits 16 24 32 48 [--epochs E] [--device auto] [--json] [--out benchmarks/results]
    python -m benchmarks.methods --table benchmarks/results/*.json   (a table from saved reports)

Each run is ``hashview eval`` (``evaluation.evaluate_method``); each report is
written to ``--out`` as ``<data>-<protocol>-<method>-<bits>.json``, with its
provenance (commit, date, machine, command), so a table can be rebuilt later
without training again. One training at a time: the
machine's cores are shared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from benchmarks.provenance import provenance, provenance_line

# The papers' figures (METHODS.md): (data, protocol, method) -> {bits: value}, and which metric.
PAPER = {
    ("mnist", "mnist-dhln", "dhln"): ("mAP", {16: 0.992, 24: 0.993, 32: 0.995, 48: 0.993}),
    ("mnist", "mnist-dhln", "itq"): ("mAP", {16: 0.515, 48: 0.610}),
    ("mnist", "mnist-dhln", "lsh"): ("mAP", {16: 0.250, 48: 0.430}),
    ("cifar10_train", "holdout", "dhln"): ("mAP", {16: 0.714, 24: 0.718, 32: 0.736, 48: 0.728}),
    ("cifar10_train", "cifar-s1", "dshsre"): ("mAP", {12: 0.771, 24: 0.817, 32: 0.839, 48: 0.858}),
    ("cifar10_train", "cifar-s2", "dshsre"): ("mAP", {12: 0.953, 24: 0.959, 32: 0.961, 48: 0.970}),
    ("cifar10_train", "holdout", "dshsre"): ("mAP (their setting 2)", {12: 0.953, 24: 0.959, 32: 0.961, 48: 0.970}),
    ("cifar10_train", "holdout", "ddh"): ("mAP@1000", {16: 0.447, 32: 0.486, 64: 0.535}),
    ("cifar10_train", "holdout", "itq"): ("mAP@1000 (DDH's table)", {16: 0.157, 32: 0.162, 64: 0.166}),
}


def run_one(
    data: Path,
    method: str,
    bits: int,
    protocol: str,
    epochs: int | None,
    device: str,
    seed: int,
    backbone: str | None = None,
    batch_size: int | None = None,
) -> dict:
    from hashview.cli import ProgressPrinter
    from hashview.core.runtime import RuntimeOptions
    from hashview.core.train.evaluation import EvalOptions, evaluate_method

    # the environment (HASHVIEW_CPU_BF16, HASHVIEW_PARAMS, ...) as `hashview eval` reads it
    opts = EvalOptions(
        method=method,
        bits=bits,
        protocol=protocol,
        epochs=epochs,
        device=device,
        seed=seed,
        backbone=backbone,
        batch_size=batch_size,
        runtime=RuntimeOptions.from_environ(os.environ),
    )
    report = ProgressPrinter().drive(evaluate_method(data, opts))
    report["command"] = (
        f"hashview eval {data} --method {method} --bits {bits} --protocol {protocol}"
        + (f" --epochs {epochs}" if epochs else "")
        + (f" --backbone {backbone}" if backbone else "")
        + (f" --batch-size {batch_size}" if batch_size else "")
        + f" --device {device} --seed {seed} --json"
    )
    report["provenance"] = provenance()  # after training: torch is loaded, so the GPU and its version are known
    return report


def table(reports: list[dict]) -> str:
    """A markdown table: our mAP and mAP@1000 beside the paper's figure where there is one."""
    lines = [
        "| data | protocol | method | bits | mAP | mAP@1000 | P@r<=2 | paper | train s | device | epochs |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(reports, key=lambda r: (r.get("data", ""), r["protocol"], r["method"], r["bits"])):
        data = Path(r.get("data", "?")).stem
        metric, figures = PAPER.get((data, r["protocol"], r["method"]), ("", {}))
        paper = f"{figures[r['bits']]:.3f} ({metric})" if r["bits"] in figures else ""
        lines.append(
            f"| {data} | {r['protocol']} | {r['method']} | {r['bits']} | {r['map']:.4f} | {r['map_at_1000']:.4f} | "
            f"{r['p_at_r2']:.4f} | {paper} | {r['train_seconds']:.0f} | {r['device']} | {r.get('epochs', '')} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--protocol", default="holdout")
    parser.add_argument("--methods", nargs="+", default=["lsh", "pcah", "itq", "dhln", "ssdh", "dshsre", "ddh", "bae"])
    parser.add_argument("--bits", nargs="+", type=int, default=[16, 32, 48])
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--backbone", help="deep methods: the trunk (default: the method's own)")
    parser.add_argument("--batch-size", type=int, help="deep methods: images per step (default: the method's own)")
    parser.add_argument(
        "--tag", default="", help="appended to each report's file name (e.g. gpu), so runs do not overwrite"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--json", action="store_true", help="print the reports as one JSON list")
    parser.add_argument("--table", nargs="+", type=Path, help="only print a table of saved reports")
    args = parser.parse_args()
    if args.table:
        reports = [
            r for r in (json.loads(p.read_text()) for p in args.table) if isinstance(r, dict) and "map" in r
        ]  # skips the search benchmarks
    else:
        if args.data is None:
            parser.error("--data is required unless --table is given")
        reports = []
        print(provenance_line(), file=sys.stderr if args.json else sys.stdout, flush=True)
        args.out.mkdir(parents=True, exist_ok=True)
        for method in args.methods:
            for bits in args.bits:
                report = run_one(
                    args.data,
                    method,
                    bits,
                    args.protocol,
                    args.epochs,
                    args.device,
                    args.seed,
                    args.backbone,
                    args.batch_size,
                )
                name = f"{args.data.stem}-{args.protocol}-{method}-{bits}{'-' + args.tag if args.tag else ''}.json"
                (args.out / name).write_text(json.dumps(report, indent=1))
                reports.append(report)
                print(
                    f"{method} {bits} bits: mAP {report['map']:.4f} in {report['train_seconds']:.0f} s", file=sys.stderr
                )
    if args.json:
        print(json.dumps(reports, indent=1))
    else:
        print(table(reports))


if __name__ == "__main__":
    main()
