"""Training: the options, the shallow fit, and the epoch loop deep methods plug into.

Everything here is a generator of events (``events.py``) that checks its
cancel token between steps. Cancelling means: stop at the next step boundary,
write nothing, and leave the previous network current; a network file and its
summary are written only once training has finished, each atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hashview.core.catalog import Entry
from hashview.core.codes import CodeSet
from hashview.core.events import CancelToken, EpochDone, Progress, StepLoss
from hashview.core.methods import DEFAULT_METHOD, get_method
from hashview.core.networks import NetworkInfo, NetworkShelf, new_network_id

# Defaults of `hashview train`, one per field.
BITS_CHOICES = tuple(range(8, 1025, 8))
MAX_FIT_SAMPLES = 50_000  # shallow methods fit on at most this many images (a random subset)


@dataclass(frozen=True)
class TrainOptions:
    method: str | None = None      # None: the recommended method for the library
    bits: int = 64                 # code length K, a multiple of 8 from 8 to 1024
    backbone: str | None = None    # None: the method's default ("pixels" for shallow methods)
    weights: str = "none"          # "none" (from scratch), "imagenet", or a weights file
    input_size: int | None = None  # None: the feature's default (16 for pixels, 224 for backbones)
    epochs: int | None = None      # None: the method's default (shallow methods have no epochs)
    device: str = "auto"           # auto, cpu, cuda, mps
    labels: str = "none"           # "folders": first-level subfolder names; "none"
    name: str | None = None        # None: "<method>-<bits>"
    seed: int = 0                  # for sampling and initialisation


@dataclass(frozen=True)
class TrainOutcome:
    """What a finished training run made: the network, its hasher, codes it already computed."""

    info: NetworkInfo
    hasher: Any
    codes: CodeSet | None
    summary: dict[str, Any]


def check_options(opts: TrainOptions, entries: Sequence[Entry]) -> None:
    """Refuse impossible requests up front with one-line reasons (ValueError)."""
    if opts.bits not in BITS_CHOICES:
        raise ValueError(f"--bits must be a multiple of 8 from 8 to 1024, not {opts.bits}")
    if opts.labels not in ("folders", "none"):
        raise ValueError(f"--labels must be 'folders' or 'none', not {opts.labels!r}")
    method = get_method(opts.method or DEFAULT_METHOD)
    if method.needs_labels:
        if opts.labels != "folders":
            raise ValueError(f"{method.name} needs class labels: organise the folder by class and use --labels folders")
        if not any(e.label for e in entries):
            raise ValueError(f"{method.name} needs class labels but no image is in a first-level subfolder")


def train_network(
    entries: Sequence[Entry], opts: TrainOptions, shelf: NetworkShelf, cancel: CancelToken | None = None
) -> Generator[Any, None, TrainOutcome]:
    """Train the method of ``opts`` on ``entries`` and save it on ``shelf``."""
    check_options(opts, entries)
    method = get_method(opts.method or DEFAULT_METHOD)
    if method.kind == "shallow":
        return (yield from _train_shallow(method, entries, opts, shelf, cancel))
    raise ValueError(f"{method.name} cannot be trained on a folder yet")


def _train_shallow(method, entries, opts: TrainOptions, shelf: NetworkShelf, cancel) -> Generator[Any, None, TrainOutcome]:
    from hashview.core.device import describe_device, pick_device
    from hashview.core.features import PIXELS, FeatureSpec, extract_features
    from hashview.core.hasher import shallow_hasher_from_fit

    device = pick_device(opts.device)
    kind = opts.backbone or PIXELS
    spec = FeatureSpec(kind, opts.weights if kind != PIXELS else "none", opts.input_size or (16 if kind == PIXELS else 224))
    backbone = None
    if kind != PIXELS:
        from hashview.core.backbones import BackboneError, BackboneSpec, build_backbone

        try:
            backbone, _dim = build_backbone(BackboneSpec(spec.kind, spec.weights, spec.input_size))
        except BackboneError as exc:
            raise ValueError(str(exc)) from None
    started = time.monotonic()
    features = yield from extract_features([e.path for e in entries], spec, device, cancel, backbone=backbone)
    if len(features.ok) == 0:
        raise ValueError("no image in the library could be decoded")
    yield Progress("fit", 0, 1, message=f"fitting {method.name}")
    rng = np.random.default_rng(opts.seed)
    sample = features.features
    if len(sample) > MAX_FIT_SAMPLES:
        sample = sample[rng.choice(len(sample), MAX_FIT_SAMPLES, replace=False)]
    if cancel is not None:
        cancel.raise_if_cancelled()
    linear = method.fit(sample, opts.bits, seed=opts.seed)
    seconds = time.monotonic() - started
    yield Progress("fit", 1, 1, message=f"fitted {method.name}")
    name = opts.name or f"{method.name}-{opts.bits}"
    network_id = new_network_id(name)
    config = {
        "kind": "shallow",
        "name": name,
        "method": method.name,
        "bits": opts.bits,
        "features": spec.to_config(),
        "labels": opts.labels,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "options": {k: v for k, v in asdict(opts).items() if k != "name"},
        "stats": {"images": int(len(features.ok)), "train_seconds": round(seconds, 3), "device": describe_device(device)},
    }
    hasher = shallow_hasher_from_fit(config, linear, backbone)
    hasher.save(shelf.weights_path(network_id))
    info = shelf.add(network_id, config)
    ids = np.array([entries[i].id for i in features.ok.tolist()], np.int64)
    order = np.argsort(ids, kind="stable")
    codes = CodeSet(ids[order], hasher.codes_from_features(features.features)[order], opts.bits)
    return TrainOutcome(info, hasher, codes, {"images": int(len(features.ok)), "train_seconds": round(seconds, 3)})


def run_epochs(
    model,
    batches: Callable[[int], Iterable[tuple[Any, ...]]],
    loss_fn: Callable[..., Any],
    optimizer,
    epochs: int,
    cancel: CancelToken | None = None,
    evaluate: Callable[[int], dict[str, Any]] | None = None,
    scheduler=None,
    start_epoch: int = 0,
) -> Generator[StepLoss | EpochDone, None, list[dict[str, Any]]]:
    """The epoch loop every deep method uses: one step per batch, events out, cancel between steps.

    Args:
        batches: ``batches(epoch)`` yields tuples passed to ``loss_fn(model, *batch)``,
            which returns a scalar loss tensor.
        evaluate: called after each epoch; its dict goes into ``EpochDone.stats``.
        start_epoch: the first epoch to run (resuming from a checkpoint).

    Returns:
        The stats dict of every epoch.

    Raises:
        Cancelled: between two steps, when ``cancel`` is set.
        FloatingPointError: when the loss stops being finite.
    """
    import math

    history = []
    for epoch in range(start_epoch, epochs):
        model.train()
        total, steps = 0.0, 0
        for step, batch in enumerate(batches(epoch)):
            if cancel is not None:
                cancel.raise_if_cancelled()
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model, *batch)
            value = float(loss.detach())
            if not math.isfinite(value):
                raise FloatingPointError(f"the loss became {value} at epoch {epoch + 1}, step {step + 1}")
            loss.backward()
            optimizer.step()
            total += value
            steps += 1
            yield StepLoss(epoch, step, value)
        if scheduler is not None:
            scheduler.step()
        stats = {"loss": total / max(steps, 1), "steps": steps}
        if evaluate is not None:
            model.eval()
            stats.update(evaluate(epoch))
        history.append(stats)
        yield EpochDone(epoch, stats)
    return history
