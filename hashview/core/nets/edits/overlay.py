"""Overlays: captions and text anywhere, watermarks, date stamps, stickers, emoji and logos.

Text is rendered once with Pillow's own font into alpha masks (cached per
size and device) and then moved, scaled and slanted per image by one batched
resampling, so a step never draws text on the host. Each edit takes float
images in [0, 1] (NCHW), keeps shape, dtype and device, and draws from the CPU
generator it is given.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from hashview.core.nets.device import host_to
from hashview.core.nets.edits._batch import coordinates, per_image, signs, uniform

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
    "Merry Christmas",
    "miss this",
    "@janedoe",
    "(c) Studio North",
    "SAMPLE",
)
DATES = ("'98 7 14", "2021-06-12 14:03", "12/25/2004", "03 05 '01", "2019.08.21", "17:42 05/11/2016")


@lru_cache(maxsize=4)
def _text_masks(texts: tuple[str, ...], side: int) -> torch.Tensor:
    """Alpha masks (m, 1, side, side) of each text in two sizes, drawn centred on a square, at 4x and shrunk."""
    from PIL import Image, ImageDraw, ImageFont

    big = 4 * side
    masks = []
    for text in texts:
        for height in (big // 12, big // 8):
            font = ImageFont.load_default(size=max(8, height))
            canvas = Image.new("L", (big, big), 0)
            draw = ImageDraw.Draw(canvas)
            left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
            draw.text(
                ((big - (right - left)) // 2 - left, (big - (bottom - top)) // 2 - top), text, font=font, fill=255
            )
            masks.append(np.asarray(canvas.resize((side, side), Image.Resampling.BOX), np.float32) / 255.0)
    return torch.from_numpy(np.stack(masks))[:, None]


@lru_cache(maxsize=16)
def _masks_at(texts: tuple[str, ...], h: int, w: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    """The text masks at (h, w) on the device: copied there once, not at every step."""
    masks = _text_masks(texts, max(h, w))
    if masks.shape[-2:] != (h, w):
        masks = F.interpolate(masks, size=(h, w), mode="bilinear", align_corners=False)
    return masks.to(device, dtype)


def _placed(
    x: torch.Tensor,
    texts: tuple[str, ...],
    scale: torch.Tensor,
    cx: torch.Tensor,
    cy: torch.Tensor,
    angle: torch.Tensor,
    gen: torch.Generator,
) -> torch.Tensor:
    """One random text mask per image, scaled by ``scale``, turned by ``angle`` and centred at (cx, cy) in [-1, 1]."""
    n, _c, h, w = x.shape
    masks = _masks_at(texts, h, w, str(x.device), x.dtype)
    masks = masks[host_to(torch.randint(0, len(masks), (n,), generator=gen), x.device)]
    c, s = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(n, 2, 3)  # output -> mask: undo the move, the turn and the scale
    theta[:, 0, 0], theta[:, 0, 1] = c / scale, s / scale
    theta[:, 1, 0], theta[:, 1, 1] = -s / scale, c / scale
    theta[:, 0, 2] = -(c * cx + s * cy) / scale
    theta[:, 1, 2] = (s * cx - c * cy) / scale
    grid = F.affine_grid(host_to(theta.to(x.dtype), x.device), [n, 1, h, w], align_corners=False)
    return F.grid_sample(masks, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _paint(x: torch.Tensor, mask: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """``colour`` (host (n, 3)) laid over x through ``mask`` at opacity ``alpha`` (host (n,))."""
    paint = per_image(colour[:, : x.shape[1]], x)
    a = mask * per_image(alpha, x)
    return x * (1 - a) + paint * a


def caption(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A line of text anywhere (white with a dark shadow, dark, or a colour), or dark text on a white meme bar."""
    n = len(x)
    scale = uniform(n, 0.8, 2.0, gen)
    edge = torch.rand(n, generator=gen) < 0.5  # half at the top or bottom edge, half anywhere
    cy = torch.where(edge, signs(n, gen) * uniform(n, 0.7, 0.85, gen), uniform(n, -0.8, 0.8, gen))
    cx = uniform(n, -0.4, 0.4, gen)
    mask = _placed(x, CAPTIONS, scale, cx, cy, torch.zeros(n), gen)
    kind = torch.rand(n, generator=gen)
    colour = torch.where((kind < 0.6).view(n, 1), torch.ones(n, 3), torch.rand(n, 3, generator=gen))
    colour = torch.where((kind > 0.85).view(n, 1), torch.zeros(n, 3), colour)
    shadowed = _paint(x, torch.roll(mask, shifts=(1, 1), dims=(2, 3)), torch.zeros(n, 3), (kind < 0.6).float())
    out = _paint(shadowed, mask, colour, torch.ones(n))
    bar = host_to((torch.rand(n, generator=gen) < 0.2).view(n, 1, 1, 1) & edge.view(n, 1, 1, 1), x.device)
    rows = mask.amax(dim=3, keepdim=True) > 0.05
    rows = rows | torch.roll(rows, 1, dims=2) | torch.roll(rows, -1, dims=2)
    barred = torch.where(rows, torch.ones_like(x), x) * (1 - mask)
    return torch.where(bar, barred, out)


