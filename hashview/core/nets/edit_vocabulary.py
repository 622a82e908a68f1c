"""The training edits' vocabulary: each family of copy people make, its group, and how often a view gets it.

Kept apart from the edits themselves (``core/nets/edits/``, which need torch)
so that a method's parameters can name every family without importing torch:
DupNet exposes each rate as a parameter ``edit_<family>``, so a run can leave
a family out (``HASHVIEW_PARAMS='{"edit_gamma": 0}'``: the leave-one-family-out
study, ``benchmarks.studies.leave_one_out``) or a user who wants mirror
images called copies can train with them (``edit_mirror: 0.1``; at rate 0 by
default, see ``core/nets/edits``).

The rates are per view and independent, so a view gets several edits at once
(a chain, as a photo passes through an editor and then a messenger): 2.7 on
average, about as many as the old menu of seven edits drew. At four a view
the codes stopped telling photos apart (precision 0.19 at the suggested
radius on the broad-edit set; issue 20, lab notes run 11). Two views of one
photo differ by about twice that. The menu follows what people do to copies
(issue 20's list), at strengths a little beyond the ranges stated there; the
strengths live beside each edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EditFamily:
    name: str
    group: str  # geometry, frame, overlay, tone, colour, detail
    rate: float  # chance that one view gets it
    what: str


FAMILIES: tuple[EditFamily, ...] = (
    # geometry: one resampling of the image does all of these (edits/geometry.py)
    EditFamily("crop", "geometry", 0.45, "keep 55-95 % of each axis, or crop to another aspect ratio"),
    EditFamily("rotate", "geometry", 0.1, "1-10 degrees, corners trimmed"),
    EditFamily("perspective", "geometry", 0.06, "keystone correction up to about 12 % of a side, trimmed"),
    EditFamily("turn", "geometry", 0.0, "90, 180 or 270 degrees (saved turned, no orientation tag)"),
    EditFamily("mirror", "geometry", 0.0, "left and right swapped (a selfie camera, an editor's flip)"),
    # frames: the photo inside something else (at most one per view)
    EditFamily("border", "frame", 0.15, "a frame or letterbox bars of one colour, 2-25 % per edge"),
    EditFamily("canvas", "frame", 0.05, "the photo shrunk to 45-90 % on a plain canvas, anywhere on it"),
    EditFamily("screenshot", "frame", 0.05, "the photo inside a phone or chat screen, with bars and buttons"),
    # overlays
    EditFamily("caption", "overlay", 0.1, "a line of text anywhere, or a meme bar"),
    EditFamily("watermark", "overlay", 0.05, "large semi-transparent text, centred or in a corner, maybe slanted"),
    EditFamily("date_stamp", "overlay", 0.04, "a small orange date in a corner, as old cameras printed"),
    EditFamily("sticker", "overlay", 0.05, "1-3 stickers, emoji or a logo, opaque or half transparent"),
    # tone
    EditFamily("exposure", "tone", 0.12, "brightness times 0.45-1.8"),
    EditFamily("contrast", "tone", 0.12, "contrast times 0.5-1.8"),
    EditFamily("gamma", "tone", 0.08, "gamma 0.5-2"),
    EditFamily("levels", "tone", 0.05, "auto-levels: each channel, or all, stretched to the full range"),
    EditFamily("fade", "tone", 0.05, "blacks lifted towards a grey or cream, 10-45 %"),
    EditFamily("shadows_highlights", "tone", 0.05, "shadows lifted and highlights pulled down"),
    EditFamily("local_contrast", "tone", 0.04, "HDR-looking local contrast and tone compression"),
    # colour
    EditFamily("saturation", "colour", 0.1, "saturation times 0-2.2"),
    EditFamily("greyscale", "colour", 0.1, "black and white"),
    EditFamily("sepia", "colour", 0.05, "sepia toning, full or partly blended"),
    EditFamily("white_balance", "colour", 0.07, "temperature and tint shifts"),
    EditFamily("hue", "colour", 0.04, "hue turned by up to 30 degrees"),
    EditFamily("vignette", "colour", 0.04, "corners darkened (or lightened)"),
    EditFamily("curves", "colour", 0.04, "a different tone curve per channel"),
    EditFamily("filter", "colour", 0.05, "a gallery filter: channels mixed, tinted, faded"),
    # detail and the lossy steps, last
    EditFamily("blur", "detail", 0.04, "gaussian blur or a denoiser's smoothing"),
    EditFamily("sharpen", "detail", 0.04, "unsharp mask"),
    EditFamily("noise", "detail", 0.04, "sensor-like noise, per channel or in luma"),
    EditFamily("rescale", "detail", 0.25, "downscale to 20-75 % and back up (thumbnails, messengers)"),
    EditFamily("jpeg", "detail", 0.2, "JPEG at quality 20-90"),
)

GROUPS: tuple[str, ...] = tuple(dict.fromkeys(f.group for f in FAMILIES))
DEFAULT_RATES: dict[str, float] = {f.name: f.rate for f in FAMILIES}
PARAM_PREFIX = "edit_"


def rate_params() -> dict[str, float]:
    """Each family's rate as a method parameter, ``edit_<family>``."""
    return {PARAM_PREFIX + name: rate for name, rate in DEFAULT_RATES.items()}


def rates_from_params(params: Mapping[str, Any]) -> dict[str, float]:
    """The rates a run's parameters ask for (the defaults for families they do not name)."""
    return {name: float(params.get(PARAM_PREFIX + name, rate)) for name, rate in DEFAULT_RATES.items()}
