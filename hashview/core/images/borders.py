"""Trim the uniform margins around a picture before a duplicate network sees it.

People paste photos on a white or black canvas (the "no crop" squares of social
apps), letterbox them to another aspect ratio, or add a plain border. To a
network that sees 64 x 64 pixels such a copy is a smaller photo in a frame: the
photo it shares with the original fills a fraction of the input, and the
broad-edit set showed it (canvas copies found 0.53 of the time after training on
the library, letterboxes 0.73). Cutting the uniform margins off both files before
encoding gives the network the same photo twice, whatever frame it sat in.

Each side is trimmed on its own (letterbox bars are black top and bottom, a
canvas can be wider on one side), row by row from the edge while a row stays
within ``TOLERANCE`` of that edge's colour in nearly every pixel. The test runs on
a lightly blurred copy, so JPEG ringing and sensor noise do not stop it, and
nothing is trimmed unless the cut is worth having (``MIN_CUT``) and leaves a
real picture (``MIN_KEEP``): a blank sky or a white page stays whole. A photo
with no margin comes back unchanged (the same object), so its code is the
code it had before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hashview.core.images.colour_distance import near_colour

if TYPE_CHECKING:
    from PIL import Image

TOLERANCE = 12  # the largest per-channel difference (0-255) from the edge's colour that still counts as margin
UNIFORM_SHARE = 0.98  # a row or column is margin when this share of its pixels is within the tolerance
MIN_SIDE_CUT = 0.015  # a frame's sides: each at least this share of the picture's side ...
MIN_PAIR_CUT = 0.04  # ... the two together at least this share ...
MIN_KEEP = 0.25  # ... and what is left keeps at least this share of each side
SAME_COLOUR = 24  # the two sides of a frame differ by at most this much in any channel
MAX_FRAME_COLOUR_INSIDE = 0.8  # the picture in a frame is mostly not its colour (else: a flat picture)
WORK_SIDE = 256  # the margins are found on a copy at most this large (a 256-px thumbnail is not resized)


def content_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) inside the uniform frame, in ``image``'s pixels; None: no frame.

    A frame is a pair of opposite margins of one colour (top and bottom, left and
    right, or both pairs): bars, canvases and borders are made that way, where a
    flat sky or a flat area of a graphic sits on one side only.
    """
    from PIL import ImageFilter

    width, height = image.size
    if min(width, height) < 16:
        return None
    small = image if image.mode == "RGB" else image.convert("RGB")
    if not _may_have_frame(np.asarray(small)):
        return None
    scale = min(1.0, WORK_SIDE / max(width, height))
    if scale < 1.0:
        small = small.resize((max(round(width * scale), 1), max(round(height * scale), 1)))
    pixels = np.asarray(small.filter(ImageFilter.BoxBlur(1)), np.int16)
    top, bottom, colour = _frame_pair(pixels)
    h = pixels.shape[0]
    left, right, side_colour = _frame_pair(pixels[top : h - bottom].transpose(1, 0, 2))
    colour = colour if colour is not None else side_colour
    if colour is None:
        return None
    w = pixels.shape[1]
    if (w - left - right) < MIN_KEEP * w or (h - top - bottom) < MIN_KEEP * h:
        return None
    inside = pixels[top : h - bottom, left : w - right]
    if near_colour(inside, colour, TOLERANCE).mean() > MAX_FRAME_COLOUR_INSIDE:
        return None  # a near-flat picture (a plain texture, a dark sky): its margins are the picture itself
    return (round(left / scale), round(top / scale), width - round(right / scale), height - round(bottom / scale))


def _may_have_frame(pixels: np.ndarray) -> bool:
    """A quick look at the outermost rows and columns only: could two opposite ones be a frame's edges?

    Most photos have none, and this spares them the blur and the row-by-row search.
    """

    def flat(line: np.ndarray) -> bool:
        line = line.astype(np.int16)
        return bool(near_colour(line, np.median(line, axis=0), 2 * TOLERANCE).mean() >= UNIFORM_SHARE)

    return (flat(pixels[0]) and flat(pixels[-1])) or (flat(pixels[:, 0]) and flat(pixels[:, -1]))


def _frame_pair(pixels: np.ndarray) -> tuple[int, int, np.ndarray | None]:
    """The margins of ``pixels`` (h, w, 3) at its first and last rows and their colour, when they make
    a frame; else (0, 0, None)."""
    h = len(pixels)
    first, first_colour = _margin(pixels)
    last, last_colour = _margin(pixels[::-1])
    if min(first, last) < MIN_SIDE_CUT * h or first + last < MIN_PAIR_CUT * h or first + last >= h:
        return 0, 0, None
    if np.abs(first_colour - last_colour).max() > SAME_COLOUR:
        return 0, 0, None
    return first, last, (first_colour + last_colour) / 2


def _margin(pixels: np.ndarray) -> tuple[int, np.ndarray]:
    """How many leading rows of ``pixels`` (h, w, 3) are margin (near-uniform in the first row's colour), and that colour.

    Rows are checked in growing blocks from the edge: most photos have no margin and stop at the first row.
    """
    edge = np.median(pixels[0], axis=0)
    start, block = 0, 4
    while start < len(pixels):
        rows = pixels[start : start + block]
        close = near_colour(rows, edge, TOLERANCE).mean(axis=1) >= UNIFORM_SHARE
        if not close.all():
            return start + int(np.argmin(close)), edge
        start, block = start + block, block * 2
    return len(pixels), edge


def trim_margins(image: Image.Image) -> Image.Image:
    """``image`` without its uniform frame (``content_box``); the very same object when it has none."""
    box = content_box(image)
    return image if box is None else image.crop(box)
