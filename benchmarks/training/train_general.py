"""Train the general duplicate network that hashview ships (``hashview/data/general-dupnet.pt``).

DupNet (``core/methods/dupnet.py``) with its whole edit vocabulary, on the corpus of
``general_corpus`` (no photo of any benchmark set), for a wall-clock budget: the
one-cycle schedule of DupNet's rounds still reaches its end when the budget cuts
the planned steps. The file records its provenance: the data recipe, the command,
the commit, the seed, the training time and the machine.

Usage (from the repository root):
    python -m benchmarks.training.general_corpus /tmp/general-photos   # prints the photo folders
    python -m benchmarks.training.train_general OUT.pt --minutes 70 --photos DIR [DIR ...] [--cifar PATH] [--seed 0]
        [--levels 2] [--start-from FILE --lr 1e-3]  (a warm start goes on from an earlier general network)
    python -m benchmarks.training.general_twin   # once OUT.pt is the shipped file: its numpy twin
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.provenance import provenance, provenance_line
from benchmarks.training.general_corpus import DEFAULT_CIFAR, corpus

BITS = 128
SIDE = 64
TRUNK = "cnn-xs"  # what a CPU encodes fastest at 64 px; fine-tuning on a library uses the same trunk


def lineage(start: Path | None) -> tuple[dict | None, float]:
    """What a warm start went on from (its file, digest, own and whole-line minutes, steps), and the
    training seconds of its whole line: a network trained on from another counts both, so the file (and
    the networks panel, ``stats.total_train_seconds``) says how long the shipped network really trained."""
    if start is None:
        return None, 0.0
    import hashlib

    from hashview.core.nets.network_file import load_network

    config, _state = load_network(start)
    stats, general = config.get("stats", {}), config.get("general", {})
    own = float(stats.get("train_seconds") or 0.0)
    total = stats.get("total_train_seconds")
    if total is None:  # written before the total was kept: its own time and the one predecessor it recorded
        total = own + 60.0 * float((general.get("continued_from") or {}).get("minutes") or 0.0)
    return {
        "file": start.name,
        "sha256": hashlib.sha256(start.read_bytes()).hexdigest(),
        "created": config.get("created"),
        "minutes": round(own / 60, 1),
        "steps": sum(int(h.get("steps", 0)) for h in stats.get("history", [])),
        "total_minutes": round(float(total) / 60, 1),
    }, float(total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--minutes", type=float, default=70.0, help="wall-clock budget of the training loop")
    parser.add_argument("--photos", type=Path, nargs="*", default=[])
    parser.add_argument("--cifar", type=Path, default=DEFAULT_CIFAR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--levels", type=int, default=2, help="grids of tiles per photo: 2 quadrants, 3 adds 4 x 4")
    parser.add_argument("--start-from", type=Path, help="a network file of this shape to go on training (warm start)")
    parser.add_argument("--lr", type=float, help="peak learning rate (DupNet's default from zero)")
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)

    from hashview.core.events import EpochDone
    from hashview.core.methods import get_method
    from hashview.core.methods.deep import DeepMethod, DeepRun, fit_deep
    from hashview.core.methods.hasher import DeepHasher
    from hashview.core.nets.device import describe_device, pick_device

    continued_from, earlier_seconds = lineage(args.start_from)
    started = time.monotonic()
    images, recipe = corpus(args.cifar if args.cifar.is_file() else None, args.photos, SIDE, args.levels)
    print(f"corpus: {recipe['images']} images ({recipe['photo_files']} photos, {time.monotonic() - started:.0f} s)")
    device = pick_device(args.device)
    method = get_method("dupnet")
    assert isinstance(method, DeepMethod)  # dupnet is deep: fit_deep trains it
    budget = args.minutes * 60
    run = DeepRun(
        bits=BITS,
        backbone=TRUNK,
        input_size=SIDE,
        seed=args.seed,
        budget_s=budget,
        lr=args.lr,
        start_from=args.start_from,
        overrides={"min_steps": 200_000, "max_steps": 200_000},  # the budget decides: as many steps as it allows
    )
    fit = fit_deep(method, images, None, None, run, device)
    try:
        while True:
            event = next(fit)
            if isinstance(event, EpochDone):
                shown = {k: v for k, v in event.stats.items() if k != "pr"}
                print(f"round {event.epoch + 1}: {shown}", flush=True)
    except StopIteration as done:
        model, stats = done.value
    seconds = time.monotonic() - started
    config = {
        **model.config,
        "name": "general",
        "labels": "none",
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "options": {
            "method": "dupnet",
            "bits": BITS,
            "backbone": TRUNK,
            "input_size": SIDE,
            "seed": args.seed,
            "lr": args.lr,
            "start_from": str(args.start_from) if args.start_from else None,
        },
        "stats": {
            "images": len(images),
            "train_seconds": round(seconds, 1),
            "total_train_seconds": round(earlier_seconds + seconds, 1),
            "device": describe_device(device),
            **stats,
            "map": stats["history"][-1].get("map") if stats["history"] else None,
        },
        "general": {
            "recipe": recipe,
            "provenance": provenance(),
            "minutes": args.minutes,
            **({"continued_from": continued_from} if continued_from else {}),
        },
    }
    model.config = config
    DeepHasher(config, model).save(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) after {seconds / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
