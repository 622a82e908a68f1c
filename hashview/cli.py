"""The headless commands: index, train, encode, search, dups, eval.

They drive the same ``core`` generators as the desktop app, with progress on
stderr; ``--json`` prints one JSON document on stdout and nothing else there.
Bad input exits non-zero with a one-line reason on stderr. The command-line
contract is in docs/architecture.md; tests/test_cli.py holds it to that.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from hashview.core.terminal_text import printable

if TYPE_CHECKING:
    from hashview.core.duplicates.cleanup import GroupPlan
    from hashview.core.duplicates.finder import DuplicateGroup
    from hashview.core.duplicates.keep_rules import KeepPolicy
    from hashview.core.library import Library
    from hashview.core.runtime import RuntimeOptions

COMMANDS = ("index", "train", "encode", "search", "dups", "eval")

EXIT_BAD_INPUT = 2
EXIT_CANCELLED = 130


class ProgressPrinter:
    """Prints job events on stderr: a live line on a terminal, a line every few seconds otherwise.

    File names and messages go through ``printable``: a name with a newline or
    an escape sequence in it can neither forge a line nor drive the terminal.
    """

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, interval: float | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.interval = interval if interval is not None else (0.1 if self.tty else 5.0)
        self._last = 0.0
        self._live = False
        self.skipped = 0

    def _line(self, text: str) -> None:
        if self._live:
            self.stream.write("\r\033[K")
            self._live = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def handle(self, event: object) -> None:
        from hashview.core.events import EpochDone, Finished, Progress, Skipped

        if isinstance(event, Skipped):
            self.skipped += 1
            if not self.quiet:
                self._line(f"skipped {printable(event.path)}: {printable(event.reason)}")
        elif isinstance(event, Progress):
            now = time.monotonic()
            last = event.total is not None and event.done >= event.total
            if self.quiet or (now - self._last < self.interval and not last):
                return
            self._last = now
            if event.total is not None and event.total <= 1:  # a single step: its message says it all
                text = f"{event.stage}: {printable(event.message)}".rstrip(": ")
            else:
                total = f"/{event.total}" if event.total is not None else ""
                eta = f", {event.eta_s:.0f} s left" if event.eta_s is not None and not last else ""
                text = (
                    f"{event.stage}: {event.done}{total} ({event.rate:.1f}/s{eta}) {printable(event.message)}".rstrip()
                )
            if self.tty:
                self.stream.write("\r\033[K" + text)
                self.stream.flush()
                self._live = True
            else:
                self._line(text)
        elif isinstance(event, EpochDone) and not self.quiet:
            stats = ", ".join(f"{k} {v:.4g}" for k, v in event.stats.items() if isinstance(v, (int, float)))
            self._line(f"epoch {event.epoch + 1}: {stats}")
        elif isinstance(event, Finished) and self._live:
            self._line("")

    def drive(self, events: Iterable[object]) -> dict[str, Any]:
        """Consume a job's events, printing them; return the summary of its Finished event."""
        from hashview.core.events import drain

        summary: dict[str, Any] = drain(events, self.handle)  # the jobs driven here all end in Finished
        return summary


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    sys.stderr.write(f"hashview: {printable(message)}\n")
    return code


def _warn(message: str | None, kind: str = "warning") -> None:
    """One line on stderr that does not stop the command (a network that cannot tell photos apart)."""
    if message:
        sys.stderr.write(f"hashview: {kind}: {printable(message)}\n")


