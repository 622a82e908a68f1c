"""A JPEG save-and-open of a batch of images, computed in torch on the images' own device.

The duplicate network learns that a recompressed copy is the same photo, so one
of its training edits is a JPEG round trip. Through Pillow that round trip
leaves the device, runs one image at a time on the CPU and comes back: on a GPU
it was a quarter of a training step (``benchmarks/dupnet_step.py``). The lossy
part of baseline JPEG is all arithmetic, so it is done here on whole batches:

- round to 8-bit, RGB to YCbCr (JFIF: full range, BT.601);
- chroma subsampled 4:2:0 (2x2 averages, as libjpeg's encoder does; Pillow's
  default);
- 8x8 blocks, level shift, orthonormal DCT-II;
- each coefficient divided by the quantisation table of the image's quality
  (the tables of the JPEG standard's Annex K, scaled as libjpeg does) and rounded;
- the inverse: dequantise, inverse DCT, chroma upsampled by a triangle filter
  (libjpeg's "fancy upsampling"), YCbCr to RGB, rounded and clipped to 8-bit.

Entropy coding is lossless, so it is left out. The result is within a few
8-bit levels of Pillow's (``tests/test_jpeg_torch.py`` checks it against
Pillow at several qualities); the differences come from libjpeg's integer DCT
and the edges of its upsampling.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch
import torch.nn.functional as F

from hashview.core.nets.device import host_to

# ITU-T T.81 Annex K, tables K.1 (luminance) and K.2 (chrominance), at quality 50.
_LUMA = (
    16,
    11,
    10,
    16,
    24,
    40,
    51,
    61,
    12,
    12,
    14,
    19,
    26,
    58,
    60,
    55,
    14,
    13,
    16,
    24,
    40,
    57,
    69,
    56,
    14,
    17,
    22,
    29,
    51,
    87,
    80,
    62,
    18,
    22,
    37,
    56,
    68,
    109,
    103,
    77,
    24,
    35,
    55,
    64,
    81,
    104,
    113,
    92,
    49,
    64,
    78,
    87,
    103,
    121,
    120,
    101,
    72,
    92,
    95,
    98,
    112,
    100,
    103,
    99,
)
_CHROMA = (
    17,
    18,
    24,
    47,
    99,
    99,
    99,
    99,
    18,
    21,
    26,
    66,
    99,
    99,
    99,
    99,
    24,
    26,
    56,
    99,
    99,
    99,
    99,
    99,
    47,
    66,
    99,
    99,
    99,
    99,
    99,
    99,
    *([99] * 32),
)


def quant_tables(qualities: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The (n, 8, 8) luminance and chrominance tables of each quality in 1..100, scaled as libjpeg scales them."""
    q = qualities.to(torch.float64).clamp(1, 100)
    scale = torch.where(q < 50, 5000.0 / q, 200.0 - 2.0 * q).view(-1, 1)

    def scaled(base: tuple[int, ...]) -> torch.Tensor:
        table = torch.floor((torch.tensor(base, dtype=torch.float64) * scale + 50.0) / 100.0).clamp(1, 255)
        return table.view(-1, 8, 8).to(torch.float32)

    return scaled(_LUMA), scaled(_CHROMA)


@lru_cache(maxsize=4)
def _dct_matrix(device: str) -> torch.Tensor:
    """The orthonormal 8-point DCT-II as a matrix D: coefficients = D @ block @ D.T."""
    k = torch.arange(8, dtype=torch.float64).view(8, 1)
    i = torch.arange(8, dtype=torch.float64).view(1, 8)
    d = torch.cos((2 * i + 1) * k * math.pi / 16) * math.sqrt(2 / 8)
    d[0] /= math.sqrt(2)
    return d.to(torch.float32).to(device)


def _quantise_blocks(plane: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """DCT each 8x8 block of ``plane`` (n, h, w; h and w multiples of 8, level-shifted), quantise with ``table``
    (n, 8, 8), and return the decoded plane."""
    n, h, w = plane.shape
    d = _dct_matrix(str(plane.device))
    blocks = plane.view(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)  # (n, hb, wb, 8, 8)
    coefficients = d @ blocks @ d.T
    step = table.view(n, 1, 1, 8, 8)
    decoded = d.T @ (torch.round(coefficients / step) * step) @ d
    return decoded.permute(0, 1, 3, 2, 4).reshape(n, h, w)


def _padded(plane: torch.Tensor, multiple: int) -> torch.Tensor:
    """Extend (n, h, w) to multiples of ``multiple`` by repeating the last row and column (as libjpeg does)."""
    h, w = plane.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if not (ph or pw):
        return plane
    return F.pad(plane[:, None], (0, pw, 0, ph), mode="replicate")[:, 0]


def _lossy_plane(plane: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    h, w = plane.shape[-2:]
    decoded = _quantise_blocks(_padded(plane - 128.0, 8), table)[:, :h, :w] + 128.0
    return torch.round(decoded).clamp(0, 255)  # the decoder's output is 8-bit


def _upsample_chroma(plane: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Twice the size by the triangle filter (3/4 nearer sample, 1/4 farther), cropped to (h, w)."""
    up = F.interpolate(plane[:, None], scale_factor=2, mode="bilinear", align_corners=False)[:, 0]
    return up[:, :h, :w]


def jpeg_roundtrip(x: torch.Tensor, qualities: torch.Tensor) -> torch.Tensor:
    """Each image of ``x`` (n, 1 or 3, h, w, floats in [0, 1]) saved as a JPEG of its quality and opened again.

    Returns the decoded images in [0, 1] on 8-bit levels, same shape, dtype and device.
    Computed in float32 even under autocast: a bfloat16 DCT would move the
    coefficients by more than JPEG's own quantisation steps.
    """
    with torch.autocast(device_type=x.device.type, enabled=False):
        return _roundtrip(x, qualities)


def _roundtrip(x: torch.Tensor, qualities: torch.Tensor) -> torch.Tensor:
    _n, channels, h, w = x.shape
    luma_table, chroma_table = (host_to(t, x.device) for t in quant_tables(qualities))
    pixels = torch.round(x.detach().float().clamp(0, 1) * 255.0)
    if channels == 1:
        return (_lossy_plane(pixels[:, 0], luma_table) / 255.0)[:, None].to(x.dtype)
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128.0
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128.0
    y, cb, cr = (torch.round(p) for p in (y, cb, cr))  # the encoder stores 8-bit planes
    y = _lossy_plane(y, luma_table)
    sub_h, sub_w = (h + 1) // 2, (w + 1) // 2
    chroma = []
    for plane in (cb, cr):
        small = torch.round(F.avg_pool2d(_padded(plane, 2)[:, None], 2)[:, 0])
        chroma.append(_upsample_chroma(_lossy_plane(small, chroma_table)[:, :sub_h, :sub_w], h, w) - 128.0)
    cb, cr = chroma
    rgb = torch.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], dim=1)
    return (torch.round(rgb).clamp(0, 255) / 255.0).to(x.dtype)
