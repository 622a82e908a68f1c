"""Small helpers every edit module shares: random draws on the host, moved to the batch's device.

Every draw comes from a ``torch.Generator`` on the CPU (one seed, one set of
edits, whatever the device) and reaches the device through ``host_to``, which
never makes the host wait for a GPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F

from hashview.core.nets.device import host_to

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601


def uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def log_uniform(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    """Factors spread evenly on a log scale (0.5x is as likely as 2x)."""
    return torch.exp(uniform(n, math.log(lo), math.log(hi), gen))


def signs(n: int, gen: torch.Generator) -> torch.Tensor:
    return torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)


def chosen(n: int, rate: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < rate


def per_image(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Host values, one per image (or (n, c)), as an (n, c or 1, 1, 1) tensor on ``like``'s device and dtype."""
    return host_to(values.to(like.dtype), like.device).view(len(like), -1, 1, 1)


def luma(x: torch.Tensor) -> torch.Tensor:
    """(n, 1, h, w) brightness of RGB (or the one channel of grey) images."""
    if x.shape[1] != 3:
        return x.mean(dim=1, keepdim=True)
    w = torch.tensor(LUMA, dtype=x.dtype, device=x.device).view(1, 3, 1, 1)
    return (x * w).sum(dim=1, keepdim=True)


def smooth(x: torch.Tensor, factor: int) -> torch.Tensor:
    """A cheap wide blur: area-average down by ``factor`` and back up bilinearly."""
    h, w = x.shape[-2:]
    small = F.interpolate(x, size=(max(1, h // factor), max(1, w // factor)), mode="area")
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable gaussian blur of every image in ``x`` (reflect padding, so edges keep their level)."""
    radius = max(1, math.ceil(2.5 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    c = x.shape[1]
    out = F.pad(x, (radius, radius, 0, 0), mode="reflect")
    out = F.conv2d(out, kernel.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    out = F.pad(out, (0, 0, radius, radius), mode="reflect")
    return F.conv2d(out, kernel.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def by_choice(
    x: torch.Tensor, pick: torch.Tensor, options: Sequence[float], edit: Callable[[torch.Tensor, float], torch.Tensor]
) -> torch.Tensor:
    """``edit(rows, option)`` for the rows that picked each option: one batched call per option, not per image."""
    out = torch.empty_like(x)
    for k, option in enumerate(options):
        rows = host_to(torch.nonzero(pick == k).view(-1), x.device)
        if len(rows):
            out[rows] = edit(x[rows], option)
    return out


def coordinates(n: int, h: int, w: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates in [-1, 1] (align_corners=False), each (n, 1, h, w), on ``like``'s device."""
    ys = (torch.arange(h, dtype=like.dtype, device=like.device) * 2 + 1) / h - 1
    xs = (torch.arange(w, dtype=like.dtype, device=like.device) * 2 + 1) / w - 1
    return xs.view(1, 1, 1, w).expand(n, 1, h, w), ys.view(1, 1, h, 1).expand(n, 1, h, w)
