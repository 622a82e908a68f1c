"""Geometry and frames: crops, small rotations, perspective, turns, mirrors, borders, canvases and screenshots.

All of these are one map from the output's pixels to the photo's, so one
``grid_sample`` does them together: output -> frame (a border, a canvas or a
screen around the photo) -> turn and mirror -> perspective -> rotation ->
crop -> photo. Where the map leaves the framed photo the frame's colour
shows; where it leaves the photo itself (the corners of a hasty rotation or
keystone trim) it is black.

Photos are squashed to a square when decoded, so a crop or a border changes
the two axes by different amounts, and a rotation of a non-square photo is a
rotation with a shear in the network's square: the rotation samples the
photo's aspect ratio to reproduce that. A 90-degree turn of a photo of any
shape is an exact quarter turn of its square, so turns need no aspect.

Each edit takes float images in [0, 1] (NCHW), keeps shape, dtype and device,
and draws from the CPU generator it is given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
import torch.nn.functional as F

from hashview.core.nets.device import host_to
from hashview.core.nets.edits._batch import coordinates, per_image, signs, uniform

FRAME_PALETTE = ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), (0.94, 0.92, 0.86), (0.12, 0.12, 0.14), (0.9, 0.9, 0.9))


def _eye(n: int) -> torch.Tensor:
    return torch.eye(3).repeat(n, 1, 1)


def crop_map(n: int, gen: torch.Generator) -> torch.Tensor:
    """Keep 58-95 % of each axis anywhere in the photo; a third of the time crop to another aspect ratio
    (one axis loses 20-42 %, the other at most 8 %), as a 1:1, 4:5 or 16:9 crop of a 4:3 photo does."""
    fx, fy = uniform(n, 0.05, 0.42, gen), uniform(n, 0.05, 0.42, gen)
    aspect = torch.rand(n, generator=gen) < 0.35
    strong, weak = uniform(n, 0.2, 0.42, gen), uniform(n, 0.0, 0.08, gen)
    across = torch.rand(n, generator=gen) < 0.5
    fx = torch.where(aspect, torch.where(across, strong, weak), fx)
    fy = torch.where(aspect, torch.where(across, weak, strong), fy)
    m = _eye(n)
    m[:, 0, 0], m[:, 1, 1] = 1 - fx, 1 - fy
    m[:, 0, 2] = (torch.rand(n, generator=gen) * 2 - 1) * fx
    m[:, 1, 2] = (torch.rand(n, generator=gen) * 2 - 1) * fy
    return m


def rotate_map(n: int, gen: torch.Generator, most: float = 10.0) -> torch.Tensor:
    """Turn by 1 to ``most`` degrees about the centre, then trim 4-18 % of each axis (a sliver of corner may stay)."""
    angle = uniform(n, 1.0, most, gen) * signs(n, gen) * math.pi / 180
    aspect = torch.exp(uniform(n, math.log(0.6), math.log(1.7), gen))
    zx, zy = 1.0 - uniform(n, 0.04, 0.18, gen), 1.0 - uniform(n, 0.04, 0.18, gen)
    c, s = torch.cos(angle), torch.sin(angle)
    m = _eye(n)
    m[:, 0, 0], m[:, 0, 1] = c * zx, -s / aspect * zy
    m[:, 1, 0], m[:, 1, 1] = s * aspect * zx, c * zy
    return m


def perspective_map(n: int, gen: torch.Generator) -> torch.Tensor:
    """A keystone correction: one axis tilted by up to about 12 % of the side, the trim zooms 4-15 % in."""
    m = _eye(n)
    tilt = uniform(n, 0.05, 0.25, gen) * signs(n, gen)
    across = torch.rand(n, generator=gen) < 0.5
    m[:, 2, 0] = torch.where(across, tilt, 0.0)
    m[:, 2, 1] = torch.where(across, 0.0, tilt)
    zoom = 1 - uniform(n, 0.04, 0.15, gen)
    m[:, 0, 0], m[:, 1, 1] = zoom, zoom
    return m


def turn_map(n: int, gen: torch.Generator) -> torch.Tensor:
    """A quarter, half or three-quarter turn."""
    quarter = torch.randint(1, 4, (n,), generator=gen).float() * (math.pi / 2)
    c, s = torch.cos(quarter).round(), torch.sin(quarter).round()
    m = _eye(n)
    m[:, 0, 0], m[:, 0, 1], m[:, 1, 0], m[:, 1, 1] = c, -s, s, c
    return m


def mirror_map(n: int) -> torch.Tensor:
    m = _eye(n)
    m[:, 0, 0] = -1
    return m


def border_map(n: int, gen: torch.Generator) -> torch.Tensor:
    """A frame 2-25 % of the side per edge, differing per axis; a quarter of the time letterbox bars on one axis only."""
    bx = uniform(n, 0.02, 0.25, gen)
    by = (bx * torch.exp(uniform(n, -0.5, 0.5, gen))).clamp(max=0.3)
    bars = torch.rand(n, generator=gen) < 0.25
    across = torch.rand(n, generator=gen) < 0.5
    bx = torch.where(bars & across, 0.0, bx)
    by = torch.where(bars & ~across, 0.0, by)
    m = _eye(n)
    m[:, 0, 0], m[:, 1, 1] = 1 + 2 * bx, 1 + 2 * by
    return m


def canvas_map(n: int, gen: torch.Generator, lo: float = 0.45, hi: float = 0.9) -> torch.Tensor:
    """The photo shrunk to ``lo``-``hi`` of each axis and placed anywhere on a larger canvas."""
    sx, sy = uniform(n, lo, hi, gen), uniform(n, lo, hi, gen)
    cx, cy = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sx), (torch.rand(n, generator=gen) * 2 - 1) * (1 - sy)
    m = _eye(n)
    m[:, 0, 0], m[:, 1, 1] = 1 / sx, 1 / sy
    m[:, 0, 2], m[:, 1, 2] = -cx / sx, -cy / sy
    return m


def screen_map(n: int, gen: torch.Generator) -> torch.Tensor:
    """A photo inside a phone screen: 50-100 % of the screen's width (a gallery's viewer fills it, a chat's
    picture sits in a bubble), 25-75 % of its height, a little above or below the middle."""
    sx, sy = uniform(n, 0.5, 1.0, gen), uniform(n, 0.25, 0.75, gen)
    cx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sx)
    cy = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sy) * 0.6
    m = _eye(n)
    m[:, 0, 0], m[:, 1, 1] = 1 / sx, 1 / sy
    m[:, 0, 2], m[:, 1, 2] = -cx / sx, -cy / sy
    return m


def _axes(h: int, w: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates in [-1, 1] (align_corners=False): x as (1, 1, w), y as (1, h, 1)."""
    xs, ys = coordinates(1, h, w, like)
    return xs[0, :, :1, :], ys[0, :, :, :1]


