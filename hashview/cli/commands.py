"""The commands themselves: each opens the library, drives a core job, prints its summary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from hashview.cli.bulk import bulk_clean_up, export
from hashview.cli.cleanup import clean_up
from hashview.cli.output import bad_number, emit, fail, warn
from hashview.cli.progress import ProgressPrinter
from hashview.core.nets.stopping import stop_line
from hashview.core.terminal_text import printable

if TYPE_CHECKING:
    from hashview.core.library import Library


def open_library(args: argparse.Namespace) -> Library:
    """The library of ``args.folder``, with the environment's options that ``main`` read (``args.runtime``)."""
    from hashview.core.library import Library

    return Library.open(args.folder, runtime=getattr(args, "runtime", None))


def cmd_index(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    """Scan, then encode the new photos with the current network (a new library adopts the shipped one),
    so search and dups answer at once; a library with no network at all is only scanned."""
    from hashview.core.errors import HashviewError

    with open_library(args) as lib:
        s = printer.drive(lib.index())
        lines = [
            f"{s.get('files', 0)} images in the library: {s.get('added', 0)} added, {s.get('updated', 0)} updated, "
            f"{s.get('removed', 0)} removed, {s.get('unchanged', 0)} unchanged, {s.get('skipped', 0)} skipped "
            f"({s.get('rate', 0):.1f} images/s)"
        ]
        if not args.no_encode and s.get("files", 0):
            try:
                info = lib.networks.get(None)
                encoded = printer.drive(lib.encode(info.id))
            except HashviewError as exc:  # the scan is done and kept: say why nothing was encoded, succeed
                lines.append(f"not encoded: {exc}")
                warn(f"scanned, but not encoded: {exc}")
            else:
                s = {**s, "network": info.id, "encoded": encoded["encoded"]}
                lines.append(f"encoded {encoded['encoded']} with {printable(info.name)} ({encoded['codes']} codes)")
    emit(args, s, lines)
    return 0


def cmd_train(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    bad = bad_number(args, ("epochs", "bits", "batch_size", "input_size"))
    if bad:
        return fail(bad)
    from hashview.core.train.pipeline import TrainOptions

    options = TrainOptions(
        method=args.method,
        bits=args.bits,
        backbone=args.backbone,
        weights=args.weights,
        epochs=args.epochs,
        batch_size=args.batch_size,
        input_size=args.input_size,
        device=args.device,
        labels=args.labels,
        name=args.name,
        seed=args.seed,
        start_from="scratch" if args.from_scratch else args.start_from or "auto",
    )
    with open_library(args) as lib:
        s = printer.drive(lib.train(options))
    lines = [
        f"trained {printable(s['network'])} on {s.get('images', 0)} images in {s.get('train_seconds', 0):.1f} s; "
        f"encoded {s.get('encoded', 0)} new"
    ]
    baseline = s.get("baseline")
    if baseline and baseline.get("map") is not None and s.get("map") is not None:
        verdict = "now current" if s.get("switched") else f"kept {printable(s.get('current_name', '?'))} as current"
        lines.append(
            f"refined: mAP on synthetic copies of this library's photos {baseline['map']:.3f} -> {s['map']:.3f}; {verdict}"
        )
    if s.get("stopping"):
        lines.append(stop_line(s["stopping"]))
    emit(args, s, lines)
    return 0


def cmd_encode(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    with open_library(args) as lib:
        s = printer.drive(lib.encode(args.network, device=args.device))
    emit(
        args,
        s,
        [f"{printable(s['network'])}: encoded {s['encoded']}, {s['codes']} codes in all, {s['skipped']} skipped"],
    )
    return 0


def cmd_search(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    bad = bad_number(args, ("k",)) or bad_number(args, ("radius",), least=0)
    if bad:
        return fail(bad)
    with open_library(args) as lib:
        printer.drive(lib.encode(args.network))
        results = lib.search(args.images, network=args.network, k=args.k, radius=args.radius)
    document = [
        {"query": r.query, "results": [{"path": str(h.path), "distance": h.distance} for h in r.hits]} for r in results
    ]
    lines = []
    for r in results:
        lines.append(f"{printable(r.query)}:")
        lines.extend(f"  {h.distance:4d}  {printable(h.path)}" for h in r.hits)
    emit(args, document, lines)
    return 0


def cmd_dups(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    if args.exact and args.radius is not None:
        return fail("--exact groups identical files and takes no --radius: use one or the other")
    bad = bad_number(args, ("radius",), least=0)
    if bad:
        return fail(bad)
    acting = args.trash or args.move_to is not None or args.hardlink
    needs_action = (args.yes or args.allow_large) and not acting
    needs_groups = (args.reference or args.prefer) and not (acting or args.export)
    if needs_action or needs_groups:
        return fail(
            "--yes, --reference, --prefer and --allow-large go with --trash, --move-to or --hardlink "
            "(--reference and --prefer also with --export)"
        )
    if args.allow_large and args.hardlink:
        return fail("--allow-large goes with --trash or --move-to: --hardlink only replaces identical files")
    if (acting or args.export) and args.profile:
        return fail("--profile lists radii, not groups: it cannot go with --trash, --move-to, --hardlink or --export")
    if args.export is not None and args.export.suffix.lower() not in (".csv", ".json"):
        return fail(f"--export writes a .csv or .json file, not {args.export.name!r}")
    if args.move_to is not None:
        from hashview.core.duplicates.bulk import check_destination

        check_destination(args.move_to, args.folder)  # a destination inside the library: one line, before any work
    with open_library(args) as lib:
        if not args.exact:
            bits = lib.networks.get(args.network).bits
            if args.radius is not None and args.radius > bits:
                return fail(f"--radius {args.radius} is more than the network's {bits} bits: choose 0 to {bits}")
            printer.drive(lib.encode(args.network))
            if args.radius is None:
                advice = lib.duplicates.advice(network=args.network)
                warn(advice.warning)
                warn(None if advice.warning else advice.reason, "note")
        if args.profile:
            if args.exact:
                from hashview.core.errors import LibraryError

                raise LibraryError("--profile needs codes, not --exact")
            rows = lib.duplicates.profile(network=args.network)
            suggested = lib.duplicates.suggested_radius(network=args.network)
        else:
            groups = lib.duplicates.groups(network=args.network, radius=args.radius, exact=args.exact)
            if args.radius is not None:
                from hashview.core.duplicates.finder import chain_warning

                warn(chain_warning(groups, lib.entries(), args.radius))
            if args.export is not None:
                export(args, lib, groups)
            if args.trash:
                return clean_up(args, lib, groups)
            if acting:
                return bulk_clean_up(args, lib, groups, printer)
    if args.profile:
        lines = [
            f"radius {r['radius']:3d}: {r['groups']:6d} groups {r['pairs']:8d} pairs"
            + ("" if r["precision"] is None else f"  precision {r['precision']:.3f} (your decisions)")
            + ("  <- suggested" if r["radius"] == suggested else "")
            for r in rows
        ]
        emit(args, {"suggested_radius": suggested, "radii": rows}, lines)
        return 0
    from hashview.core.duplicates.export import groups_document

    document = groups_document(groups)
    lines = []
    for n, g in enumerate(groups, 1):
        lines.append(f"group {n} ({len(g.paths)} photos, max distance {g.max_distance}):")
        lines.extend(f"  {printable(p)}" for p in g.paths)
    if not groups:
        lines.append("no duplicates found")
    emit(args, document, lines)
    return 0


def cmd_eval(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    from hashview.core.train.evaluation import EvalOptions, evaluate_method

    bad = bad_number(args, ("bits", "epochs", "batch_size"))
    if bad:
        return fail(bad)
    opts = EvalOptions(
        method=args.method,
        bits=args.bits,
        protocol=args.protocol,
        epochs=args.epochs,
        device=args.device,
        seed=args.seed,
        backbone=args.backbone,
        batch_size=args.batch_size,
        runtime=args.runtime,
    )
    report = printer.drive(evaluate_method(args.data, opts))
    lines = [
        f"{report['method']} {report['bits']} bits on {printable(Path(args.data).name)} ({report['protocol']}): "
        f"mAP {report['map']:.4f}, mAP@1000 {report['map_at_1000']:.4f}, P@r<=2 {report['p_at_r2']:.4f}, "
        f"train {report['train_seconds']:.1f} s, encode {report['encode_seconds']:.1f} s on {report['device']}"
    ]
    stopping = report.get("training", {}).get("stopping")
    if stopping:
        lines.append(stop_line(stopping))
    emit(args, report, lines)
    return 0
