"""Find the photo inside a screenshot: the picture a phone's gallery, a chat or a viewer window shows.

A screenshot of a photo is the photo scaled into a screen of flat interface
colours: a black or white background, bars with the time and a few icons, chat
bubbles, a text field. To a network that sees the whole screen at 64 x 64
pixels the photo is a small part of a different picture, and no duplicate
network here finds such a copy (the broad-edit set's screenshots: 0.00 found,
run 14). Cutting the photo out gives the network the photo again.

The rule works on what makes a screen a screen, not on any one app's layout:

- a screen's background is one flat colour that covers much of it
  (``MIN_BACKGROUND``, ``MIN_FLAT``: rendered, not photographed or grainy);
  a photo rarely has a third of its pixels within a few levels of one flat
  colour;
- the photo is the largest rectangle that is almost nowhere that colour (nor
  a bar of another flat colour reaching the screen's edge), found on a coarse
  grid of cells so text lines, icons and small holes do not cut it; it must be
  a real part of the screen (``MIN_AREA``, ``MIN_SIDE``) yet not the whole of
  it (``MAX_AREA``);
- it ends at straight edges with the interface right outside two opposite
  ones at least, and the colour steps there (``MIN_EDGE_CONTRAST``,
  ``MIN_EDGE_STEP``): a picture's own sky, a drawing on a white page, a patch
  of a texture or a gradient does not;
- the rectangle is cut a little inside its edges (``INSET``), where rounded
  corners, a bubble's rim or a viewer's shadow sit.

A duplicate network whose config says ``cut_screens`` looks at what the cut
gives instead of the whole screen (``input_arrays.seen_by_network``), in training
and encoding alike, so a screenshot's code is its photo's. The cut is
deterministic: copies of one screenshot are cut alike. A twentieth of a
millisecond for most pictures (``_may_be_screen``), about two for the fifth to
a third with a large flat area; numpy on a 96-pixel copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hashview.core.images.colour_distance import near_colour

if TYPE_CHECKING:
    from PIL import Image

GLANCE_SIDE = 48  # the first test samples a copy this large
WORK_SIDE = 96  # the rest works on a copy at most this large (the grid needs no more)
TOLERANCE = 10  # a pixel within this (0-255, every channel) of the background colour is background
MIN_BACKGROUND = 0.30  # a screen: at least this share of its pixels is its background colour ...
FLAT_TOLERANCE = 3  # a screen's colours are flat: most of the background is within this of its colour ...
MIN_FLAT = 0.75  # ... this share of it
UI_COLOURS = 3  # ... and up to this many other flat colours (bars, bubbles) ...
MIN_UI_SHARE = 0.04  # ... each covering at least this share, in bars ...
BAR_SHARE = 0.9  # ... rows or columns at least this share one flat colour
CELL_SHARE = 0.5  # a grid cell belongs to the photo when at most this share of it is background
GROW_SHARE = 0.7  # the rectangle takes in a row or column of cells this share photo (holes in a photo)
MIN_AREA = 0.08  # the photo covers at least this share of the screen ...
MAX_AREA = 0.85  # ... and at most this share (else the picture is its own content)
MIN_SIDE = 0.1  # ... and each of its sides is at least this share of the screen's (a chat photo in a tall phone: 0.2)
MIN_EDGE_CONTRAST = 0.7  # ... and ends at straight edges (two opposite ones at least): interface, then photo
EDGE_LINES = 2  # the pixel lines either side of an edge that say how sharp it is
MIN_EDGE_STEP = 24.0  # ... and the colour steps there by this much (0-255) on average: an edge, not a gradient
INSET = 0.015  # the photo is cut this share of its side inside its edges (rounded corners, a rim)
CELLS = 32  # the grid's cells along the screen's longer side


def photo_in_screen(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The box (left, top, right, bottom) of the photo that ``image``, a screenshot, shows; None: not a screen."""
    from PIL import Image as PILImage

    width, height = image.size
    if min(width, height) < 32:
        return None
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if not _may_be_screen(rgb):
        return None
    scale = min(1.0, WORK_SIDE / max(width, height))
    small = rgb
    if scale < 1.0:
        size = (max(round(width * scale), 1), max(round(height * scale), 1))
        small = rgb.resize(size, PILImage.Resampling.BILINEAR, reducing_gap=2.0)
    pixels = np.asarray(small, np.int16)
    background = _background_mask(pixels)
    if background is None:
        return None
    box = _largest_photo_rectangle(background, pixels)
    if box is None:
        return None
    left, top, right, bottom = box
    h, w = background.shape
    # in by INSET, and by the line the downscale blended photo and interface in where an edge has an outside
    inset_x, inset_y = INSET * (right - left), INSET * (bottom - top)
    left += inset_x + (left > 0)
    right -= inset_x + (right < w)
    top += inset_y + (top > 0)
    bottom -= inset_y + (bottom < h)
    factor_x, factor_y = width / w, height / h
    return round(left * factor_x), round(top * factor_y), round(right * factor_x), round(bottom * factor_y)


