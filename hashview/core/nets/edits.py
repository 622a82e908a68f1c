"""Synthetic edits that mirror what people do to copies of their photos.

The duplicate network learns that a photo and its edited copy are the same
picture by seeing two random edits of one photo as a positive pair, so the
edits here follow the copies real libraries hold (and ``benchmarks/datasets/dup_dataset.py``
makes): crops of a few percent per side, small rotations with the empty
corners trimmed, borders of a random colour and width, captions (text or a
bar across the top or bottom), JPEG recompression, downscale then upscale,
and mild colour or brightness changes. Horizontal flips and 90-degree turns
are left out on purpose: a mirrored photo is rarely a "copy" people want
merged, mirror-image scenes (a symmetric building, the left and right halves
of a panorama) would collide, and EXIF-rotated copies are turned upright when
they are decoded, before the network sees them.

Every edit works on a batch of float images in [0, 1], NCHW, as the network
takes them (at its input size, 64 px by default), keeps shape, dtype and
device, and draws its randomness from a ``torch.Generator`` on the CPU, so a
seed makes it repeatable. Photos are squashed to a square when decoded, so a
crop or a border changes the two axes by different amounts and a rotation of
a non-square photo is a rotation with a shear in the network's square: the
geometry below samples the photo's aspect ratio to reproduce that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from hashview.core.nets.device import host_to

CAPTIONS = (
    "Summer 2019",
    "Happy birthday!",
    "#throwback",
    "Best day ever",
    "IMG_2041",
    "Holiday",
    "Love you",
    "Paris 2016",
    "our trip",
    "lol",
    "Good morning",
    "2021-06-12 14:03",
    "Merry Christmas",
    "miss this",
)


@dataclass(frozen=True)
class EditRates:
    """How often each edit is applied to one view (independently), and how strong it may be."""

    crop: float = 0.6  # keep 75-95% of each axis, placed at random (crops are the hardest edit to learn)
    crop_max: float = 0.25  # most of one axis a crop takes away (real crops take up to 15%: strong ones must be common)
    rotate: float = 0.3  # 1-6 degrees either way, corners trimmed
    rotate_max: float = 6.0
    border: float = 0.3  # 3-12% of the short side per edge, one colour
    border_max: float = 0.12
    caption: float = 0.3  # a line of text (or a bar) at the top or bottom
    scale: float = 0.4  # downscale to 25-75% then back up
    jpeg: float = 0.25  # JPEG at quality 30-90 (at 64 px a copy's JPEG artefacts are mostly gone: kept cheap)
    colour: float = 0.5  # brightness, contrast, saturation within +-15%


DEFAULT_RATES = EditRates()


def _uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def _chosen(n: int, rate: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < rate


def _warp(x: torch.Tensor, theta: torch.Tensor, fill: torch.Tensor) -> torch.Tensor:
    """Sample x through affine maps ``theta`` (n, 2, 3, output -> input in [-1, 1]); outside is ``fill`` (n, c)."""
    grid = F.affine_grid(host_to(theta.to(x.dtype), x.device), list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    outside = (grid.abs() > 1.0).any(dim=3, keepdim=True).permute(0, 3, 1, 2)
    return torch.where(outside, host_to(fill.to(x.dtype), x.device).view(len(x), -1, 1, 1), out)


def _identity(n: int) -> torch.Tensor:
    return torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).repeat(n, 1, 1)


def _crop_theta(n: int, gen: torch.Generator, most: float) -> torch.Tensor:
    fx, fy = _uniform(n, 0.05, most, gen), _uniform(n, 0.05, most, gen)
    theta = _identity(n)
    theta[:, 0, 0], theta[:, 1, 1] = 1 - fx, 1 - fy
    theta[:, 0, 2] = (torch.rand(n, generator=gen) * 2 - 1) * fx
    theta[:, 1, 2] = (torch.rand(n, generator=gen) * 2 - 1) * fy
    return theta


def crop(x: torch.Tensor, gen: torch.Generator, most: float = 0.2) -> torch.Tensor:
    """Keep a random window of (1 - f) of each axis, f in [0.05, most], shown at full size."""
    return _warp(x, _crop_theta(len(x), gen, most), torch.zeros(len(x), x.shape[1]))


def rotate(x: torch.Tensor, gen: torch.Generator, most: float = 6.0) -> torch.Tensor:
    """Turn by 1 to ``most`` degrees either way about the centre, then trim the corners (as photo apps do).

    The photo had some aspect ratio a = w / h before it was squashed to a
    square, so the turn is ``diag(1/w, 1/h) R diag(w, h)`` in the square; the
    trim takes 4-15% off each axis (a fixed margin of the short side takes
    more of it) and leaves a sliver of black corner now and then, as a hasty
    trim does.
    """
    return _warp(x, _rotate_theta(len(x), gen, most), torch.zeros(len(x), x.shape[1]))


def _rotate_theta(n: int, gen: torch.Generator, most: float) -> torch.Tensor:
    angle = _uniform(n, 1.0, most, gen) * torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0) * math.pi / 180
    aspect = torch.exp(_uniform(n, math.log(0.6), math.log(1.7), gen))
    zx, zy = 1.0 - _uniform(n, 0.04, 0.15, gen), 1.0 - _uniform(n, 0.04, 0.15, gen)  # the trim, per axis
    c, s = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = c * zx, -s / aspect * zy
    theta[:, 1, 0], theta[:, 1, 1] = s * aspect * zx, c * zy
    return theta


def _border_theta(n: int, ch: int, gen: torch.Generator, most: float) -> tuple[torch.Tensor, torch.Tensor]:
    bx = _uniform(n, 0.03, most, gen)
    by = bx * torch.exp(_uniform(n, -0.4, 0.4, gen))  # the photo was not square: the frame differs per axis
    theta = _identity(n)
    theta[:, 0, 0], theta[:, 1, 1] = 1 + 2 * bx, 1 + 2 * by
    palette = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.94, 0.92, 0.86]])[:, :ch]
    pick = torch.randint(0, 4, (n,), generator=gen)
    random_colour = torch.rand(n, ch, generator=gen)
    fill = torch.where((pick < 3).view(n, 1), palette[pick.clamp(max=2)], random_colour)
    return theta, fill


def border(x: torch.Tensor, gen: torch.Generator, most: float = 0.12) -> torch.Tensor:
    """Add a frame of one colour (white, black, cream or random), 3% to ``most`` of the side per edge."""
    theta, fill = _border_theta(len(x), x.shape[1], gen, most)
    return _warp(x, theta, fill)


def geometry(x: torch.Tensor, gen: torch.Generator, rates: EditRates) -> torch.Tensor:
    """Crop, rotate (corners black) and frame, each with its rate, as one resampling of each image.

    The maps compose (output -> frame -> turn -> crop -> photo), so one
    ``grid_sample`` does all three; the frame shows where the output falls
    outside the framed photo, black where the turned photo left a corner.
    """
    n, ch = len(x), x.shape[1]

    def chosen(rate: float) -> torch.Tensor:
        return (torch.rand(n, generator=gen) < rate).view(n, 1, 1)

    def h(theta: torch.Tensor) -> torch.Tensor:  # (n, 3, 3) homogeneous
        out = torch.eye(3).repeat(n, 1, 1)
        out[:, :2] = theta
        return out

    eye = h(_identity(n))
    c = torch.where(chosen(rates.crop), h(_crop_theta(n, gen, rates.crop_max)), eye)
    r = torch.where(chosen(rates.rotate), h(_rotate_theta(n, gen, rates.rotate_max)), eye)
    b_theta, fill = _border_theta(n, ch, gen, rates.border_max)
    b = torch.where(chosen(rates.border), h(b_theta), eye)
    total = host_to((c @ r @ b)[:, :2].to(x.dtype), x.device)
    shape = list(x.shape)
    grid = F.affine_grid(total, shape, align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    framed = F.affine_grid(host_to(b[:, :2].to(x.dtype), x.device), shape, align_corners=False)
    in_frame = (framed.abs() > 1.0).any(dim=3, keepdim=True).permute(0, 3, 1, 2)
    corner = (grid.abs() > 1.0 + 1e-4).any(dim=3, keepdim=True).permute(0, 3, 1, 2)
    out = torch.where(corner, torch.zeros_like(out), out)
    return torch.where(in_frame, host_to(fill.to(x.dtype), x.device).view(n, ch, 1, 1), out)


@lru_cache(maxsize=8)
def _caption_masks(side: int) -> torch.Tensor:
    """Alpha masks (m, 1, side, side) of caption lines rendered with Pillow's font, shrunk to ``side``."""
    from PIL import Image, ImageDraw, ImageFont

    big = 4 * side
    masks = []
    for k, text in enumerate(CAPTIONS):
        for height in (big // 12, big // 8):
            font = ImageFont.load_default(size=max(8, height))
            canvas = Image.new("L", (big, big), 0)
            draw = ImageDraw.Draw(canvas)
            y = big - 2 * height if k % 3 else height // 2
            draw.text((big // 20, y), text, font=font, fill=255)
            masks.append(np.asarray(canvas.resize((side, side), Image.Resampling.BOX), np.float32) / 255.0)
    return torch.from_numpy(np.stack(masks))[:, None]


@lru_cache(maxsize=8)
def _caption_masks_at(h: int, w: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    """The caption masks at (h, w), kept on the device: copied there once, not at every step."""
    masks = _caption_masks(h if h == w else max(h, w))
    if masks.shape[-2:] != (h, w):
        masks = F.interpolate(masks, size=(h, w), mode="bilinear", align_corners=False)
    return masks.to(device, dtype)


def caption(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Write a caption (white text with a dark shadow, or dark text on a white bar) at the top or bottom."""
    n, _ch, h, w = x.shape
    masks = _caption_masks_at(h, w, str(x.device), x.dtype)
    masks = masks[host_to(torch.randint(0, len(masks), (n,), generator=gen), x.device)]
    shadow = torch.roll(masks, shifts=(1, 1), dims=(2, 3))
    out = x * (1 - shadow) + 0.0 * shadow
    text_colour = host_to(torch.where(torch.rand(n, generator=gen) < 0.8, 1.0, 0.0).to(x.dtype), x.device).view(
        n, 1, 1, 1
    )
    out = out * (1 - masks) + text_colour * masks
    bar = torch.rand(n, generator=gen) < 0.25  # a meme/messenger bar: a white strip with dark text
    if bar.any():
        rows = masks.amax(dim=3, keepdim=True) > 0.05
        rows = rows | torch.roll(rows, 1, dims=2) | torch.roll(rows, -1, dims=2)
        barred = torch.where(rows, torch.ones_like(x), x) * (1 - masks)
        out = torch.where(host_to(bar.view(n, 1, 1, 1), x.device), barred, out)
    return out


def rescale(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Downscale to 25-75% of the side (area average), then back up (bilinear): detail is lost."""
    n, _c, h, w = x.shape
    out = torch.empty_like(x)
    factors = torch.tensor([0.25, 0.375, 0.5, 0.625, 0.75])  # a few sizes, so each is one batched call
    pick = torch.randint(0, len(factors), (n,), generator=gen)
    for k, f in enumerate(factors.tolist()):
        rows = host_to(torch.nonzero(pick == k).view(-1), x.device)
        if len(rows):
            small = F.interpolate(x[rows], size=(max(4, int(h * f)), max(4, int(w * f))), mode="area")
            out[rows] = F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)
    return out


def jpeg(x: torch.Tensor, gen: torch.Generator, lo: int = 30, hi: int = 90) -> torch.Tensor:
    """Save each image as a JPEG of quality ``lo``..``hi`` (4:2:0) and open it again, on x's device (``jpeg_torch``)."""
    from hashview.core.nets.jpeg_torch import jpeg_roundtrip

    return jpeg_roundtrip(x, torch.randint(lo, hi + 1, (len(x),), generator=gen))


def colour(x: torch.Tensor, gen: torch.Generator, most: float = 0.15) -> torch.Tensor:
    """Brightness, contrast and saturation each scaled by a factor within 1 +- ``most``."""
    n = len(x)
    view = (n, 1, 1, 1)
    b = host_to(_uniform(n, 1 - most, 1 + most, gen).view(view).to(x.dtype), x.device)
    c = host_to(_uniform(n, 1 - most, 1 + most, gen).view(view).to(x.dtype), x.device)
    s = host_to(_uniform(n, 1 - most, 1 + most, gen).view(view).to(x.dtype), x.device)
    out = x * b
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    out = (out - mean) * c + mean
    if x.shape[1] == 3:
        grey = out.mean(dim=1, keepdim=True)
        out = (out - grey) * s + grey
    return out.clamp(0, 1)


EDITS = {
    "crop": crop,
    "rotate": rotate,
    "border": border,
    "caption": caption,
    "rescale": rescale,
    "jpeg": jpeg,
    "colour": colour,
}


def random_edits(x: torch.Tensor, gen: torch.Generator, rates: EditRates = DEFAULT_RATES) -> torch.Tensor:
    """Each image gets each edit with its own probability, in the order people make them.

    Geometry first (crop or rotate, then a border), then a caption, then the
    colour, and the lossy steps (downscale, JPEG) last, as a copy passes
    through an editor and then a messenger.

    Computed in float32 even inside a training step's bfloat16 autocast: the
    edits prepare the network's input, and an affine grid in bfloat16 lands up
    to a fifth of a pixel off at 64 px (and is slower on a CPU).
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        return _random_edits(x, gen, rates)


def _random_edits(x: torch.Tensor, gen: torch.Generator, rates: EditRates) -> torch.Tensor:
    n = len(x)
    out = x
    if rates.crop or rates.rotate or rates.border:
        out = geometry(x, gen, rates)
    steps: tuple[tuple[str, float, Callable[[torch.Tensor], torch.Tensor]], ...] = (
        ("caption", rates.caption, lambda v: caption(v, gen)),
        ("colour", rates.colour, lambda v: colour(v, gen)),
        ("rescale", rates.scale, lambda v: rescale(v, gen)),
        ("jpeg", rates.jpeg, lambda v: jpeg(v, gen)),
    )
    for _name, rate, fn in steps:
        chosen = _chosen(n, rate, gen)
        if not bool(chosen.any()):
            continue
        rows = host_to(torch.nonzero(chosen).view(-1), x.device)
        out = out.clone() if out is x else out
        out[rows] = fn(out[rows])
    return out
