"""Exposure and tone: the sliders of every photo editor, at the strengths people use.

Ranges from issue 20's vocabulary: exposure 0.6x-1.5x, contrast 0.6-1.6x,
gamma 0.55-1.8, auto-levels, shadows/highlights, HDR-looking tone mapping, fades.
Draws skip a dead zone around "no change", where a copy would test nothing.
"""

from __future__ import annotations

import random

import numpy as np
from PIL import Image

from benchmarks.datasets.edit_families._common import (
    Params,
    blurred_luma,
    linear_to_srgb,
    luma,
    photo_save,
    srgb_to_linear,
    strength,
    to_float,
    to_image,
)


def exposure(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Exposure compensation: light multiplied in linear RGB, as a raw converter or camera would."""
    factor = strength(rng, 0.6, 1.5, (0.85, 1.15))
    x = linear_to_srgb(srgb_to_linear(to_float(image)) * factor)
    return to_image(x), {"factor": factor, "save": photo_save(rng)}


def contrast(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Contrast about the mean grey, as Pillow's ImageEnhance.Contrast and most sliders do."""
    factor = strength(rng, 0.6, 1.6, (0.85, 1.15))
    x = to_float(image)
    mean = float(luma(x).mean())
    return to_image(mean + factor * (x - mean)), {"factor": factor, "save": photo_save(rng)}


def brightness_contrast(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Both sliders moved by 10-35 %: the copies a plain perceptual hash finds and the network missed."""
    brightness = strength(rng, 0.65, 1.35, (0.9, 1.1))
    factor = strength(rng, 0.65, 1.35, (0.9, 1.1))
    x = to_float(image) * brightness
    mean = float(luma(x).mean())
    out = mean + factor * (x - mean)
    return to_image(out), {"brightness": brightness, "contrast": factor, "save": photo_save(rng)}


def gamma(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A power curve on every channel (mid-tones brighter below 1, darker above)."""
    g = strength(rng, 0.55, 1.8, (0.85, 1.2))
    return to_image(to_float(image) ** g), {"gamma": g, "save": photo_save(rng)}


def auto_levels(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Auto-levels / auto-enhance: clip a few percent at each end and stretch, per channel or together.

    Per channel also removes a colour cast, as Photoshop's "Auto Color" does;
    auto-enhance buttons add a little saturation on top.
    """
    low = round(rng.uniform(0.5, 4.0), 3)
    high = round(rng.uniform(0.5, 4.0), 3)
    per_channel = rng.random() < 0.5
    boost = round(rng.uniform(1.0, 1.25), 4)
    x = to_float(image)
    axes = (0, 1) if per_channel else None
    lo = np.percentile(x, low, axis=axes, keepdims=per_channel)
    hi = np.percentile(x, 100 - high, axis=axes, keepdims=per_channel)
    out = (x - lo) / np.maximum(hi - lo, 1e-3)
    grey = luma(np.clip(out, 0, 1))[..., None]
    out = grey + boost * (out - grey)
    params = {"clip_low_pct": low, "clip_high_pct": high, "per_channel": per_channel, "saturation": boost}
    return to_image(out), {**params, "save": photo_save(rng)}


def shadows_highlights(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Lift the shadows and pull the highlights down, each weighted by the local (blurred) brightness."""
    shadows = round(rng.uniform(0.25, 0.7), 4)
    highlights = round(rng.uniform(0.0, 0.5), 4)
    x = to_float(image)
    local = blurred_luma(x, 0.03)
    y = np.maximum(luma(x), 1e-3)
    power = 1.0 - shadows * (1.0 - local) ** 2 + highlights * local**2
    ratio = (y**power) / y
    out = x * ratio[..., None]
    return to_image(out), {"shadows": shadows, "highlights": highlights, "save": photo_save(rng)}


def hdr(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The "HDR" look: compress the large-scale brightness, boost local detail and saturation."""
    compression = round(rng.uniform(0.4, 0.75), 4)
    detail = round(rng.uniform(1.4, 2.4), 4)
    saturation = round(rng.uniform(1.1, 1.5), 4)
    x = to_float(image)
    y = np.maximum(luma(x), 1e-3)
    log_y = np.log(y)
    base = np.log(np.maximum(blurred_luma(x, 0.02), 1e-3))
    mapped = compression * (base - base.mean()) + detail * (log_y - base) + base.mean()
    new_y = np.exp(mapped)
    new_y *= float(y.mean()) / float(new_y.mean())  # the photo's mean brightness kept
    new_y /= max(float(np.percentile(new_y, 99.8)), 1.0) ** 0.5  # the brightest detail half pulled back
    out = x * (new_y / y)[..., None]
    grey = luma(np.clip(out, 0, 1))[..., None]
    out = grey + saturation * (out - grey)
    params = {"compression": compression, "detail": detail, "saturation": saturation}
    return to_image(out), {**params, "save": photo_save(rng)}


def fade(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A faded print: blacks lifted to grey, whites lowered a little, colour muted."""
    black = round(rng.uniform(0.08, 0.25), 4)
    white = round(rng.uniform(0.85, 1.0), 4)
    saturation = round(rng.uniform(0.6, 1.0), 4)
    x = to_float(image)
    grey = luma(x)[..., None]
    x = grey + saturation * (x - grey)
    out = black + x * (white - black)
    return to_image(out), {"black": black, "white": white, "saturation": saturation, "save": photo_save(rng)}
