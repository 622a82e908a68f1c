"""The per-family recall table of ``benchmarks.dups`` results, as markdown, grouped as the set's truth groups them.

Reads ``benchmarks.dups --json`` results on a set made by
``benchmarks.datasets.broad_edit_dataset`` (each ``RESULT`` is a file, or
``FILE:ROW=LABEL`` for one tool row of it under another name), and
prints a table of each family's original-copy recall per tool, families
sorted within their group, the lowest of each row marked. With ``--leave-one-out``
(a ``benchmarks.studies.leave_one_out --json`` result) it prints that table too.
The docs' tables are made with this, so they match the result files.

Usage (from the repository root):
    python -m benchmarks.studies.family_table DATASET RESULT [RESULT ...] [--leave-one-out LOO.json]
e.g. ``new.json:0="hashview, now" old.json:0="hashview, before" new.json:1`` (hashview twice, PHash).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def family_groups(dataset: Path) -> dict[str, str]:
    """Each edit family of the set's copies -> its group (``exposure-tone``, ``colour``...)."""
    truth = json.loads((dataset / "truth.json").read_text())
    return {c["edit"]: c["family_group"] for group in truth["groups"] for c in group if c["edit"] != "original"}


def summary_table(rows: list[dict]) -> list[str]:
    lines = ["| tool | P | R | F1 | R original-copy | R copy-copy | s |", "|---|---|---|---|---|---|---|"]

    def cell(row: dict, key: str, digits: int = 3) -> str:
        return "" if row.get(key) is None else f"{row[key]:.{digits}f}"

    for r in rows:
        lines.append(
            f"| {r['tool']} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
            f"{cell(r, 'recall_original_copy')} | {cell(r, 'recall_copy_copy')} | {cell(r, 'seconds', 1)} |"
        )
    return lines


def recall_table(rows: list[dict], groups: dict[str, str]) -> list[str]:
    """One row per family; bold where the first tool (hashview) is below the best of the others."""
    lines = [
        "| family group | family | " + " | ".join(r["tool"] for r in rows) + " |",
        "|---|---|" + "---|" * len(rows),
    ]
    for family in sorted(groups, key=lambda f: (groups[f], f)):
        values = [r["recall_by_edit"].get(family) for r in rows]
        others = [v for v in values[1:] if v is not None]
        cells = []
        for k, v in enumerate(values):
            text = "" if v is None else f"{v:.2f}"
            if k == 0 and v is not None and others and v < max(others):
                text = f"**{text}**"
            cells.append(text)
        lines.append(f"| {groups[family]} | {family} | " + " | ".join(cells) + " |")
    return lines


def leave_one_out_table(result: dict) -> list[str]:
    lines = [
        "| family left out of training | evaluated on | recall without it | recall with it | P | F1 |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        with_it = "" if r["recall_with_it"] is None else f"{r['recall_with_it']:.2f}"
        lines.append(
            f"| {r['left_out']} | {r['evaluated']} | {r['recall_left_out']:.2f} | {with_it} | "
            f"{r['precision']:.3f} | {r['f1']:.3f} |"
        )
    return lines


def chosen_rows(spec: str) -> list[dict]:
    """The rows ``spec`` names: ``FILE`` (all), ``FILE:ROW`` or ``FILE:ROW=LABEL``."""
    path, _, pick = spec.partition(":")
    rows = json.loads(Path(path).read_text())["rows"]
    if not pick:
        return list(rows)
    index, _, label = pick.partition("=")
    row = dict(rows[int(index)])
    if label:
        row["tool"] = label
    return [row]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("results", nargs="+", help="FILE, FILE:ROW or FILE:ROW=LABEL")
    parser.add_argument("--leave-one-out", type=Path)
    args = parser.parse_args(argv)
    rows = [row for spec in args.results for row in chosen_rows(spec)]
    print("\n".join(summary_table(rows)))
    print()
    print("\n".join(recall_table(rows, family_groups(args.dataset))))
    if args.leave_one_out:
        print()
        print("\n".join(leave_one_out_table(json.loads(args.leave_one_out.read_text()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
