"""The training edits: each family changes pixels, keeps shape, dtype, range and device, and repeats with a seed.

Runs on small pictures made here (``imagefactory``); the CUDA cases run where a
GPU is present and are skipped elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from imagefactory import photo_array

from hashview.core.methods import get_method
from hashview.core.methods.fit_context import run_params
from hashview.core.nets import edits
from hashview.core.nets.edit_vocabulary import DEFAULT_RATES, FAMILIES, GROUPS, rates_from_params

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
NAMES = sorted(edits.EDITS)


def batch(n=4, side=32, device="cpu"):
    arr = np.stack([photo_array((side, side), seed=s) for s in range(n)])
    return (torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 255.0).to(device)


def only(name: str) -> dict[str, float]:
    return {f.name: (1.0 if f.name == name else 0.0) for f in FAMILIES}


def test_the_vocabulary_covers_every_group_issue_20_lists():
    assert set(GROUPS) == {"geometry", "frame", "overlay", "tone", "colour", "detail"}
    assert set(edits.EDITS) == set(DEFAULT_RATES)
    stated = {"exposure", "contrast", "gamma", "levels", "fade", "shadows_highlights", "local_contrast"}
    stated |= {"saturation", "greyscale", "sepia", "white_balance", "hue", "vignette", "curves", "filter"}
    stated |= {"sharpen", "noise", "blur", "jpeg", "rescale", "crop", "rotate", "turn", "border", "perspective"}
    stated |= {"caption", "watermark", "date_stamp", "sticker", "screenshot", "canvas", "mirror"}
    assert stated <= set(edits.EDITS)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", NAMES)
def test_each_edit_changes_pixels_and_keeps_shape_dtype_range_and_device(name, device):
    x = batch(device=device)
    before = x.clone()
    out = edits.EDITS[name](x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and out.dtype == x.dtype and out.device == x.device
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0
    changed = (out - x).abs().flatten(1).mean(dim=1)
    assert bool((changed > 1e-4).all()), f"{name} left an image unchanged: {changed.tolist()}"
    assert torch.equal(x, before), "the input was modified in place"


@pytest.mark.parametrize("name", NAMES)
def test_each_edit_repeats_with_the_same_seed_and_not_with_another(name):
    x = batch()
    a = edits.EDITS[name](x, torch.Generator().manual_seed(7))
    b = edits.EDITS[name](x, torch.Generator().manual_seed(7))
    c = edits.EDITS[name](x, torch.Generator().manual_seed(8))
    assert torch.equal(a, b)
    if name != "mirror":  # the one edit with nothing to draw
        assert not torch.equal(a, c)


@pytest.mark.parametrize("name", NAMES)
def test_random_edits_applies_a_family_alone_at_rate_one(name):
    x = batch()
    driven = edits.random_edits(x, torch.Generator().manual_seed(3), only(name))
    assert driven.shape == x.shape and not torch.equal(driven, x)


def test_all_rates_zero_leave_the_pictures_alone():
    x = batch(n=8)
    out = edits.random_edits(x, torch.Generator().manual_seed(3), {f.name: 0.0 for f in FAMILIES})
    assert torch.equal(out, x)


def test_a_family_at_rate_zero_is_never_drawn():
    """Leave-one-family-out: beside another edit that keeps the layout (exposure), mirror at 0 never flips a
    picture and mirror at 1 flips every one."""
    x = batch(n=8)

    def matches(out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:  # correlation per image
        a, b = (
            out.flatten(1) - out.flatten(1).mean(1, keepdim=True),
            ref.flatten(1) - ref.flatten(1).mean(1, keepdim=True),
        )
        return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-9)

    kept = edits.random_edits(x, torch.Generator().manual_seed(1), {"exposure": 1.0, "mirror": 0.0})
    flipped = edits.random_edits(x, torch.Generator().manual_seed(1), {"exposure": 1.0, "mirror": 1.0})
    assert bool((matches(kept, x) > matches(kept, x.flip(3))).all())
    assert bool((matches(flipped, x.flip(3)) > matches(flipped, x)).all())


def test_an_unknown_family_is_refused():
    with pytest.raises(ValueError, match="no such edit family: sparkle"):
        edits.random_edits(batch(), torch.Generator(), {"sparkle": 1.0})


def test_a_turn_is_an_exact_quarter_half_or_three_quarter_turn():
    x = batch(n=8)
    out = edits.EDITS["turn"](x, torch.Generator().manual_seed(2))
    for k in range(len(x)):
        assert any(torch.allclose(out[k], torch.rot90(x[k], q, dims=(1, 2)), atol=1e-6) for q in (1, 2, 3))


def test_a_mirror_swaps_left_and_right_exactly():
    x = batch()
    assert torch.allclose(edits.EDITS["mirror"](x, torch.Generator()), x.flip(3), atol=1e-6)


def test_greyscale_leaves_no_colour_and_sepia_keeps_one_hue():
    x = batch()
    grey = edits.EDITS["greyscale"](x, torch.Generator().manual_seed(0))
    assert float((grey - grey[:, :1]).abs().max()) < 1e-6
    sepia = edits.EDITS["sepia"](x, torch.Generator().manual_seed(0))
    spread, before = (sepia[:, 0] - sepia[:, 2]).std(dim=(1, 2)), (x[:, 0] - x[:, 2]).std(dim=(1, 2))
    assert bool((spread < 0.7 * before).all()), f"sepia tones every part alike: {spread.tolist()} {before.tolist()}"


def test_a_border_frames_the_picture_in_one_colour():
    """A frame all round, or letterbox bars on one axis: either way both bars of an axis are one colour."""
    x = batch(n=8, side=32)
    out = edits.EDITS["border"](x, torch.Generator().manual_seed(1))
    for k in range(len(x)):
        rows = torch.cat([out[k, :, 0, :], out[k, :, -1, :]], dim=1)
        columns = torch.cat([out[k, :, :, 0], out[k, :, :, -1]], dim=1)
        one_colour = [float((edge - edge[:, :1]).abs().max()) < 1e-6 for edge in (rows, columns)]
        assert any(one_colour), k


def test_a_canvas_shows_around_the_shrunk_photo():
    """The photo is shrunk and placed anywhere, so most pictures' four corners are the canvas's one colour."""
    x = batch(n=6, side=48)
    out = edits.EDITS["canvas"](x, torch.Generator().manual_seed(4))
    corners = torch.stack([out[:, :, 0, 0], out[:, :, 0, -1], out[:, :, -1, 0], out[:, :, -1, -1]], dim=1)
    assert bool(((corners - corners[:, :1]).abs().amax(dim=(1, 2)) < 0.02).sum() >= 4), "corners show the canvas"


def test_a_screenshot_shows_the_photo_between_bars():
    x = batch(n=6, side=48)
    out = edits.EDITS["screenshot"](x, torch.Generator().manual_seed(4))
    top, bottom = out[:, :, :2, :], out[:, :, -2:, :]
    middle_rows = out[:, :, 20:28, :]
    assert float(top.std(dim=(2, 3)).mean()) < float(middle_rows.std(dim=(2, 3)).mean())
    assert float(bottom.std(dim=(2, 3)).mean()) < float(middle_rows.std(dim=(2, 3)).mean())


def test_tone_edits_keep_black_and_white_where_they_should():
    ramp = torch.linspace(0, 1, 32).view(1, 1, 1, 32).expand(2, 3, 32, 32).contiguous()
    for name in ("gamma", "shadows_highlights", "curves"):
        out = edits.EDITS[name](ramp, torch.Generator().manual_seed(0))
        assert float(out[..., 0].abs().max()) < 1e-3 and float((1 - out[..., -1]).abs().max()) < 0.03, name
        assert bool((out[..., 1:] - out[..., :-1] >= -1e-5).all()), f"{name} keeps the ramp's order"


def test_random_edits_keep_shape_and_differ_between_two_draws():
    x = batch(n=6)
    gen = torch.Generator().manual_seed(0)
    a, b = edits.random_edits(x, gen), edits.random_edits(x, gen)
    assert a.shape == x.shape and a.dtype == x.dtype
    assert not torch.equal(a, b)


def test_random_edits_on_one_channel_pictures():
    """Grey libraries (MNIST-like) go through the same edits without failing."""
    x = batch(n=6).mean(dim=1, keepdim=True)
    out = edits.random_edits(x, torch.Generator().manual_seed(0), {name: 1.0 for name in DEFAULT_RATES})
    assert out.shape == x.shape and float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_random_edits_compute_in_float32_inside_a_bfloat16_training_step():
    """A CPU with AMX trains under bfloat16 autocast; the edits (an affine grid among them) must not change with it."""
    x = batch(n=8)
    plain = edits.random_edits(x, torch.Generator().manual_seed(4))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under = edits.random_edits(x, torch.Generator().manual_seed(4))
    assert under.dtype == torch.float32 and torch.equal(plain, under)


def test_dupnet_names_every_rate_as_a_parameter_and_a_run_can_leave_one_out():
    method = get_method("dupnet")
    params = run_params(method, {"edit_gamma": 0.0, "edit_mirror": 0.0})
    rates = rates_from_params(params)
    assert rates["gamma"] == 0.0 and rates["mirror"] == 0.0
    assert {k: v for k, v in rates.items() if k not in ("gamma", "mirror")} == {
        k: v for k, v in DEFAULT_RATES.items() if k not in ("gamma", "mirror")
    }
    with pytest.raises(ValueError, match="edit_sparkle"):
        run_params(method, {"edit_sparkle": 0.0})


def test_one_edit_each_gives_every_picture_exactly_one_family_by_the_rates():
    x = batch(n=12)
    out = edits.one_edit_each(x, torch.Generator().manual_seed(0), {"mirror": 1.0})
    assert torch.equal(out, x.flip(3)), "one family at a positive rate: every picture gets it"
    mixed = edits.one_edit_each(x, torch.Generator().manual_seed(0), {"mirror": 1.0, "greyscale": 1.0})
    mirrored = [torch.equal(mixed[k], x[k].flip(2)) for k in range(len(x))]
    grey = [float((mixed[k] - mixed[k, :1]).abs().max()) < 1e-6 for k in range(len(x))]
    assert all(m != g for m, g in zip(mirrored, grey, strict=True)), "each picture got one of the two, not both"
    assert any(mirrored) and any(grey)
    assert torch.equal(edits.one_edit_each(x, torch.Generator(), {}), x)
