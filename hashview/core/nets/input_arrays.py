"""What a network sees of a picture, as a uint8 array: torch-free, so encoding needs torch only for the network.

Both engines that run a ``HashNet`` (torch, ``network.encode_array``; numpy,
``numpy_net``) take the same arrays from here, so a picture's code does not
depend on which one ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from PIL import Image


def images_to_array(
    images: Iterable[Image.Image], size: int, channels: int, trim: bool = False, cut: bool = False
) -> np.ndarray:
    """PIL images to a uint8 (n, size, size, channels) array, as the network sees them.

    ``trim`` and ``cut``: each as ``seen_by_network`` gives it (a network whose
    config says ``trim_borders``, ``cut_screens``).
    """
    from PIL import Image

    mode = "L" if channels == 1 else "RGB"
    rows = [
        np.asarray(
            seen_by_network(im, trim, cut)
            .convert(mode)
            .resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        )
        for im in images
    ]
    arr = np.stack(rows) if rows else np.zeros((0, size, size, channels), np.uint8)
    return arr.reshape(len(rows), size, size, channels)


def network_view(net: dict[str, Any]) -> tuple[bool, bool]:
    """A network config's ``net`` entry as ``images_to_array``'s (trim, cut)."""
    return bool(net.get("trim_borders")), bool(net.get("cut_screens"))


def seen_by_network(image: Image.Image, trim: bool, cut: bool) -> Image.Image:
    """The part of ``image`` a network looks at: without its uniform frame (``trim``, ``images.borders``),
    then, for a screenshot of a photo, the photo it shows (``cut``, ``images.screens``).

    The frame goes first: a photo on a plain canvas or between black bars is
    found exactly by its frame (the cut then finds no screen in the photo),
    and a screen whose edges happen to be plain loses them before the cut. A
    picture with neither comes back as the same object, so its code is the
    one it had.
    """
    seen = image
    if trim:
        from hashview.core.images.borders import trim_margins

        seen = trim_margins(seen)
    if cut:
        from hashview.core.images.screens import cut_photo

        seen = cut_photo(seen) or seen
    return seen


def fit_array(images: np.ndarray, size: int, channels: int) -> np.ndarray:
    """Resize and re-channel a uint8 (n, h, w, c) array to what a network expects."""
    if images.shape[1] == size and images.shape[2] == size and images.shape[3] == channels:
        return images
    from PIL import Image

    out = np.empty((len(images), size, size, channels), np.uint8)
    mode = "L" if channels == 1 else "RGB"
    for i, im in enumerate(images):
        pil = Image.fromarray(im[..., 0] if im.shape[-1] == 1 else im)
        out[i] = np.asarray(pil.convert(mode).resize((size, size), Image.Resampling.BILINEAR)).reshape(
            size, size, channels
        )
    return out


def upright_codes(encode: Callable[[np.ndarray], np.ndarray], images: np.ndarray, natural: np.ndarray) -> np.ndarray:
    """Packed codes of ``images`` turned upright (``images.orientation``), given their packed ``natural`` codes;
    ``encode`` gives the (n, K) bool codes of uint8 images at the network's size.

    A picture that is upright already keeps its natural code (not encoded twice),
    so this costs one encode of the pictures that need a turn: about three in
    five photos.
    """
    from hashview.core.hamming.codes import pack_codes
    from hashview.core.images.orientation import turned_upright, upright_turns

    turns = upright_turns(images)
    upright = natural.copy()
    moved = np.flatnonzero(turns)
    if len(moved):
        upright[moved] = pack_codes(encode(turned_upright(images[moved], turns[moved])))
    return upright
