"""The torch JPEG round trip matches Pillow's save-and-open to within a few 8-bit levels."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from imagefactory import photo_array
from PIL import Image

from hashview.core.nets.jpeg_torch import jpeg_roundtrip, quant_tables


def photos(n: int, h: int, w: int) -> torch.Tensor:
    arr = np.stack([photo_array((w, h), seed=s) for s in range(n)])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 255.0


def pillow_roundtrip(x: torch.Tensor, quality: int) -> torch.Tensor:
    out = []
    for arr in (x * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy():
        buf = io.BytesIO()
        Image.fromarray(arr[..., 0] if arr.shape[-1] == 1 else arr).save(buf, "JPEG", quality=quality)
        buf.seek(0)
        out.append(np.asarray(Image.open(buf)).reshape(arr.shape))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float() / 255.0


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(10 * torch.log10(1.0 / ((a - b) ** 2).mean()))


def test_quality_50_is_the_standard_table_and_quality_scales_it():
    luma, chroma = quant_tables(torch.tensor([50, 90, 10, 100]))
    assert luma[0, 0, 0] == 16 and luma[0, 7, 7] == 99 and chroma[0, 0, 0] == 17
    assert luma[1, 0, 0] == 3  # 16 * 20 / 100 rounded: libjpeg's scaling
    assert luma[2, 0, 0] == 80  # 16 * 500 / 100
    assert float(luma[3].max()) == 1.0  # quality 100: every step 1


@pytest.mark.parametrize("quality", [30, 60, 90])
@pytest.mark.parametrize("shape", [(64, 64), (37, 53)])
def test_colour_round_trip_is_pillows_within_a_few_levels(quality, shape):
    x = photos(6, *shape)
    ours = jpeg_roundtrip(x, torch.full((len(x),), quality))
    theirs = pillow_roundtrip(x, quality)
    assert ours.shape == x.shape and ours.dtype == x.dtype
    # JPEG itself moves pixels far more than the two implementations differ
    assert psnr(ours, theirs) > 40.0, psnr(ours, theirs)
    assert psnr(ours, theirs) > psnr(theirs, x) + 8.0
    assert abs(psnr(ours, x) - psnr(theirs, x)) < 1.0
    assert float((ours * 255 - torch.round(ours * 255)).abs().max()) < 1e-3, "decoded pixels are 8-bit levels"


def test_grey_round_trip_is_pillows_too():
    x = photos(4, 48, 48)[:, :1]
    ours = jpeg_roundtrip(x, torch.full((4,), 40))
    assert ours.shape == x.shape
    assert psnr(ours, pillow_roundtrip(x, 40)) > 40.0


def test_each_image_gets_its_own_quality():
    x = photos(2, 64, 64)
    x = torch.cat([x[:1], x[:1]])
    out = jpeg_roundtrip(x, torch.tensor([20, 95]))
    assert psnr(out[1:], x[1:]) > psnr(out[:1], x[:1]) + 5.0
    assert psnr(out[:1], pillow_roundtrip(x[:1], 20)) > 40.0
    assert psnr(out[1:], pillow_roundtrip(x[1:], 95)) > 40.0


def test_autocast_does_not_lower_the_precision():
    """Training runs the edits under bfloat16 autocast; the DCT must stay in float32."""
    x = photos(4, 64, 64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = jpeg_roundtrip(x, torch.full((4,), 50))
    assert under_autocast.dtype == x.dtype
    assert torch.equal(under_autocast, jpeg_roundtrip(x, torch.full((4,), 50)))
