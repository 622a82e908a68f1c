"""Helpers shared by the evaluation edit families: float pixels, strengths, saving, fonts.

Every family draws all of its randomness from the ``random.Random`` it is given
(numpy noise is seeded from it), so one seed always makes the same copy.
"""

from __future__ import annotations

import io
import random
from typing import Any

import numpy as np
from PIL import Image, ImageFont

Params = dict[str, Any]

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R BT.601, as Pillow's convert("L")


def to_float(image: Image.Image) -> np.ndarray:
    """RGB pixels as float32 in [0, 1], shape (h, w, 3)."""
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def to_image(x: np.ndarray) -> Image.Image:
    return Image.fromarray((np.clip(x, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB")


def luma(x: np.ndarray) -> np.ndarray:
    return x @ LUMA


def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055)


def blurred_luma(x: np.ndarray, fraction: float) -> np.ndarray:
    """Luminance blurred over about ``fraction`` of the short side: the 'local' level tone tools use."""
    from PIL import ImageFilter

    h, w = x.shape[:2]
    grey = Image.fromarray((np.clip(luma(x), 0, 1) * 255).astype(np.uint8), "L")
    radius = max(1.0, fraction * min(w, h))
    return np.asarray(grey.filter(ImageFilter.GaussianBlur(radius)), dtype=np.float32) / 255.0


def strength(rng: random.Random, lo: float, hi: float, dead: tuple[float, float] = (1.0, 1.0)) -> float:
    """A factor in [lo, hi] outside the ``dead`` interval around "no change".

    A copy made at 0.98x brightness tests nothing; the stated real-world range
    still bounds every draw. Both sides of the dead zone are drawn in
    proportion to their width.
    """
    d_lo, d_hi = dead
    below, above = max(0.0, d_lo - lo), max(0.0, hi - d_hi)
    u = rng.uniform(0.0, below + above)
    return round(lo + u if u < below else d_hi + (u - below), 4)


def signed(rng: random.Random, lo: float, hi: float) -> float:
    """A magnitude in [lo, hi] with a random sign."""
    return round(rng.choice((-1, 1)) * rng.uniform(lo, hi), 4)


def photo_save(rng: random.Random) -> Params:
    """How a photo app saves an edit: JPEG at a good quality."""
    return {"format": "JPEG", "quality": rng.randint(80, 95)}


SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "HEIF": ".heic"}


def encode(image: Image.Image, save: Params) -> bytes:
    options = {k: v for k, v in save.items() if k != "format"}
    if save["format"] == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    buf = io.BytesIO()
    image.save(buf, save["format"], **options)
    return buf.getvalue()


def bake(image: Image.Image, save: Params) -> Image.Image:
    """The image as it reads back after being saved so (a lossy re-save inside a chain of edits)."""
    if save["format"] == "PNG":
        return image
    with Image.open(io.BytesIO(encode(image, save))) as saved:
        return saved.convert("RGB")


def font(
    size: float, bold: bool = True, serif: bool = False, mono: bool = False
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    family = "DejaVuSansMono" if mono else "DejaVuSerif" if serif else "DejaVuSans"
    names = [f"{family}-Bold.ttf" if bold else f"{family}.ttf", "DejaVuSans.ttf"]
    for name in names:
        try:
            return ImageFont.truetype(name, max(6, int(size)))
        except OSError:
            continue
    return ImageFont.load_default(max(6, int(size)))


def overlay(base: Image.Image, layer: Image.Image) -> Image.Image:
    """Composite an RGBA drawing layer over an RGB photo."""
    return Image.alpha_composite(base.convert("RGBA"), layer).convert("RGB")
