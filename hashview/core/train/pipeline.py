"""Training: the options, the shallow fit, and the epoch loop deep methods plug into.

Everything here is a generator of events (``events.py``) that checks its
cancel token between steps. Cancelling means: stop at the next step boundary,
write nothing, and leave the previous network current; a network file and its
summary are written only once training has finished, each atomically.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from hashview.core.catalog.records import Entry
from hashview.core.errors import LibraryError, OptionError
from hashview.core.events import CancelToken, EpochDone, Progress, Skipped, StepLoss
from hashview.core.hamming.codes import CodeSet
from hashview.core.methods import (
    DEFAULT_BITS,
    LABEL_SOURCES,
    UnknownMethodError,
    get_method,
    method_traits,
    methods_for_labels,
    recommended_method,
)
from hashview.core.nets.shelf import NetworkInfo, NetworkShelf, new_network_id
from hashview.core.runtime import RuntimeOptions

if TYPE_CHECKING:  # the method and hasher modules load when a run starts (deep ones bring torch)
    from hashview.core.methods.deep import DeepMethod
    from hashview.core.methods.hasher import DeepHasher, ShallowHasher
    from hashview.core.methods.shallow import ShallowMethod

TrainEvent: TypeAlias = Progress | Skipped | StepLoss | EpochDone  # what a training run yields
# Defaults of `hashview train`, one per field.
BITS_CHOICES = tuple(range(8, 1025, 8))
MAX_FIT_SAMPLES = 50_000  # shallow methods fit on at most this many images (a random subset)


# Counts that must be 1 or more when given, with the flag that sets each (None means "the default").
_COUNTS = {"bits": "--bits", "epochs": "--epochs", "batch_size": "--batch-size", "input_size": "--input-size"}


@dataclass(frozen=True)
class TrainOptions:
    method: str | None = None  # None: the recommended method for the library
    bits: int | None = None  # code length K, a multiple of 8 from 8 to 1024; None: the method's (default_bits)
    backbone: str | None = None  # None or "auto": the method's default (see methods.method_traits)
    weights: str = "none"  # torchvision backbones: "none" (from scratch), "imagenet", or a weights file
    input_size: int | None = None  # None: the feature's default (16 for pixels, 224 for backbones)
    # None: the method's plan (ssdh, dhln, dshsre: until a held-out slice stops improving); a count forces it
    epochs: int | None = None
    batch_size: int | None = None  # deep methods: None is the method's default
    device: str = "auto"  # auto, cpu, cuda, mps
    # "folders": first-level subfolder names as classes; "decisions": the user's pairs; "none";
    # "auto": decisions where the library has some and the method can use them, else none (``Library.train`` decides)
    labels: str = "auto"
    name: str | None = None  # None: "<method>-<bits>"
    seed: int = 0  # for sampling and initialisation
    pairs: tuple[
        tuple[int, int, int], ...
    ] = ()  # labels "decisions": (file id, file id, Verdict.sign: +1 same / -1 different)
    runtime: RuntimeOptions | None = None  # the environment's choices (runtime.py); None: the library's
    # what the run starts from: "auto" (``Library.train``: DupNet refines the library's DupNet network or the
    # shipped general one), "scratch", a network's name or id (``Library.train`` resolves it), or a network file
    start_from: str = "auto"
    # True: the new network is saved and encoded but the current one stays current (``summary["kept"]``): the app
    # asks before it replaces a network the library already answers with; a refinement keeps its own switch rule
    keep_current: bool = False

    def __post_init__(self) -> None:
        """Refuse zero or negative counts here, where every front end passes: ``epochs=-3`` trained no step
        and made the untrained network current, ``epochs=0`` silently meant the method's default."""
        for name, flag in _COUNTS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise OptionError(
                    f"{flag} must be a whole number of 1 or more, not {value!r} (leave it out for the method's default)"
                )


@dataclass(frozen=True)
class TrainOutcome:
    """What a finished training run made: the network, its hasher, codes it already computed."""

    info: NetworkInfo
    hasher: ShallowHasher | DeepHasher
    codes: CodeSet | None
    summary: dict[str, Any]
    upright: CodeSet | None = None  # the upright-turn codes of a network that keeps them (``finds_turned_copies``)
    tone: CodeSet | None = None  # the tone hashes, for a network whose library keeps them (``keeps_tone_hashes``)


def default_bits(opts: TrainOptions) -> int:
    """The code length ``opts`` asks for: its own, else its method's (``MethodTraits.bits``)."""
    if opts.bits is not None:
        return opts.bits
    try:
        return method_traits(method_name(opts)).bits
    except UnknownMethodError:  # check_options names it
        return DEFAULT_BITS


