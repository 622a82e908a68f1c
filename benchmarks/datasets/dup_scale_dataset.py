"""A larger library for the duplicate finder: a ``dup_dataset`` set plus many distinct distractors.

The development set holds 737 photos; how DupNet's training must grow with
the library (1k, 10k, 100k photos) can only be judged on a library that size.
There are not thousands of real high-resolution photos to be had here, so the
extra photos are CIFAR-10 training images (real photographs, 32 x 32) from row
``CIFAR_HELD_OUT_FROM`` on, the rows the shipped general network never trained on,
upscaled to ``--side`` pixels and saved as JPEG, under ``distractors/``.
None of them is in a group: any pair the finder reports with one of them is a
false match. CIFAR-10 holds a few near-identical images of its own; those
whose standardised 16 x 16 thumbnails lie within ``MIN_APART`` of one kept
before are skipped, as ``dup_dataset.distinct`` does for the photos, so a
reported pair of two distractors is the finder's error, not the data's.

CIFAR-10's held-out rows hold about 9,300 distinct images, enough for a library of
10,000. A larger one (100,000: issue 21's scale) takes its further distractors from the
labelled sets given with ``--more`` (here Fashion-MNIST's and MNIST's 28 x 28 grey
photographs of clothes and scans of digits, training and test rows), after CIFAR's and
through the same distinctness test; they are named after their file
(``fashion_mnist-01234.jpg``). Neither is a photo library's content: they are there for
time and memory at that size, and pairs among them are counted apart
(``false_with_distractors``).

The set's own files are hard-linked (copied where links fail) and its
``truth.json`` copied with a ``distractors`` count and this run's provenance
(the set's own kept as ``set_provenance``), so ``benchmarks.dups`` scores the
larger library as it scores the set.

Usage (from the repository root):
    python -m benchmarks.datasets.dup_scale_dataset SET OUT --photos 10000 [--cifar PATH] [--side 128] [--seed 0]
        [--more NPZ [NPZ ...]]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.datasets.dup_dataset import MIN_APART, signature
from benchmarks.provenance import provenance
from benchmarks.training.general_corpus import CIFAR_HELD_OUT_FROM

DEFAULT_CIFAR = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cifar10_train.npz"


def link_set(source: Path, out: Path) -> int:
    """Hard-link (or copy) every file of ``source`` under ``out``; returns how many images."""
    count = 0
    for path in source.rglob("*"):
        if not path.is_file() or path.name == "truth.json":  # written anew below: a link would rewrite the set's own
            continue
        target = out / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
        count += 1
    return count


def signatures(images: np.ndarray) -> np.ndarray:
    """``dup_dataset.signature`` of each image, one row per image."""
    return np.stack([signature(Image.fromarray(im)) for im in images])


def distinct_rows(sig: np.ndarray, wanted: int, chunk: int = 2048, apart: float = MIN_APART) -> list[int]:
    """Rows of ``sig``, in order, that lie at least ``apart`` (RMS) from every row kept before them."""
    kept: list[int] = []
    kept_sig = np.zeros((0, sig.shape[1]), np.float32)
    dim = sig.shape[1]
    for start in range(0, len(sig), chunk):
        block = sig[start : start + chunk]
        # squared RMS distance = (|a|^2 + |b|^2 - 2 a.b) / dim, against those kept in earlier blocks
        far = np.ones(len(block), bool)
        if len(kept_sig):
            d2 = ((block**2).sum(1)[:, None] + (kept_sig**2).sum(1)[None, :] - 2 * block @ kept_sig.T) / dim
            far = d2.min(axis=1) >= apart**2
        new: list[int] = []
        for r in np.flatnonzero(far).tolist():  # then against the ones kept earlier in this block
            if new:
                d2 = ((block[new] - block[r]) ** 2).mean(axis=1)
                if d2.min() < apart**2:
                    continue
            new.append(r)
        kept.extend(start + r for r in new)
        kept_sig = np.concatenate([kept_sig, block[new]])
        if len(kept) >= wanted:
            break
    return kept[:wanted]


def extra_pool(path: Path) -> np.ndarray:
    """A labelled set's images (training rows, then test rows) as uint8 RGB (n, h, w, 3)."""
    with np.load(path) as data:
        parts = [np.asarray(data[key]) for key in ("x_train", "x_test") if key in data.files]
    images = np.concatenate(parts)
    if images.ndim == 3:
        images = images[..., None]
    if images.shape[-1] not in (1, 3):  # stored channels first
        images = images.transpose(0, 2, 3, 1)
    return np.repeat(images, 3, axis=3) if images.shape[-1] == 1 else images


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", type=Path, help="a set made by benchmarks.datasets.dup_dataset")
    parser.add_argument("out", type=Path)
    parser.add_argument("--photos", type=int, required=True, help="photos in the library, the set's included")
    parser.add_argument("--cifar", type=Path, default=DEFAULT_CIFAR)
    parser.add_argument("--side", type=int, default=128, help="pixels a side of each distractor")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--more",
        type=Path,
        nargs="*",
        default=[],
        help="further distractor pools after CIFAR's held-out rows: .npz files with x_train (and x_test)",
    )
    parser.add_argument(
        "--min-apart",
        type=float,
        default=MIN_APART,
        help=f"the least RMS difference of two distractors' standardised thumbnails (default {MIN_APART}, as the "
        "set's photos; 100,000 needs a lower one: the pools here hold about 76,000 distinct at the default)",
    )
    args = parser.parse_args(argv)
    if not (args.set / "truth.json").is_file():
        print(
            f"error: {args.set} has no truth.json (make it with python -m benchmarks.datasets.dup_dataset)",
            file=sys.stderr,
        )
        return 2
    truth = json.loads((args.set / "truth.json").read_text())
    own = link_set(args.set, args.out)
    wanted = args.photos - own
    if wanted <= 0:
        print(f"error: the set already holds {own} photos; ask for more than that", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    # (name, images in the order they are offered): CIFAR's rows the shipped network never trained on, then --more
    pools = [("cifar", np.load(args.cifar)["x_train"][CIFAR_HELD_OUT_FROM:])]
    pools += [(path.stem, extra_pool(path)) for path in args.more]
    offered = [(name, images, rng.permutation(len(images))) for name, images in pools]
    owner = np.concatenate([np.full(len(images), k) for k, (_n, images, _o) in enumerate(offered)])
    local = np.concatenate([order for _n, _i, order in offered])
    sig = np.concatenate([signatures(images[order]) for _n, images, order in offered])
    rows = distinct_rows(sig, wanted, apart=args.min_apart)
    if len(rows) < wanted:
        print(
            f"error: the distractor pools ({', '.join(n for n, _i in pools)}) hold only {len(rows)} distinct "
            f"images, {wanted} were asked for (add pools with --more)",
            file=sys.stderr,
        )
        return 2
    folder = args.out / "distractors"
    for k, row in enumerate(rows):
        sub = folder / f"{k // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        name, images, _order = offered[owner[row]]
        index = int(local[row])
        image = Image.fromarray(images[index]).resize((args.side, args.side), Image.Resampling.BICUBIC)
        image.save(sub / f"{name}-{index:05d}.jpg", quality=90)
    truth["distractors"] = len(rows)
    truth["distractors_min_apart"] = args.min_apart
    truth["set_provenance"] = truth.pop("provenance", None)  # None: a set made before sets recorded it
    truth["provenance"] = provenance()
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    skipped = rows[-1] + 1 - len(rows)
    by_pool = {name: int((owner[rows] == k).sum()) for k, (name, _i, _o) in enumerate(offered)}
    print(
        f"wrote {own + len(rows)} images under {args.out}: the set's {own} and {len(rows)} distractors "
        f"({', '.join(f'{n} {c}' for n, c in by_pool.items() if c)}; {skipped} near-identical ones skipped)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
