"""Detail and the lossy steps: blur, sharpening, noise, downscaling and recompression.

These come last in a chain, as a copy passes through an editor and then a
messenger or a thumbnailer. Each edit takes float images in [0, 1] (NCHW),
keeps shape, dtype and device, and draws from the CPU generator it is given.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from hashview.core.nets.edits._batch import by_choice, gaussian_blur, luma, per_image, uniform

BLUR_SIGMAS = (0.5, 0.8, 1.2, 1.8)  # pixels at the network's input size (64 px: 0.8 % to 2.8 % of the side)
RESCALE_FACTORS = (0.2, 0.25, 0.375, 0.5, 0.625, 0.75)  # a few sizes, so each is one batched call


def blur(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A gaussian blur (or a denoiser's smoothing) of 0.5-1.8 px."""
    pick = torch.randint(0, len(BLUR_SIGMAS), (len(x),), generator=gen)
    return by_choice(x, pick, BLUR_SIGMAS, gaussian_blur)


def sharpen(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Unsharp mask: detail against a 0.8-1.8 px blur added back 0.5-2.5 times."""
    wide = BLUR_SIGMAS[1:]
    soft = by_choice(x, torch.randint(0, len(wide), (len(x),), generator=gen), wide, gaussian_blur)
    amount = per_image(uniform(len(x), 0.5, 2.5, gen), x)
    return (x + (x - soft) * amount).clamp(0, 1)


def noise(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Gaussian noise of 1-8 % (per channel, or in brightness only), stronger in the shadows half the time."""
    n = len(x)
    sigma = per_image(uniform(n, 0.01, 0.08, gen), x)
    colour = torch.randn(x.shape, generator=gen).to(x.device, x.dtype)
    grey = colour[:, :1].expand_as(x)
    in_colour = per_image((torch.rand(n, generator=gen) < 0.5).float(), x)
    shaped = per_image((torch.rand(n, generator=gen) < 0.5).float(), x)
    level = 1 + shaped * (0.5 - luma(x))  # shot noise: more where it is dark
    grain = (colour * in_colour + grey * (1 - in_colour)) * sigma * level
    return (x + grain).clamp(0, 1)


def rescale(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Downscale to 20-75 % of the side (area average), then back up (bilinear): detail is lost."""
    h, w = x.shape[-2:]

    def down_up(rows: torch.Tensor, f: float) -> torch.Tensor:
        small = F.interpolate(rows, size=(max(4, int(h * f)), max(4, int(w * f))), mode="area")
        return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)

    pick = torch.randint(0, len(RESCALE_FACTORS), (len(x),), generator=gen)
    return by_choice(x, pick, RESCALE_FACTORS, down_up)


def jpeg(x: torch.Tensor, gen: torch.Generator, lo: int = 20, hi: int = 90) -> torch.Tensor:
    """Save each image as a JPEG of quality ``lo``..``hi`` (4:2:0) and open it again, on x's device (``jpeg_torch``)."""
    from hashview.core.nets.jpeg_torch import jpeg_roundtrip

    return jpeg_roundtrip(x, torch.randint(lo, hi + 1, (len(x),), generator=gen))
