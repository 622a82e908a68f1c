"""The photos the shipped general duplicate network learns from, and none it is measured on.

The benchmark sets are made of Debian's wallpaper photographs (``datasets/photo_library``:
GNOME, MATE, UKUI, Lomiri, Plasma, desktop-base) and, for the scale sets, CIFAR-10
training images from row ``CIFAR_HELD_OUT_FROM`` on (``datasets/dup_scale_dataset``).
The general network must never see a photo it is scored on, so its corpus is:

- CIFAR-10 training rows ``0 .. CIFAR_HELD_OUT_FROM - 1`` (40,000 real photographs,
  32 x 32, upscaled to the network's side);
- every photograph in the folders given (``--photos``): here, the photographs that
  GCompris (``gcompris-qt-data``: animals, monuments, objects), Stellarium
  (``stellarium-data``: landscapes, nebulae) and sway (``sway-backgrounds``) ship,
  each whole and as the tiles of finer grids (``--levels``: 2 gives the four quadrants,
  3 adds a 4 x 4 grid; distinct views of a larger photo, as
  ``dup_dataset`` makes them), so the network sees sharp, detailed photos too.

None of the standard benchmark photo sets (BSD, Kodak, Set5/14, UKBench, Holidays,
imagededup's or scikit-image's samples) is used: they stay for held-out checks.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

CIFAR_HELD_OUT_FROM = 40_000  # CIFAR-10 training rows from here on are the scale sets' distractors, never trained on
DEFAULT_CIFAR = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cifar10_train.npz"
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
MIN_SIDE = 200  # smaller files are icons and thumbnails, not photographs
MIN_COLOURS = 2000  # distinct colours in a 64 x 64 view: drawings and flat art have far fewer
PACKAGES = ("gcompris-qt-data", "stellarium-data")  # Debian packages whose photographs no benchmark set uses
MIN_RESOURCE_BYTES = 25_000  # GCompris keeps its pictures in Qt resource files; smaller ones are icons


def cifar_rows(path: Path, side: int) -> np.ndarray:
    """CIFAR-10 training rows below ``CIFAR_HELD_OUT_FROM``, as uint8 (n, side, side, 3)."""
    with np.load(path) as data:
        key = "x" if "x" in data else next(k for k in data.files if data[k].ndim == 4)
        images = np.asarray(data[key][:CIFAR_HELD_OUT_FROM])
    if images.shape[-1] != 3:  # stored channels first
        images = images.transpose(0, 2, 3, 1)
    return np.stack([np.asarray(Image.fromarray(im).resize((side, side), Image.Resampling.BILINEAR)) for im in images])


def photo_files(folders: Sequence[Path]) -> list[Path]:
    """Every image file under ``folders``, in a fixed order."""
    files = [p for folder in folders for p in sorted(Path(folder).rglob("*")) if p.suffix.lower() in SUFFIXES]
    return sorted(set(files))


def photo_views(image: Image.Image, levels: int = 2, min_tile: int = 0) -> Iterator[Image.Image]:
    """The photo whole and its tiles at ``levels`` - 1 finer grids (2 x 2, then 4 x 4): distinct pictures
    a network must tell apart, each sharp at the network's side (a tile of a large photo is downscaled,
    never upscaled as CIFAR's 32-px rows are). A grid whose tiles are under ``min_tile`` px is left out."""
    w, h = image.size
    for level in range(levels):
        cells = 2**level
        if level and min(w, h) // cells < min_tile:
            break
        for row in range(cells):
            for col in range(cells):
                yield image.crop((col * w // cells, row * h // cells, (col + 1) * w // cells, (row + 1) * h // cells))


def photo_rows(folders: Sequence[Path], side: int, levels: int = 2) -> tuple[np.ndarray, list[str]]:
    """Views of every photograph under ``folders`` (drawings and small files left out), uint8 (n, side, side, 3)."""
    from hashview.core.nets.input_arrays import images_to_array

    rows: list[np.ndarray] = []
    used: list[str] = []
    for path in photo_files(folders):
        try:
            with Image.open(path) as raw:
                image = ImageOps.exif_transpose(raw).convert("RGB")
        except (OSError, ValueError) as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        if min(image.size) < MIN_SIDE:
            continue
        views = images_to_array(list(photo_views(image, levels, side)), side, 3)
        if len(np.unique(views[0].reshape(-1, 3), axis=0)) < MIN_COLOURS:
            continue
        rows.append(views)
        used.append(str(path))
    return (np.concatenate(rows) if rows else np.zeros((0, side, side, 3), np.uint8)), used


def fetch(out: Path) -> list[Path]:
    """Download and unpack ``PACKAGES`` under ``out`` (Debian's registry only, no root), and take the
    pictures out of GCompris's Qt resource files; returns the photo folders to train on."""
    debs = out / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    tree = out / "x"
    for package in PACKAGES:
        subprocess.run(["apt-get", "download", package], cwd=debs, check=False, capture_output=True)
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(tree)], check=True)
    gcompris = out / "gcompris"
    gcompris.mkdir(exist_ok=True)
    from PySide6.QtCore import QDirIterator, QFile, QIODevice, QResource

    for rcc in sorted((tree / "usr/share/gcompris-qt/rcc").glob("*.rcc")):
        QResource.registerResource(str(rcc))
    walk = QDirIterator(":/", QDirIterator.IteratorFlag.Subdirectories)
    while walk.hasNext():
        name = walk.next()
        resource = QFile(name)
        wanted = Path(name).suffix.lower() in SUFFIXES and resource.size() > MIN_RESOURCE_BYTES
        if wanted and resource.open(QIODevice.OpenModeFlag.ReadOnly):
            (gcompris / name[2:].replace("/", "__")).write_bytes(bytes(resource.readAll().data()))
            resource.close()
    return [gcompris, tree / "usr/share/stellarium"]


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.training.general_corpus OUT``: fetch the photo folders, print them."""
    parser = argparse.ArgumentParser(description="fetch the photographs the general network trains on")
    parser.add_argument("out", type=Path)
    folders = fetch(parser.parse_args(argv).out)
    print(" ".join(str(f) for f in folders))
    return 0


def corpus(
    cifar: Path | None, folders: Sequence[Path], side: int, levels: int = 2
) -> tuple[np.ndarray, dict[str, object]]:
    """The training images and their recipe (what the network file records)."""
    parts = []
    recipe: dict[str, object] = {"side": side}
    if cifar is not None:
        parts.append(cifar_rows(cifar, side))
        recipe["cifar10_train_rows"] = [0, CIFAR_HELD_OUT_FROM]
    photos, used = photo_rows(folders, side, levels)
    recipe["photo_levels"] = levels
    parts.append(photos)
    recipe["photo_files"] = len(used)
    recipe["photo_views"] = len(photos)
    recipe["photo_folders"] = [str(f) for f in folders]
    images = np.concatenate(parts)
    recipe["images"] = len(images)
    return images, recipe


if __name__ == "__main__":
    sys.exit(main())