def cut_photo(image: Image.Image) -> Image.Image | None:
    """The photo a screenshot shows, cut out of it; None when ``image`` is not a screenshot."""
    box = photo_in_screen(image)
    return None if box is None else image.crop(box)


def _may_be_screen(image: Image.Image) -> bool:
    """Whether one colour holds enough of the picture for a screen's flat background: half of
    ``MIN_BACKGROUND`` in one colour 8 levels wide, among pixels sampled on a 48-pixel grid (a flat colour
    falls in one or two such: the screens cut on the broad, development and drawn sets hold 0.296 at
    least; 28 % of ``dupset``'s photos and 33 % of the broad set's pass, run 15). Sampling, not averaging:
    a flat colour is flat at any pixel, and a sample costs a twentieth of a millisecond, where the whole
    test takes two."""
    from PIL import Image as PILImage

    scale = GLANCE_SIDE / max(image.size)
    size = (max(round(image.width * scale), 1), max(round(image.height * scale), 1))
    coarse = np.asarray(image.resize(size, PILImage.Resampling.NEAREST), np.uint16) >> 3
    keys = (coarse[..., 0] << 10) | (coarse[..., 1] << 5) | coarse[..., 2]
    return int(np.bincount(keys.ravel(), minlength=1).max()) >= MIN_BACKGROUND * 0.5 * keys.size


