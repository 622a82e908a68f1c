"""Which pixels lie within a tolerance of a colour in every channel: the frame trim's and the screen cut's inner loop.

Both tests ask, for every pixel, whether all three channels lie within a
tolerance of one colour. ``np.abs(pixels - colour).max(axis=2) <= tolerance``
says it, but on interleaved (h, w, 3) pixels every step of it works along a last
axis of three, numpy's slow case, and in float64 (the colour is a mean). On
pictures with a plain background (scans, digits, product shots), which pass
both tests' first glances and take their full paths, that was most of their
time (issue 21's 100,000-picture run). ``near_colour`` asks the same question
in integers: for whole-number pixels, ``|p - c| <= t`` holds exactly when
``ceil(c - t) <= p <= floor(c + t)``, one subtraction and one unsigned
comparison over each row taken as a single run of ``w * 3`` values: on a
128 x 128 block six to ten times faster than the float path (run 19; the
bounds are exact for the colours the two tests use, medians and means of
whole-number pixels, which are never within rounding of a whole number
without being one). The trim and the cut as a whole gained 13-15 % on digits,
garments and CIFAR pictures, and indexing 8,000 digit and garment scans 1 %
(24.0-24.7 s to 23.8-24.4 s, paired): the rest of their time is many small
numpy calls, about fifty a picture, each costing more than its arithmetic.
"""

from __future__ import annotations

import numpy as np

#: Blocks of at least this many values take ``near_colour``'s integer path (run 19: the two cross near 6,000 to
#: 16,000 values; below, the float path's fewer calls cost less).
INTEGER_PATH_MIN = 8192


def channel_distance(pixels: np.ndarray, colour: np.ndarray | float) -> np.ndarray:
    """``max_c |pixels[..., c] - colour[c]|`` for pixels (..., 3) (or (..., 1)): the same as
    ``np.abs(pixels - colour).max(axis=-1)``, in the pixels' dtype promoted with the colour's."""
    apart = np.abs(pixels - colour)
    if apart.shape[-1] == 1:
        return apart[..., 0]
    out = np.maximum(apart[..., 0], apart[..., 1])
    for channel in range(2, apart.shape[-1]):
        np.maximum(out, apart[..., channel], out=out)
    return out


def near_colour(pixels: np.ndarray, colour: np.ndarray | float, tolerance: float) -> np.ndarray:
    """Whether each pixel of ``pixels`` (..., channels) lies within ``tolerance`` of ``colour`` in every
    channel: ``channel_distance(pixels, colour) <= tolerance``, bool, of the pixels' shape less its last axis.

    Integer pixels of 0-255 in blocks of ``INTEGER_PATH_MIN`` values or more take the integer path (the
    module's docstring); smaller ones and others are compared as ``channel_distance`` gives them (on a few
    rows the float path's fewer calls cost less).
    """
    if pixels.size < INTEGER_PATH_MIN or pixels.dtype.kind not in "iu" or pixels.ndim < 2:
        return np.asarray(channel_distance(pixels, colour) <= tolerance)
    *rows, width, channels = pixels.shape
    wanted = np.asarray(colour, np.float64).reshape(-1)
    low = np.ceil(wanted - tolerance)
    span = np.floor(wanted + tolerance) - low
    if span.min() < 0:  # a negative tolerance: no pixel is near
        return np.zeros(pixels.shape[:-1], bool)
    low_run = np.empty((width, channels), np.int16)
    low_run[:] = np.clip(low, -(1 << 14), 1 << 14)
    span_run = np.empty((width, channels), np.uint16)
    span_run[:] = np.minimum(span, 1 << 15)
    run = np.ascontiguousarray(pixels, np.int16).reshape(*rows, width * channels)  # a row: one run of w * c
    shifted = (run - low_run.reshape(-1)).view(np.uint16)  # below the low end wraps round to a large number
    near = (shifted <= span_run.reshape(-1)).reshape(pixels.shape)
    out = near[..., 0].copy()
    for channel in range(1, channels):
        out &= near[..., channel]
    return out
