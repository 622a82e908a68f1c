"""The synthetic edits: each changes pixels, keeps shape, dtype and range, and repeats with a seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from imagefactory import photo_array

from hashview.core.nets import edits


def batch(n=4, side=32):
    arr = np.stack([photo_array((side, side), seed=s) for s in range(n)])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 255.0


@pytest.mark.parametrize("name", sorted(edits.EDITS))
def test_each_edit_changes_pixels_and_keeps_shape_dtype_and_range(name):
    x = batch()
    out = edits.EDITS[name](x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    changed = (out - x).abs().flatten(1).mean(dim=1)
    assert bool((changed > 1e-3).all()), f"{name} left an image unchanged: {changed.tolist()}"
    assert torch.equal(x, batch()), "the input was modified in place"


@pytest.mark.parametrize("name", sorted(edits.EDITS))
def test_each_edit_repeats_with_the_same_seed(name):
    x = batch()
    a = edits.EDITS[name](x, torch.Generator().manual_seed(7))
    b = edits.EDITS[name](x, torch.Generator().manual_seed(7))
    c = edits.EDITS[name](x, torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_a_border_frames_the_picture_in_one_colour():
    x = batch(n=1, side=32)
    out = edits.border(x, torch.Generator().manual_seed(1), most=0.12)
    corners = torch.stack([out[0, :, 0, 0], out[0, :, 0, -1], out[0, :, -1, 0], out[0, :, -1, -1]])
    assert float((corners - corners[0]).abs().max()) < 1e-6


def test_random_edits_keep_shape_and_differ_between_two_draws():
    x = batch(n=6)
    gen = torch.Generator().manual_seed(0)
    a, b = edits.random_edits(x, gen), edits.random_edits(x, gen)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert not torch.equal(a, b)
    assert float((a - x).abs().mean()) < 0.25, "edits should keep the picture recognisable"


def test_no_flips_among_the_edits():
    """A mirrored photo is not a copy (see the module docstring); the edits never flip."""
    x = batch(n=8)
    gen = torch.Generator().manual_seed(3)
    out = edits.random_edits(x, gen, edits.EditRates(crop=0, rotate=0, border=0, caption=0, scale=0, jpeg=0, colour=0))
    assert torch.equal(out, x)


def test_random_edits_compute_in_float32_inside_a_bfloat16_training_step():
    """A CPU with AMX trains under bfloat16 autocast; the edits (an affine grid among them) must not change with it."""
    x = batch(n=8)
    plain = edits.random_edits(x, torch.Generator().manual_seed(4))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under = edits.random_edits(x, torch.Generator().manual_seed(4))
    assert under.dtype == torch.float32 and torch.equal(plain, under)