def _background_mask(pixels: np.ndarray) -> np.ndarray | None:
    """Where the screen's interface is (h, w bool); None when no colour covers enough to be a screen's.

    The interface is the background, the most common colour, which must cover
    ``MIN_BACKGROUND``; and the bars of up to ``UI_COLOURS`` other common
    colours: whole rows or columns nearly all one colour (a title bar, a
    toolbar, a side panel) that reach the screen's edge. Only such bars count,
    because a photo's own common colours (grass, a wall) fill areas, not rows
    from edge to edge, and a gradient's plain columns lie inside a picture.
    """
    quantised = (pixels // 16).astype(np.int32)
    bins = (quantised[..., 0] * 16 + quantised[..., 1]) * 16 + quantised[..., 2]
    counts = np.bincount(bins.ravel(), minlength=4096)
    most = int(np.argmax(counts))
    common = np.flatnonzero(counts >= MIN_UI_SHARE * bins.size)  # few: sorting all 4,096 costs more than the rest
    order = [most, *[int(b) for b in common[np.argsort(counts[common])[::-1]] if b != most][:UI_COLOURS]]
    colour = pixels[bins == order[0]].mean(axis=0)
    mask: np.ndarray = near_colour(pixels, colour, TOLERANCE)
    if mask.mean() < MIN_BACKGROUND or near_colour(pixels, colour, FLAT_TOLERANCE).sum() < MIN_FLAT * mask.sum():
        return None  # too little of it, or a grain (noise, a texture) rather than a screen's flat colour
    bar_rows, bar_cols = mask.mean(axis=1) >= BAR_SHARE, mask.mean(axis=0) >= BAR_SHARE
    for top in order[1:]:
        near = near_colour(pixels, pixels[bins == top].mean(axis=0), FLAT_TOLERANCE)
        bar_rows |= near.mean(axis=1) >= BAR_SHARE
        bar_cols |= near.mean(axis=0) >= BAR_SHARE
    mask[_from_the_edges(bar_rows)] = True
    mask[:, _from_the_edges(bar_cols)] = True
    return mask


def _from_the_edges(bars: np.ndarray) -> np.ndarray:
    """The bars that reach the screen's edge through other bars: a title bar, a toolbar, a side panel sit at
    an edge; a run of plain columns in the middle of a picture (a gradient's) does not."""
    reached = np.zeros_like(bars)
    lead = int(np.argmin(bars)) if not bars.all() else len(bars)
    trail = int(np.argmin(bars[::-1])) if not bars.all() else len(bars)
    reached[:lead] = True
    reached[len(bars) - trail :] = True
    return reached


def _largest_photo_rectangle(background: np.ndarray, pixels: np.ndarray) -> tuple[float, float, float, float] | None:
    """The largest rectangle of grid cells that are mostly not background, in pixels (left, top, right, bottom)."""
    h, w = background.shape
    cell = max(h, w) / CELLS
    rows, cols = max(round(h / cell), 1), max(round(w / cell), 1)
    ys = np.linspace(0, h, rows + 1).round().astype(int)
    xs = np.linspace(0, w, cols + 1).round().astype(int)
    share = np.add.reduceat(np.add.reduceat(background.astype(np.float32), ys[:-1], axis=0), xs[:-1], axis=1)
    share /= np.outer(np.diff(ys), np.diff(xs))
    photo = share <= CELL_SHARE
    best = _largest_true_rectangle(photo)
    if best is None:
        return None
    r0, c0, r1, c1 = _grown(photo, *best)  # cells, end exclusive
    area = (r1 - r0) * (c1 - c0) / (rows * cols)
    if not MIN_AREA <= area <= MAX_AREA or (r1 - r0) < MIN_SIDE * rows or (c1 - c0) < MIN_SIDE * cols:
        return None
    span_x, span_y = (int(xs[c0]), int(xs[c1])), (int(ys[r0]), int(ys[r1]))
    top, bottom = _exact_edges(background[:, span_x[0] : span_x[1]].mean(axis=1), *span_y, ys[1] - ys[0])
    left, right = _exact_edges(background[span_y[0] : span_y[1]].mean(axis=0), *span_x, xs[1] - xs[0])
    contrast, step = _edge_contrast(background, pixels, left, top, right, bottom)
    if contrast < MIN_EDGE_CONTRAST or step < MIN_EDGE_STEP:  # a soft patch or a gradient, not a picture
        return None
    return float(left), float(top), float(right), float(bottom)


def _grown(photo: np.ndarray, r0: int, c0: int, r1: int, c1: int) -> tuple[int, int, int, int]:
    """The rectangle grown a row or column of cells at a time while the next one is mostly photo (``GROW_SHARE``).

    A photo's own dark (or light) parts can match the screen's background: a
    night sky in a black gallery, a white wall in a white chat. They leave
    holes in the grid, often at the photo's edge, and the largest all-photo
    rectangle stops at them; the rows and columns around it are still mostly
    photo, where the interface's are not.
    """
    rows, cols = photo.shape
    grew = True
    while grew:
        grew = False
        if r0 > 0 and photo[r0 - 1, c0:c1].mean() >= GROW_SHARE:
            r0, grew = r0 - 1, True
        if r1 < rows and photo[r1, c0:c1].mean() >= GROW_SHARE:
            r1, grew = r1 + 1, True
        if c0 > 0 and photo[r0:r1, c0 - 1].mean() >= GROW_SHARE:
            c0, grew = c0 - 1, True
        if c1 < cols and photo[r0:r1, c1].mean() >= GROW_SHARE:
            c1, grew = c1 + 1, True
    return r0, c0, r1, c1


def _edge_contrast(
    background: np.ndarray, pixels: np.ndarray, left: int, top: int, right: int, bottom: int
) -> tuple[float, float]:
    """How sharply the interface ends at the rectangle's edges, averaged over the edges that have an
    outside; (0, 0) unless two opposite edges have one. Two figures: the background share of the two pixel
    lines just outside an edge less that of the two just inside, and the colour step between those lines
    (the largest channel's difference, 0-255, averaged along the edge).

    A photo shown on a screen has the interface right outside two opposite
    edges at least (above and below it in a phone's gallery, all round in a
    chat or a viewer) and ends there at a straight line: all interface on one
    side, all photo on the other, and a step in colour. The largest rectangle
    under a sky has ground on three sides; one inside a drawing on a white page
    runs into the drawing; a patch of a texture fades in over many lines; and
    where a gradient crosses the background's tolerance the share jumps but
    the colour hardly steps.
    """
    h, w = background.shape
    n = EDGE_LINES
    rows, cols = slice(top, bottom), slice(left, right)
    sides: dict[str, tuple[tuple[slice, slice], tuple[slice, slice], int]] = {}
    if top >= n:
        sides["top"] = ((slice(top - n, top), cols), (slice(top, top + n), cols), 0)
    if bottom + n <= h:
        sides["bottom"] = ((slice(bottom, bottom + n), cols), (slice(bottom - n, bottom), cols), 0)
    if left >= n:
        sides["left"] = ((rows, slice(left - n, left)), (rows, slice(left, left + n)), 1)
    if right + n <= w:
        sides["right"] = ((rows, slice(right, right + n)), (rows, slice(right - n, right)), 1)
    if not ({"top", "bottom"} <= sides.keys() or {"left", "right"} <= sides.keys()):
        return 0.0, 0.0
    shares, steps = [], []
    for outside, inside, across in sides.values():
        shares.append(background[outside].mean() - background[inside].mean())
        colour_out, colour_in = pixels[outside].mean(axis=across), pixels[inside].mean(axis=across)
        steps.append(np.abs(colour_out - colour_in).max(axis=-1).mean())
    return float(np.mean(shares)), float(np.mean(steps))


def _exact_edges(share: np.ndarray, start: int, end: int, cell: int) -> tuple[int, int]:
    """The photo's edges along one axis to the pixel: from the grid's edges, moved out over rows (or columns)
    still mostly photo and in over rows mostly background, by at most a cell. ``share``: each row's background
    share across the photo."""
    is_photo = share <= CELL_SHARE
    lo, hi = start, end
    while lo > max(start - cell, 0) and is_photo[lo - 1]:
        lo -= 1
    while lo < min(start + cell, end - 1) and not is_photo[lo]:
        lo += 1
    while hi < min(end + cell, len(share)) and is_photo[hi]:
        hi += 1
    while hi > max(end - cell, lo + 1) and not is_photo[hi - 1]:
        hi -= 1
    return lo, hi


def _largest_true_rectangle(grid: np.ndarray) -> tuple[int, int, int, int] | None:
    """The largest all-True rectangle of a bool grid as (row0, col0, row1, col1), ends exclusive.

    What the histogram-and-stack method finds, computed for all rows at once (half
    the time of the stack in Python at 32 x 32): row by row, each column's run of
    True ending there is a bar; a bar's rectangle spans the columns from just after
    the last lower bar before it to the first bar not higher after it. Among the
    largest, the one the stack would meet first wins: the topmost bottom row, then
    the leftmost right end, then the rightmost bar (``tests/test_screens.py`` checks
    the two agree on thousands of grids).
    """
    grid = np.asarray(grid, bool)
    rows, cols = grid.shape
    heights = np.zeros((rows, cols), np.int64)
    run = np.zeros(cols, np.int64)
    for r in range(rows):
        run = (run + 1) * grid[r]
        heights[r] = run
    k = np.arange(cols)
    here, other = heights[:, :, None], heights[:, None, :]  # (row, bar j, column k)
    closes = (k[None, :] > k[:, None])[None] & (other <= here)  # columns after j not higher than it
    right = np.where(closes.any(axis=2), closes.argmax(axis=2), cols)
    opens = (k[None, :] < k[:, None])[None] & (other < here)  # columns before j lower than it
    left = np.where(opens.any(axis=2), cols - opens[:, :, ::-1].argmax(axis=2), 0)
    area = heights * (right - left)
    best = int(area.max()) if area.size else 0
    if best <= 0:
        return None
    at_row, at_bar = np.nonzero(area == best)
    first = np.lexsort((-at_bar, right[at_row, at_bar], at_row))[0]
    r, j = int(at_row[first]), int(at_bar[first])
    return r - int(heights[r, j]) + 1, int(left[r, j]), r + 1, int(right[r, j])