def check_options(opts: TrainOptions, entries: Sequence[Entry]) -> None:
    """Refuse impossible requests up front with one-line reasons (``OptionError``, a ``ValueError`` too)."""
    if opts.bits not in BITS_CHOICES:
        raise OptionError(f"--bits must be a multiple of 8 from 8 to 1024, not {opts.bits}")
    if opts.batch_size is not None and not 2 <= opts.batch_size <= 65536:
        raise OptionError(f"--batch-size must be from 2 to 65536, not {opts.batch_size}")
    if opts.input_size is not None and not 8 <= opts.input_size <= 1024:
        raise OptionError(f"--input-size must be from 8 to 1024 pixels, not {opts.input_size}")
    if opts.labels not in LABEL_SOURCES:
        raise OptionError(f"--labels must be one of {', '.join(LABEL_SOURCES)}, not {opts.labels!r}")
    name = method_name(opts)
    method = get_method(name)
    traits = method_traits(name)
    if opts.labels not in traits.labels:
        raise OptionError(_labels_mismatch(name, traits.labels, opts.labels))
    if method.needs_labels and not any(e.label for e in entries):
        raise OptionError(f"{name} needs class labels but no image is in a first-level subfolder")
    if opts.labels == "decisions" and not opts.pairs:
        raise OptionError(
            "no duplicate decisions in this library yet: mark photos 'same picture' or 'not a match' "
            "in the duplicates explorer first, or train with --labels none"
        )
    if (
        opts.backbone not in (None, "", "auto")
        and opts.backbone not in traits.backbones + _DEFAULT_ALIASES[traits.kind]
    ):
        raise OptionError(f"{name} cannot be built on {opts.backbone!r}; choose one of {', '.join(traits.backbones)}")


# Backbone names that mean "the method's default" besides None and "auto": deep methods
# take "pixels" (what the app sent before trunks were listed) as their default trunk.
_DEFAULT_ALIASES = {"shallow": (), "deep": ("pixels",)}


def _labels_mismatch(name: str, accepted: tuple[str, ...], asked: str) -> str:
    if accepted == ("folders",):
        return f"{name} needs class labels: organise the folder by class and use --labels folders"
    if asked == "decisions":
        return (
            f"{name} cannot train on duplicate decisions; {', '.join(methods_for_labels('decisions'))} can "
            "(or use --labels none)"
        )
    return (
        f"{name} learns without class labels; use --labels none, or a supervised method "
        f"({', '.join(methods_for_labels('folders'))}) with --labels folders"
    )


def train_network(
    entries: Sequence[Entry], opts: TrainOptions, shelf: NetworkShelf, cancel: CancelToken | None = None
) -> Generator[TrainEvent, None, TrainOutcome]:
    """Train the method of ``opts`` on ``entries`` and save it on ``shelf``."""
    bits = default_bits(opts)
    opts = replace(opts, bits=bits)
    check_options(opts, entries)
    method = get_method(method_name(opts))
    if method.kind == "shallow":
        return (yield from _train_shallow(method, entries, opts, bits, shelf, cancel))
    return (yield from _train_deep(method, entries, opts, bits, shelf, cancel))


def method_name(opts: TrainOptions) -> str:
    """The method of ``opts``: the one named, else the recommended one for its label source."""
    return opts.method or recommended_method(opts.labels)


