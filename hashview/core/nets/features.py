"""Feature vectors of images, for the shallow hashing methods and for queries.

Two kinds of feature:
- ``pixels``: the picture shrunk to ``input_size`` x ``input_size`` RGB and
  standardised per image. Cheap, needs no torch, and good at near-duplicates.
- a torchvision backbone's pooled features (see ``backbones.py``), with or
  without ImageNet weights.

Decoding runs on a thread pool (Pillow releases the GIL while it decodes and
resizes); a file that cannot be decoded is reported as ``Skipped`` and left
out, never fatal.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashview.core.events import CancelToken, Progress, ProgressMeter, Skipped
from hashview.core.images.decode import BadImageError, load_rgb

if TYPE_CHECKING:
    import torch
    from PIL import Image

BatchFn = Callable[[list["Image.Image"]], np.ndarray]
"""What ``map_decoded`` applies to each batch of decoded images: one output row per image."""

PIXELS = "pixels"


@dataclass(frozen=True)
class FeatureSpec:
    """What turns an image into a vector: ``pixels`` or a backbone name, its weights and input size."""

    kind: str = PIXELS
    weights: str = "none"
    input_size: int = 16

    def to_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "weights": self.weights, "input_size": self.input_size}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> FeatureSpec:
        return cls(config["kind"], config.get("weights", "none"), int(config["input_size"]))


@dataclass(frozen=True)
class FeatureResult:
    """The rows of ``paths`` that decoded (``ok``) and their features, in that order."""

    ok: np.ndarray
    features: np.ndarray


def pixel_vector(image: Image.Image, size: int) -> np.ndarray:
    """A standardised ``size`` x ``size`` x 3 vector of an RGB PIL image."""
    from PIL import Image

    small = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
    x = np.asarray(small, dtype=np.float32).reshape(-1) / 255.0
    vector: np.ndarray = (x - x.mean()) / (x.std() + 1e-3)  # numpy's stubs type the mean as Any
    return vector


def _decode(path: Path, max_side: int) -> tuple[Image.Image | None, str | None]:
    try:
        image, _meta = load_rgb(path, max_side=max_side)
        return image, None
    except BadImageError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"


def iter_decoded(
    paths: Sequence[Path], max_side: int, workers: int | None = None, chunk: int = 64
) -> Iterator[tuple[int, Image.Image | None, str | None]]:
    """Yield (index, PIL image or None, reason or None) in order, decoding ahead on threads."""
    workers = workers or os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(paths), chunk):
            block = paths[start : start + chunk]
            for offset, (image, reason) in enumerate(pool.map(lambda p: _decode(p, max_side), block)):
                yield start + offset, image, reason


def map_decoded(
    paths: Sequence[Path],
    max_side: int,
    batch_fn: BatchFn,
    stage: str,
    cancel: CancelToken | None = None,
    batch_size: int = 64,
) -> Generator[Progress | Skipped, None, tuple[np.ndarray, list[np.ndarray]]]:
    """Decode ``paths`` on threads and apply ``batch_fn`` to each batch of PIL images.

    The one decode loop behind feature extraction, deep encoding and training
    input: unreadable files are yielded as ``Skipped`` and left out, progress is
    yielded per batch, and ``cancel`` is checked between images.

    Returns:
        (ok, outputs): the indices of ``paths`` that decoded, in order, and
        ``batch_fn``'s output for each batch (rows in the same order).

    Raises:
        Cancelled: when ``cancel`` is set.
    """
    meter = ProgressMeter(stage, len(paths))
    ok: list[int] = []
    outputs: list[np.ndarray] = []
    pending_idx: list[int] = []
    pending: list[Image.Image] = []
    for index, image, reason in iter_decoded(paths, max_side):
        if cancel is not None:
            cancel.raise_if_cancelled()
        if image is None:
            yield Skipped(str(paths[index]), reason or "unreadable")
            continue
        pending_idx.append(index)
        pending.append(image)
        if len(pending) >= batch_size:
            outputs.append(batch_fn(pending))
            ok.extend(pending_idx)
            yield meter.advance(len(pending))
            pending_idx.clear()
            pending.clear()
    if pending:  # the last, partly filled batch
        outputs.append(batch_fn(pending))
        ok.extend(pending_idx)
        yield meter.advance(len(pending))
    return np.asarray(ok, dtype=np.int64), outputs


def extract_features(
    paths: Sequence[Path],
    spec: FeatureSpec,
    device: str = "cpu",
    cancel: CancelToken | None = None,
    batch_size: int = 64,
    backbone: torch.nn.Module | None = None,
) -> Generator[Progress | Skipped, None, FeatureResult]:
    """Compute features of ``paths``; yields progress, returns a ``FeatureResult``.

    Args:
        backbone: an already built backbone module for ``spec`` (a network file's
            own weights); built from the spec when None.

    Raises:
        Cancelled: when ``cancel`` is set between images.
    """
    batch_fn: BatchFn
    if spec.kind == PIXELS:
        batch_fn = functools.partial(_pixel_batch, side=spec.input_size)
        max_side = max(4 * spec.input_size, 64)
    else:
        batch_fn = _backbone_batch_fn(spec, device, backbone)
        max_side = 2 * spec.input_size
    ok, rows = yield from map_decoded(paths, max_side, batch_fn, "features", cancel, batch_size)
    dim = rows[0].shape[1] if rows else 0
    features = np.concatenate(rows).astype(np.float32, copy=False) if rows else np.zeros((0, dim), np.float32)
    return FeatureResult(ok, features)


def _backbone_batch_fn(spec: FeatureSpec, device: str, backbone: torch.nn.Module | None = None) -> BatchFn:
    """A function mapping a list of PIL images to backbone features (torch loaded here)."""
    import torch

    from hashview.core.nets.backbones import IMAGENET_MEAN, IMAGENET_STD, BackboneSpec, build_backbone

    if backbone is None:
        backbone, _dim = build_backbone(BackboneSpec(spec.kind, spec.weights, spec.input_size))
    backbone = backbone.to(device).eval()
    mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1)
    size = spec.input_size

    def run(images: list[Image.Image]) -> np.ndarray:
        from PIL import Image

        arr = np.stack([np.asarray(im.resize((size, size), Image.Resampling.BILINEAR)) for im in images])
        x = torch.from_numpy(arr).to(device).permute(0, 3, 1, 2).float().div_(255.0)
        with torch.inference_mode():
            features: torch.Tensor = backbone((x - mean) / std)
            return features.float().cpu().numpy()

    return run


def _pixel_batch(images: list[Image.Image], side: int) -> np.ndarray:
    """Raw-pixel features of a batch of decoded images: one row each."""
    return np.stack([pixel_vector(im, side) for im in images])
