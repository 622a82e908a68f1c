"""`hashview eval`: train a method on a labelled data set and measure its codes.

Reads a data set (an ``.npz`` with ``x_train, y_train`` and optionally
``x_test, y_test, classes``, or a folder with one subfolder per class), splits
it by a protocol (``protocols.py``), trains on the training part, encodes the
queries and the database, and reports the figures of ``metrics.py`` beside the
time each step took.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from hashview.core.errors import DataError
from hashview.core.events import CancelToken, EpochDone, Finished, Progress, StepLoss
from hashview.core.hamming.codes import pack_padded
from hashview.core.hamming.metrics import evaluate_codes
from hashview.core.methods import get_method
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.protocols import Split, make_split

if TYPE_CHECKING:
    from numpy.lib.npyio import NpzFile

    from hashview.core.methods.deep import DeepMethod

# what training a deep method yields, and what it gives back: query codes, database codes,
# train and encode seconds, the report's extra fields
_TrainEvent: TypeAlias = Progress | StepLoss | EpochDone
_DeepCodes: TypeAlias = tuple[np.ndarray, np.ndarray, float, float, dict[str, Any]]


@dataclass(frozen=True)
class EvalOptions:
    method: str
    bits: int
    protocol: str | None = None  # None: holdout
    epochs: int | None = None
    device: str = "auto"
    seed: int = 0
    backbone: str | None = None  # deep methods: a trunk name (None: the method's default)
    batch_size: int | None = None  # deep methods: images per step (None: the method's default)
    overrides: dict[str, Any] | None = None  # deep methods: loss hyper-parameters, e.g. {"beta": 0.5}
    runtime: RuntimeOptions = field(
        default_factory=RuntimeOptions
    )  # the environment's choices, read at the edge (runtime.py)


@dataclass(frozen=True)
class Dataset:
    images: np.ndarray  # (n, h, w, c) uint8, the training split first
    labels: np.ndarray  # (n,) int
    n_train_split: int
    classes: list[str]


def load_dataset(path: Path, folder_image_size: int = 32) -> Dataset:
    """Load an .npz or a folder of class folders into pooled arrays.

    Raises:
        DataError: one line naming the file and what an .npz must hold, for a
            missing, empty, truncated or foreign file, missing arrays, arrays
            of Python objects (never unpickled) or of the wrong shape.
    """
    path = Path(path)
    if path.is_dir():
        return _load_folder(path, folder_image_size)
    if not path.exists():
        raise DataError(f"no such data set: {path}")
    if not path.is_file():  # a FIFO or a device: never opened, it could block or never end
        raise DataError(f"{path.name} is not a regular file; {_NPZ_NEEDS}")
    x, y, n_train, classes = _read_npz(path)
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or y.ndim != 1 or len(x) != len(y):
        raise DataError(
            f"{path.name}: x_train must be (n, h, w, c) with one label per image in y_train, "
            f"not {x.shape} and {y.shape}"
        )
    if x.dtype.kind not in "uifb":
        raise DataError(f"{path.name}: x_train must hold numbers, not {x.dtype}")
    if y.dtype.kind not in "uib" and not (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        raise DataError(f"{path.name}: y_train must hold whole-number class labels, not {y.dtype}")
    return Dataset(x, y.astype(np.int64), n_train, classes)


_NPZ_NEEDS = "an .npz data set holds the arrays x_train and y_train (and may add x_test, y_test, classes)"
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """The training and test arrays of an .npz, pooled; every failure a ``DataError``.

    Arrays of Python objects are refused, never unpickled: an .npz from
    elsewhere could run code when unpickled, whatever numpy's message says.
    """
    name = path.name
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise DataError(f"cannot read {name}: {(exc.strerror or type(exc).__name__).lower()}") from None
    if not head:
        raise DataError(f"{name} is empty (0 bytes); {_NPZ_NEEDS}")
    if head.startswith(_NPY_MAGIC):
        raise DataError(f"{name} is a single .npy array, not an .npz archive; {_NPZ_NEEDS}")
    if not zipfile.is_zipfile(path):
        what = "is truncated or damaged" if head.startswith(_ZIP_MAGIC) else "is not an .npz archive"
        raise DataError(f"{name} {what}; {_NPZ_NEEDS}")
    try:
        data: NpzFile[Any] = np.load(path, allow_pickle=False)  # a zip archive (checked above): an NpzFile
    except Exception as exc:  # noqa: BLE001 - numpy and zipfile raise many kinds for a bad archive
        raise DataError(f"{name} is truncated or damaged ({type(exc).__name__}); {_NPZ_NEEDS}") from None
    with data:
        missing = [key for key in ("x_train", "y_train") if key not in data.files]
        if missing:
            raise DataError(f"{name} has no {' or '.join(missing)}; {_NPZ_NEEDS}")
        x, y = _array(data, "x_train", name), _array(data, "y_train", name)
        n_train = len(x) if x.ndim else 0
        if "x_test" in data.files and "y_test" in data.files:
            x_test, y_test = _array(data, "x_test", name), _array(data, "y_test", name)
            if x_test.shape[1:] != x.shape[1:] or y_test.ndim != y.ndim:
                raise DataError(
                    f"{name}: x_test must have the shape of x_train's images, not {x_test.shape} beside {x.shape}"
                )
            x = np.concatenate([x, x_test])
            y = np.concatenate([y, y_test])
        if "classes" in data.files:
            classes = [str(c) for c in _array(data, "classes", name)]
        else:
            classes = [str(c) for c in np.unique(y)] if y.ndim == 1 else []
    return x, y, n_train, classes


def _array(data: NpzFile[Any], key: str, name: str) -> np.ndarray:
    """One array of an open .npz; a damaged member or an object array is a ``DataError``."""
    try:
        return data[key]
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "object" in str(exc).lower():
            raise DataError(
                f"{name}: {key} holds Python objects, which hashview never unpickles; save it as a numeric array"
            ) from None
        raise DataError(f"{name}: {key} is damaged ({type(exc).__name__}); {_NPZ_NEEDS}") from None
    except MemoryError:
        raise DataError(f"{name}: {key} is too large to load") from None
    except Exception as exc:  # noqa: BLE001 - zipfile, zlib and numpy errors of a damaged member
        raise DataError(f"{name}: {key} is truncated or damaged ({type(exc).__name__})") from None


def _load_folder(root: Path, size: int) -> Dataset:
    from PIL import Image

    from hashview.core.images.decode import IMAGE_SUFFIXES, BadImageError, load_rgb

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


def evaluate_method(
    data: Path, opts: EvalOptions, cancel: CancelToken | None = None
) -> Generator[_TrainEvent | Finished, None, None]:
    """Train ``opts.method`` on the protocol's training set, then measure; ends with Finished(report)."""
    from hashview.core.nets.device import describe_device, pick_device

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
    split = make_split(protocol, dataset.labels, dataset.n_train_split, opts.seed)  # or DataError
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
    report = evaluate_codes(
        query_codes, dataset.labels[split.query], db_codes, dataset.labels[split.database], opts.bits
    )
    yield Finished(
        {
            "method": method.name,
            "bits": opts.bits,
            "protocol": protocol,
            "data": Path(data).name,
            "train_images": len(split.train),
            "queries": len(split.query),
            "database": len(split.database),
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


def _deep_codes(
    method: DeepMethod, dataset: Dataset, split: Split, opts: EvalOptions, device: str, cancel: CancelToken | None
) -> Generator[_TrainEvent, None, _DeepCodes]:
    """Train a deep method on the protocol's training rows; codes of queries and database."""
    import torch

    from hashview.core.cpu import cpu_threads

    threads = torch.get_num_threads()
    if device == "cpu" and threads > 1:  # one thread already: nothing to measure
        torch.set_num_threads(min(threads, cpu_threads()))
    try:
        return (yield from _deep_fit_and_encode(method, dataset, split, opts, device, cancel))
    finally:
        torch.set_num_threads(threads)


def _deep_fit_and_encode(
    method: DeepMethod, dataset: Dataset, split: Split, opts: EvalOptions, device: str, cancel: CancelToken | None
) -> Generator[_TrainEvent, None, _DeepCodes]:
    from hashview.core.hamming.codes import pack_padded
    from hashview.core.methods.deep import DeepRun, apply_run_options, fit_deep
    from hashview.core.nets.input_arrays import fit_array
    from hashview.core.nets.network import encode_array

    run = DeepRun(
        bits=opts.bits,
        epochs=opts.epochs,
        seed=opts.seed,
        backbone=opts.backbone,
        batch_size=opts.batch_size,
        overrides=dict(opts.overrides or {}),
    )
    labels = dataset.labels[split.train] if method.needs_labels or method.classifier else None
    yield Progress("train", 0, 1, message=f"training {method.name} on {len(split.train)} images")
    started = time.monotonic()
    run = apply_run_options(run, opts.runtime.run_options())
    # a bad option or too little data is a HashviewError (one line); any other error is a bug and keeps its traceback
    model, stats = yield from fit_deep(
        method, dataset.images[split.train], labels, dataset.classes, run, device, cancel
    )
    train_seconds = time.monotonic() - started
    started = time.monotonic()
    net = model.config["net"]
    size, channels = net["input_size"], net["channels"]
    query_codes = pack_padded(encode_array(model, fit_array(dataset.images[split.query], size, channels), device))
    db_codes = pack_padded(encode_array(model, fit_array(dataset.images[split.database], size, channels), device))
    encode_seconds = time.monotonic() - started
    extra: dict[str, Any] = {
        "features": f"{net['trunk']} network trained from scratch on {size} px input"
        if net["weights"] == "none"
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
