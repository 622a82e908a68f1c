"""A picture's upright turn: the quarter turn that brings it to one fixed orientation, whichever way it was saved.

An editor that saves a photo turned by 90, 180 or 270 degrees (pixels turned,
no orientation tag) makes a copy that a duplicate network sees as a different
picture: its codes are tens of bits of 128 apart, and training the network to
ignore turns paired up unrelated symmetric scenes (lab notes, run 11). So the
network is left as it is and every picture gets a second look instead: the
same picture turned to its *upright turn*, a quarter turn fixed by the picture
itself. A photo and any turned copy of it share that turn's pixels, so their
second codes match where their first codes cannot.

The rule: of the four sides, the one whose half is brighter than the opposite
half by the most goes on top. Turning the picture turns the four differences
with it, so the rule picks the same pixels from every quarter turn of one
picture (exactly, up to resampling and recompression noise). It is not a guess
at which way is up, only a choice every turn of a picture agrees on; where two
sides nearly tie, a copy may choose the other one and is then not found by
this second look (its first code is unchanged).

Pure numpy on the array the network sees, so it costs microseconds a picture.
"""

from __future__ import annotations

import numpy as np


def upright_turns(images: np.ndarray) -> np.ndarray:
    """For uint8 (n, s, s, c) images, how many counter-clockwise quarter turns (``np.rot90``'s k, 0-3) make each upright.

    Square images only (the network's input): a quarter turn keeps the shape.
    """
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(f"expected square (n, s, s, c) images, got shape {images.shape}")
    n, side = images.shape[0], images.shape[1]
    if n == 0:
        return np.zeros(0, np.int64)
    grey = images.astype(np.float32).mean(axis=3)
    half = side // 2  # an odd side leaves the middle row and column out of both halves
    top, bottom = grey[:, :half].mean(axis=(1, 2)), grey[:, side - half :].mean(axis=(1, 2))
    left, right = grey[:, :, :half].mean(axis=(1, 2)), grey[:, :, side - half :].mean(axis=(1, 2))
    # np.rot90(x, k) turns counter-clockwise: k=1 brings the right side to the top, 2 the bottom, 3 the left
    lead = np.stack([top - bottom, right - left, bottom - top, left - right], axis=1)
    turns: np.ndarray = np.argmax(lead, axis=1).astype(np.int64)
    return turns


def turned_upright(images: np.ndarray, turns: np.ndarray) -> np.ndarray:
    """Each image turned by its ``turns`` (as ``upright_turns`` gives them), as one contiguous array."""
    out = np.empty_like(images)
    for i, k in enumerate(np.asarray(turns).tolist()):
        out[i] = np.rot90(images[i], k)
    return out
