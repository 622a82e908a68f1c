"""`hashview eval`: train a method on a labelled data set and measure its codes.

Reads a data set (an ``.npz`` with ``x_train, y_train`` and optionally
``x_test, y_test, classes``, or a folder with one subfolder per class), splits
it by a protocol (``protocols.py``), trains on the training part, encodes the
queries and the database, and reports the figures of ``metrics.py`` beside the
time each step took.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core.codes import pack_padded
from hashview.core.events import Finished, Progress
from hashview.core.metrics import evaluate_codes
from hashview.core.methods import get_method
from hashview.core.protocols import make_split


class DataError(ValueError):
    """The data set cannot be read or does not fit the protocol (one line)."""


@dataclass(frozen=True)
class EvalOptions:
    method: str
    bits: int
    protocol: str | None = None  # None: holdout
    epochs: int | None = None
    device: str = "auto"
    seed: int = 0
    backbone: str | None = None     # deep methods: a trunk name (None: the method's default)
    batch_size: int | None = None   # deep methods: images per step (None: the method's default)
    overrides: dict | None = None   # deep methods: loss hyper-parameters, e.g. {"beta": 0.5}


@dataclass(frozen=True)
class Dataset:
    images: np.ndarray  # (n, h, w, c) uint8, the training split first
    labels: np.ndarray  # (n,) int
    n_train_split: int
    classes: list[str]


def load_dataset(path: Path, folder_image_size: int = 32) -> Dataset:
    """Load an .npz or a folder of class folders into pooled arrays."""
    path = Path(path)
    if path.is_dir():
        return _load_folder(path, folder_image_size)
    if not path.is_file():
        raise DataError(f"no such data set: {path}")
    try:
        data = np.load(path, allow_pickle=False)
        x, y = data["x_train"], data["y_train"]
        n_train = len(x)
        if "x_test" in data.files and "y_test" in data.files:
            x = np.concatenate([x, data["x_test"]])
            y = np.concatenate([y, data["y_test"]])
        classes = [str(c) for c in data["classes"]] if "classes" in data.files else [str(c) for c in np.unique(y)]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from None
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or len(x) != len(y):
        raise DataError(f"{path.name}: x_train must be (n, h, w, c) with one label per image")
    return Dataset(x, y.astype(np.int64), n_train, classes)


def _load_folder(root: Path, size: int) -> Dataset:
    from PIL import Image

    from hashview.core.images import IMAGE_SUFFIXES, BadImageError, load_rgb

    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"{root} has no class subfolders")
    images, labels = [], []
    for label, name in enumerate(classes):
        for file in sorted((root / name).rglob("*")):
            if file.suffix.lower() in IMAGE_SUFFIXES:
                try:
                    image, _meta = load_rgb(file, max_side=4 * size)
                except (BadImageError, OSError):
                    continue
                images.append(np.asarray(image.resize((size, size), Image.Resampling.BILINEAR)))
                labels.append(label)
    if not images:
        raise DataError(f"no readable image under {root}")
    return Dataset(np.stack(images), np.array(labels, np.int64), len(images), classes)


def pixel_features(images: np.ndarray) -> np.ndarray:
    """Flattened pixels, standardised per image (the same feature as ``features.pixel_vector``)."""
    x = images.reshape(len(images), -1).astype(np.float32) / 255.0
    x -= x.mean(axis=1, keepdims=True)
    x /= x.std(axis=1, keepdims=True) + 1e-3
    return x


def evaluate_method(data: Path, opts: EvalOptions, cancel=None) -> Generator[Any, None, None]:
    """Train ``opts.method`` on the protocol's training set, then measure; ends with Finished(report)."""
    from hashview.core.device import describe_device, pick_device

    method = get_method(opts.method)
    protocol = opts.protocol or "holdout"
    if not Path(data).exists():
        raise DataError(f"no such data set: {data}")
    if opts.batch_size is not None and not 2 <= opts.batch_size <= 65536:
        raise DataError(f"--batch-size must be from 2 to 65536, not {opts.batch_size}")
    if method.kind != "deep" and opts.backbone not in (None, "", "auto", "pixels"):
        raise DataError(f"eval fits {method.name} on standardised pixels; --backbone is for deep methods")
    yield Progress("load", 0, 1, message=f"loading {Path(data).name}")
    dataset = load_dataset(data)
    try:
        split = make_split(protocol, dataset.labels, dataset.n_train_split, opts.seed)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    device = pick_device(opts.device)
    extra: dict[str, Any] = {}
    if method.kind == "deep":
        query_codes, db_codes, train_seconds, encode_seconds, extra = yield from _deep_codes(
            method, dataset, split, opts, device, cancel
        )
    else:
        yield Progress("train", 0, 1, message=f"fitting {method.name} on {len(split.train)} images")
        started = time.monotonic()
        features = pixel_features(dataset.images)
        linear = method.fit(features[split.train], opts.bits, seed=opts.seed)
        train_seconds = time.monotonic() - started
        started = time.monotonic()
        query_codes = pack_padded(linear.project(features[split.query]) > 0)
        db_codes = pack_padded(linear.project(features[split.database]) > 0)
        encode_seconds = time.monotonic() - started
        extra = {"features": "pixels (standardised per image)"}
    yield Progress("measure", 0, 1, message=f"{len(split.query)} queries against {len(split.database)} images")
    report = evaluate_codes(query_codes, dataset.labels[split.query], db_codes, dataset.labels[split.database], opts.bits)
    yield Finished(
        {
            "method": method.name,
            "bits": opts.bits,
            "protocol": protocol,
            "data": Path(data).name,
            "train_images": int(len(split.train)),
            "queries": int(len(split.query)),
            "database": int(len(split.database)),
            "map": report.map,
            "map_at_1000": report.map_at[1000],
            "p_at_r2": report.p_at_r2,
            "empty_at_r2": report.empty_at_r2,
            "pr": {"radius": report.radius, "precision": report.precision, "recall": report.recall},
            "p_at_n": report.p_at_n,
            "ties": "broken by database index",
            "train_seconds": train_seconds,
            "encode_seconds": encode_seconds,
            "device": describe_device(device),
            "seed": opts.seed,
            **extra,
        }
    )


