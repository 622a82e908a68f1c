"""DupNet: a duplicate finder learnt from the library itself (self-supervised, contrastive).

Unsupervised, no pretrained weights. Two random synthetic edits of one photo
(``core/nets/edits/``: the vocabulary of copies people make, from crops,
frames and screenshots to tone, colour, filters, overlays, blur, noise and
recompression, ``core/nets/edit_vocabulary.py``; mirrors and turns are in it
at rate 0) are a positive pair; every other photo in the batch is a
negative. The network learns exactly the invariance a duplicate finder needs
and nothing more: a crop of the photo stays close, the next quadrant of the
same wallpaper does not. After training the codes ``u >= 0`` of a photo and
of its edited copies are a few bits apart, and
``library.duplicates.suggested_radius`` reads the radius off the codes' own
distances.

Hard negatives: the two disjoint halves of a few photos per step are pushed
apart, so two parts of one texture (grass, wood, one wallpaper's quadrants),
which share every colour and style statistic, get different codes; and the
training probe records how far synthetic copies land, which the suggested
radius respects (``radius.suggest_radius``).

Trained with the label source "decisions", the pairs the user decided in the
duplicates explorer (``FitContext.pairs``: rows of the training images with +1
"same picture" or -1 "not a match") join every step: "same" pairs as extra
positives, "not a match" pairs pushed apart beyond a margin.

Training is planned by steps, not passes: small libraries need many passes
to learn the edits, large ones far fewer than one pass per step would give,
so the step count grows with the library as ``passes * n / pairs`` between
``min_steps`` and ``max_steps``, and is capped by a time budget (the
``rounds`` epochs share it; a round that runs out of time ends early, so the
learning-rate schedule still reaches its end on a slow or busy machine).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from hashview.core.errors import OptionError
from hashview.core.methods.deep import Batch, DeepDefaults, DeepMethod, DeepRun
from hashview.core.methods.fit_context import FitContext, run_params
from hashview.core.nets.device import host_to
from hashview.core.nets.edit_vocabulary import rate_params, rates_from_params

if TYPE_CHECKING:
    import torch

    from hashview.core.nets.network import HashNet

logger = logging.getLogger(__name__)


@dataclass
class Plan:
    """What ``prepare`` decides once (``FitContext.state``): the edits' generator, the step plan and its clock."""

    seed: int
    budget_s: float  # wall-clock budget of the whole run
    started: float | None = None  # set at the first step
    generator: torch.Generator | None = None  # of the edits (set by ``prepare``)
    cut_rounds: list[int] = field(default_factory=list)
    steps_per_epoch: int = 1  # set by ``steps_per_epoch`` before the first round
    round: tuple[int, int] = (0, 1)  # (round, rounds) now running, set by ``start_epoch``


