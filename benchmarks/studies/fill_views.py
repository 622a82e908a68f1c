"""Photos fitted into a frame filled with their own blur: does ``blurred_fill_box`` find them, and nothing else?

A design that was tried for issue 20's letterboxes with blurred bars and not adopted
(docs/lab-notes.md, run 16): it finds most frames drawn here and cuts almost nothing
else, but none of the broad-edit set's seven, so it stays here, with its study, and
not in ``core/images/borders.py``.

A design study on photos of no benchmark set (the training corpus's), with frames
drawn here as phone apps draw them (not by the broad-edit set's ``edit_families``):
the whole photo fitted, centred, into a 9:16, 1:1, 4:5 or 16:9 frame of 1080 px
whose bars are the photo scaled to cover the frame (or more, or stretched to it), blurred (radius 8 to 90 px),
as it is or darkened, faded under a veil of white, grey or black, or muted, saved as JPEG. It prints how many frames the
test finds with the photo's box within 3 % of the truth, and how many photos it
cuts that are not such frames: the corpus photos themselves and, with
``--also``, every picture of other folders (the development sets, 10,000 photos).

Usage (from the repository root):
    python -m benchmarks.studies.fill_views PHOTOS [--count 120] [--seed 0] [--also DIR ...]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

from benchmarks.provenance import provenance, provenance_line
from hashview.core.images.decode import BadImageError, load_rgb

FRAMES = {"9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350), "16:9": (1920, 1080)}
SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def fill_frame(photo: Image.Image, frame: tuple[int, int], rng: random.Random) -> tuple[Image.Image, tuple]:
    """``photo`` fitted into ``frame``, centred, on its own blurred enlargement; and the photo's box."""
    fw, fh = frame
    fit = min(fw / photo.width, fh / photo.height)
    cover = max(fw / photo.width, fh / photo.height)
    inner = photo.resize((round(photo.width * fit), round(photo.height * fit)), Image.Resampling.LANCZOS)
    fill = rng.choice(["cover", "cover", "zoomed", "stretched"])  # how apps enlarge the photo behind it
    if fill == "stretched":
        back = photo.resize((fw, fh), Image.Resampling.BILINEAR)
    else:
        zoom = cover * (rng.uniform(1.1, 1.5) if fill == "zoomed" else 1.0)
        back = photo.resize((round(photo.width * zoom) + 1, round(photo.height * zoom) + 1), Image.Resampling.BILINEAR)
    x0, y0 = (back.width - fw) // 2, (back.height - fh) // 2
    back = back.crop((x0, y0, x0 + fw, y0 + fh)).filter(ImageFilter.GaussianBlur(rng.uniform(8, 90)))
    look = rng.choice(["plain", "darker", "faded", "muted"])  # what apps do to the blur
    if look == "darker":
        back = ImageEnhance.Brightness(back).enhance(rng.uniform(0.5, 0.9))
    elif look == "faded":  # a veil of white or grey over it
        veil = Image.new("RGB", back.size, rng.choice([(255, 255, 255), (128, 128, 128), (0, 0, 0)]))
        back = Image.blend(back, veil, rng.uniform(0.2, 0.5))
    elif look == "muted":
        back = ImageEnhance.Color(back).enhance(rng.uniform(0.2, 0.7))
    box = ((fw - inner.width) // 2, (fh - inner.height) // 2)
    back.paste(inner, box)
    buffer = io.BytesIO()
    back.save(buffer, "JPEG", quality=rng.choice([75, 85, 92]))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB"), (*box, box[0] + inner.width, box[1] + inner.height)


def off_by(found: tuple, truth: tuple, size: tuple[int, int]) -> float:
    """The largest difference of a box edge, as a share of the frame's side along it."""
    w, h = size
    return max(
        abs(found[0] - truth[0]) / w,
        abs(found[2] - truth[2]) / w,
        abs(found[1] - truth[1]) / h,
        abs(found[3] - truth[3]) / h,
    )


def pictures(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)


# ----------------------------------------------------------------------------- the design that was tried

WORK_SIDE = 256  # as core/images/borders.py: the test runs on a copy at most this large
FILL_MIN_BAR = 0.06  # each blurred bar is at least this share of the frame's side (a 3:2 photo in 16:9: 8 %) ...
FILL_MAX_BAR = 0.42  # ... and at most this share (the photo keeps at least a sixth of it)
FILL_SMOOTH = 1.5  # a bar's rows have less detail than this (mean levels off their 3 x 3 mean): it is blurred
FILL_EDGE = 8.0  # the photo's edge: a median step of this many levels across it ...
FILL_EDGE_DETAIL = 3 * FILL_SMOOTH  # ... or rows of this much detail right inside it
FILL_MATCH = 10.0  # the bars lie within this many levels (mean) of the photo enlarged to cover the frame ...
FILL_GAIN = (0.3, 1.3)  # ... once its brightness is scaled by a gain in this range (and shifted) ...
FILL_BLURS = (0.0, 0.01, 0.03, 0.06)  # ... and it is blurred by one of these radii (shares of the side) ...
FILL_ZOOMS = (1.0, 1.3, 0)  # ... after scaling it to cover the frame, 1.3 times more, or (0) stretching it ...
FILL_BETTER = 0.5  # ... and at most this share of the distance from a plain gradient through each bar
FILL_GRID = 24  # the coarse grid the bars and the enlarged photo are compared on (blur does not reach it)


def blurred_fill_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The photo's box in a frame filled with its own blurred enlargement (a story or square post that
    "fits" a photo of another shape); None: no such frame.

    Phone apps fit the whole photo into the frame, centred, and fill the bars
    with the same photo scaled to cover the frame and blurred. Two tests that a
    photo of a scene does not pass together: a straight step at the same
    distance from two opposite edges (the photo's edges), and bars that match the
    middle part enlarged to cover the frame, compared on a coarse grid.
    """
    width, height = image.size
    if min(width, height) < 32:
        return None
    small = image if image.mode == "RGB" else image.convert("RGB")
    scale = min(1.0, WORK_SIDE / max(width, height))
    if scale < 1.0:
        small = small.resize((max(round(width * scale), 1), max(round(height * scale), 1)))
    grey = np.asarray(small.convert("L"), np.float32)
    rgb: np.ndarray | None = None
    for across in (False, True):  # bars at the top and bottom, then at the left and right
        turned = grey.T if across else grey
        if not _edges_smooth(turned):
            continue  # a first look at the bars' least depth: most pictures stop here
        if rgb is None:
            rgb = np.asarray(small, np.float32)
        found = _fill_bars(turned, rgb.transpose(1, 0, 2) if across else rgb)
        if found is not None:
            first, last = found
            n = turned.shape[0]
            if across:
                return (round(first / scale), 0, width - round((n - last) / scale), height)
            return (0, round(first / scale), width, height - round((n - last) / scale))
    return None


def _bar_rows(h: int) -> tuple[int, int]:
    """The least and the most rows a bar of a frame ``h`` rows high may take."""
    return max(int(FILL_MIN_BAR * h), 2), int(FILL_MAX_BAR * h)


def _edges_smooth(grey: np.ndarray) -> bool:
    """Whether the first and the last rows of ``grey``, as deep as the shallowest bar, are all smooth."""
    low, high = _bar_rows(grey.shape[0])
    return high > low and _smooth_rows(grey[: low + 2]) and _smooth_rows(grey[-low - 2 :])


def _fill_bars(grey: np.ndarray, pixels: np.ndarray) -> tuple[int, int] | None:
    """Rows ``(first, last)`` bounding the photo between two blurred bars of itself in ``pixels`` (h, w, 3),
    ``grey`` its luminance.

    The bars are smooth (blurred: no detail row after row from the edge) and equal
    (the photo is centred), so the bar is as deep as the shorter smooth run from
    either edge (the photo's own edge may be smooth too: a sky), or a row or two
    off where the photo's edge steps; the depth whose bars best match the middle
    enlarged to cover the frame is kept, when it matches and the photo's edge shows.
    """
    h = grey.shape[0]
    low, high = _bar_rows(h)
    detail = np.abs(grey[1:-1, 1:-1] - _box3(grey)).mean(axis=1)  # per row (but the outermost two)
    smooth = detail < FILL_SMOOTH
    top_run = int(np.argmin(smooth)) if not smooth.all() else len(smooth)
    bottom_run = int(np.argmin(smooth[::-1])) if not smooth.all() else len(smooth)
    depth = min(top_run, bottom_run) + 1  # the outermost row, left out of ``detail``, is bar too
    if not low <= depth <= high:  # no bars, or a picture smooth almost all over (a sky, a plain wall)
        return None
    near = range(max(depth - 3, low), min(depth + 4, high + 1))
    rows = sorted({r for b in near for r in (b - 1, h - 1 - b)})
    step = {r: float(np.median(np.abs(grey[r + 1] - grey[r]))) for r in rows}  # step[r]: rows r to r + 1

    def edge_shows(bar: int) -> bool:
        """The photo's edge shows on at least one side: a step along it, or detail starting at once."""
        inside = max(detail[bar - 1 : bar + 2].max(), detail[h - 4 - bar : h - 1 - bar].max())
        return max(step[bar - 1], step[h - 1 - bar]) >= FILL_EDGE or inside >= FILL_EDGE_DETAIL

    candidates = [b for b in {depth, max(near, key=lambda b: step[b - 1] + step[h - 1 - b])} if edge_shows(b)]
    if not candidates:  # a smooth picture whose smoothness merely ends (a gradient, a sky): no bars
        return None
    residual, bar = min((_cover_residual(pixels, b), b) for b in candidates)
    return (bar, h - bar) if residual <= FILL_MATCH else None


def _cover_residual(pixels: np.ndarray, depth: int) -> float:
    """How far the bars of ``depth`` rows at the top and bottom are from the middle enlarged to cover the
    frame, centred and blurred as apps blur it (mean levels on a coarse grid, after the best gain and offset,
    at the best of a few blurs); inf: not comparable, or no nearer than a plain gradient through each bar."""
    from PIL import Image, ImageFilter

    h, w = pixels.shape[:2]
    photo = pixels[depth : h - depth]
    if len(photo) < h // 6:
        return float("inf")
    grid = max(h // FILL_GRID, 2)
    coarse_frame = _coarse(pixels, grid)
    k = np.arange(coarse_frame.shape[0])
    bars = ((k + 1) * grid <= depth) | (k * grid >= h - depth)  # cells wholly inside a bar
    if bars.sum() < 2:
        return float("inf")
    frame = coarse_frame[bars].ravel()
    best = float("inf")
    for zoom in FILL_ZOOMS:  # the photo behind: scaled to cover the frame (or more), or stretched to it
        # the photo spans the width, so covering means scaling it to the frame's height; centred
        cover_w = w if zoom == 0 else max(round(w * h * zoom / len(photo)), w)
        cover_h = h if zoom == 0 else round(h * zoom)
        enlarged = Image.fromarray(photo.astype(np.uint8)).resize((cover_w, cover_h), Image.Resampling.BILINEAR)
        x0, y0 = (cover_w - w) // 2, (cover_h - h) // 2
        coarse_cover = _coarse(np.asarray(enlarged.crop((x0, y0, x0 + w, y0 + h)), np.float32), grid)
        cover = Image.fromarray(np.clip(coarse_cover, 0, 255).astype(np.uint8))  # blurred at the grid's scale
        for radius in FILL_BLURS:  # as a share of the frame's side: apps blur from a little to a lot
            blurred = cover.filter(ImageFilter.GaussianBlur(radius * h / grid)) if radius else cover
            enlarged_bars = np.asarray(blurred, np.float32)[bars].ravel()
            if enlarged_bars.std() <= 1.0:
                continue  # a flat enlargement explains nothing
            # apps darken, veil or mute the blur: fit a gain and an offset before comparing
            gain, offset = np.polyfit(enlarged_bars, frame, 1)
            if FILL_GAIN[0] <= gain <= FILL_GAIN[1]:
                best = min(best, float(np.abs(frame - (gain * enlarged_bars + offset)).mean()))
    # the enlarged photo must explain the bars far better than a plain gradient does: smooth bars (a sky, a
    # gradient wallpaper's ends) match any smooth enlargement, the blur of a photo only its own
    return best if best <= FILL_BETTER * _gradient_residual(coarse_frame, bars) else float("inf")


def _gradient_residual(coarse: np.ndarray, bars: np.ndarray) -> float:
    """How far the bar cells of ``coarse`` (rows, cols, 3) are from the best plane through each bar, per channel."""
    rows, cols = coarse.shape[:2]
    yy, xx = np.mgrid[0:rows, 0:cols]
    top = bars & (np.arange(rows) < rows // 2)
    errors = []
    for part in (top, bars & ~top):
        if not part.any():
            continue
        design = np.stack([np.ones(int(part.sum()) * cols), yy[part].ravel(), xx[part].ravel()], axis=1)
        values = coarse[part].reshape(-1, coarse.shape[2])
        fit, *_ = np.linalg.lstsq(design, values, rcond=None)
        errors.append(np.abs(values - design @ fit).ravel())
    return float(np.concatenate(errors).mean()) if errors else 0.0


def _smooth_rows(grey: np.ndarray) -> bool:
    """Whether every row of ``grey`` but the outermost two has less detail than a blurred bar has."""
    return bool((np.abs(grey[1:-1, 1:-1] - _box3(grey)).mean(axis=1) < FILL_SMOOTH).all())


def _box3(grey: np.ndarray) -> np.ndarray:
    """The 3 x 3 mean of ``grey`` at every pixel but the outermost ones."""
    total = sum(
        grey[1 + dy : grey.shape[0] - 1 + dy, 1 + dx : grey.shape[1] - 1 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)
    )
    return total / 9.0


def _coarse(pixels: np.ndarray, cell: int) -> np.ndarray:
    """Means of ``cell`` x ``cell`` blocks (the ragged edge dropped): a picture no blur changes much."""
    h, w = pixels.shape[:2]
    rows, cols = h // cell, w // cell
    blocks = pixels[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell, -1)
    return blocks.mean(axis=(1, 3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("photos", type=Path)
    parser.add_argument("--count", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--also", type=Path, nargs="*", default=[], help="folders whose every picture must not be cut")
    args = parser.parse_args(argv)
    print(provenance_line(provenance()), flush=True)
    rng = random.Random(args.seed)
    files = pictures(args.photos)
    rng.shuffle(files)
    photos, names = [], []
    for path in files[: args.count]:
        with Image.open(path) as im:
            photos.append(ImageOps.exif_transpose(im).convert("RGB"))
        names.append(path.name)
    found, close, false_cut = {}, {}, []
    for name_of_photo, photo in zip(names, photos):
        thumb = photo.copy()
        thumb.thumbnail((256, 256))
        if blurred_fill_box(thumb) is not None:
            false_cut.append(name_of_photo)
        own = photo.width / photo.height
        for name, frame in FRAMES.items():
            if abs(own - frame[0] / frame[1]) / own < 0.1:
                continue  # the photo's own shape: no bars
            image, truth = fill_frame(photo, frame, rng)
            thumb = image.copy()
            thumb.thumbnail((256, 256))  # as the library sees it, from its thumbnails
            box = blurred_fill_box(thumb)
            scale = image.width / thumb.width
            found.setdefault(name, [0, 0])[1] += 1
            if box is not None:
                found[name][0] += 1
                close[name] = close.get(name, 0) + (off_by([v * scale for v in box], truth, image.size) <= 0.03)
    print(f"{len(photos)} photos of {args.photos}: frames found (within 3 % of the truth) / made")
    for name, (hits, made) in found.items():
        print(f"  {name:5s} {hits:4d} ({close.get(name, 0)}) / {made}")
    print(f"  the photos themselves cut: {len(false_cut)} of {len(photos)} {', '.join(false_cut)}")
    for folder in args.also:
        cut, total = [], 0
        for path in pictures(folder):
            try:
                image, _meta = load_rgb(path, max_side=256)  # as the library's scan makes its thumbnails
            except BadImageError:
                continue
            total += 1
            if blurred_fill_box(image) is not None:
                cut.append(str(path.relative_to(folder)))
        print(f"  {folder}: {len(cut)} of {total} cut" + (f" ({', '.join(cut[:6])})" if cut else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
