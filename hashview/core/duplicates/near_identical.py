"""What "near-identical" means for two codes: the one definition the explorer's labels and the turned-copy
search share. Pure Python, so the explorer can import it on the way to the first window (no numpy there)."""

from __future__ import annotations


def near_identical_limit(bits: int | None) -> int:
    """The code distance up to which two files count as near-identical: K/32 bits (2 of 64, 4 of 128).

    Why K/32: one photo coded from its file and from its 256-pixel thumbnail (the same picture, decoded and
    scaled twice) is a mean 1.04 bits apart on the shipped 128-bit network, 95 % within 3 (docs/lab-notes.md,
    "Decode once"); re-saves, format changes and downscales sit there too, while crops, captions and
    rotations sit 10 to 20 bits apart. So 4 of 128 is "the same picture up to re-encoding", and a group
    wider than that holds an edit. Unknown bits (no network): only equal codes.
    """
    return max(int(bits) // 32, 0) if bits else 0
