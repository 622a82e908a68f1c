"""Build a folder of real photographs for measuring hashview on a person's library.

Sources: the wallpaper photographs that Debian's packages ship (GNOME, MATE,
UKUI, Lomiri, Plasma, desktop-base). The script downloads those .deb files with
``apt-get download`` (no root needed, Debian's registry only), unpacks them,
keeps one file per wallpaper (Plasma ships each in many sizes: the largest is
kept), and writes:

- ``originals/<package>/<name>.jpg``: each photograph, longest side 1600 px;
- ``crops/<package>/<name>-<k>.jpg``: two further distinct views of it (a left and
  a right region at 1.6x zoom), so the library has a few hundred different photos;
- ``copies/<name>-<edit>.jpg`` (with ``--copies``): edited copies for the
  duplicate finder (re-save at quality 60, half size, 5 % border crop).

Usage (from the repository root): python -m benchmarks.datasets.photo_library OUT [--copies] [--debs DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageOps

PACKAGES = (
    "gnome-backgrounds",
    "mate-backgrounds",
    "ukui-wallpapers",
    "lomiri-wallpapers",
    "lomiri-wallpapers-20.04",
    "lomiri-wallpapers-16.04",
    "plasma-workspace-wallpapers",
    "desktop-base",
)
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MIN_BYTES = 60_000
LONG_SIDE = 1600


def fetch(debs: Path) -> Path:
    """Download and unpack the packages once; returns the unpacked tree."""
    debs.mkdir(parents=True, exist_ok=True)
    tree = debs / "x"
    if tree.is_dir():
        return tree
    for package in PACKAGES:
        subprocess.run(["apt-get", "download", package], cwd=debs, check=False, capture_output=True)
    tree.mkdir()
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(tree)], check=True)
    return tree


def wallpapers(tree: Path) -> dict[str, Path]:
    """One source file per wallpaper: name -> the largest file of that wallpaper."""
    chosen: dict[str, Path] = {}
    for path in sorted(tree.rglob("*")):
        if path.suffix.lower() not in SUFFIXES or path.stat().st_size < MIN_BYTES:
            continue
        text = str(path)
        if any(skip in text for skip in ("/icons/", "/plymouth/", "debian-logos", "/grub/", "/login/", "preview")):
            continue
        if "/wallpapers/" in text and "/contents/images" in text:
            name = path.parts[path.parts.index("wallpapers") + 1]
            group = "plasma"
        else:
            name = path.stem
            group = path.parent.name if path.parent.name not in ("backgrounds", "images") else "misc"
        key = f"{group}/{name}"
        if key not in chosen or path.stat().st_size > chosen[key].stat().st_size:
            chosen[key] = path
    return chosen


def fitted(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image).convert("RGB")
    image.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
    return image


def crops(image: Image.Image) -> list[Image.Image]:
    w, h = image.size
    cw, ch = int(w / 1.6), int(h / 1.6)
    top = (h - ch) // 2
    return [image.crop((0, top, cw, top + ch)), image.crop((w - cw, top, w, top + ch))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--debs", type=Path, default=Path("/tmp/debs"))
    parser.add_argument("--copies", action="store_true", help="also write edited copies for the duplicate finder")
    args = parser.parse_args(argv)
    sources = wallpapers(fetch(args.debs))
    written = 0
    for n, (key, path) in enumerate(sorted(sources.items())):
        group, name = key.split("/", 1)
        try:
            with Image.open(path) as raw:
                image = fitted(raw)
        except OSError as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        target = args.out / "originals" / group / f"{name}.jpg"
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, quality=90)
        for k, crop in enumerate(crops(image)):
            crop_path = args.out / "crops" / group / f"{name}-{k}.jpg"
            crop_path.parent.mkdir(parents=True, exist_ok=True)
            crop.save(crop_path, quality=90)
        written += 3
        if args.copies and n % 3 == 0:
            copies = args.out / "copies"
            copies.mkdir(parents=True, exist_ok=True)
            image.save(copies / f"{name}-q60.jpg", quality=60)
            image.resize((image.width // 2, image.height // 2)).save(copies / f"{name}-half.jpg", quality=85)
            bw, bh = image.width // 20, image.height // 20
            image.crop((bw, bh, image.width - bw, image.height - bh)).save(copies / f"{name}-crop5.jpg", quality=90)
            written += 3
    print(f"wrote {written} photos from {len(sources)} wallpapers under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
