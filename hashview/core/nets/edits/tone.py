"""Exposure and tone: what a photo app's light sliders and its "auto" button do to a copy.

Each edit takes float images in [0, 1] (NCHW), keeps shape, dtype and device,
and draws from the CPU generator it is given. Strengths go a little beyond
what people do (issue 20: exposure 0.6-1.5x, contrast 0.6-1.6x, gamma 0.55-1.8),
so the network meets the far end of the real range in training.
"""

from __future__ import annotations

import torch

from hashview.core.nets.device import host_to
from hashview.core.nets.edits._batch import log_uniform, luma, per_image, smooth, uniform


def exposure(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Every pixel times 0.45-1.8 (bright parts clip at white, as a pushed exposure does)."""
    return (x * per_image(log_uniform(len(x), 0.45, 1.8, gen), x)).clamp(0, 1)


def contrast(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Contrast times 0.5-1.8 about the image's mean brightness."""
    c = per_image(log_uniform(len(x), 0.5, 1.8, gen), x)
    mean = luma(x).mean(dim=(2, 3), keepdim=True)
    return ((x - mean) * c + mean).clamp(0, 1)


def gamma(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """x ** g, g in 0.5-2 (mid-tones lifted or pressed, black and white kept)."""
    return x.clamp_min(1e-6) ** per_image(log_uniform(len(x), 0.5, 2.0, gen), x)


def levels(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Auto-levels: the darkest and brightest parts stretched to black and white, per channel or together.

    The ends come from a smoothed copy (4 px blocks), so one hot pixel does
    not decide them, as an editor's clipping percentile does.
    """
    n, c = x.shape[:2]
    blocks = smooth(x, 4).flatten(2)
    lo, hi = blocks.amin(dim=2), blocks.amax(dim=2)  # (n, c)
    together = host_to(torch.rand(n, generator=gen) < 0.5, x.device).view(n, 1)
    lo = torch.where(together, lo.amin(dim=1, keepdim=True).expand(n, c), lo)
    hi = torch.where(together, hi.amax(dim=1, keepdim=True).expand(n, c), hi)
    span = (hi - lo).clamp_min(0.05)
    return ((x - lo.view(n, c, 1, 1)) / span.view(n, c, 1, 1)).clamp(0, 1)


def fade(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Blacks lifted: a blend of 10-45 % towards a grey or cream (the "faded film" look)."""
    n, c = x.shape[:2]
    amount = per_image(uniform(n, 0.1, 0.45, gen), x)
    level = uniform(n, 0.45, 0.95, gen).view(n, 1)
    warmth = uniform(n, -0.06, 0.06, gen).view(n, 1)
    tint = (level + warmth * torch.tensor([1.0, 0.2, -1.0])[:c].view(1, c)) if c == 3 else level
    return (x * (1 - amount) + amount * per_image(tint.clamp(0, 1), x)).clamp(0, 1)


def shadows_highlights(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Shadows lifted by up to 0.6 and highlights pulled down by up to 0.5, on a smooth curve that keeps 0 and 1."""
    n = len(x)
    lift = per_image(uniform(n, 0.0, 0.6, gen), x)
    pull = per_image(uniform(n, 0.0, 0.5, gen), x)
    # x (1 - x)^2 peaks at x = 1/3 (the shadows), x^2 (1 - x) at 2/3 (the highlights), both at 4/27 and both
    # keep 0 and 1: lift 0.6 raises x = 1/3 by 0.15, and the curve stays monotone for every strength drawn
    out = x + lift * 1.69 * x * (1 - x) ** 2 - pull * 1.69 * x**2 * (1 - x)
    return out.clamp(0, 1)


def local_contrast(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """HDR-looking tone mapping: detail against a wide blur amplified 0.6-2x, the overall range compressed."""
    n = len(x)
    base = smooth(x, 8)
    detail = per_image(uniform(n, 0.6, 2.0, gen), x)
    compress = per_image(uniform(n, 0.5, 0.9, gen), x)
    mid = base.mean(dim=(1, 2, 3), keepdim=True)
    out = (base - mid) * compress + mid + (x - base) * (1 + detail)
    return out.clamp(0, 1)