def _bad_number(args: argparse.Namespace, names: tuple[str, ...], least: int = 1) -> str | None:
    """A one-line refusal for the first option of ``names`` (argparse dests) given below ``least``, else None.

    Counts (epochs, bits, -k, batch size, input size) start at 1; a radius at 0
    (identical codes). Checked before any work: ``--epochs -3`` trained no step
    and ``--epochs 0`` silently meant the default.
    """
    for name in names:
        value = getattr(args, name, None)
        if value is not None and value < least:
            flag = "-k" if name == "k" else "--" + name.replace("_", "-")
            default = "" if name in ("k", "radius") else " (leave it out for the default)"
            return f"{flag} must be {least} or more, not {value}{default}"
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hashview", description="Find similar and duplicate photos by learned binary codes."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="scan a folder into the catalog (incremental) and make thumbnails")
    p.add_argument("folder", type=Path)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("train", help="train (or fit) a hashing network on the library and encode it")
    p.add_argument("folder", type=Path)
    p.add_argument("--method", help="hashing method (default: the recommended one for the folder)")
    p.add_argument(
        "--bits",
        type=int,
        help="code length, a multiple of 8 from 8 to 1024 (default: the method's, 128 for dupnet, 64 for the others)",
    )
    p.add_argument(
        "--backbone",
        help="what the method is built on (default: the method's own): shallow methods hash "
        "pixels or a torchvision net (resnet18, resnet50, mobilenet_v3_small, mobilenet_v3_large); deep methods "
        "train a trunk: auto, dhln, cnn, cnn-l, cnn-s, cnn-xs (bae: bae) or a torchvision net",
    )
    p.add_argument(
        "--weights", default="none", help="torchvision backbones' weights: none (from scratch), imagenet, or a file"
    )
    p.add_argument("--epochs", type=int, help="training epochs (default: the method's)")
    p.add_argument("--batch-size", type=int, help="deep methods: images per step (default: the method's)")
    p.add_argument(
        "--input-size", type=int, help="side in pixels images are resized to (default: the method's or backbone's)"
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument(
        "--labels",
        default="auto",
        choices=["auto", "folders", "decisions", "none"],
        help="supervision: folders (first-level folder = class), decisions (your 'same picture' / "
        "'not a match' pairs from the app, for dupnet), none, or auto (default: decisions when the "
        "library has some and the method can use them, else none)",
    )
    p.add_argument("--name", help="network name (default: METHOD-BITS)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("encode", help="encode new or changed files with a network")
    p.add_argument("folder", type=Path)
    p.add_argument("--network", help="network name (default: the current one)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("search", help="rank the library by Hamming distance to each image")
    p.add_argument("folder", type=Path)
    p.add_argument("images", type=Path, nargs="+")
    p.add_argument("--network")
    p.add_argument("-k", type=int, default=10, help="results per query (default 10)")
    p.add_argument("--radius", type=int, help="return every image within this Hamming radius (at most -k)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("dups", help="list groups of duplicate or near-duplicate photos")
    p.add_argument("folder", type=Path)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--network")
    group.add_argument("--exact", action="store_true", help="byte-identical files only")
    p.add_argument("--radius", type=int, help="Hamming radius (default: read off the codes' own distances)")
    p.add_argument(
        "--profile", action="store_true", help="instead of groups, list per radius how many groups and pairs it gives"
    )
    p.add_argument(
        "--trash",
        action="store_true",
        help="apply the keep rules to every group and list what would move to "
        "the system trash (a dry run: add --yes to move them)",
    )
    p.add_argument("--yes", action="store_true", help="with --trash: move the listed copies to the system trash")
    p.add_argument(
        "--reference",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="with --trash: a folder whose files are never moved (repeatable)",
    )
    p.add_argument(
        "--prefer",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="with --trash: keep copies in this folder first (repeatable, most preferred first)",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="with --trash --yes: move even when it is more than "
        "a fifth of the library (refused otherwise: such groups usually mean the codes cannot tell the "
        "photos apart)",
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("eval", help="train and evaluate a method on a labelled data set")
    p.add_argument(
        "data", type=Path, help=".npz with x_train, y_train (and x_test, y_test) or a folder of class folders"
    )
    p.add_argument("--method", required=True)
    p.add_argument("--bits", type=int, required=True)
    p.add_argument("--protocol", default=None, help="mnist-dhln, cifar-s1, cifar-s2, holdout (default: holdout)")
    p.add_argument("--epochs", type=int)
    p.add_argument(
        "--backbone",
        help="deep methods: the trunk to train (auto, dhln, cnn, cnn-l, cnn-s, cnn-xs or a torchvision "
        "net; default: the method's); shallow methods hash standardised pixels",
    )
    p.add_argument("--batch-size", type=int, help="deep methods: images per step (default: the method's)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")
    return parser


def _emit(args: argparse.Namespace, document: object, human_lines: Iterable[str]) -> None:
    if args.json:
        sys.stdout.write(json.dumps(document, indent=1) + "\n")
    else:
        for line in human_lines:
            sys.stdout.write(line + "\n")


def _open_library(args: argparse.Namespace) -> Library:
    """The library of ``args.folder``, with the environment's options that ``main`` read (``args.runtime``)."""
    from hashview.core.library import Library

    return Library.open(args.folder, runtime=getattr(args, "runtime", None))


def cmd_index(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    with _open_library(args) as lib:
        s = printer.drive(lib.index())
    line = (
        f"{s.get('files', 0)} images in the library: {s.get('added', 0)} added, {s.get('updated', 0)} updated, "
        f"{s.get('removed', 0)} removed, {s.get('unchanged', 0)} unchanged, {s.get('skipped', 0)} skipped "
        f"({s.get('rate', 0):.1f} images/s)"
    )
    _emit(args, s, [line])
    return 0


def cmd_train(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    bad = _bad_number(args, ("epochs", "bits", "batch_size", "input_size"))
    if bad:
        return _fail(bad)
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
    )
    with _open_library(args) as lib:
        s = printer.drive(lib.train(options))
    _emit(
        args,
        s,
        [
            f"trained {printable(s['network'])} on {s.get('images', 0)} images in {s.get('train_seconds', 0):.1f} s; encoded {s.get('encoded', 0)} new"
        ],
    )
    return 0


def cmd_encode(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    with _open_library(args) as lib:
        s = printer.drive(lib.encode(args.network, device=args.device))
    _emit(
        args,
        s,
        [f"{printable(s['network'])}: encoded {s['encoded']}, {s['codes']} codes in all, {s['skipped']} skipped"],
    )
    return 0


def cmd_search(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    bad = _bad_number(args, ("k",)) or _bad_number(args, ("radius",), least=0)
    if bad:
        return _fail(bad)
    with _open_library(args) as lib:
        printer.drive(lib.encode(args.network))
        results = lib.search(args.images, network=args.network, k=args.k, radius=args.radius)
    document = [
        {"query": r.query, "results": [{"path": str(h.path), "distance": h.distance} for h in r.hits]} for r in results
    ]
    lines = []
    for r in results:
        lines.append(f"{printable(r.query)}:")
        lines.extend(f"  {h.distance:4d}  {printable(h.path)}" for h in r.hits)
    _emit(args, document, lines)
    return 0


def cmd_dups(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    if args.exact and args.radius is not None:
        return _fail("--exact groups identical files and takes no --radius: use one or the other")
    bad = _bad_number(args, ("radius",), least=0)
    if bad:
        return _fail(bad)
    if (args.yes or args.reference or args.prefer or args.allow_large) and not args.trash:
        return _fail("--yes, --reference, --prefer and --allow-large go with --trash")
    if args.trash and args.profile:
        return _fail("--trash and --profile cannot go together")
    with _open_library(args) as lib:
        if not args.exact:
            bits = lib.networks.get(args.network).bits
            if args.radius is not None and args.radius > bits:
                return _fail(f"--radius {args.radius} is more than the network's {bits} bits: choose 0 to {bits}")
            printer.drive(lib.encode(args.network))
            if args.radius is None:
                advice = lib.duplicates.advice(network=args.network)
                _warn(advice.warning)
                _warn(None if advice.warning else advice.reason, "note")
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

                _warn(chain_warning(groups, lib.entries(), args.radius))
            if args.trash:
                return _clean_up(args, lib, groups)
    if args.profile:
        lines = [
            f"radius {r['radius']:3d}: {r['groups']:6d} groups {r['pairs']:8d} pairs"
            + ("" if r["precision"] is None else f"  precision {r['precision']:.3f} (your decisions)")
            + ("  <- suggested" if r["radius"] == suggested else "")
            for r in rows
        ]
        _emit(args, {"suggested_radius": suggested, "radii": rows}, lines)
        return 0
    document = [{"paths": [str(p) for p in g.paths], "max_distance": g.max_distance} for g in groups]
    lines = []
    for n, g in enumerate(groups, 1):
        lines.append(f"group {n} ({len(g.paths)} photos, max distance {g.max_distance}):")
        lines.extend(f"  {printable(p)}" for p in g.paths)
    if not groups:
        lines.append("no duplicates found")
    _emit(args, document, lines)
    return 0


def _clean_up(args: argparse.Namespace, lib: Library, groups: list[DuplicateGroup]) -> int:
    """``dups --trash [--yes]``: the explorer's keep rules and trash checks, for every group, from a shell.

    Without ``--yes`` nothing moves: it prints what would. With it, each
    group's copies go to the system trash through the same checks as the
    app's trash button; a group that fails a check is left alone and reported.
    Exit 0 when everything listed moved (or would), 1 when a group was refused
    or a move failed, or when the clean-up is too large without ``--allow-large``.
    """
    from hashview.core.duplicates import cleanup
    from hashview.core.duplicates.keep_rules import KeepPolicy

    cwd = Path.cwd()
    policy = KeepPolicy(preferred=tuple(cwd / p for p in args.prefer), reference=tuple(cwd / p for p in args.reference))
    entries = {e.id: e for e in lib.entries()}
    plans = cleanup.plan_cleanup(groups, entries, Path(lib.root), policy)
    moving = sum(len(p.moves) for p in plans if p.refused is None)
    warning = None if args.exact else cleanup.large_cleanup_warning(moving, len(entries))
    _warn(warning)
    if warning and args.yes and not args.allow_large:
        return _fail(
            "nothing moved: the clean-up is too large to be safe; check the groups (without --yes), "
            "then add --allow-large if they are right",
            1,
        )
    moved, failures = _move_planned(lib, plans, policy) if args.yes else ([], [])
    document = {
        "dry_run": not args.yes,
        "groups": [
            {
                "keep": str(p.keeper.path),
                "why": p.reason,
                "move": [str(m.path) for m in p.moves],
                "links": sorted(str(x) for x in p.links),
                "refused": p.refused,
            }
            for p in plans
        ],
        "moved": moved,
        "failed": failures,
        "warning": warning,
    }
    lines = []
    for plan in plans:
        lines.append(f"keep {printable(plan.keeper.path)}  ({plan.reason})")
        for m in plan.moves:
            link = "  (link: only the link moves)" if Path(m.path) in plan.links else ""
            lines.append(f"  {'move' if plan.refused is None else 'left'} {printable(m.path)}{link}")
        if plan.refused:
            lines.append(f"  left alone: {printable(plan.refused)}")
    if args.yes:
        lines.append(
            f"moved {len(moved)} files to the system trash" + (f"; {len(failures)} failed" if failures else "")
        )
    else:
        lines.append(
            f"would move {moving} files to the system trash (a dry run: add --yes to move them)"
            if plans
            else "no duplicates found"
        )
    for failure in failures:
        _warn(f"{failure['path']}: {failure['reason']}", "not moved")
    _emit(args, document, lines)
    refused = any(p.refused is not None for p in plans)
    return 1 if failures or refused else 0


def _move_planned(
    lib: Library, plans: list[GroupPlan], policy: KeepPolicy
) -> tuple[list[dict[str, str | None]], list[dict[str, str]]]:
    """Move each plan's copies to the system trash (checked again); what moved, and what failed.

    Stops at the first failed move (the trash itself refusing is rarely about
    one file); what moved before it is forgotten by the catalog all the same.
    """
    from hashview.core.duplicates import cleanup
    from hashview.system_trash import move_to_trash

    moved: list[dict[str, str | None]] = []
    failures: list[dict[str, str]] = []
    for plan in plans:
        if plan.refused is not None:
            continue
        try:
            batch = cleanup.trash_files(
                [Path(m.path) for m in plan.moves], Path(lib.root), move_to_trash, policy, plan.kept
            )
        except cleanup.TrashRefused as exc:  # the folder changed since the plan was made
            failures.append({"path": str(plan.keeper.path), "reason": str(exc)})
            continue
        moved.extend(
            {"path": str(f.original), "trash_path": None if f.trashed is None else str(f.trashed)} for f in batch.files
        )
        lib.forget(batch.originals)
        if batch.failure is not None:
            failures.append({"path": str(batch.failure[0]), "reason": batch.failure[1]})
            break
    return moved, failures


def cmd_eval(args: argparse.Namespace, printer: ProgressPrinter) -> int:
    from hashview.core.train.evaluation import EvalOptions, evaluate_method

    bad = _bad_number(args, ("bits", "epochs", "batch_size"))
    if bad:
        return _fail(bad)
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
    _emit(args, report, lines)
    return 0


HANDLERS = {
    "index": cmd_index,
    "train": cmd_train,
    "encode": cmd_encode,
    "search": cmd_search,
    "dups": cmd_dups,
    "eval": cmd_eval,
}


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    printer = ProgressPrinter()
    from hashview.core.errors import HashviewError
    from hashview.core.events import Cancelled

    try:
        args.runtime = _runtime_from_environ()
        return HANDLERS[args.command](args, printer)
    except (HashviewError, *_MISSING) as exc:  # bad input, an unavailable resource: one line, no traceback
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except OSError as exc:  # a full disk, a read-only folder, a failing device: which file, and what to do
        logging.getLogger(__name__).info("details of the failure", exc_info=True)
        return _fail(_os_fault(exc))
    except (KeyboardInterrupt, Cancelled):
        return _fail("cancelled; what was finished is kept", EXIT_CANCELLED)


# OS errors that name a file the user gave: their own line says it all. The others
# (PermissionError, a full disk, ...) go to ``_os_fault``, which adds what to do.
_MISSING = (FileNotFoundError, NotADirectoryError)


def _runtime_from_environ() -> RuntimeOptions:
    """The environment's ``HASHVIEW_*`` choices (``core/runtime.py``), read once, here at the edge.

    The search engine is chosen now for the whole process; the rest travels
    with the command's options (``Library.open(runtime=)``, ``EvalOptions``).
    """
    from hashview.core.hamming.search import set_kernel
    from hashview.core.runtime import RuntimeOptions

    runtime = RuntimeOptions.from_environ(os.environ)
    set_kernel(runtime.kernel)
    return runtime


def _os_fault(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which file, and what the user can do."""
    import errno

    from hashview.core import paths

    name = exc.filename if exc.filename is not None else None
    where = f" {name}" if name is not None else ""
    reason = (exc.strerror or str(exc) or type(exc).__name__).splitlines()[0]
    ours = name is not None and any(
        str(name).startswith(str(folder)) for folder in (paths.cache_root(), paths.data_root())
    )
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"no space left on the disk writing{where or ' hashview files'}: free some space and run again (what was finished is kept)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        hint = (
            "make it writable, or set HASHVIEW_HOME to a writable folder for hashview's files"
            if ours or name is None
            else "check its permissions"
        )
        return f"cannot use{where or ' hashview files'} ({reason.lower()}): {hint}"
    return f"{reason}:{where or ' (no file named)'}: check the disk and run again"
