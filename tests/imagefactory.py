"""Small test images of every kind, written to disk by plain functions.

Shared by the tests of several parts (images, scan, catalog, indexing, search,
duplicates). Every function writes one file and returns its path. Pictures are
random but structured (a gradient with shapes) and depend only on ``seed``, so
the same seed gives the same picture and different seeds visibly different ones.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    "make_16bit_png",
    "make_animated_gif",
    "make_cmyk_jpeg",
    "make_exif_jpeg",
    "make_huge_png_header",
    "make_library",
    "make_mode_image",
    "make_near_duplicate",
    "make_oriented_jpeg",
    "make_palette_png_transparent",
    "make_photo",
    "make_text_as_image",
    "make_truncated_jpeg",
    "make_zero_bytes",
    "photo_array",
    "photo_image",
]


def photo_image(size: tuple[int, int] = (64, 48), seed: int = 0) -> Image.Image:
    """An RGB picture: a two-colour gradient with a few random shapes on it."""
    w, h = size
    rng = np.random.default_rng(seed)
    c0, c1 = rng.integers(0, 256, size=(2, 3))
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    t = np.cos(angle) * xx / max(w, 1) + np.sin(angle) * yy / max(h, 1)
    t = (t - t.min()) / (np.ptp(t) or 1.0)
    arr = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    img = Image.fromarray(arr.astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(3, 7))):
        x0, x1 = sorted(rng.uniform(-0.1, 1.1, 2) * w)
        y0, y1 = sorted(rng.uniform(-0.1, 1.1, 2) * h)
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
        elif kind == 1:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.line([x0, y0, x1, y1], fill=colour, width=max(1, int(min(w, h) / 12)))
    return img


def photo_array(size: tuple[int, int] = (64, 48), seed: int = 0) -> np.ndarray:
    """``photo_image`` as a ``(height, width, 3)`` uint8 array."""
    return np.asarray(photo_image(size, seed))


def _prepare(path) -> Path:
    path = Path(path) if not isinstance(path, bytes) else path
    parent = os.path.dirname(os.fsdecode(path)) if isinstance(path, bytes) else path.parent
    os.makedirs(parent or ".", exist_ok=True)
    return path


def make_photo(path, size: tuple[int, int] = (64, 48), seed: int = 0, fmt: str = "JPEG", **save_kw) -> Path:
    """Write ``photo_image(size, seed)`` in ``fmt`` (JPEG quality 90 by default).

    ``path`` may be a ``bytes`` path (for names that are not valid UTF-8).
    """
    path = _prepare(path)
    img = photo_image(size, seed)
    if fmt.upper() in ("JPEG", "JPG"):
        save_kw.setdefault("quality", 90)
        fmt = "JPEG"
    if fmt.upper() == "GIF":
        img = img.convert("P", palette=Image.Palette.ADAPTIVE)
    with open(path, "wb") as f:
        img.save(f, format=fmt, **save_kw)
    return Path(os.fsdecode(path))


def make_library(
    root, classes: dict[str, int] | None = None, size=(64, 48), loose: int = 0, seed: int = 0
) -> list[Path]:
    """A folder with one subfolder per class of JPEG photos, plus ``loose`` at the root.

    Returns the written paths in order; every picture has its own seed.
    """
    root = Path(root)
    classes = {"cats": 3, "dogs": 3} if classes is None else classes
    paths, s = [], seed
    for name, n in classes.items():
        for i in range(n):
            paths.append(make_photo(root / name / f"{name}_{i:03d}.jpg", size, seed=s))
            s += 1
    for i in range(loose):
        paths.append(make_photo(root / f"loose_{i:03d}.jpg", size, seed=s))
        s += 1
    return paths


def make_near_duplicate(src, path, quality: int = 70, scale: float = 0.9) -> Path:
    """A re-encoded, slightly resized copy of an existing picture."""
    path = _prepare(path)
    with Image.open(src) as img:
        img = img.convert("RGB")
        w, h = img.size
        img = img.resize((max(1, round(w * scale)), max(1, round(h * scale))))
    img.save(path, format="JPEG", quality=quality)
    return Path(path)


def make_truncated_jpeg(path, size=(160, 120), seed: int = 0, keep: float = 0.6) -> Path:
    """A JPEG cut after ``keep`` of its bytes."""
    path = _prepare(path)
    buf = io.BytesIO()
    photo_image(size, seed).save(buf, format="JPEG", quality=90)
    data = buf.getvalue()
    Path(path).write_bytes(data[: max(1, int(len(data) * keep))])
    return Path(path)


def make_zero_bytes(path) -> Path:
    """An empty file."""
    path = _prepare(path)
    Path(path).write_bytes(b"")
    return Path(path)


def make_text_as_image(path, text: str = "this is not a picture\n" * 20) -> Path:
    """A text file with an image suffix."""
    path = _prepare(path)
    Path(path).write_text(text)
    return Path(path)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_huge_png_header(path, width: int = 100_000, height: int = 100_000) -> Path:
    """A tiny PNG whose header claims ``width`` × ``height`` (a decompression bomb)."""
    path = _prepare(path)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")
    Path(path).write_bytes(data)
    return Path(path)


def make_cmyk_jpeg(path, size=(32, 24), cmyk=(0, 255, 255, 0)) -> Path:
    """A CMYK JPEG of one colour (default: pure red, C=0 M=255 Y=255 K=0)."""
    path = _prepare(path)
    Image.new("CMYK", size, tuple(cmyk)).save(path, format="JPEG", quality=95)
    return Path(path)


def make_16bit_png(path, size=(32, 24)) -> tuple[Path, np.ndarray]:
    """A 16-bit greyscale PNG with a horizontal ramp over 0..65535; returns the values."""
    path = _prepare(path)
    w, h = size
    ramp = np.linspace(0, 65535, w).round().astype(np.uint16)
    arr = np.tile(ramp, (h, 1))
    Image.fromarray(arr).save(path, format="PNG")
    return Path(path), arr


def make_palette_png_transparent(path, size=(32, 24)) -> Path:
    """A palette PNG: left half transparent, right half opaque blue."""
    path = _prepare(path)
    w, h = size
    img = Image.new("P", size, 0)
    img.putpalette([0, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    img.paste(1, (w // 2, 0, w, h))
    img.save(path, format="PNG", transparency=0)
    return Path(path)


def make_oriented_jpeg(path, size=(40, 20), orientation: int = 6) -> Path:
    """A JPEG whose stored pixels are grey with a red top-left corner, EXIF-oriented.

    With orientation 6 (rotate 90° clockwise to display) the red corner shows at
    the top-right of a picture ``size[1]`` wide and ``size[0]`` high.
    """
    path = _prepare(path)
    w, h = size
    img = Image.new("RGB", size, (128, 128, 128))
    img.paste((255, 0, 0), (0, 0, w // 4, h // 4))
    exif = Image.Exif()
    exif[274] = orientation
    img.save(path, format="JPEG", quality=95, exif=exif.tobytes())
    return Path(path)


def make_exif_jpeg(
    path, size=(32, 24), seed: int = 0, taken: str = "2021:06:15 13:45:30", original: bool = True
) -> Path:
    """A JPEG with EXIF DateTimeOriginal (or only DateTime when ``original`` is False)."""
    path = _prepare(path)
    exif = Image.Exif()
    if original:
        exif.get_ifd(0x8769)[36867] = taken
    else:
        exif[306] = taken
    photo_image(size, seed).save(path, format="JPEG", quality=90, exif=exif.tobytes())
    return Path(path)


def make_animated_gif(path, size=(16, 16), colours=((255, 0, 0), (0, 255, 0), (0, 0, 255))) -> Path:
    """An animated GIF with one flat colour per frame (first frame: ``colours[0]``)."""
    path = _prepare(path)
    frames = [Image.new("RGB", size, c).convert("P") for c in colours]
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return Path(path)


def make_mode_image(path, mode: str, size=(16, 12), fmt: str | None = None) -> Path:
    """A small picture in a given Pillow mode (LA, RGBA, I, F, 1, L, P...).

    The left half is "dark" and the right half "light"; modes with alpha get a
    fully transparent left half. ``I`` and ``F`` are written as TIFF (values
    1000 / 3000 for I, 0.25 / 0.75 for F) unless ``fmt`` says otherwise.
    """
    path = _prepare(path)
    w, h = size
    left, right = (0, 0, w // 2, h), (w // 2, 0, w, h)
    if mode == "I":
        img = Image.new("I", size, 1000)
        img.paste(3000, right)
    elif mode == "F":
        img = Image.new("F", size, 0.25)
        img.paste(0.75, right)
    elif mode == "1":
        img = Image.new("1", size, 0)
        img.paste(1, right)
    elif mode == "LA":
        img = Image.new("LA", size, (40, 255))
        img.paste((40, 0), left)
    elif mode == "RGBA":
        img = Image.new("RGBA", size, (0, 128, 0, 255))
        img.paste((0, 128, 0, 0), left)
    else:
        img = Image.new("RGB", size, (30, 30, 30))
        img.paste((220, 220, 220), right)
        img = img.convert("P", palette=Image.Palette.ADAPTIVE) if mode == "P" else img.convert(mode)
    if fmt is None:
        fmt = "TIFF" if mode in ("I", "F") else "PNG"
    img.save(path, format=fmt)
    return Path(path)
