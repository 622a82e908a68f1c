"""Synthetic edits that mirror what people do to copies of their photos.

The duplicate network learns that a photo and its edited copy are the same
picture by seeing two random edits of one photo as a positive pair, so these
edits are the network's whole idea of a copy. The vocabulary (families,
groups and how often each is drawn) is ``core/nets/edit_vocabulary.py``; the
edits live by group: ``geometry`` (crops, rotations, perspective, turns,
mirrors and frames: borders, canvases, screenshots), ``overlay`` (captions,
watermarks, date stamps, stickers), ``tone``, ``colour`` and ``detail`` (blur,
sharpening, noise, downscaling, JPEG).

Mirror images and 90-degree turns are edits the vocabulary has but does not
draw by default (rate 0, ``edit_vocabulary``): a network taught them put the
two halves of symmetric scenes together (a sunset's left and right quarters,
one wallpaper's quadrants), and on ``dupset_s1`` precision fell from 0.992 to
0.926 (F1 0.994 to 0.955), for a mirror recall of 0.67 and a turn recall of
0.13 on the broad-edit set (lab notes, run 11). A mirrored photo is not a copy,
as before; ``edit_mirror`` (or ``edit_turn``) above 0 trains a network that
calls it one.

Every edit works on a batch of float images in [0, 1], NCHW, as the network
takes them (at its input size, 64 px by default), keeps shape, dtype and
device, and draws its randomness from a ``torch.Generator`` on the CPU, so a
seed makes it repeatable. The evaluation sets are made by another generator,
written apart from this one (``benchmarks/datasets/edit_families``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from hashview.core.nets.device import host_to
from hashview.core.nets.edit_vocabulary import DEFAULT_RATES, FAMILIES
from hashview.core.nets.edits import colour, detail, geometry, overlay, tone
from hashview.core.nets.edits._batch import chosen

Edit = Callable[[torch.Tensor, torch.Generator], torch.Tensor]

# after the one resampling of the geometry, in the order a copy meets them: an editor's light and colour,
# then its stickers and text, then detail, and the lossy steps (a messenger's downscale, JPEG) last
PIXEL_STEPS: tuple[tuple[str, Edit], ...] = (
    ("exposure", tone.exposure),
    ("contrast", tone.contrast),
    ("gamma", tone.gamma),
    ("levels", tone.levels),
    ("fade", tone.fade),
    ("shadows_highlights", tone.shadows_highlights),
    ("local_contrast", tone.local_contrast),
    ("saturation", colour.saturation),
    ("greyscale", colour.greyscale),
    ("sepia", colour.sepia),
    ("white_balance", colour.white_balance),
    ("hue", colour.hue),
    ("vignette", colour.vignette),
    ("curves", colour.curves),
    ("filter", colour.filter_look),
    ("caption", overlay.caption),
    ("watermark", overlay.watermark),
    ("date_stamp", overlay.date_stamp),
    ("sticker", overlay.sticker),
    ("blur", detail.blur),
    ("sharpen", detail.sharpen),
    ("noise", detail.noise),
    ("rescale", detail.rescale),
    ("jpeg", detail.jpeg),
)
# the families one resampling does (``geometry.geometry``): the vocabulary's geometry and frames
GEOMETRY_FAMILIES = tuple(f.name for f in FAMILIES if f.group in ("geometry", "frame"))

# every family alone, at full strength, for tests and pictures of the vocabulary
EDITS: dict[str, Edit] = {
    **{name: geometry.alone(name) for name in GEOMETRY_FAMILIES},
    **dict(PIXEL_STEPS),
}


def random_edits(x: torch.Tensor, gen: torch.Generator, rates: Mapping[str, float] = DEFAULT_RATES) -> torch.Tensor:
    """Each image gets each family with its rate (independently, so chains happen), in the order people make them.

    Computed in float32 even inside a training step's bfloat16 autocast: the
    edits prepare the network's input, and an affine grid in bfloat16 lands up
    to a fifth of a pixel off at 64 px (and is slower on a CPU).
    """
    unknown = set(rates) - set(EDITS)
    if unknown:
        raise ValueError(f"no such edit family: {', '.join(sorted(unknown))}")
    with torch.autocast(device_type=x.device.type, enabled=False):
        return _random_edits(x, gen, rates)


def _random_edits(x: torch.Tensor, gen: torch.Generator, rates: Mapping[str, float]) -> torch.Tensor:
    n = len(x)
    out = x
    if any(rates.get(name, 0.0) for name in GEOMETRY_FAMILIES):
        out = geometry.geometry(x, gen, rates)
    for name, edit in PIXEL_STEPS:
        picked = chosen(n, rates.get(name, 0.0), gen)
        if not bool(picked.any()):
            continue
        rows = host_to(torch.nonzero(picked).view(-1), x.device)
        out = out.clone() if out is x else out
        out[rows] = edit(out[rows], gen)
    return out


def one_edit_each(x: torch.Tensor, gen: torch.Generator, rates: Mapping[str, float] = DEFAULT_RATES) -> torch.Tensor:
    """Each image gets exactly one family, drawn in proportion to the rates: a copy as most copies are, one edit
    away from its photo. The training probe measures how far such copies land (the radius is read from it);
    two training views, each a chain, are farther apart than an original and its copy."""
    names = [name for name in EDITS if rates.get(name, 0.0) > 0]
    if not names:
        return x.clone()
    weights = torch.tensor([rates[name] for name in names])
    pick = torch.multinomial(weights, len(x), replacement=True, generator=gen)
    out = x.clone()
    with torch.autocast(device_type=x.device.type, enabled=False):
        for k, name in enumerate(names):
            rows = torch.nonzero(pick == k).view(-1)
            if len(rows):
                on_device = host_to(rows, x.device)
                out[on_device] = EDITS[name](x[on_device], gen)
    return out
