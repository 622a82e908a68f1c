"""Colour: saturation, black and white, sepia, white balance, hue, vignettes, curves and gallery filters.

Each edit takes float images in [0, 1] (NCHW, three channels; a one-channel
batch is returned as its tone edits would leave it), keeps shape, dtype and
device, and draws from the CPU generator it is given.

Colour-blind copies (greyscale, sepia) teach the network that colour may go:
precision then rests on structure, which ``benchmarks.dups`` checks on every
set (distractors included).
"""

from __future__ import annotations

import math

import torch

from hashview.core.nets.device import host_to
from hashview.core.nets.edits._batch import coordinates, log_uniform, luma, per_image, signs, uniform

SEPIA = ((0.393, 0.769, 0.189), (0.349, 0.686, 0.168), (0.272, 0.534, 0.131))  # the usual sepia matrix


def _mix(x: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Each image's channels mixed by its own 3x3 matrix (host (n, 3, 3))."""
    m = host_to(matrices.to(x.dtype), x.device)
    return torch.einsum("nij,njhw->nihw", m, x)


def saturation(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Colour pushed away from grey by 0-2.2x (0 is black and white, 2 a "vivid" filter)."""
    if x.shape[1] != 3:
        return x.clone()
    s = per_image(uniform(len(x), 0.0, 2.2, gen), x)
    grey = luma(x)
    return ((x - grey) * s + grey).clamp(0, 1)


def greyscale(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Black and white (luma), sometimes with its contrast changed by 0.8-1.3x as a B&W filter does."""
    grey = luma(x)
    punch = per_image(torch.where(torch.rand(len(x), generator=gen) < 0.5, 1.0, uniform(len(x), 0.8, 1.3, gen)), x)
    mean = grey.mean(dim=(2, 3), keepdim=True)
    return ((grey - mean) * punch + mean).clamp(0, 1).expand_as(x).clone()


def sepia(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Sepia toning, blended 60-100 % over the photo."""
    if x.shape[1] != 3:
        return x.clone()
    toned = _mix(x, torch.tensor(SEPIA).expand(len(x), 3, 3)).clamp(0, 1)
    amount = per_image(uniform(len(x), 0.6, 1.0, gen), x)
    return x + (toned - x) * amount


def white_balance(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Warmer or cooler (red against blue, up to 35 %) and a green-magenta tint (up to 15 %)."""
    if x.shape[1] != 3:
        return x.clone()
    n = len(x)
    t, g = uniform(n, -0.35, 0.35, gen), uniform(n, -0.15, 0.15, gen)
    gains = torch.stack([1 + t, 1 + g, 1 - t], dim=1)
    gains = gains / (gains * torch.tensor([0.299, 0.587, 0.114])).sum(dim=1, keepdim=True)  # brightness kept
    return (x * per_image(gains, x)).clamp(0, 1)


def hue(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Hue turned by 3-30 degrees either way (a rotation of the chroma plane in YIQ)."""
    if x.shape[1] != 3:
        return x.clone()
    n = len(x)
    angle = uniform(n, 3.0, 30.0, gen) * signs(n, gen) * math.pi / 180
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    c, s = torch.cos(angle), torch.sin(angle)
    turn = torch.zeros(n, 3, 3)
    turn[:, 0, 0] = 1
    turn[:, 1, 1], turn[:, 1, 2], turn[:, 2, 1], turn[:, 2, 2] = c, -s, s, c
    matrices = torch.linalg.inv(to_yiq) @ turn @ to_yiq
    return _mix(x, matrices).clamp(0, 1)


def vignette(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Corners darkened by 25-75 % (a fifth of the time lightened), about a centre a little off the middle."""
    n, _c, h, w = x.shape
    xs, ys = coordinates(n, h, w, x)
    cx, cy = per_image(uniform(n, -0.15, 0.15, gen), x), per_image(uniform(n, -0.15, 0.15, gen), x)
    r2 = ((xs - cx) ** 2 + (ys - cy) ** 2) / 2
    strength = uniform(n, 0.25, 0.75, gen) * torch.where(torch.rand(n, generator=gen) < 0.2, -0.6, 1.0)
    falloff = per_image(uniform(n, 1.0, 2.5, gen), x)
    mask = r2.clamp(0, 1) ** falloff
    out = x * (1 - per_image(strength, x).clamp_min(0) * mask)
    lighten = per_image((-strength).clamp_min(0), x)
    return (out + (1 - out) * lighten * mask).clamp(0, 1)


def curves(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A different S- or lift-curve per channel: x + a x (1 - x) + b x (1 - x) (2 x - 1), monotone for the a, b drawn."""
    n, c = x.shape[:2]
    a = per_image(uniform(n * c, -0.6, 0.6, gen).view(n, c), x)
    b = per_image(uniform(n * c, -0.35, 0.35, gen).view(n, c), x)
    return (x + a * x * (1 - x) + b * x * (1 - x) * (2 * x - 1)).clamp(0, 1)


def filter_look(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A phone gallery's filter: channels mixed (warm, cool, vintage, "chrome"), a tint, some fade and contrast."""
    if x.shape[1] != 3:
        return x.clone()
    n = len(x)
    matrices = torch.eye(3).repeat(n, 1, 1) + uniform(n * 9, -0.2, 0.2, gen).view(n, 3, 3)
    out = _mix(x, matrices)
    tint = per_image(uniform(n * 3, -0.08, 0.08, gen).view(n, 3), x)
    lift = per_image(uniform(n, 0.0, 0.2, gen), x)
    punch = per_image(log_uniform(n, 0.8, 1.3, gen), x)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    out = (out - mean) * punch + mean + tint
    return (out * (1 - lift) + lift * 0.6).clamp(0, 1)
