"""Edits for evaluation sets, written apart from the training edits: every family people make.

Issue 20 lists what people do to copies of their photos; this package makes
each of those families with Pillow and numpy only, at strengths drawn from
the stated real-world ranges. It is deliberately independent of
``hashview.core.nets.edits`` (the network's training menu): a benchmark made
from the training menu could only ever show the network its own lessons.

Each family is a function ``(image, rng) -> (edited image, params)``: ``image``
is an RGB ``PIL.Image``, ``rng`` a ``random.Random`` that is the only source of
randomness (same seed, same copy), ``params`` a JSON-serialisable dict of what
was drawn, with ``params["save"]`` the options the copy is to be saved with
(``format`` and its quality settings; a recompression family is nothing but
its saving options). ``FAMILIES`` maps each name to its function, its group
and the ranges its numeric parameters are drawn from.

Mirror images are a family of their own (group ``"mirror"``): hashview's
current decision is that a mirror is *not* a copy, and a set that includes
them measures what that decision costs in recall.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageOps

from benchmarks.datasets.edit_families import colour, detail, geometry, overlay, recapture, tone
from benchmarks.datasets.edit_families._common import SUFFIX, Params, bake, encode, photo_save

__all__ = [
    "FAMILIES",
    "GROUPS",
    "SAVE_QUALITY",
    "SUFFIX",
    "Family",
    "apply",
    "chain",
    "encode",
    "heic_writable",
    "mirror",
    "social",
]

heic_writable = detail.heic_writable

Edit = Callable[[Image.Image, random.Random], tuple[Image.Image, Params]]
Range = tuple[float, float]


@dataclass(frozen=True)
class Family:
    edit: Edit
    group: str
    ranges: dict[str, Range] = field(default_factory=dict)  # numeric parameter -> (lowest, highest) drawn


def mirror(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Left and right swapped (a selfie camera's copy, or "flip" in an editor)."""
    return ImageOps.mirror(image), {"flip": "left-right", "save": photo_save(rng)}


def _steps(image: Image.Image, names: list[str], rng: random.Random) -> tuple[Image.Image, Params]:
    """Apply families in order, each saved as its app would before the next opens it; the last one's save is kept."""
    steps: list[dict[str, Any]] = []
    for k, name in enumerate(names):
        image, params = FAMILIES[name].edit(image, rng)
        steps.append({"family": name, "params": params})
        if k < len(names) - 1:
            image = bake(image, params["save"])
    return image, {"steps": steps, "save": steps[-1]["params"]["save"]}


SOCIAL_CROPS = ("crop", "aspect-crop")
SOCIAL_FILTERS = ("filter-warm", "filter-cool", "filter-vintage", "curves", "saturation", "contrast", "fade")


