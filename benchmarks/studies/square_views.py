"""Would a centre-square look find crops to another aspect ratio? A design study on photos of no benchmark set.

The network sees every picture squashed to a square, so a crop to another aspect
ratio (a 4:5 or 9:16 crop of a 3:2 photo) reaches it stretched by up to 2.7 times
along one axis, beyond anything it learnt. A second look at each picture's
centre square (the largest square in its middle, not squashed) turns such a crop
into an ordinary one: the crop's centre square lies inside the photo's, at 55 to
100 % of its side.

For each photo of ``PHOTOS`` (the training corpus's photos, never a benchmark
set's), this makes crops with code written here (not the broad-edit set's
``edit_families``): the largest 1:1, 4:5, 9:16 and 16:9 crop at a random place,
and a crop removing 10 to 40 % of one axis; then it encodes photos and crops with
the shipped network, whole (as now) and as centre squares, and prints, per crop
kind, how many crops are within the shipped network's radius of their photo
either way, and how close the nearest *other* photo comes to each photo either
way (the false pairs a radius would make).

With ``--dataset SET`` (a set with a ``truth.json``: the development sets) it
counts instead the pairs the squares would add to that set's groups at
``--radius`` (squares within it, whole codes beyond it), true copies and
different photos: the price in precision.

Usage (from the repository root):
    python -m benchmarks.studies.square_views PHOTOS [--count 120] [--seed 0] [--radius 13] [--positions 0,0.5,1]
    python -m benchmarks.studies.square_views --dataset SET --radius R [--positions 0,0.5,1]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from benchmarks.provenance import provenance, provenance_line

RATIOS = {"1:1": 1.0, "4:5": 0.8, "9:16": 9 / 16, "16:9": 16 / 9}


def centre_square(image: Image.Image, position: float = 0.5) -> Image.Image:
    """The largest square of ``image``, ``position`` of the way along its longer axis (0.5: the middle)."""
    w, h = image.size
    side = min(w, h)
    x0, y0 = round((w - side) * position), round((h - side) * position)
    return image.crop((x0, y0, x0 + side, y0 + side))


def ratio_crop(image: Image.Image, ratio: float, rng: random.Random) -> Image.Image:
    w, h = image.size
    cw, ch = (round(h * ratio), h) if w / h > ratio else (w, round(w / ratio))
    position = rng.random()
    x0, y0 = round((w - cw) * position), round((h - ch) * position)
    return image.crop((x0, y0, x0 + cw, y0 + ch))


def axis_crop(image: Image.Image, rng: random.Random) -> Image.Image:
    w, h = image.size
    removed = rng.uniform(0.10, 0.40)
    first_share = rng.random()
    if rng.random() < 0.5:
        cut = round(w * removed)
        first = round(cut * first_share)
        return image.crop((first, 0, w - (cut - first), h))
    cut = round(h * removed)
    first = round(cut * first_share)
    return image.crop((0, first, w, h - (cut - first)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path, nargs="?")
    parser.add_argument("--dataset", type=Path, help="count the pairs the squares add to this set's groups")
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--radius", type=int, default=13)
    parser.add_argument(
        "--positions",
        type=lambda text: [float(x) for x in text.split(",")],
        default=[0.5],
        help="where along the longer axis each photo's squares sit, e.g. 0,0.5,1 (default: the middle only)",
    )
    args = parser.parse_args(argv)
    if (args.photos is None) == (args.dataset is None):
        parser.error("give a folder of photos or --dataset SET, one of the two")
    print(provenance_line(provenance()), flush=True)
    from hashview.core.methods.hasher import load_hasher
    from hashview.core.nets.general import general_file
    from hashview.core.nets.input_arrays import images_to_array, network_view
    from hashview.core.nets.network import encode_array

    shipped = general_file()
    if shipped is None:
        parser.error("this hashview ships no general network")
    hasher = load_hasher(shipped)
    net = hasher.config["net"]
    view = network_view(net)

    def codes(images: list[Image.Image], seen: bool = False) -> np.ndarray:
        """Codes of pictures; ``seen``: already as the network sees them (trimmed, cut)."""
        array = images_to_array(images, int(net["input_size"]), 3, *((False, False) if seen else view))
        return np.packbits(encode_array(hasher.model, array), axis=1)

    if args.dataset is not None:
        return added_to_set(args.dataset, args.radius, args.positions, codes, view)

    rng = random.Random(args.seed)
    files = sorted(p for p in args.photos.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"})
    rng.shuffle(files)
    photos = []
    for path in files:
        with Image.open(path) as im:
            image = ImageOps.exif_transpose(im).convert("RGB")
        if min(image.size) >= 200 and abs(np.log(image.width / image.height)) > 0.15:  # not square already
            image.thumbnail((800, 800))
            photos.append(image)
        if len(photos) == args.count:
            break
    kinds = {**{name: (lambda im, r=r: ratio_crop(im, r, rng)) for name, r in RATIOS.items()}, "axis": None}
    whole = codes(photos)
    squares = [codes([centre_square(p, at) for p in photos]) for at in args.positions]  # one table a position

    def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.unpackbits(a ^ b, axis=1).sum(axis=1)

    print(
        f"{len(photos)} photos from {args.photos}; shipped network, radius {args.radius}; "
        f"squares at {', '.join(map(str, args.positions))} of the longer axis, against each crop's middle one"
    )
    print(f"{'crop':6s} {'n':>4s} {'whole<=r':>9s} {'square<=r':>10s} {'either':>7s}  median whole / square")
    for name, make in kinds.items():
        crops = [axis_crop(p, rng) if make is None else make(p) for p in photos]
        kept = [
            k
            for k, c in enumerate(crops)
            if abs(np.log((c.width / c.height) / (photos[k].width / photos[k].height))) > 0.08
        ]
        if not kept:
            continue
        cw, cs = codes([crops[k] for k in kept]), codes([centre_square(crops[k]) for k in kept])
        dw = dist(cw, whole[kept])
        ds = np.min([dist(cs, table[kept]) for table in squares], axis=0)
        either = (dw <= args.radius) | (ds <= args.radius)
        print(
            f"{name:6s} {len(kept):4d} {int((dw <= args.radius).sum()):9d} {int((ds <= args.radius).sum()):10d} "
            f"{int(either.sum()):7d}  {int(np.median(dw))} / {int(np.median(ds))}"
        )
    nearest = {}

    def nearest_other(tables: list[np.ndarray]) -> np.ndarray:
        """Each photo's least distance to another photo over every pair of looks, one of each."""
        bits = [np.unpackbits(t, axis=1).astype(np.int16) for t in tables]
        least = np.full(len(photos), 10_000)
        for a in bits:
            for b in bits:
                d = np.abs(a[:, None, :] - b[None, :, :]).sum(axis=2)
                np.fill_diagonal(d, 10_000)
                least = np.minimum(least, d.min(axis=1))
        return least

    nearest = {"whole": nearest_other([whole]), "squares": nearest_other(squares)}
    for label, near in nearest.items():
        print(
            f"nearest other photo, {label}: min {int(near.min())}, 5th percentile {int(np.percentile(near, 5))}, "
            f"photos with one within the radius {int((near <= args.radius).sum())} of {len(near)}"
        )
    return 0


