"""What the deep methods share: defaults, batches, the fit loop, checkpoints.

A deep method module defines a subclass of ``DeepMethod`` with its paper's loss
(``loss``), its defaults (``DeepDefaults``), the activation of its hash layer,
and the parts it trains with (class layer, decoder). ``fit_deep`` does the rest
the same way for all of them, on a uint8 image array (from ``hashview eval``
or decoded from a library folder):

- resolves the run's parameters (the method's ``params`` and ``DeepRun.overrides``)
  into one ``FitContext`` (``fit_context.py``), the one argument of every hook;
- builds a ``HashNet`` (``network.py``) from a plain config, once per run;
- draws batches (``DeepMethod.epoch_batches``), augments colour photos with
  flips and 4-pixel shifts, sets the learning rate of every step;
- runs ``training.run_epochs`` (events out, cancel between steps, NaN caught),
  under bfloat16 autocast on CUDA and on CPUs with AMX, in plain float32 elsewhere;
- after every epoch writes a checkpoint (when given a path) that a later run
  with the same key resumes from;
- decides how long to train (``nets/stopping.py``): a method with ``DeepDefaults.stop``
  and no epoch count asked for holds a slice of its labelled images out, scores it
  after every epoch, cools the learning rate down once the score stops rising (or
  the time budget only fits the cool-down) and returns the best-scoring epoch's
  weights; ``DeepRun.epochs`` forces a count, and the others train their own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np

from hashview.core.cpu import cpu_threads
from hashview.core.errors import DataError, OptionError
from hashview.core.events import CancelToken, EpochDone, Progress, StepLoss
from hashview.core.methods.fit_context import FitContext, run_params
from hashview.core.nets.device import host_to
from hashview.core.nets.edit_vocabulary import rates_from_params
from hashview.core.nets.probe import RetrievalProbe, held_out_rows
from hashview.core.nets.stopping import StoppingRule, StopPlan, StopSettings

if TYPE_CHECKING:  # torch loads when a method trains, never at import
    import torch

    from hashview.core.nets.network import HashNet

# images ranked after each epoch for the live precision-recall curve and, without labels, the copy
# distance behind the suggested radius: a high percentile of 200 copies swung by a bit either way
# between probes of one network (dev set: a 95th percentile of 6 from 200, 7 from 1,000 copies)
PROBE_QUERIES = 1000
PROBE_DATABASE = 1000  # ...against this many: a fraction of a second on a CPU


@dataclass(frozen=True)
class DeepDefaults:
    """A deep method's training defaults (each overridable by the caller)."""

    epochs: int = 10  # passes over the training images
    batch_size: int = 128  # images per step
    lr: float = 1e-3  # peak learning rate
    optimizer: str = "adam"  # "adam" (AdamW) or "sgd" (momentum 0.9, Nesterov)
    weight_decay: float = 5e-4  # the papers' lambda ||W||^2 term, applied as decoupled weight decay
    schedule: str = "onecycle"  # "onecycle" (warm-up then linear to 0), "linear" (lr -> lr_end), "constant"
    lr_end: float = 0.0  # last learning rate of "linear"
    finetune: float = 0.0  # "linear": the last fraction of training, held at lr_end (a fine-tune)
    backbone: str = "auto"  # "auto": "dhln" for grey images, colour photos "cnn" (GPU) or "cnn-s" (CPU)
    input_size: int | None = None  # None: the data's own side (arrays) or 32 (folders), at most 64
    augment: bool = True  # flips and 4-px shifts, colour photos only (grey digits are not flipped)
    # None: a fixed plan of ``epochs``. Set: with no epoch count asked for, train until a held-out slice of the
    # labelled images stops improving (``nets/stopping.py``); ``epochs`` is then the plan's nominal length (its
    # warm-up lasts as long as one-cycle's over ``epochs``, SSDH's ramp too) and the fixed plan of a set too
    # small to hold images out
    stop: StopSettings | None = None


