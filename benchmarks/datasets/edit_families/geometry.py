"""Geometry: crops, other aspect ratios, straightening, quarter turns, borders, letterboxes, keystone.

Ranges from issue 20's vocabulary: crops that remove up to 35-40 % of one
axis, crops to 1:1, 4:5, 16:9 and 9:16, small rotations, 90 / 180 / 270-degree
turns of the pixels with no orientation tag (an editor saved it turned),
borders and letterboxing, slight perspective / keystone correction.
"""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from benchmarks.datasets.edit_families._common import Params, photo_save

RATIOS = {"1:1": 1.0, "4:5": 4 / 5, "16:9": 16 / 9, "9:16": 9 / 16}
COLOURS = {"white": (255, 255, 255), "black": (0, 0, 0), "cream": (240, 234, 218), "grey": (128, 128, 128)}


def _other_ratio(image: Image.Image, rng: random.Random) -> str:
    """A target aspect ratio unlike the photo's own (a 16:9 crop of a 16:9 photo changes nothing)."""
    own = image.width / image.height
    names = [n for n, r in RATIOS.items() if abs(math.log(r / own)) > 0.08] or list(RATIOS)
    return rng.choice(names)


def crop(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Remove 10-40 % of one axis, split between its two ends at random (all of it from one end at times)."""
    axis = rng.choice(["x", "y"])
    removed = round(rng.uniform(0.10, 0.40), 4)
    start_share = round(rng.choice([0.0, 1.0, rng.random()]), 4)  # share of the cut taken from the left / top
    w, h = image.size
    cut = round((w if axis == "x" else h) * removed)
    first = round(cut * start_share)
    box = (first, 0, w - (cut - first), h) if axis == "x" else (0, first, w, h - (cut - first))
    params = {"axis": axis, "removed": removed, "start_share": start_share, "save": photo_save(rng)}
    return image.crop(box), params


def aspect_crop(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The largest crop at 1:1, 4:5, 16:9 or 9:16, placed anywhere along the axis it shortens."""
    ratio = _other_ratio(image, rng)
    target = RATIOS[ratio]
    position = round(rng.uniform(0.0, 1.0), 4)
    w, h = image.size
    if w / h > target:  # too wide: keep the height
        cw, ch = round(h * target), h
    else:
        cw, ch = w, round(w / target)
    x0, y0 = round((w - cw) * position), round((h - ch) * position)
    out = image.crop((x0, y0, x0 + cw, y0 + ch))
    return out, {"ratio": ratio, "position": position, "save": photo_save(rng)}


def rotate(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """Straightened by 1-8 degrees: cropped to the largest upright frame (as phone editors do) or left with corners."""
    angle = round(rng.choice([-1, 1]) * rng.uniform(1.0, 8.0), 3)
    fill = rng.choice(["crop", "crop", "white", "black"])
    w, h = image.size
    if fill == "crop":
        turned = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
        t = math.radians(abs(angle))
        s = min(w / (w * math.cos(t) + h * math.sin(t)), h / (w * math.sin(t) + h * math.cos(t)))
        cw, ch = int(w * s), int(h * s)
        x0, y0 = (w - cw) // 2, (h - ch) // 2
        out = turned.crop((x0, y0, x0 + cw, y0 + ch))
    else:
        out = image.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=COLOURS[fill])
    return out, {"degrees": angle, "fill": fill, "save": photo_save(rng)}


def turn(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A quarter, half or three-quarter turn of the pixels, saved with no orientation tag."""
    degrees = rng.choice([90, 180, 270])
    transpose = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }[degrees]
    return image.transpose(transpose), {"degrees_counterclockwise": degrees, "save": photo_save(rng)}


def border(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A frame: even on every side, or a print-style frame with a deeper bottom edge."""
    width = round(rng.uniform(0.03, 0.12), 4)
    colour = rng.choice(list(COLOURS))
    style = rng.choice(["even", "even", "print"])
    b = max(2, round(min(image.size) * width))
    borders = (b, b, b, b) if style == "even" else (b, b, b, round(b * rng.uniform(2.5, 4.0)))
    out = ImageOps.expand(image, border=borders, fill=COLOURS[colour])
    return out, {"width": width, "colour": colour, "style": style, "save": photo_save(rng)}


def letterbox(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """The whole photo fitted into another aspect ratio: bars of black, white, or its own blurred enlargement."""
    ratio = _other_ratio(image, rng)
    fill = rng.choice(["black", "white", "blurred"])
    target = RATIOS[ratio]
    w, h = image.size
    cw, ch = (round(h * target), h) if w / h < target else (w, round(w / target))
    if fill == "blurred":  # the photo itself, enlarged to cover the canvas and blurred (stories, reels)
        scale = max(cw / w, ch / h)
        back = image.resize((math.ceil(w * scale), math.ceil(h * scale)), Image.Resampling.BILINEAR)
        back = back.crop((0, 0, cw, ch)).filter(ImageFilter.GaussianBlur(max(4, min(cw, ch) // 30)))
        canvas = Image.fromarray((np.asarray(back, dtype=np.float32) * 0.7).astype(np.uint8), "RGB")
    else:
        canvas = Image.new("RGB", (cw, ch), COLOURS[fill])
    canvas.paste(image, ((cw - w) // 2, (ch - h) // 2))
    return canvas, {"ratio": ratio, "fill": fill, "save": photo_save(rng)}


def _perspective_coefficients(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) that map output points ``dst`` to input points ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.extend([u, v])
    return [float(c) for c in np.linalg.solve(np.array(rows, dtype=np.float64), np.array(rhs, dtype=np.float64))]


def perspective(image: Image.Image, rng: random.Random) -> tuple[Image.Image, Params]:
    """A keystone correction: one pair of opposite corners pulled in by 2-8 %, the quad stretched to the frame.

    The input quad lies inside the photo, so no empty corners appear (a
    correction tool crops them away).
    """
    direction = rng.choice(["vertical", "horizontal"])
    amount = round(rng.uniform(0.02, 0.08), 4)
    jitter = [round(rng.uniform(0.0, 0.015), 4) for _ in range(8)]
    w, h = image.size
    corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]  # tl, tr, br, bl
    top = rng.random() < 0.5  # which edge is the narrow one
    src = []
    for k, (x, y) in enumerate(corners):
        dx, dy = jitter[2 * k] * w, jitter[2 * k + 1] * h
        inward_x = 1 if x == 0 else -1
        inward_y = 1 if y == 0 else -1
        if direction == "vertical" and ((y == 0) == top):
            dx += amount * w
        if direction == "horizontal" and ((x == 0) == top):
            dy += amount * h
        src.append((x + inward_x * dx, y + inward_y * dy))
    coefficients = _perspective_coefficients(corners, src)
    out = image.transform((w, h), Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)
    params = {"direction": direction, "amount": amount, "narrow_first_edge": top, "jitter": jitter}
    return out, {**params, "save": photo_save(rng)}