def _grid(m: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Homogeneous maps (device (n, 3, 3), output -> input) as a sampling grid (n, h, w, 2) in [-1, 1].

    Each row of a map is a sum of a term in x and a term in y, so it is built
    from (n, 1, w) and (n, h, 1) pieces: a few full-size additions instead of
    a (h w, 3) x (3, 3) product per image, which is slow on a CPU.
    """
    x, y = _axes(h, w, m)
    r = m.view(-1, 3, 3, 1, 1)

    def row(i: int) -> torch.Tensor:
        return (r[:, i, 0] * x + r[:, i, 2]) + r[:, i, 1] * y

    z = row(2)
    return torch.stack([row(0) / z, row(1) / z], dim=3)


def _outside_frame(m: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(n, 1, h, w) True where a frame map (device (n, 3, 3): scale and shift per axis) leaves the photo."""
    x, y = _axes(h, w, m)
    r = m.view(-1, 3, 3, 1, 1)
    across = (r[:, 0, 0] * x + r[:, 0, 2]).abs() > 1  # (n, 1, w)
    down = (r[:, 1, 1] * y + r[:, 1, 2]).abs() > 1  # (n, h, 1)
    return (across | down).unsqueeze(1)


def _screen_furniture(out: torch.Tensor, outside: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A status bar, a bottom bar and a few buttons or text lines drawn where the screen shows no photo."""
    n, _c, h, w = out.shape
    xs, ys = coordinates(n, h, w, out)
    top, bottom = per_image(uniform(n, 0.04, 0.12, gen), out), per_image(uniform(n, 0.06, 0.2, gen), out)
    shade = per_image(torch.tensor(FRAME_PALETTE)[torch.randint(0, len(FRAME_PALETTE), (n,), generator=gen)], out)
    bars = ((ys < -1 + 2 * top) | (ys > 1 - 2 * bottom)).to(out.dtype)
    painted = out * (1 - bars * outside) + shade * bars * outside
    for _ in range(4):  # buttons, icons, lines of a chat's text
        bx, by = per_image(uniform(n, -0.9, 0.9, gen), out), per_image(uniform(n, -0.95, 0.95, gen), out)
        half_w, half_h = per_image(uniform(n, 0.03, 0.3, gen), out), per_image(uniform(n, 0.015, 0.05, gen), out)
        box = (((xs - bx).abs() <= half_w) & ((ys - by).abs() <= half_h)).to(out.dtype) * outside
        colour = per_image(torch.rand(n, 3, generator=gen)[:, : out.shape[1]], out)
        painted = painted * (1 - box) + colour * box
    return painted


def geometry(x: torch.Tensor, gen: torch.Generator, rates: Mapping[str, float]) -> torch.Tensor:
    """Crop, rotation, perspective, turn, mirror and at most one frame, each with its rate, in one resampling."""
    n, ch, h, w = x.shape

    def maybe(name: str, m: torch.Tensor) -> torch.Tensor:
        return torch.where((torch.rand(n, generator=gen) < rates.get(name, 0.0)).view(n, 1, 1), m, _eye(n))

    photo = (
        maybe("crop", crop_map(n, gen))
        @ maybe("rotate", rotate_map(n, gen))
        @ maybe("perspective", perspective_map(n, gen))
        @ maybe("turn", turn_map(n, gen))
        @ maybe("mirror", mirror_map(n))
    )
    pick = torch.rand(n, generator=gen)  # one frame at most: border, canvas or screen, by their rates
    b, c = rates.get("border", 0.0), rates.get("canvas", 0.0)
    s = rates.get("screenshot", 0.0)
    kind = torch.where(pick < b, 1, torch.where(pick < b + c, 2, torch.where(pick < b + c + s, 3, 0)))
    frame = torch.where((kind == 1).view(n, 1, 1), border_map(n, gen), _eye(n))
    frame = torch.where((kind == 2).view(n, 1, 1), canvas_map(n, gen), frame)
    frame = torch.where((kind == 3).view(n, 1, 1), screen_map(n, gen), frame)
    fill = torch.tensor(FRAME_PALETTE)[torch.randint(0, len(FRAME_PALETTE), (n,), generator=gen)]
    fill = torch.where((torch.rand(n, generator=gen) < 0.25).view(n, 1), torch.rand(n, 3, generator=gen), fill)

    photo_grid = _grid(host_to((photo @ frame).to(x.dtype), x.device), h, w)
    out = F.grid_sample(x, photo_grid, mode="bilinear", padding_mode="border", align_corners=False)
    corner = (photo_grid.abs() > 1 + 1e-4).any(dim=3).unsqueeze(1)
    out = out.masked_fill(corner, 0.0)
    outside = _outside_frame(host_to(frame.to(x.dtype), x.device), h, w)
    out = torch.where(outside, per_image(fill[:, :ch], x), out)
    screens = torch.nonzero(kind == 3).view(-1)
    if len(screens):  # drawn on the screens' rows only: the furniture is a dozen full-size masks
        rows = host_to(screens, x.device)
        out[rows] = _screen_furniture(out[rows], outside[rows].to(x.dtype), gen)
    return out


def alone(name: str) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """The geometry family ``name`` by itself, on every image (for tests and pictures of the vocabulary)."""

    def edit(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return geometry(x, gen, {name: 1.0})

    edit.__name__ = edit.__qualname__ = name
    edit.__doc__ = f"Only the {name} of ``geometry``, on every image."
    return edit