class DupNet(DeepMethod):
    name = "dupnet"
    title = "Self-supervised duplicate hashing on synthetic edits (DupNet)"
    needs_labels = False
    activation = "tanh"
    uses_pairs = True
    trims_borders = True  # a canvas, letterbox or plain border is cut off before the network looks (images.borders)
    cuts_screens = True  # a screenshot of a photo is seen as the photo it shows (images.screens)
    defaults = DeepDefaults(
        epochs=10,  # rounds: the planned steps split in 10, a checkpoint after each
        batch_size=96,  # photos per step; each is seen twice (two edits), so 192 images go through the network
        lr=3e-3,  # peak learning rate (AdamW), one cycle
        optimizer="adam",
        weight_decay=1e-4,
        schedule="onecycle",
        backbone="auto",  # "cnn-xs" on a CPU, "cnn" on a GPU (see trunk_for)
        input_size=64,  # large enough that crops, borders and captions show
        augment=False,  # the edits below replace the generic flips and shifts
    )
    params: ClassVar[dict[str, float]] = {
        "temperature": 0.1,  # NT-Xent temperature on the cosine of the relaxed codes (0.2: F1 0.95, 0.05: 0.975 on the dev set)
        "quantise": 0.5,  # weight of the quantisation term mean((1 - |tanh u|)^2)
        "straight_through": 0.0,  # 1: the contrastive term sees sign(h) (straight-through gradient), i.e. Hamming distance itself
        "balance": 0.1,  # weight of the bit-balance term (each bit used half the time)
        "views": 2,  # edited views of each photo a step; 4, with 540 steps and 32 halved, gave F1 0.992 to 0.999 on
        # the dev sets over three seeds (docs/lab-notes.md, run 10): half the steps for a GPU, not timed on one
        "min_steps": 1500,  # even a tiny library trains this many steps (old menu, dev set: 360 steps F1 0.979, 700
        # steps 0.990, 1080 steps none of 20 runs below 0.99; the broad vocabulary needs more: 1080 steps F1 0.977 at
        # its best radius on dupset, 1500 with 32 halved photos 0.990; the time budget still caps a slow machine)
        "max_steps": 20000,  # no library trains more
        "refine_steps": 400,  # refining a trained network (the shipped one) on a library: this many steps, any size
        "refine_lr": 1e-3,  # ... at this peak learning rate (a third of training from zero's: keep what it knows)
        "passes": 8.0,  # beyond min_steps: about this many edited views of each photo
        "budget_s": 255.0,  # wall-clock cap of the training loop for a small library (DeepRun.budget_s overrides) ...
        "budget_per_photo_s": 0.015,  # ... plus this per photo (750 photos: 266 s, 10k: 405 s, 100k: 1755 s) ...
        "max_budget_s": 1800.0,  # ... and never more than half an hour
        "hard_negatives": 32,  # photos per step cut into two disjoint halves whose codes are pushed apart (0: none);
        # 16 before the broad vocabulary: with it (turns and mirrors still drawn then), two quadrants of one texture
        # (a grid, wood, dunes) fell 4-8 bits apart (dupset precision 0.976); 32 at weight 2: 0.984 (lab notes, run 11)
        "hard_margin": 0.75,  # their cosine pushed below this (d >= K/8): same style, different content
        "weight_hard": 2.0,  # weight of the hard-negative term
        "pair_batch": 16,  # decision pairs mixed into each step (when there are any)
        "margin": 0.5,  # "not a match" pairs: cosine of their codes pushed below this (d >= K/4)
        "weight_pairs": 1.0,  # weight of the decision-pair term
        # how often a view gets each family of edits, edit_<family> (core/nets/edit_vocabulary.py): 0 leaves it out
        **rate_params(),
    }

    def trunk_for(self, backbone: str | None, channels: int, device: str = "cpu") -> str:
        """``cnn-xs`` on a CPU (a 64-px step of 192 views in about 0.25 s on one core), ``cnn`` on a GPU."""
        if backbone in (None, "", "auto", "pixels"):
            return "cnn-xs" if device.startswith("cpu") else "cnn"
        return super().trunk_for(backbone, channels, device)

    def refine_run(self, run: DeepRun) -> DeepRun:
        """Refining plans ``refine_steps`` steps at ``refine_lr`` (what the run sets itself still wins)."""
        p = run_params(self, run.overrides)
        steps = p["refine_steps"]
        overrides = {"min_steps": steps, "max_steps": steps, **run.overrides}
        return replace(run, overrides=overrides, lr=run.lr if run.lr is not None else float(p["refine_lr"]))

    def planned_steps(self, n: int, batch_size: int, params: dict[str, Any] | None = None) -> int:
        """Steps for a library of ``n`` photos (before the time cap)."""
        p = params or self.params
        return int(min(max(math.ceil(p["passes"] * n / batch_size), p["min_steps"]), p["max_steps"]))

    def budget_seconds(self, n: int, params: dict[str, Any] | None = None, budget_s: float | None = None) -> float:
        """The training loop's wall-clock cap for a library of ``n`` photos; ``budget_s`` (the run's own) overrides."""
        if budget_s is not None:
            return float(budget_s)
        p = params or self.params
        return float(min(p["budget_s"] + p["budget_per_photo_s"] * n, p["max_budget_s"]))

    def prepare(self, ctx: FitContext, rng: np.random.Generator) -> Plan:
        import torch

        seed = int(rng.integers(0, 2**31 - 1))
        budget = self.budget_seconds(ctx.n, ctx.params, ctx.budget_s)
        return Plan(seed, budget, generator=torch.Generator().manual_seed(seed))

    def steps_per_epoch(self, ctx: FitContext) -> int:
        plan: Plan = ctx.state  # what ``prepare`` built
        plan.steps_per_epoch = max(
            math.ceil(self.planned_steps(ctx.n, ctx.batch_size, ctx.params) / max(ctx.epochs, 1)), 1
        )
        return plan.steps_per_epoch

    def epoch_batches(self, ctx: FitContext, rng: np.random.Generator) -> _RoundBatches:
        """Random batches (without repeats inside one), until the round's steps or its share of the budget run out."""
        return _RoundBatches(ctx.n, ctx.batch_size, rng, ctx.state)

    def start_epoch(self, model: HashNet, epoch: int, ctx: FitContext) -> None:
        plan: Plan = ctx.state
        plan.round = (epoch, ctx.epochs)  # the round lives in this run's plan: METHOD is shared by every run

    # NT-Xent (SimCLR: Chen et al., "A Simple Framework for Contrastive Learning of Visual
    # Representations", ICML 2020) on the relaxed codes h = tanh(u), as in CIBHash (Qiu et al.,
    # "Unsupervised Hashing with Contrastive Information Bottleneck", IJCAI 2021), for V views of
    # N photos (V = 2 by default; each view i has V - 1 positives P(i), its photo's other views):
    #   L = 1/(VN(V-1)) sum_i sum_{p in P(i)} -log( exp(cos(h_i, h_p) / T) / sum_{k != i} exp(cos(h_i, h_k) / T) )
    #       + quantise * mean((1 - |h|)^2) + balance * mean_bits(mean_batch(h)^2)
    # and, with the user's decisions, for pairs (a, b) of views of two photos:
    #   same: 1 - cos(h_a, h_b);  not a match: max(0, cos(h_a, h_b) - margin)
    # (cos of the binary codes is 1 - 2 d / K, so margin 0.5 asks for d >= K / 4).
    # Hard negatives (ours): the two disjoint halves (left/right or top/bottom) of a photo,
    # each stretched back to the input size and edited, are "not a match":
    #   max(0, cos(h_left, h_right) - hard_margin)
    # Other photos in a batch are easy negatives; the false matches that remain are
    # neighbouring parts of one texture (grass, wood, two crops of one wallpaper), and
    # two halves of one photo are exactly that: the same style, different content.
    def loss(self, model: HashNet, batch: Batch, ctx: FitContext) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        from hashview.core.nets.edits import random_edits

        params = ctx.params
        plan: Plan = ctx.state
        gen = plan.generator
        if gen is None:  # ``prepare`` makes it: a run's edits and picks draw from its own generator
            raise ValueError("dupnet's plan has no generator of edits (DupNet.prepare makes one)")
        x = batch.x
        n = len(x)
        v = int(params["views"])
        if v < 2:
            raise OptionError(f"dupnet needs at least two views of each photo, views is {v}")
        originals = [x] * v  # the views of each photo, then the decision pairs' photos and the halves
        pairs = ctx.pairs
        m = 0
        if pairs:
            pick = torch.randint(0, len(pairs), (int(min(params["pair_batch"], len(pairs))),), generator=gen)
            chosen = np.asarray([pairs[k] for k in pick.tolist()], np.int64).reshape(-1, 3)
            m = len(chosen)
            rows = np.concatenate([chosen[:, 0], chosen[:, 1]])
            extra = host_to(torch.from_numpy(np.ascontiguousarray(ctx.images[rows])), x.device)
            originals.append(extra.permute(0, 3, 1, 2).float().div_(255.0))
        hard = int(min(params["hard_negatives"], n))
        if hard:
            originals.extend(_halves(x[:hard], gen))
        # one call edits every view: each edit is a few batched operations whatever the batch, so
        # one call instead of four is less than half the host's work (the part that bounds a GPU step)
        views = random_edits(torch.cat(originals), gen, rates_from_params(params))
        u: torch.Tensor = model(model.normalise(views).contiguous(memory_format=torch.channels_last)).float()
        h = torch.tanh(u)
        codes = h + (torch.sign(h) - h).detach() if params["straight_through"] else h
        contrastive = contrastive_loss(codes[: v * n], n, v, params["temperature"])
        quantise = ((1 - h.abs()) ** 2).mean()
        balance = (h[: v * n].mean(dim=0) ** 2).mean()
        total: torch.Tensor = contrastive + params["quantise"] * quantise + params["balance"] * balance
        if m:
            ha, hb = F.normalize(h[v * n : v * n + m], dim=1), F.normalize(h[v * n + m : v * n + 2 * m], dim=1)
            cos = (ha * hb).sum(dim=1)
            verdict = host_to(torch.from_numpy(chosen[:, 2]), cos.device)
            pair_loss = torch.where(verdict > 0, 1 - cos, (cos - params["margin"]).clamp_min(0))
            total = total + params["weight_pairs"] * pair_loss.mean()
        if hard:
            start = v * n + 2 * m
            ha = F.normalize(h[start : start + hard], dim=1)
            hb = F.normalize(h[start + hard : start + 2 * hard], dim=1)
            apart = ((ha * hb).sum(dim=1) - params["hard_margin"]).clamp_min(0)
            total = total + params["weight_hard"] * apart.mean()
        return total


