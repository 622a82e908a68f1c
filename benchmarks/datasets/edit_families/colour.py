"""Colour: saturation, white balance, hue, greyscale, sepia and the filters of phone galleries.

Ranges from issue 20's vocabulary: saturation 0.3-2x, white-balance
(temperature and tint) shifts, hue shifts of a few degrees, greyscale, sepia,
and the warm, cool, vintage, vignette and curves filters of galleries and
social apps. The filters are written as their looks are usually described
(a warm cast with lifted blacks, a faded low-saturation print with a
vignette...), not copied from any app.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image

from benchmarks.datasets.edit_families._common import (
    Params,
    luma,
    photo_save,
    signed,
    strength,
    to_float,
    to_image,
)


def _saturate(x: np.ndarray, factor: float) -> np.ndarray:
    grey = luma(x)[..., None]
    return grey + factor * (x - grey)


def _white_balance(x: np.ndarray, temperature: float, tint: float) -> np.ndarray:
    """Warmer (red up, blue down) for temperature > 0; more magenta (green down) for tint > 0.

    The gains keep the luminance of a grey pixel, as a white-balance slider does.
    """
    gains = np.array([1 + temperature, 1 - tint, 1 - temperature], dtype=np.float32)
    gains /= float(gains @ np.array([0.299, 0.587, 0.114], dtype=np.float32))
    return x * gains


def _vignette_mask(h: int, w: int, amount: float, start: float) -> np.ndarray:
    """1 in the middle, falling to 1 - amount in the corners; ``start`` is where the fall begins (0-1)."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - (w - 1) / 2) / (w / 2)) ** 2 + ((yy - (h - 1) / 2) / (h / 2)) ** 2) / math.sqrt(2)
    t = np.clip((r - start) / (1 - start), 0, 1)
    return 1 - amount * t * t * (3 - 2 * t)


def _s_curve(x: np.ndarray, amount: float) -> np.ndarray:
    """A smooth S-shaped tone curve; slope 1 + amount at mid-grey, 1 - amount at the ends."""
    return x - amount * np.sin(2 * np.pi * x) / (2 * np.pi)


def saturation(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    factor = strength(rng, 0.3, 2.0, (0.8, 1.25))
    return to_image(_saturate(to_float(image), factor)), {"factor": factor, "save": photo_save(rng)}


def white_balance(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    temperature = signed(rng, 0.06, 0.22)
    tint = signed(rng, 0.0, 0.1)
    out = _white_balance(to_float(image), temperature, tint)
    return to_image(out), {"temperature": temperature, "tint": tint, "save": photo_save(rng)}


def hue_shift(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Hue turned by a few degrees (HSV), as a hue slider nudged or a camera's colour profile."""
    degrees = signed(rng, 3.0, 10.0)
    h, s, v = image.convert("HSV").split()
    offset = round(degrees * 256 / 360)
    h = h.point(lambda p: (p + offset) % 256)
    out = Image.merge("HSV", (h, s, v)).convert("RGB")
    return out, {"degrees": degrees, "save": photo_save(rng)}


def greyscale(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Black and white, by the weighting one of the usual tools uses."""
    method = rng.choice(["luma", "average", "lightness", "red-filter"])
    x = to_float(image)
    if method == "luma":
        grey = luma(x)
    elif method == "average":
        grey = x.mean(axis=2)
    elif method == "lightness":
        grey = (x.max(axis=2) + x.min(axis=2)) / 2
    else:  # black-and-white film through a red filter: dark skies, light skin
        grey = x @ np.array([0.6, 0.3, 0.1], dtype=np.float32)
    return to_image(np.repeat(grey[..., None], 3, axis=2)), {"method": method, "save": photo_save(rng)}


SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], dtype=np.float32)


def sepia(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    amount = round(rng.uniform(0.6, 1.0), 4)
    x = to_float(image)
    toned = x @ SEPIA.T
    return to_image((1 - amount) * x + amount * toned), {"amount": amount, "save": photo_save(rng)}


def filter_warm(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A warm filter: an orange cast, a touch more saturation, blacks lifted slightly."""
    temperature = round(rng.uniform(0.05, 0.15), 4)
    boost = round(rng.uniform(1.0, 1.25), 4)
    black = round(rng.uniform(0.0, 0.06), 4)
    x = _saturate(_white_balance(to_float(image), temperature, -0.02), boost)
    out = black + x * (1 - black)
    return to_image(out), {"temperature": temperature, "saturation": boost, "black": black, "save": photo_save(rng)}


def filter_cool(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A cool filter: a blue cast, a little more contrast, slightly muted colour."""
    temperature = round(-rng.uniform(0.05, 0.15), 4)
    curve = round(rng.uniform(0.0, 0.3), 4)
    mute = round(rng.uniform(0.8, 1.0), 4)
    x = _saturate(_white_balance(to_float(image), temperature, 0.0), mute)
    out = _s_curve(np.clip(x, 0, 1), curve)
    return to_image(out), {"temperature": temperature, "curve": curve, "saturation": mute, "save": photo_save(rng)}


def filter_vintage(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A vintage filter: faded blacks, muted yellowed colour, darker corners."""
    black = round(rng.uniform(0.05, 0.15), 4)
    mute = round(rng.uniform(0.45, 0.8), 4)
    temperature = round(rng.uniform(0.04, 0.12), 4)
    vignette = round(rng.uniform(0.15, 0.4), 4)
    x = to_float(image)
    x = _white_balance(_saturate(x, mute), temperature, -0.03)
    x = black + np.clip(x, 0, 1) * (0.95 - black)
    x = x * _vignette_mask(x.shape[0], x.shape[1], vignette, 0.35)[..., None]
    params = {"black": black, "saturation": mute, "temperature": temperature, "vignette": vignette}
    return to_image(x), {**params, "save": photo_save(rng)}


def vignette(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Darker (or, less often, white-washed) corners."""
    amount = round(rng.uniform(0.25, 0.6), 4)
    start = round(rng.uniform(0.2, 0.5), 4)
    white = rng.random() < 0.2
    x = to_float(image)
    mask = _vignette_mask(x.shape[0], x.shape[1], amount, start)[..., None]
    out = 1 - (1 - x) * mask if white else x * mask
    return to_image(out), {"amount": amount, "start": start, "white": white, "save": photo_save(rng)}


def curves(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A curves preset: an S-curve for contrast and a per-channel mid-tone shift (a 'cross-process' tint)."""
    amount = round(rng.uniform(0.15, 0.6), 4)
    shifts = [round(rng.uniform(0.85, 1.18), 4) for _ in range(3)]
    x = _s_curve(to_float(image), amount)
    out = np.clip(x, 0, 1) ** np.array(shifts, dtype=np.float32)
    return to_image(out), {"s_curve": amount, "channel_gamma": shifts, "save": photo_save(rng)}