def social(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The social-media path: crop, a filter, then the upload's recompression (JPEG at 60-85)."""
    names = [rng.choice(SOCIAL_CROPS), rng.choice(SOCIAL_FILTERS)]
    out, params = _steps(image, names, rng)
    out = bake(out, params["save"])
    upload = {"format": "JPEG", "quality": rng.randint(60, 85)}
    return out, {**params, "upload": upload, "save": upload}


CHAIN_GROUPS = ("exposure-tone", "colour", "detail", "geometry", "overlay", "recapture")


def chain(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Two or three families of different groups, in any order except that a screenshot comes last."""
    groups = rng.sample(CHAIN_GROUPS, rng.randint(2, 3))
    groups.sort(key=lambda g: g == "recapture")
    names = [rng.choice(sorted(n for n, f in FAMILIES.items() if f.group == g)) for g in groups]
    return _steps(image, names, rng)


SCREEN = {"photo_width_fraction": (0.05, 1.0)}

FAMILIES: dict[str, Family] = {
    # exposure and tone
    "exposure": Family(tone.exposure, "exposure-tone", {"factor": (0.6, 1.5)}),
    "contrast": Family(tone.contrast, "exposure-tone", {"factor": (0.6, 1.6)}),
    "brightness-contrast": Family(
        tone.brightness_contrast, "exposure-tone", {"brightness": (0.6, 1.5), "contrast": (0.6, 1.6)}
    ),
    "gamma": Family(tone.gamma, "exposure-tone", {"gamma": (0.55, 1.8)}),
    "auto-levels": Family(
        tone.auto_levels,
        "exposure-tone",
        {"clip_low_pct": (0.5, 4.0), "clip_high_pct": (0.5, 4.0), "saturation": (1.0, 1.25)},
    ),
    "shadows-highlights": Family(
        tone.shadows_highlights, "exposure-tone", {"shadows": (0.25, 0.7), "highlights": (0.0, 0.5)}
    ),
    "hdr": Family(
        tone.hdr, "exposure-tone", {"compression": (0.4, 0.75), "detail": (1.4, 2.4), "saturation": (1.1, 1.5)}
    ),
    "fade": Family(tone.fade, "exposure-tone", {"black": (0.08, 0.25), "white": (0.85, 1.0), "saturation": (0.6, 1.0)}),
    # colour
    "saturation": Family(colour.saturation, "colour", {"factor": (0.3, 2.0)}),
    "white-balance": Family(colour.white_balance, "colour", {"temperature": (-0.22, 0.22), "tint": (-0.1, 0.1)}),
    "hue-shift": Family(colour.hue_shift, "colour", {"degrees": (-10.0, 10.0)}),
    "greyscale": Family(colour.greyscale, "colour"),
    "sepia": Family(colour.sepia, "colour", {"amount": (0.6, 1.0)}),
    "filter-warm": Family(
        colour.filter_warm, "colour", {"temperature": (0.05, 0.15), "saturation": (1.0, 1.25), "black": (0.0, 0.06)}
    ),
    "filter-cool": Family(
        colour.filter_cool, "colour", {"temperature": (-0.15, -0.05), "curve": (0.0, 0.3), "saturation": (0.8, 1.0)}
    ),
    "filter-vintage": Family(
        colour.filter_vintage,
        "colour",
        {"black": (0.05, 0.15), "saturation": (0.45, 0.8), "temperature": (0.04, 0.12), "vignette": (0.15, 0.4)},
    ),
    "vignette": Family(colour.vignette, "colour", {"amount": (0.25, 0.6), "start": (0.2, 0.5)}),
    "curves": Family(colour.curves, "colour", {"s_curve": (0.15, 0.6), "channel_gamma": (0.85, 1.18)}),
    # detail
    "sharpen": Family(detail.sharpen, "detail", {"radius": (1.0, 3.0), "percent": (80, 250), "threshold": (0, 3)}),
    "noise": Family(detail.noise, "detail", {"sigma": (4.0, 15.0)}),
    "denoise": Family(detail.denoise, "detail"),
    "blur": Family(detail.blur, "detail", {"radius_fraction": (0.0012, 0.0035)}),
    "jpeg": Family(detail.jpeg, "detail", {"quality": detail.LOW_QUALITY}),
    "webp": Family(detail.webp, "detail", {"quality": detail.LOW_QUALITY}),
    "heic": Family(detail.heic, "detail", {"quality": detail.LOW_QUALITY}),
    "downscale": Family(detail.downscale, "detail", {"factor": (0.25, 0.25)}),
    # geometry
    "crop": Family(geometry.crop, "geometry", {"removed": (0.10, 0.40), "start_share": (0.0, 1.0)}),
    "aspect-crop": Family(geometry.aspect_crop, "geometry", {"position": (0.0, 1.0)}),
    "rotate": Family(geometry.rotate, "geometry", {"degrees": (-8.0, 8.0)}),
    "turn": Family(geometry.turn, "geometry", {"degrees_counterclockwise": (90, 270)}),
    "border": Family(geometry.border, "geometry", {"width": (0.03, 0.12)}),
    "letterbox": Family(geometry.letterbox, "geometry"),
    "perspective": Family(geometry.perspective, "geometry", {"amount": (0.02, 0.08), "jitter": (0.0, 0.015)}),
    # overlays
    "caption": Family(overlay.caption, "overlay", {"size_fraction": (0.05, 0.14), "x": (0.0, 1.0), "y": (0.0, 1.0)}),
    "watermark": Family(
        overlay.watermark, "overlay", {"opacity": (0.2, 0.5), "angle": (-35.0, 35.0), "width_fraction": (0.2, 0.9)}
    ),
    "date-stamp": Family(overlay.date_stamp, "overlay", {"size_fraction": (0.035, 0.07)}),
    "sticker": Family(overlay.sticker, "overlay", {"size": (0.08, 0.25), "x": (0.0, 1.0), "y": (0.0, 1.0)}),
    "logo": Family(overlay.logo, "overlay", {"size": (0.08, 0.18), "opacity": (0.6, 1.0)}),
    # re-capture
    "gallery-screenshot": Family(recapture.gallery_screenshot, "recapture", SCREEN),
    "chat-screenshot": Family(recapture.chat_screenshot, "recapture", SCREEN),
    "canvas": Family(recapture.canvas, "recapture", {"fill_fraction": (0.5, 0.9), "x": (0.1, 0.9), "y": (0.1, 0.9)}),
    # chains (each step's parameters are checked against its own family's ranges)
    "social": Family(social, "chain"),
    "chain": Family(chain, "chain"),
    # not a copy by hashview's current decision: measured, not trained for
    "mirror": Family(mirror, "mirror"),
}
if not heic_writable():
    del FAMILIES["heic"]  # pillow-heif missing or without a HEVC encoder: the set has no HEIC copies

GROUPS = ("exposure-tone", "colour", "detail", "geometry", "overlay", "recapture", "chain", "mirror")
SAVE_QUALITY: Range = (15, 95)  # every quality a family saves with


def apply(name: str, image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """One copy made by family ``name`` (RGB in, RGB out)."""
    out, params = FAMILIES[name].edit(image.convert("RGB"), rng)
    return out.convert("RGB"), params
