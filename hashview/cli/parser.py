"""The command line's arguments, one sub-parser per command."""

from __future__ import annotations

import argparse
from pathlib import Path

EPOCHS_HELP = (
    "train exactly this many epochs, no early stop, the last kept (default: the method's plan; ssdh, dhln and "
    "dshsre train until a held-out tenth of the labelled images stops improving and keep the best epoch)"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hashview", description="Find similar and duplicate photos by learned binary codes."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "index", help="scan a folder into the catalog (incremental), make thumbnails, encode with the current network"
    )
    p.add_argument("folder", type=Path)
    p.add_argument(
        "--no-encode",
        action="store_true",
        help="only scan: do not encode with the current network (the shipped one for a new library)",
    )
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
    p.add_argument("--epochs", type=int, help=EPOCHS_HELP)
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
    start = p.add_mutually_exclusive_group()
    start.add_argument(
        "--from-scratch",
        action="store_true",
        help="train from zero (default for dupnet: refine the library's dupnet network, or the shipped general one)",
    )
    start.add_argument("--start-from", metavar="NETWORK", help="refine this network (a name, an id or a file)")
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
    clean = p.add_mutually_exclusive_group()
    clean.add_argument(
        "--trash",
        action="store_true",
        help="apply the keep rules to every group and list what would move to "
        "the system trash (a dry run: add --yes to move them)",
    )
    clean.add_argument(
        "--move-to",
        type=Path,
        metavar="DIR",
        help="like --trash, but move the copies to DIR (outside the library), each under its path in the "
        "library; nothing is overwritten (a dry run: add --yes to move them)",
    )
    clean.add_argument(
        "--hardlink",
        action="store_true",
        help="like --trash, but replace each byte-identical copy with a hard link to the kept file "
        "(other copies are left; a dry run: add --yes to link them)",
    )
    p.add_argument(
        "--export",
        type=Path,
        metavar="FILE",
        help="also write the groups to FILE: .json (the --json list) or .csv (one row per file)",
    )
    p.add_argument(
        "--yes", action="store_true", help="with --trash, --move-to or --hardlink: do it (without: a dry run)"
    )
    p.add_argument(
        "--reference",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="with --trash, --move-to, --hardlink or --export: a folder whose files are never touched (repeatable)",
    )
    p.add_argument(
        "--prefer",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="with --trash, --move-to, --hardlink or --export: keep copies in this folder first (repeatable, most "
        "preferred first)",
    )
    p.add_argument(
        "--allow-large",
        action="store_true",
        help="with --trash or --move-to, and --yes: move even when it is more than "
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
    p.add_argument("--epochs", type=int, help=EPOCHS_HELP)
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