@dataclass(frozen=True)
class DeepRun:
    """What one training run asks for; None fields take the method's default."""

    bits: int
    backbone: str | None = None
    weights: str = "none"
    input_size: int | None = None
    epochs: int | None = None
    seed: int = 0
    batch_size: int | None = None
    lr: float | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # method hyper-parameters (e.g. {"beta": 0.5})
    budget_s: float | None = None  # wall-clock cap of the training loop (DupNet); None: the method's own
    cpu_bf16: bool | None = None  # on a CPU, train in bfloat16 (True) or float32 (False); None: as the CPU suits
    pairs: tuple[
        Sequence[int], ...
    ] = ()  # the user's decisions: rows (i, j, +1 same / -1 not a match) of the training images
    start_from: Path | None = None  # a network file whose weights the run refines (same network shape); None: scratch


def apply_run_options(run: DeepRun, options: Mapping[str, Any]) -> DeepRun:
    """``run`` with the options read at the edge (``runtime.RuntimeOptions.run_options``) filled in.

    What the run sets itself wins: its own overrides over the options' ones, its
    own budget and bfloat16 choice over theirs.
    """
    overrides = {**options.get("overrides", {}), **run.overrides}
    budget = run.budget_s if run.budget_s is not None else options.get("budget_s")
    cpu_bf16 = run.cpu_bf16 if run.cpu_bf16 is not None else options.get("cpu_bf16")
    return replace(run, overrides=overrides, budget_s=budget, cpu_bf16=cpu_bf16)


@dataclass
class Batch:
    """One training step's input: images in [0, 1] (NCHW, augmented), labels, row indices, progress."""

    x: torch.Tensor
    y: torch.Tensor | None  # None: the run has no labels
    index: np.ndarray
    # fraction of the whole run done before this step, in [0, 1); an open run (``stopping.py``) has no known end,
    # so there it is the fraction of the method's nominal plan (``DeepDefaults.epochs``), held below 1 after it
    progress: float = 0.0

    def labels(self) -> torch.Tensor:
        """``y`` for a method that needs labels (``fit_deep`` refuses to train one without them)."""
        if self.y is None:
            raise DataError("this method needs class labels")
        return self.y