def _train_shallow(
    method: ShallowMethod,
    entries: Sequence[Entry],
    opts: TrainOptions,
    bits: int,
    shelf: NetworkShelf,
    cancel: CancelToken | None,
) -> Generator[TrainEvent, None, TrainOutcome]:
    """Fit a shallow method on the library's features (``bits``: the code length, ``opts.bits`` resolved)."""
    from hashview.core.methods.hasher import shallow_hasher_from_fit
    from hashview.core.nets.device import describe_device, pick_device
    from hashview.core.nets.features import PIXELS, FeatureSpec, extract_features

    device = pick_device(opts.device)
    kind = opts.backbone if opts.backbone not in (None, "", "auto") else PIXELS
    spec = FeatureSpec(
        kind, opts.weights if kind != PIXELS else "none", opts.input_size or (16 if kind == PIXELS else 224)
    )
    backbone = None
    if kind != PIXELS:
        from hashview.core.nets.backbones import BackboneSpec, build_backbone

        backbone, _dim = build_backbone(BackboneSpec(spec.kind, spec.weights, spec.input_size))  # or BackboneError
    started = time.monotonic()
    features = yield from extract_features([e.path for e in entries], spec, device, cancel, backbone=backbone)
    if len(features.ok) == 0:
        raise LibraryError("no image in the library could be decoded")
    yield Progress("fit", 0, 1, message=f"fitting {method.name}")
    rng = np.random.default_rng(opts.seed)
    sample = features.features
    if len(sample) > MAX_FIT_SAMPLES:
        sample = sample[rng.choice(len(sample), MAX_FIT_SAMPLES, replace=False)]
    if cancel is not None:
        cancel.raise_if_cancelled()
    linear = method.fit(sample, bits, seed=opts.seed)
    seconds = time.monotonic() - started
    yield Progress("fit", 1, 1, message=f"fitted {method.name}")
    name = opts.name or f"{method.name}-{bits}"
    network_id = new_network_id(name)
    config = {
        "kind": "shallow",
        "name": name,
        "method": method.name,
        "bits": bits,
        "features": spec.to_config(),
        "labels": opts.labels,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "options": _options(opts),
        "stats": {
            "images": len(features.ok),
            "train_seconds": round(seconds, 3),
            "device": describe_device(device),
        },
    }
    hasher = shallow_hasher_from_fit(config, linear, backbone)
    hasher.save(shelf.weights_path(network_id))
    info = shelf.add(network_id, config)
    ids = np.array([entries[i].id for i in features.ok.tolist()], np.int64)
    order = np.argsort(ids, kind="stable")
    codes = CodeSet(ids[order], hasher.codes_from_features(features.features)[order], bits)
    return TrainOutcome(info, hasher, codes, {"images": len(features.ok), "train_seconds": round(seconds, 3)})


def _decode_library(
    entries: Sequence[Entry],
    size: int,
    channels: int,
    cancel: CancelToken | None,
    trim: bool = False,
    cut: bool = False,
) -> Generator[Progress | Skipped, None, tuple[np.ndarray, np.ndarray]]:
    """Decode every entry to a uint8 (n, size, size, channels) array; returns (ok rows, images).

    ``trim``, ``cut``: as a network with ``trim_borders``, ``cut_screens`` sees them (``seen_by_network``).
    """
    from hashview.core.nets.features import map_decoded
    from hashview.core.nets.input_arrays import images_to_array

    ok, rows = yield from map_decoded(
        [e.path for e in entries],
        max(4 * size, 64),
        lambda images: images_to_array(images, size, channels, trim, cut),
        "decode",
        cancel,
        batch_size=256,
    )
    images = np.concatenate(rows) if rows else np.zeros((0, size, size, channels), np.uint8)
    return ok, images


def checkpoint_path(shelf: NetworkShelf, name: str) -> Path:
    """Where a run of network ``name`` keeps its checkpoint while it trains (beside the networks)."""
    return shelf.directory / f"{name}.checkpoint.pt"