def watermark(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Large text at 20-60 % opacity, white, grey or black, centred (often slanted) or in a corner."""
    n = len(x)
    corner = torch.rand(n, generator=gen) < 0.4
    scale = torch.where(corner, uniform(n, 1.0, 1.6, gen), uniform(n, 1.6, 3.5, gen))
    cx = torch.where(corner, signs(n, gen) * uniform(n, 0.45, 0.65, gen), uniform(n, -0.15, 0.15, gen))
    cy = torch.where(corner, signs(n, gen) * uniform(n, 0.7, 0.85, gen), uniform(n, -0.15, 0.15, gen))
    slant = torch.where(corner | (torch.rand(n, generator=gen) < 0.5), 0.0, uniform(n, -40, 40, gen)) * math.pi / 180
    mask = _placed(x, CAPTIONS, scale, cx, cy, slant, gen)
    grey = torch.tensor([1.0, 0.6, 0.0])[torch.randint(0, 3, (n,), generator=gen)]
    return _paint(x, mask, grey.view(n, 1).expand(n, 3), uniform(n, 0.25, 0.7, gen)).clamp(0, 1)


def date_stamp(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A small date in a corner (mostly the bottom right), orange, yellow or red as a film camera printed it."""
    n = len(x)
    scale = uniform(n, 0.6, 1.0, gen)
    cx = torch.where(torch.rand(n, generator=gen) < 0.8, 1.0, -1.0) * uniform(n, 0.5, 0.7, gen)
    cy = torch.where(torch.rand(n, generator=gen) < 0.8, 1.0, -1.0) * uniform(n, 0.75, 0.88, gen)
    mask = _placed(x, DATES, scale, cx, cy, torch.zeros(n), gen)
    palette = torch.tensor([[1.0, 0.55, 0.1], [1.0, 0.85, 0.2], [0.95, 0.25, 0.1]])
    return _paint(x, mask, palette[torch.randint(0, 3, (n,), generator=gen)], uniform(n, 0.8, 1.0, gen)).clamp(0, 1)


def sticker(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """1-3 round stickers or emoji (a yellow face with dark eyes) or a square logo, 6-22 % of the side.

    Opaque, or half transparent as a logo often is; anywhere, a logo in a corner.
    """
    n, _c, h, w = x.shape
    xs, ys = coordinates(n, h, w, x)
    out = x
    count = torch.randint(1, 4, (n,), generator=gen)
    for k in range(3):
        size = per_image(uniform(n, 0.06, 0.22, gen) * 2, x)
        logo = torch.rand(n, generator=gen) < 0.3
        px = torch.where(logo, signs(n, gen) * uniform(n, 0.6, 0.85, gen), uniform(n, -0.85, 0.85, gen))
        py = torch.where(logo, signs(n, gen) * uniform(n, 0.6, 0.85, gen), uniform(n, -0.85, 0.85, gen))
        dx, dy = (xs - per_image(px, x)) / size, (ys - per_image(py, x)) / size
        round_ = (dx**2 + dy**2 <= 1).to(x.dtype)
        square = ((dx.abs() <= 0.8) & (dy.abs() <= 0.8)).to(x.dtype)
        is_logo = per_image(logo.float(), x)
        mask = round_ * (1 - is_logo) + square * is_logo
        emoji = torch.rand(n, generator=gen) < 0.4
        colour = torch.where(emoji.view(n, 1), torch.tensor([[1.0, 0.8, 0.15]]), torch.rand(n, 3, generator=gen))
        alpha = torch.where(logo, uniform(n, 0.4, 0.9, gen), torch.ones(n)) * (count > k).float()
        out = _paint(out, mask, colour, alpha)
        eyes = (((dx.abs() - 0.35) ** 2 + (dy + 0.25) ** 2) <= 0.02).to(x.dtype) * per_image(emoji.float(), x)
        out = _paint(out, eyes * round_, torch.full((n, 3), 0.15), (count > k).float())
    return out.clamp(0, 1)