class DeepMethod:
    """Base of the deep methods; a subclass names its paper above ``loss``."""

    kind: ClassVar[Literal["deep"]] = "deep"  # a literal: ``method.kind`` tells it from a ShallowMethod
    name = "?"
    title = "?"
    needs_labels = False
    activation = "linear"  # of the hash layer while training: sigmoid, steep_tanh, tanh, linear
    classifier = False  # trains a class layer on the code
    decoder = False  # trains a decoder (autoencoder)
    trims_borders = False  # sees pictures without their uniform frame (``network_config``'s ``trim_borders``)
    cuts_screens = False  # sees a screenshot of a photo as the photo (``network_config``'s ``cut_screens``)
    defaults = DeepDefaults()
    params: ClassVar[dict[str, float]] = {}  # the loss's hyper-parameters (see each module)

    def trunk_for(self, backbone: str | None, channels: int, device: str = "cpu") -> str:
        """The trunk to train: the one asked for, else the method's; "auto" picks by image and device."""
        name = backbone if backbone not in (None, "", "auto", "pixels") else self.defaults.backbone
        if name == "auto":
            name = "dhln" if channels == 1 else "cnn" if not device.startswith("cpu") else "cnn-s"
        return name

    def input_size_for(self, trunk: str, asked: int | None, data_side: int | None) -> int:
        from hashview.core.nets.network import SMALL_TRUNKS

        if asked:
            return int(asked)
        if self.defaults.input_size:
            return self.defaults.input_size
        if trunk in SMALL_TRUNKS:
            return min(int(data_side or 32), 64)
        return 224

    # The hooks below get one FitContext (fit_context.py): the run's images, labels, resolved
    # params, batch size, epochs, seed, device, and in ``ctx.state`` what ``prepare`` built.

    def prepare(self, ctx: FitContext, rng: np.random.Generator) -> Any:
        """Anything built once before training (DDH's pseudo pairs); ``fit_deep`` keeps it as ``ctx.state``."""
        return None

    def steps_per_epoch(self, ctx: FitContext) -> int:
        """Steps in one epoch (sets the learning-rate schedule): one pass over the images unless a method plans otherwise."""
        return max(ctx.n // ctx.batch_size, 1)

    def epoch_batches(self, ctx: FitContext, rng: np.random.Generator) -> Iterable[np.ndarray]:
        """Row indices of each step of one epoch: a shuffle cut into batches (the last partial one dropped)."""
        order = rng.permutation(ctx.n)
        steps = max(ctx.n // ctx.batch_size, 1)
        return [order[i * ctx.batch_size : (i + 1) * ctx.batch_size] for i in range(steps)]

    def start_epoch(self, model: HashNet, epoch: int, ctx: FitContext) -> None:
        """Called before each epoch (BAE raises its slope here; DupNet tells its plan which round runs)."""

    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        raise NotImplementedError

    def refine_run(self, run: DeepRun) -> DeepRun:
        """The run that refines a trained network (``run.start_from``) rather than training from zero:
        most methods train it as they would from scratch; DupNet plans far fewer steps."""
        return run


def class_layer(model: HashNet) -> torch.nn.Linear:
    """The class layer of a method with ``classifier = True`` (``HashNet`` builds it from the config's classes)."""
    if model.classifier is None:
        raise ValueError("this network has no class layer (its config names no classes)")
    return model.classifier


def lr_at(defaults: DeepDefaults, lr: float, progress: float) -> float:
    """Learning rate at ``progress`` in [0, 1) of training."""
    if defaults.schedule == "onecycle":
        warm = 0.15
        return lr * (progress / warm if progress < warm else max(1.0 - (progress - warm) / (1.0 - warm), 0.02))
    if defaults.schedule == "linear":
        ramp = max(1.0 - defaults.finetune, 1e-9)
        return lr + (defaults.lr_end - lr) * min(progress / ramp, 1.0)
    return lr


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random horizontal flips and shifts of up to 4 pixels (reflect-padded), per image, on x's device."""
    import torch
    import torch.nn.functional as F

    n, _c, h, w = x.shape
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(host_to(flip, x.device).view(n, 1, 1, 1), x.flip(3), x)
    pad = 4
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = host_to(torch.randint(0, 2 * pad + 1, (n,), generator=generator), x.device)
    dx = host_to(torch.randint(0, 2 * pad + 1, (n,), generator=generator), x.device)
    rows = (dy.view(n, 1) + torch.arange(h, device=x.device)).view(n, 1, h, 1).expand(n, x.shape[1], h, w + 2 * pad)
    padded = padded.gather(2, rows)
    cols = (dx.view(n, 1) + torch.arange(w, device=x.device)).view(n, 1, 1, w).expand(n, x.shape[1], h, w)
    return padded.gather(3, cols)


def network_input(
    method: DeepMethod, run: DeepRun, channels: int, data_side: int | None, device: str = "cpu"
) -> tuple[str, int]:
    """The trunk and input side a run of ``method`` trains: what a library decodes its photos to before the run."""
    trunk = method.trunk_for(run.backbone, channels, device)
    size = method.input_size_for(trunk, run.input_size, data_side)
    if trunk == "bae":
        size = max(8, math.ceil(size / 8) * 8)
    return trunk, size


def build_config(
    method: DeepMethod,
    run: DeepRun,
    channels: int,
    data_side: int | None,
    classes: list[str] | None,
    device: str = "cpu",
) -> dict[str, Any]:
    from hashview.core.nets.network import SMALL_TRUNKS, network_config

    trunk, size = network_input(method, run, channels, data_side, device)
    return network_config(
        method.name,
        run.bits,
        trunk,
        run.weights if trunk not in SMALL_TRUNKS else "none",
        channels,
        size,
        method.activation,
        classes if method.classifier else None,
        decoder=method.decoder,
        trim_borders=method.trims_borders,
        cut_screens=method.cuts_screens,
    )


@dataclass(frozen=True)
class _Setup:
    """What ``_fit`` needs besides the FitContext: the network's config, the optimiser's peak rate, cancel, checkpoint."""

    config: dict[str, Any]
    lr: float
    cancel: CancelToken | None = None
    checkpoint: Path | None = None
    checkpoint_key: dict[str, Any] = field(default_factory=dict)
    cpu_bf16: bool | None = None  # DeepRun.cpu_bf16
    start_from: Path | None = None  # DeepRun.start_from
    started: float = field(default_factory=time.monotonic)  # on a GPU the setup includes starting CUDA
    plan: StopPlan | None = None  # how long the run trains (None: a fixed plan of the context's epochs)
    held_out: tuple[np.ndarray, np.ndarray] | None = None  # an open run's held-out images and labels


def fit_deep(
    method: DeepMethod,
    images: np.ndarray,
    labels: np.ndarray | None,
    classes: list[str] | None,
    run: DeepRun,
    device: str = "cpu",
    cancel: CancelToken | None = None,
    checkpoint: Path | None = None,
    checkpoint_key: dict[str, Any] | None = None,
) -> Generator[Progress | StepLoss | EpochDone, None, tuple[HashNet, dict[str, Any]]]:
    """Train ``method`` on uint8 (n, h, w, c) ``images``; returns (HashNet on the CPU in eval mode, stats).

    Args:
        labels: integer class per image (needed when ``method.needs_labels``).
        checkpoint: a file written after each epoch; if it exists with the same
            ``checkpoint_key`` the run resumes after its last epoch.

    Raises:
        Cancelled: between steps; the last checkpoint (if any) stays for resuming.
        FloatingPointError: the loss stopped being finite.
        OptionError: bad options, e.g. an override the method has no parameter for (one line).
        DataError: no labels for a method that needs them, fewer than two images.
        BackboneError: the trunk cannot be built (weights not to be had).
    """
    import torch

    from hashview.core.nets.input_arrays import fit_array

    if method.needs_labels and labels is None:
        raise DataError(f"{method.name} needs class labels")
    if len(images) < 2:
        raise DataError(f"{method.name} needs at least two images to train on")
    if method.classifier and labels is not None and not classes:
        classes = [str(c) for c in range(int(np.max(labels)) + 1)]
    d = method.defaults
    held = _rows_to_hold_out(method, run, labels)
    plan = _plan(method, run, len(images), held, labels is not None)
    epochs = plan.epochs
    batch_size = int(min(run.batch_size or d.batch_size, len(images) - len(held)))
    params = run_params(method, run.overrides)
    channels = int(images.shape[3])
    config = build_config(method, run, channels, int(images.shape[1]), classes, device)  # the run's one config
    torch.manual_seed(run.seed)
    threads = torch.get_num_threads()
    if device == "cpu" and threads > 1:  # one thread already: nothing to measure
        torch.set_num_threads(min(threads, cpu_threads()))
    try:
        setup = _Setup(
            config,
            float(run.lr if run.lr is not None else d.lr),  # 0 is a rate (a refinement that keeps the weights)
            cancel,
            checkpoint,
            dict(checkpoint_key or {}),
            run.cpu_bf16,
            run.start_from,
            plan=plan,
        )
        size = config["net"]["input_size"]
        yield Progress("prepare", 0, 1, message=f"preparing {len(images)} images at {size} px")
        fitted = fit_array(images, size, channels)
        if len(held) and labels is not None:  # the held-out rows leave the training set here, before any step
            train = np.setdiff1d(np.arange(len(fitted)), held)
            setup = replace(setup, held_out=(fitted[held], np.asarray(labels)[held]))
            fitted, labels = fitted[train], np.asarray(labels)[train]
        ctx = FitContext(
            fitted,
            labels,
            params,
            batch_size,
            epochs,
            run.seed,
            device,
            run.budget_s,
            tuple(run.pairs),
        )
        return (yield from _fit(method, ctx, setup))
    finally:
        torch.set_num_threads(threads)


def _rows_to_hold_out(method: DeepMethod, run: DeepRun, labels: np.ndarray | None) -> np.ndarray:
    """The rows an open run holds out of training to score itself (empty: the run's plan is forced or fixed)."""
    stop = method.defaults.stop
    if stop is None or run.epochs or labels is None or run.pairs:
        return np.zeros(0, np.int64)
    return held_out_rows(labels, run.seed, stop.holdout_share, stop.holdout_cap, stop.holdout_least)


def _plan(method: DeepMethod, run: DeepRun, images: int, held: np.ndarray, labelled: bool) -> StopPlan:
    """The run's plan: open when rows are held out, forced by ``run.epochs``, else the method's own epochs."""
    d = method.defaults
    if len(held) and d.stop is not None:
        warmup = 0.15 * d.epochs  # as long as one-cycle's warm-up over the method's nominal plan
        return StopPlan.open(d.stop, images - len(held), len(held), warmup)
    if run.epochs:
        return StopPlan("forced", int(run.epochs), images=images)
    note = ""
    if d.stop is not None and labelled:
        note = f"{images} labelled images are too few to hold some out and stop by their score"
    return StopPlan("fixed", int(d.epochs), images=images, note=note)


def _fit(
    method: DeepMethod, ctx: FitContext, setup: _Setup
) -> Generator[Progress | StepLoss | EpochDone, None, tuple[HashNet, dict[str, Any]]]:
    import torch

    from hashview.core.nets.loop import run_epochs
    from hashview.core.nets.network import HashNet, train_autocast, train_compute
    from hashview.core.nets.network_file import NetworkFileError, load_network, save_network

    d = method.defaults
    config, device, epochs, checkpoint = setup.config, ctx.device, ctx.epochs, setup.checkpoint
    plan = setup.plan or StopPlan("fixed", epochs, images=ctx.n)
    rule = StoppingRule(plan)
    if d.stop is not None:  # the methods that stop by their probe say how long they will train
        yield Progress("plan", 0, 1, message=plan.describe())
    ctx = ctx.with_state(method.prepare(ctx, np.random.default_rng(ctx.seed)))
    # channels-last convolutions: about a third more images a second for the small trunks on a CPU
    # (two calls: torch's stubs have no overload of ``to`` with both a device and a memory format)
    model = HashNet(config)  # or BackboneError, a user's error
    if setup.start_from is not None:
        model.load_state_dict(_weights_to_refine(setup.start_from, config))
    model = model.to(device).to(memory_format=torch.channels_last)
    groups = [p for p in model.parameters() if p.requires_grad]
    optimizer: torch.optim.Optimizer
    if d.optimizer == "sgd":
        optimizer = torch.optim.SGD(groups, lr=setup.lr, momentum=0.9, nesterov=True, weight_decay=d.weight_decay)
    else:
        optimizer = torch.optim.AdamW(groups, lr=setup.lr, weight_decay=d.weight_decay)
    key: dict[str, Any] = {
        "method": method.name,
        "config": config,
        "epochs": epochs,
        "batch_size": ctx.batch_size,
        "lr": setup.lr,
        "params": ctx.params,
        "seed": ctx.seed,
        "images": ctx.n,
        "start_from": str(setup.start_from) if setup.start_from is not None else None,
        "plan": plan.as_dict(),
        **setup.checkpoint_key,
    }
    if ctx.pairs:  # other decisions, another run
        key["pairs"] = ctx.pairs
    start_epoch = 0
    history: list[dict[str, Any]] = []
    best_state: dict[str, torch.Tensor] | None = None  # an open run's best-scoring weights, on the CPU
    if checkpoint is not None and Path(checkpoint).is_file():
        try:
            saved_cfg, saved = load_network(Path(checkpoint))
            if saved_cfg.get("key") == _plain(key):
                model.load_state_dict(saved["model"])
                optimizer.load_state_dict(saved["optimizer"])
                start_epoch = int(saved_cfg["epoch"]) + 1
                history = list(saved_cfg.get("history", []))
                best_state = saved.get("best_model") or (dict(saved["model"]) if plan.kind == "open" else None)
                for past in history:  # the rule picks up where the run left off: curve, best epoch, cool-down
                    rule.update(int(past["epoch"]) - 1, past.get("map"), past.get("epoch_seconds", past["seconds"]))
                yield Progress("resume", start_epoch, epochs, message=f"resuming after epoch {start_epoch}")
        except (NetworkFileError, KeyError, RuntimeError, ValueError):
            start_epoch, history, best_state, rule = 0, [], None, StoppingRule(plan)
    x_all = torch.from_numpy(np.ascontiguousarray(ctx.images)).to(device)  # uint8 NHWC
    y_all = torch.from_numpy(np.asarray(ctx.labels, np.int64)).to(device) if ctx.labels is not None else None
    do_augment = d.augment and ctx.images.shape[3] == 3
    steps_per_epoch = method.steps_per_epoch(ctx)
    total_steps = epochs * steps_per_epoch

    def batches(epoch: int) -> Iterator[tuple[Batch]]:
        method.start_epoch(model, epoch, ctx)
        rng = np.random.default_rng([ctx.seed, epoch])
        gen = torch.Generator().manual_seed(ctx.seed * 1000 + epoch)
        for step, idx in enumerate(method.epoch_batches(ctx, rng)):
            done = epoch * steps_per_epoch + step
            if plan.kind == "open":  # no known end: warm-up, peak, and the cool-down once the rule starts it
                progress = min(done / (d.epochs * steps_per_epoch), 0.999)
                lr = setup.lr * rule.lr_scale(done / steps_per_epoch)
            else:
                progress = done / total_steps
                lr = lr_at(d, setup.lr, progress)
            for group in optimizer.param_groups:
                group["lr"] = lr
            index = host_to(torch.from_numpy(idx), device)
            x = x_all[index].permute(0, 3, 1, 2).float().div_(255.0)
            if do_augment:
                x = augment(x, gen)
            x = x.contiguous(memory_format=torch.channels_last)
            yield (Batch(x, y_all[index] if y_all is not None else None, idx, progress),)

    def loss_fn(net: HashNet, batch: Batch) -> torch.Tensor:
        with train_autocast(device, setup.cpu_bf16):
            return method.loss(net, batch, ctx)

    epoch_started = [time.monotonic()]

    if setup.held_out is not None and ctx.labels is not None:  # an open run: new photos against its training images
        probe = RetrievalProbe.held_out(*setup.held_out, ctx.images, ctx.labels, ctx.seed, PROBE_DATABASE)
    else:
        probe = RetrievalProbe(
            ctx.images,
            ctx.labels,
            seed=ctx.seed,
            queries=PROBE_QUERIES,
            database=PROBE_DATABASE,
            edit_rates=rates_from_params(ctx.params),  # a run that leaves a family out does not probe with it
        )
    phases = {"steps": 0.0, "probes": 0.0}  # this run's seconds in each, beside fit_seconds
    baseline: dict[str, Any] | None = None
    if setup.start_from is not None:  # the network refined, on the probe its refinement will face
        measured = probe.measure(model, device)
        baseline = {k: measured[k] for k in ("map", "copy_distance_q98") if k in measured}

    def after_epoch(epoch: int) -> dict[str, Any]:
        nonlocal best_state
        probe_started = time.monotonic()
        seconds = probe_started - epoch_started[0]
        stats: dict[str, Any] = {"lr": optimizer.param_groups[0]["lr"], "seconds": round(seconds, 2)}
        stats.update(probe.measure(model, device))  # mAP and the PR curve for the live plot
        ended = time.monotonic()
        decision = rule.update(epoch, stats.get("map"), ended - epoch_started[0])
        if decision.best and plan.kind == "open":  # copies, not views: the next steps change the weights
            best_state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        stats["epoch_seconds"] = round(ended - epoch_started[0], 2)
        stats["best_epoch"] = decision.best_epoch
        if decision.stop:
            stats["stop_reason"] = decision.reason
        epoch_started[0] = time.monotonic()
        phases["steps"] += seconds
        phases["probes"] += ended - probe_started
        return stats

    started = time.monotonic()
    phases["setup"] = started - setup.started
    events = run_epochs(
        model,
        batches,
        loss_fn,
        optimizer,
        epochs if not rule.stopped else start_epoch,  # a run that had already stopped trains no further epoch
        setup.cancel,
        evaluate=after_epoch,
        start_epoch=start_epoch,
        steps_per_epoch=steps_per_epoch,
        planned=rule.expected_epochs if plan.kind == "open" else None,
    )
    for event in events:
        if isinstance(event, EpochDone):
            history.append(
                {
                    "epoch": event.epoch + 1,
                    **{k: round(float(v), 5) for k, v in event.stats.items() if isinstance(v, (int, float))},
                }
            )
            if checkpoint is not None:
                state = {
                    "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                    "optimizer": optimizer.state_dict(),
                }
                if best_state is not None and rule.best_epoch != event.epoch + 1:  # resuming keeps the best too
                    state["best_model"] = best_state
                save_network(
                    Path(checkpoint),
                    {"kind": "checkpoint", "key": _plain(key), "epoch": event.epoch, "history": history},
                    state,
                )
        yield event
        if isinstance(event, EpochDone) and rule.stopped:  # an open run's rule ended it (or the planned count did)
            events.close()
            break
    kept = rule.kept_epoch()
    if plan.kind == "open" and best_state is not None and kept != rule.epochs_run:
        model.load_state_dict(best_state)  # the best held-out epoch, not the last
    model = model.cpu().eval()
    stopping = rule.summary()
    stats: dict[str, Any] = {
        "epochs": rule.epochs_run,  # trained (an open run: up to its stop)
        "resumed_at_epoch": start_epoch,
        "batch_size": ctx.batch_size,
        "lr": setup.lr,
        "optimizer": d.optimizer,
        "schedule": "warm-up, constant, cool-down" if plan.kind == "open" else d.schedule,
        "stopping": stopping,  # the plan, the probe's curve, the best and kept epochs, why it stopped
        "stop_reason": stopping["reason"],
        "params": ctx.params,
        "trunk": config["net"]["trunk"],
        "input_size": config["net"]["input_size"],
        "augment": do_augment,
        "history": history,
        "refined_from": str(setup.start_from) if setup.start_from is not None else None,
        "baseline": baseline,  # the probe's figures for the network it started from (None: from scratch)
        "fit_seconds": round(time.monotonic() - started, 2),
        "compute": train_compute(device, setup.cpu_bf16),  # bfloat16 or float32: what the steps ran in
        # where a run's time goes (seconds): on a GPU the steps are not all of it
        "phase_seconds": {k: round(v, 2) for k, v in phases.items()},
    }
    return model, stats


def _weights_to_refine(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    """The weights of network file ``path``, when its network has the shape ``config`` builds.

    Raises:
        OptionError: a network of another kind, length, trunk or input (one line naming both).
        NetworkFileError: the file is unreadable, damaged or altered.
    """
    from hashview.core.nets.network_file import load_network

    saved, state = load_network(path)

    def shape(cfg: dict[str, Any]) -> tuple[Any, ...]:
        net: Any = cfg.get("net")
        net = net if isinstance(net, dict) else {}
        parts = ("trunk", "channels", "input_size", "activation", "classes", "decoder")
        return (cfg.get("method"), cfg.get("bits"), *(net.get(k) for k in parts))

    if shape(saved) != shape(config):

        def said(cfg: dict[str, Any]) -> str:
            method, bits, trunk, _channels, size, *_rest = shape(cfg)
            return f"{method}, {bits} bits on {trunk} at {size} px"

        raise OptionError(f"cannot refine {Path(path).name}: it is {said(saved)}, this run trains {said(config)}")
    return state


def _plain(value: Any) -> Any:
    """JSON-like primitives (tuples become lists) so a stored key compares equal (any value: a key nests freely)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value