def _deep_codes(method, dataset: Dataset, split, opts: EvalOptions, device: str, cancel):
    """Train a deep method on the protocol's training rows; codes of queries and database."""
    import torch

    from hashview.core.cpu_load import cpu_threads

    threads = torch.get_num_threads()
    if device == "cpu" and threads > 1:  # one thread already: nothing to measure
        torch.set_num_threads(min(threads, cpu_threads()))
    try:
        return (yield from _deep_fit_and_encode(method, dataset, split, opts, device, cancel))
    finally:
        torch.set_num_threads(threads)


def _deep_fit_and_encode(method, dataset: Dataset, split, opts: EvalOptions, device: str, cancel):
    from hashview.core.codes import pack_padded
    from hashview.core.methods.deep import DeepRun, fit_deep
    from hashview.core.network import encode_array, fit_array

    run = DeepRun(bits=opts.bits, epochs=opts.epochs, seed=opts.seed, backbone=opts.backbone,
                  batch_size=opts.batch_size, overrides=dict(opts.overrides or {}))
    labels = dataset.labels[split.train] if method.needs_labels or method.classifier else None
    yield Progress("train", 0, 1, message=f"training {method.name} on {len(split.train)} images")
    started = time.monotonic()
    try:
        model, stats = yield from fit_deep(method, dataset.images[split.train], labels, dataset.classes, run, device, cancel)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    train_seconds = time.monotonic() - started
    started = time.monotonic()
    net = model.config["net"]
    size, channels = net["input_size"], net["channels"]
    query_codes = pack_padded(encode_array(model, fit_array(dataset.images[split.query], size, channels), device))
    db_codes = pack_padded(encode_array(model, fit_array(dataset.images[split.database], size, channels), device))
    encode_seconds = time.monotonic() - started
    extra = {
        "features": f"{net['trunk']} network trained from scratch on {size} px input" if net["weights"] == "none"
        else f"{net['trunk']} ({net['weights']} weights) on {size} px input",
        "epochs": stats["epochs"],
        "backbone": net["trunk"],
        "input_size": size,
        "training": {k: v for k, v in stats.items() if k != "history"},
        "loss_history": [h["loss"] for h in stats["history"]],
        "epoch_seconds": [h["seconds"] for h in stats["history"]],
    }
    if hasattr(method, "describe_context"):
        extra["pseudo_labels"] = method.describe_context()
    return query_codes, db_codes, train_seconds, encode_seconds, extra