def _train_deep(
    method: DeepMethod,
    entries: Sequence[Entry],
    opts: TrainOptions,
    bits: int,
    shelf: NetworkShelf,
    cancel: CancelToken | None,
) -> Generator[TrainEvent, None, TrainOutcome]:
    """Decode the library, train a deep method on it, save the network, return its codes.

    Labelled methods train on the entries that have a label and still encode every
    image. A checkpoint beside the networks is written after each epoch; a run with
    the same options on the same images resumes from it, and it is removed once the
    network file is written. Cancelling leaves the checkpoint and no network.
    """
    import hashlib

    from hashview.core.hamming.codes import pack_codes
    from hashview.core.images.tone_hash import TONE_BITS, tone_hashes
    from hashview.core.methods.deep import DeepRun, apply_run_options, fit_deep, network_input
    from hashview.core.methods.hasher import DeepHasher, finds_turned_copies, keeps_tone_hashes
    from hashview.core.nets.device import describe_device, pick_device
    from hashview.core.nets.network import encode_array, encode_upright

    device = pick_device(opts.device)
    run = DeepRun(
        bits=bits,
        backbone=opts.backbone,
        weights=opts.weights,
        input_size=opts.input_size,
        epochs=opts.epochs,
        seed=opts.seed,
        batch_size=opts.batch_size,
    )
    run = apply_run_options(run, (opts.runtime or RuntimeOptions()).run_options())
    if opts.start_from not in ("auto", "scratch"):
        run = method.refine_run(replace(run, start_from=Path(opts.start_from)))
    channels = 3
    _trunk, size = network_input(
        method, run, channels, None, device
    )  # the side to decode at; fit_deep builds the config
    started = time.monotonic()
    ok, images = yield from _decode_library(entries, size, channels, cancel, method.trims_borders, method.cuts_screens)
    decoded = time.monotonic()
    if len(ok) < 2:
        raise LibraryError(f"{method.name} needs at least two readable images, the library has {len(ok)}")
    train_rows = np.arange(len(ok))
    labels: np.ndarray | None = None
    classes: list[str] | None = None
    if method.needs_labels or (method.classifier and opts.labels == "folders"):
        names = [entries[i].label for i in ok.tolist()]
        classes = sorted({n for n in names if n})
        if len(classes) < 2:
            raise LibraryError(
                f"{method.name} needs at least two classes (first-level subfolders), found {len(classes)}"
            )
        train_rows = np.array([r for r, n in enumerate(names) if n], np.int64)
        lookup = {c: k for k, c in enumerate(classes)}
        labels = np.array([lookup[names[r]] for r in train_rows.tolist()], np.int64)
    if opts.labels == "decisions":  # check_options: a method that uses pairs, and some pairs
        row_of = {entries[i].id: r for r, i in enumerate(ok[train_rows].tolist())}
        rows = [[row_of[a], row_of[b], int(v)] for a, b, v in opts.pairs if a in row_of and b in row_of]
        if not rows:
            raise LibraryError("none of the decided pairs is between two readable images of the library")
        run = replace(run, pairs=tuple(rows))
    name = opts.name or f"{method.name}-{bits}"
    ids = np.array([entries[i].id for i in ok.tolist()], np.int64)
    digest = hashlib.sha1(
        np.sort(ids).tobytes() + np.asarray(labels if labels is not None else [], np.int64).tobytes()
    ).hexdigest()
    checkpoint = checkpoint_path(shelf, check_name_for_file(name))
    model, stats = yield from fit_deep(
        method,
        images[train_rows],
        labels,
        classes,
        run,
        device,
        cancel,
        checkpoint=checkpoint,
        checkpoint_key={"images_digest": digest, "device": device.split(":")[0]},
    )
    seconds = time.monotonic() - started
    encode_started = time.monotonic()
    packed = pack_codes(encode_array(model, images, device))
    upright = encode_upright(model, images, packed, device) if finds_turned_copies(model.config) else None
    tone = tone_hashes(images) if keeps_tone_hashes(model.config) else None  # of the pictures the network saw
    model.cpu()
    phases = {
        "decode": round(decoded - started, 2),
        **stats.pop("phase_seconds"),
        "encode": round(time.monotonic() - encode_started, 2),
    }
    network_id = new_network_id(name)
    config = {
        **model.config,
        "name": name,
        "labels": opts.labels,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "options": _options(opts),
        "stats": {
            "images": len(ok),
            "train_images": len(train_rows),
            "train_seconds": round(seconds, 3),
            "device": describe_device(device),
            **stats,
            "phase_seconds": phases,
            # the kept epoch's probe (nets/probe.py; an open run's best held-out epoch, else the last):
            # what the networks panel shows as mAP
            "map": _kept_map(stats),
        },
    }
    model.config = config
    hasher = DeepHasher(config, model)
    hasher.save(shelf.weights_path(network_id))
    info = shelf.add(network_id, config)
    checkpoint.unlink(missing_ok=True)
    order = np.argsort(ids, kind="stable")
    codes = CodeSet(ids[order], packed[order], bits)
    upright_set = CodeSet(ids[order], upright[order], bits) if upright is not None else None
    tone_set = CodeSet(ids[order], tone[order], TONE_BITS) if tone is not None else None
    summary = {
        "images": len(ok),
        "train_seconds": round(seconds, 3),
        "epochs": stats["epochs"],
        "resumed_at_epoch": stats["resumed_at_epoch"],
        "loss": [h["loss"] for h in stats["history"]],
        "map": _kept_map(stats),
        "baseline": stats.get("baseline"),  # the probe's figures for the network refined (None: from scratch)
        "stopping": stats["stopping"],  # the plan, the probe's curve, the kept epoch (nets/stopping.py)
        "stop_reason": stats["stop_reason"],
    }
    return TrainOutcome(info, hasher, codes, summary, upright_set, tone_set)


def _kept_map(stats: dict[str, Any]) -> float | None:
    """The probe's mAP of the epoch a run kept (an open run's best held-out one), else of its last epoch."""
    kept = (stats.get("stopping") or {}).get("kept_map")
    if kept is not None:
        return float(kept)
    last: float | None = stats["history"][-1].get("map") if stats["history"] else None
    return last


def _options(opts: TrainOptions) -> dict[str, Any]:
    """The options as the network file records them (decision pairs as a count)."""
    out = {k: v for k, v in asdict(opts).items() if k not in ("name", "pairs", "runtime")}
    out["decision_pairs"] = len(opts.pairs) if opts.labels == "decisions" else 0
    return out


def check_name_for_file(name: str) -> str:
    from hashview.core.nets.shelf import check_name

    return check_name(name)