def added_to_set(root: Path, radius: int, positions: list[float], codes, view: tuple[bool, bool]) -> int:
    """Print the pairs the squares add to a set's groups at ``radius``: true copies and different photos."""
    from collections import Counter

    from benchmarks.dups import truth_pairs
    from hashview.core.hamming.pairs import pairs_within
    from hashview.core.images.decode import BadImageError, load_rgb
    from hashview.core.nets.input_arrays import seen_by_network

    names, seen = [], []
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}):
        try:
            image, _meta = load_rgb(path, max_side=256)  # as the library encodes from its scan's thumbnails
        except BadImageError:
            continue
        names.append(str(path.relative_to(root)))
        seen.append(seen_by_network(image, *view))
    whole = np.unpackbits(codes(seen, seen=True), axis=1).astype(np.int16)
    squares = np.concatenate([codes([centre_square(p, at) for p in seen], seen=True) for at in positions])
    owner = np.tile(np.arange(len(names)), len(positions))
    i, j, _d = pairs_within(squares, radius)
    apart = owner[i] != owner[j]
    found = set(zip(np.minimum(owner[i], owner[j])[apart].tolist(), np.maximum(owner[i], owner[j])[apart].tolist()))
    added = [(a, b) for a, b in sorted(found) if int(np.abs(whole[a] - whole[b]).sum()) > radius]
    truth, kind = truth_pairs(root)
    true = [p for p in added if frozenset((names[p[0]], names[p[1]])) in truth]
    false = [p for p in added if frozenset((names[p[0]], names[p[1]])) not in truth]
    print(f"{root}: {len(names)} pictures, radius {radius}, squares at {', '.join(map(str, positions))}")
    print(f"pairs the squares add: {len(true)} true, {len(false)} different photos")
    print(
        "true by edit: "
        + ", ".join(
            f"{k} {v}" for k, v in Counter(kind[frozenset((names[a], names[b]))] for a, b in true).most_common()
        )
    )
    print("different photos, first five: " + "; ".join(f"{names[a]} ~ {names[b]}" for a, b in false[:5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
