"""A picture's tone-free look: the 64-bit DCT sign hash of its luminance (the perceptual hash, pHash).

Why a duplicate network keeps one beside its codes: a network knows the edits
it was taught, and the shipped one, trained on a small corpus, still misses
some copies whose exposure, contrast, levels or colour were changed, which a
perceptual hash finds (issue 20). The hash keeps only the signs of the lowest
8 x 8 frequencies of a 32 x 32 grey picture against their median, so any change
of brightness and contrast that keeps the order of those coefficients (gain,
offset, levels, a mild gamma, greyscale, a colour cast) leaves it almost as it
was, while crops, frames and overlays move it. The library pairs two pictures
whose hashes are within a few bits of 64 (``duplicates.tone``), as one more
look beside the network's codes.

It is computed from the picture the network sees (``input_arrays.seen_by_network``:
frame trimmed, a screenshot's photo cut out, squashed to the network's input),
so it costs one small DCT per picture and no second decode. The transform is
the one imagededup's PHash uses (unnormalised DCT-II on both axes, the 8 x 8
corner, each coefficient against the median of all but the first), so the
figures in docs/benchmarks.md can be read beside its own.

numpy and Pillow only: no torch, no Qt.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from PIL import Image

TONE_BITS = 64
SIDE = 32  # the grey picture the DCT runs on
KEEP = 8  # the lowest KEEP x KEEP frequencies make the hash


@cache
def _dct_matrix(n: int) -> np.ndarray:
    """The unnormalised DCT-II as a matrix: ``y[k] = 2 sum_i x[i] cos(pi k (2 i + 1) / 2n)``."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    return 2.0 * np.cos(math.pi * k * (2 * i + 1) / (2 * n))


def grey_squares(images: np.ndarray) -> np.ndarray:
    """uint8 (n, h, w, c) pictures as float (n, 32, 32) luminance (ITU-R 601 weights, box-filtered)."""
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"expected (n, h, w, 1 or 3) pictures, not shape {images.shape}")
    n, h, w, c = images.shape
    pixels = images.astype(np.float32)
    grey = pixels[..., 0] if c == 1 else pixels @ np.array([0.299, 0.587, 0.114], np.float32)
    if h % SIDE == 0 and w % SIDE == 0:  # the network's own sides (32, 64, 96 ...): a block mean is the box filter
        blocks: np.ndarray = grey.reshape(n, SIDE, h // SIDE, SIDE, w // SIDE).mean(axis=(2, 4))
        return blocks
    out = np.empty((n, SIDE, SIDE), np.float32)
    for row, picture in enumerate(grey):
        out[row] = np.asarray(Image.fromarray(picture, mode="F").resize((SIDE, SIDE), Image.Resampling.BOX))
    return out


def tone_hashes(images: np.ndarray) -> np.ndarray:
    """Packed 64-bit tone hashes (n, 8) uint8 of uint8 (n, h, w, c) pictures, one row each."""
    if not len(images):
        return np.zeros((0, TONE_BITS // 8), np.uint8)
    grey = grey_squares(images).astype(np.float64)
    dct = _dct_matrix(SIDE)
    coefficients = (dct @ grey @ dct.T)[:, :KEEP, :KEEP].reshape(len(images), KEEP * KEEP)
    # a smooth or flat picture has frequencies that are zero but for rounding, which differs between machines
    # and BLAS builds: set them to zero, so the same picture hashes alike everywhere
    scale = np.abs(coefficients).max(axis=1, keepdims=True)
    coefficients[np.abs(coefficients) <= 1e-9 * scale] = 0.0
    median = np.median(coefficients[:, 1:], axis=1, keepdims=True)  # the mean (first) would outweigh the rest
    return np.packbits(coefficients >= median, axis=1)