def contrastive_loss(codes: torch.Tensor, photos: int, views: int, temperature: float) -> torch.Tensor:
    """NT-Xent over ``views`` views of each of ``photos`` photos, the rows view by view (every
    photo's first view, then every photo's second...): each view's positives are its photo's
    other views, every other row is a negative. With two views this is SimCLR's loss; with more,
    SupCon's "outside" form (Khosla et al., NeurIPS 2020) without labels. No boolean indexing,
    so a GPU step never waits for the host."""
    import torch
    import torch.nn.functional as F

    z = F.normalize(codes, dim=1)
    rows = len(z)
    eye = torch.eye(rows, dtype=torch.bool, device=z.device)
    sim = (z @ z.T / temperature).masked_fill(eye, float("-inf"))
    photo = torch.arange(rows, device=z.device) % photos
    positive = (photo[:, None] == photo[None, :]) & ~eye
    log_p = F.log_softmax(sim, dim=1)
    return -torch.where(positive, log_p, 0.0).sum() / (rows * (views - 1))


def _halves(x: torch.Tensor, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The two disjoint halves of each image, split across its width or its height at random,
    each stretched back to the full size (so the pair differs in content, not in shape)."""
    import torch
    import torch.nn.functional as F

    size = x.shape[-2:]
    w, h = x.shape[-1] // 2, x.shape[-2] // 2

    def stretch(part: torch.Tensor) -> torch.Tensor:
        return F.interpolate(part, size=size, mode="bilinear", align_corners=False)

    across = host_to((torch.rand(len(x), generator=gen) < 0.5).view(-1, 1, 1, 1), x.device)
    first = torch.where(across, stretch(x[..., :, :w]), stretch(x[..., :h, :]))
    second = torch.where(across, stretch(x[..., :, w:]), stretch(x[..., h:, :]))
    return first, second


class _RoundBatches:
    """One round's batches: stops after its planned steps or when the round's share of the budget is spent."""

    def __init__(self, n: int, batch_size: int, rng: np.random.Generator, plan: Plan) -> None:
        self.n, self.batch_size, self.rng, self.plan = n, batch_size, rng, plan

    def __iter__(self) -> Iterator[np.ndarray]:
        plan = self.plan
        epoch, epochs = plan.round
        if plan.started is None:
            plan.started = time.monotonic() - plan.budget_s * epoch / max(epochs, 1)  # a resumed run keeps its share
        deadline = plan.started + plan.budget_s * (epoch + 1) / max(epochs, 1)
        steps = plan.steps_per_epoch
        order = self.rng.permutation(self.n)
        at = 0
        for step in range(steps):
            if step and time.monotonic() > deadline:
                plan.cut_rounds.append(epoch)
                logger.info("dupnet round %d cut at step %d of %d by the time budget", epoch + 1, step, steps)
                return
            if at + self.batch_size > self.n:
                order, at = self.rng.permutation(self.n), 0
            yield order[at : at + self.batch_size]
            at += self.batch_size


METHOD = DupNet()
