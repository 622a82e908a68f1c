"""A development set for the duplicate finder: real photos, real edits, known groups.

Distinct photos come from the wallpaper photographs Debian ships (see
``benchmarks/datasets/photo_library.py``): each wallpaper is cut into four non-overlapping
quadrants, so neighbours share a style but not content (hard distractors).
Quadrants with almost no detail (a flat gradient) are left out, and so is any
quadrant that looks like one already kept: two such pictures are duplicates
to any eye, and would make "distinct" photos that nobody could tell apart.
Then ``--groups`` of them get edited copies, one edit type per copy, as people
make them: re-saves, downscales, crops, small rotations, borders, captions,
format changes, EXIF-rotated copies (pixels turned, orientation tag set, so the
photo displays upright), and messenger recompression. ``truth.json`` lists
every group (original first) and the edit of each copy, and the provenance of
the set (commit, date, machine, command).

Usage (from the repository root): python -m benchmarks.datasets.dup_dataset OUT [--groups 130] [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from benchmarks.datasets.photo_library import fetch, wallpapers
from benchmarks.provenance import provenance

QUADRANT_SIDE = 900  # longest side of each distinct photo
MIN_DETAIL = 1.0  # mean absolute grey-level step between neighbouring pixels at 128 px
MIN_APART = 0.35  # smallest RMS difference between two kept photos' standardised 16x16 thumbnails


def quadrants(image: Image.Image) -> list[Image.Image]:
    w, h = image.size
    boxes = [(0, 0, w // 2, h // 2), (w // 2, 0, w, h // 2), (0, h // 2, w // 2, h), (w // 2, h // 2, w, h)]
    out = []
    for box in boxes:
        part = image.crop(box)
        part.thumbnail((QUADRANT_SIDE, QUADRANT_SIDE), Image.Resampling.LANCZOS)
        out.append(part)
    return out


def detail(image: Image.Image) -> float:
    import numpy as np

    g = np.asarray(image.convert("L").resize((128, 96)), dtype=np.float32)
    return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())


def signature(image: Image.Image):
    import numpy as np

    x = np.asarray(image.convert("RGB").resize((16, 16), Image.Resampling.BILINEAR), dtype=np.float32).ravel()
    return (x - x.mean()) / (x.std() + 1e-3)


def distinct(candidates: list[tuple[str, Image.Image]]) -> list[tuple[str, Image.Image]]:
    """Keep detailed photos that look unlike every photo kept before them."""
    import numpy as np

    kept, signatures = [], []
    for name, image in candidates:
        if detail(image) < MIN_DETAIL:
            continue
        sig = signature(image)
        if signatures and np.sqrt(((np.stack(signatures) - sig) ** 2).mean(axis=1)).min() < MIN_APART:
            continue
        kept.append((name, image))
        signatures.append(sig)
    return kept


def distinct_photos(debs: Path) -> list[tuple[str, Image.Image]]:
    """The wallpapers' quadrants that pass ``distinct``, named ``<package>-<wallpaper>-q<k>``, in a fixed order."""
    photos: list[tuple[str, Image.Image]] = []
    for key, path in sorted(wallpapers(fetch(debs)).items()):
        try:
            with Image.open(path) as raw:
                image = ImageOps.exif_transpose(raw).convert("RGB")
        except OSError:
            continue
        name = key.replace("/", "-")
        photos.extend((f"{name}-q{k}", part) for k, part in enumerate(quadrants(image)))
    return distinct(photos)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _font(size: int):
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def edit(kind: str, image: Image.Image, rng: random.Random) -> tuple[Image.Image, str, dict]:
    """One edited copy: (image, file suffix, save options)."""
    w, h = image.size
    if kind == "resave":
        return image, ".jpg", {"quality": rng.choice([55, 65, 75])}
    if kind == "downscale":
        f = rng.choice([0.5, 0.35, 0.7])
        return image.resize((max(1, int(w * f)), max(1, int(h * f))), Image.Resampling.LANCZOS), ".jpg", {"quality": 88}
    if kind == "crop":
        f = rng.uniform(0.06, 0.15)
        dx, dy = int(w * f), int(h * f)
        ox, oy = rng.randint(0, dx), rng.randint(0, dy)
        return image.crop((ox, oy, w - (dx - ox), h - (dy - oy))), ".jpg", {"quality": 90}
    if kind == "rotate":
        angle = rng.choice([-1, 1]) * rng.uniform(2.0, 5.0)
        turned = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
        m = int(min(w, h) * 0.06)  # trim the empty corners as a photo app would
        return turned.crop((m, m, w - m, h - m)), ".jpg", {"quality": 90}
    if kind == "border":
        b = int(min(w, h) * rng.uniform(0.04, 0.1))
        colour = rng.choice([(255, 255, 255), (0, 0, 0), (240, 235, 220)])
        return ImageOps.expand(image, border=b, fill=colour), ".jpg", {"quality": 90}
    if kind == "caption":
        out = image.copy()
        draw = ImageDraw.Draw(out)
        size = max(12, h // 12)
        text = rng.choice(["Summer 2019", "Happy birthday!", "#throwback", "Best day ever"])
        y = h - size * 2 if rng.random() < 0.7 else size // 2
        draw.text((w // 20 + 2, y + 2), text, font=_font(size), fill=(0, 0, 0))
        draw.text((w // 20, y), text, font=_font(size), fill=(255, 255, 255))
        return out, ".jpg", {"quality": 88}
    if kind == "format":
        return image, rng.choice([".png", ".webp"]), {}
    if kind == "exif-rotated":
        # Pixels stored turned 90 degrees clockwise, EXIF orientation 8 says "turn back to view".
        stored = image.transpose(Image.Transpose.ROTATE_270)
        exif = Image.Exif()
        exif[274] = 8
        return stored, ".jpg", {"quality": 90, "exif": exif.tobytes()}
    if kind == "messenger":
        small = image.copy()
        small.thumbnail((640, 640), Image.Resampling.BILINEAR)
        return _jpeg(_jpeg(small, 70), 55), ".jpg", {"quality": 60}
    raise ValueError(kind)


EDITS = ("resave", "downscale", "crop", "rotate", "border", "caption", "format", "exif-rotated", "messenger")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--groups", type=int, default=130)
    parser.add_argument("--copies", type=int, default=3, help="edited copies per group (each of another edit type)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--debs", type=Path, default=Path("/tmp/debs"))
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    photos = distinct_photos(args.debs)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, image in photos:
        image.save(args.out / f"{name}.jpg", quality=92)
    chosen = rng.sample(range(len(photos)), min(args.groups, len(photos)))
    groups = []
    for n, index in enumerate(chosen):
        name, image = photos[index]
        kinds = [EDITS[(n * args.copies + c) % len(EDITS)] for c in range(args.copies)]
        members = [{"path": f"{name}.jpg", "edit": "original"}]
        for c, kind in enumerate(kinds):
            copy, suffix, options = edit(kind, image, rng)
            sub = rng.choice(["", "phone/", "shared/", "backup/old/"])
            rel = f"{sub}{name}-copy{c}-{kind}{suffix}"
            (args.out / rel).parent.mkdir(parents=True, exist_ok=True)
            copy.save(args.out / rel, **options)
            members.append({"path": rel, "edit": kind})
        groups.append(members)
    truth = {"groups": groups, "photos": len(photos), "provenance": provenance()}
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    total = len(photos) + sum(len(g) - 1 for g in groups)
    print(
        f"wrote {total} images ({len(photos)} distinct photos, {len(groups)} groups of edited copies) under {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
