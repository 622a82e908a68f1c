"""How long a deep run trains: the plan, the stopping rule, and the learning-rate shape that goes with it.

A fixed epoch count is right for one data set only (the supervised methods' 4
epochs were set for MNIST and leave CIFAR-10 far below its figure). A run of a
method that stops by its probe (``DeepDefaults.stop``) with no epoch count asked
for is *open*: a held-out slice of its labelled images, never trained on, is
ranked after every epoch (``probe.RetrievalProbe``), and this rule decides from
that curve and the clock:

- while the held-out mAP keeps rising by more than ``min_delta`` an epoch,
  training goes on at the peak learning rate; the rise is the slope of a
  straight line fitted to the last ``2 * patience`` epochs' scores;
- then (a *plateau*), or when only the cool-down still fits in the time budget,
  or in the hard maximum of epochs, the learning rate *cools down* linearly over
  a quarter of the epochs run so far (at least ``min_cooldown``), and the run
  stops at its end;
- the epoch with the best held-out mAP is the one kept, not the last.

Why a cool-down and not a stop at the plateau: with a one-cycle schedule planned
over the maximum, a stop on a plateau cuts the run at a high learning rate and
loses the gain the final decay brings (on CIFAR-10 most of the last points of
mAP come in the last fifth of a one-cycle run). A warm-up, a constant rate and a
decay started when needed (warm-up-stable-decay; Hägele et al., "Scaling Laws and
Compute-Optimal Training Beyond Fixed Training Durations", 2024, match cosine and
one-cycle runs with a decay of 20 % of the run) needs no planned end: the
plateau or the budget decides when the decay starts.

Why a fitted slope and not "no new best for ``patience`` epochs": the held-out
score of one epoch is noisy (on CIFAR-10's 1,000 held-out queries it scatters
with a standard deviation of about 0.011 around its five-epoch average, five
times ``min_delta``), so one lucky epoch set a mark the next four could not
pass while the curve still rose by 0.007 an epoch (SSDH 24 bits stopped at
epoch 15 of a budget for about 70, run 14). A line through eight epochs
averages the noise out (its slope's standard error is about 0.0017 there) and
is not biased by the luckiest epoch. Replayed on the five CIFAR-10 and four
MNIST curves of runs 13 and 14, it starts the cool-down within three epochs of
the old rule where that rule saw a real plateau, and not at all on the two
curves it cut short (docs/lab-notes.md, run 15).

The budget scales with the data and the machine: the wall clock allowed grows
with the training images (``StopSettings.budget_for``), and the epochs that fit
in it are counted from the epochs' own measured seconds, so a slow machine runs
fewer, a fast one reaches the plateau or the maximum first.

A *forced* run (``--epochs N``) trains exactly N epochs on one cycle as before,
with no early stop, and keeps the last epoch's weights: asking for a count asks
for that network. A *fixed* run trains the method's own epoch count (the
unsupervised methods, DupNet's rounds, or a labelled set too small to hold some
images out).

Pure Python (no torch, no numpy): ``update`` is testable with a fake clock.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

logger = logging.getLogger(__name__)

COOL_FLOOR = 0.02
"""The learning rate's last value, as a share of the peak: where the one-cycle schedule ends too."""

PACE_EPOCHS = 3
"""The budget is projected at the median pace of this many last epochs."""


@dataclass(frozen=True)
class StopSettings:
    """A method's open plan (``DeepDefaults.stop``): when to stop, how long it may take, what is held out."""

    max_epochs: int = 60  # the hard maximum of an open run
    patience: int = 4  # the rise is fitted over twice this many epochs (and no plateau is seen before them)
    min_delta: float = 0.002  # a rise in held-out mAP per epoch smaller than this is not worth an epoch
    cooldown_share: float = 0.25  # the cool-down lasts this share of the epochs run before it ...
    min_cooldown: int = 2  # ... and at least this many epochs
    budget_s: float = 120.0  # wall-clock budget of the training loop: this much ...
    budget_per_image_s: float = 0.03  # ... plus this per training image (10k: 7 min, 50k: 27 min) ...
    max_budget_s: float = 1800.0  # ... and never more than half an hour
    holdout_share: float = 0.1  # labelled images held out to score the run: this share ...
    holdout_cap: int = 1000  # ... at most this many (the probe's queries) ...
    holdout_least: int = 10  # ... and at least this many, else the plan is fixed (too few to hold out)

    def budget_for(self, images: int) -> float:
        """The training loop's wall-clock budget for ``images`` training images, in seconds."""
        return float(min(self.budget_s + self.budget_per_image_s * max(images, 0), self.max_budget_s))


@dataclass(frozen=True)
class StopPlan:
    """What one run will do: ``kind`` "open" (stop by the probe), "forced" (``--epochs``) or "fixed"."""

    kind: Literal["open", "forced", "fixed"]
    epochs: int  # open: the maximum; forced and fixed: exactly this many
    budget_s: float | None = None  # open: the wall-clock budget of the training loop
    patience: int = 4
    min_delta: float = 0.002
    cooldown_share: float = 0.25
    min_cooldown: int = 2
    warmup_epochs: float = 0.0  # open: the learning rate rises over this many epochs
    held_out: int = 0  # open: labelled images held out to score the run
    images: int = 0  # images it trains on
    note: str = ""  # fixed: why the plan is fixed (e.g. too few images to hold some out)

    @classmethod
    def open(
        cls, settings: StopSettings, images: int, held_out: int, warmup_epochs: float, budget_s: float | None = None
    ) -> StopPlan:
        """The open plan of ``settings`` for ``images`` training images (``budget_s``: a budget of its own)."""
        return cls(
            "open",
            settings.max_epochs,
            settings.budget_for(images) if budget_s is None else float(budget_s),
            settings.patience,
            settings.min_delta,
            settings.cooldown_share,
            settings.min_cooldown,
            warmup_epochs,
            held_out,
            images,
        )

    def describe(self) -> str:
        """The plan in one line, for the training panel and the command line."""
        if self.kind == "forced":
            return f"Trains exactly {self.epochs} epochs, as asked (no early stop; the last epoch is kept)"
        if self.kind == "fixed":
            return f"Trains the method's {self.epochs} epochs" + (f" ({self.note})" if self.note else "")
        limit = f"at most {self.epochs} epochs" + (f" or {duration(self.budget_s)}" if self.budget_s else "")
        return (
            f"Trains until the held-out score stops improving ({limit}); "
            f"{self.held_out:,} of {self.images + self.held_out:,} labelled images are held out to score it"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def duration(seconds: float | None) -> str:
    """``seconds`` as people say it: "90 s", "27 min", "1 h 5 min"."""
    if seconds is None:
        return "no time limit"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min".replace(" 0 min", "")


@dataclass(frozen=True)
class Decision:
    """What the rule says after an epoch."""

    stop: bool  # no further epoch
    best: bool  # this epoch scored best so far (an open run keeps its weights)
    best_epoch: int  # 1-based; 0 while no epoch has a score
    cooling: bool  # the learning rate cools down from the next epoch on (or already does)
    reason: str = ""  # why it stops (set with ``stop``)


@dataclass
class StoppingRule:
    """Decides after each epoch whether a run goes on, cools down or stops, and which epoch to keep.

    Args:
        plan: what the run is to do (``StopPlan``).
        clock: seconds, monotonic; read when ``update`` is not told an epoch's seconds (tests pass a fake one).
    """

    plan: StopPlan
    clock: Callable[[], float] = time.monotonic
    curve: list[float | None] = field(default_factory=list)  # the probe's mAP after each epoch
    seconds: list[float] = field(default_factory=list)  # each epoch's wall clock (steps and probe)
    best_epoch: int = 0
    best_score: float | None = None
    cooldown: tuple[int, int] | None = None  # (first, last) 1-based epoch of the cool-down, once it started
    trigger: str = ""  # what started the cool-down (or the stop)
    reason: str = ""  # why the run stopped, once it did
    stopped: bool = False
    rise: float | None = None  # the held-out mAP's fitted rise per epoch over the last window, once it fits
    _mark: float | None = None  # the clock at the last update (or at ``start``)

    def start(self) -> None:
        """Mark the clock where the first epoch begins (only needed when ``update`` measures the seconds)."""
        self._mark = self.clock()

    @property
    def window(self) -> int:
        """The epochs a rise is fitted over (twice the plan's patience, at least two)."""
        return max(2 * self.plan.patience, 2)

    @property
    def elapsed(self) -> float:
        return float(sum(self.seconds))

    @property
    def epochs_run(self) -> int:
        return len(self.curve)

    def update(self, epoch: int, score: float | None, seconds: float | None = None) -> Decision:
        """Take epoch ``epoch``'s (0-based) held-out score and duration; say what comes next.

        ``seconds`` None: measured by the clock since the last update (or ``start``).
        """
        now = self.clock()
        if seconds is None:
            seconds = now - (self._mark if self._mark is not None else now)
        self._mark = now
        done = epoch + 1
        self.curve.append(score)
        self.seconds.append(max(float(seconds), 0.0))
        # a tie goes to the later epoch: the same held-out score after more training (or the cool-down)
        best = False
        if score is not None and (self.best_score is None or score >= self.best_score):
            self.best_score, self.best_epoch, best = score, done, True
        self.rise = fitted_rise(self.curve[-self.window :]) if len(self.curve) >= self.window else None
        reason = self._fixed_end(done) if self.plan.kind != "open" else self._open_step(done)
        if reason:
            self.stopped, self.reason = True, reason
            logger.info("training stops after epoch %d: %s", done, reason)
        return Decision(self.stopped, best, self.best_epoch, self.cooldown is not None, self.reason)

    def _fixed_end(self, done: int) -> str:
        if done < self.plan.epochs:
            return ""
        if self.plan.kind == "forced":
            return f"forced: --epochs {self.plan.epochs}"
        return f"the method's plan of {self.plan.epochs} epochs" + (f" ({self.plan.note})" if self.plan.note else "")

    def _open_step(self, done: int) -> str:
        plan = self.plan
        if self.cooldown is not None and done >= self.cooldown[1]:
            return self._ended(self.trigger)
        if plan.budget_s is not None and self.elapsed >= plan.budget_s:  # epochs grew longer than the plan allowed
            return self._ended(f"time budget of {duration(plan.budget_s)} reached after epoch {done}")
        if done >= plan.epochs:
            return self._ended(f"maximum of {plan.epochs} epochs")
        if self.cooldown is not None:
            return ""
        length = max(plan.min_cooldown, math.ceil(plan.cooldown_share * done))
        # the pace the budget is projected at: the median of the last few epochs, so one epoch slowed by other
        # work on the machine (a desktop is rarely idle) does not start the cool-down early (run 19: one 40-s
        # epoch among 14-s ones started it at epoch 24 of a run that would have trained 30 at full rate)
        per_epoch = statistics.median(self.seconds[-PACE_EPOCHS:])
        if self.rise is not None and self.rise < plan.min_delta:
            first = done - self.window + 1
            trigger = (
                f"plateau after epoch {done} (held-out mAP rose {self.rise:+.4f} an epoch over epochs {first}-{done})"
            )
        elif done + length >= plan.epochs:
            length, trigger = plan.epochs - done, f"maximum of {plan.epochs} epochs"
        elif plan.budget_s is not None and self.elapsed + (length + 1) * per_epoch > plan.budget_s:
            fits = int((plan.budget_s - self.elapsed) // per_epoch) if per_epoch > 0 else length
            length, trigger = min(length, fits), f"time budget of {duration(plan.budget_s)} reached"
        else:
            return ""
        self.trigger = trigger
        if length <= 0:
            return self._ended(trigger)
        self.cooldown = (done + 1, done + length)
        logger.info("epoch %d: %s; the learning rate cools down over epochs %d-%d", done, trigger, *self.cooldown)
        return ""

    def _ended(self, trigger: str) -> str:
        if self.cooldown is not None:
            first, last = self.cooldown[0], min(self.cooldown[1], self.epochs_run)  # a budget may cut it short
            span = f"epoch {first}" if first == last else f"epochs {first}-{last}"
            return f"{trigger}; the learning rate cooled down over {span}"
        return trigger

    def lr_scale(self, at: float) -> float:
        """The open plan's learning rate at ``at`` epochs into the run (e.g. 3.5), as a share of the peak:
        a linear warm-up, the peak, then once the cool-down started a linear fall to ``COOL_FLOOR``."""
        warm = self.plan.warmup_epochs
        if warm > 0 and at < warm:
            return max(at / warm, 1e-3)
        if self.cooldown is None:
            return 1.0
        first, last = self.cooldown
        into = (at - (first - 1)) / max(last - first + 1, 1)
        return max(1.0 - (1.0 - COOL_FLOOR) * min(max(into, 0.0), 1.0), COOL_FLOOR)

    def expected_epochs(self) -> int:
        """The epochs the run now expects to train (for progress bars): the cool-down's end once it started,
        else the maximum or what the budget fits at the last epoch's pace, whichever is fewer."""
        plan = self.plan
        if plan.kind != "open":
            return plan.epochs
        if self.stopped:
            return self.epochs_run
        if self.cooldown is not None:
            return self.cooldown[1]
        if plan.budget_s is None or not self.seconds or self.seconds[-1] <= 0:
            return plan.epochs
        fits = self.epochs_run + int(max(plan.budget_s - self.elapsed, 0.0) // self.seconds[-1])
        return max(min(plan.epochs, fits), self.epochs_run + 1)

    def kept_epoch(self) -> int:
        """The epoch whose weights the run returns: the best held-out one of an open run, else the last."""
        if self.plan.kind == "open" and self.best_epoch:
            return self.best_epoch
        return self.epochs_run

    def summary(self) -> dict[str, Any]:
        """The plan, the probe's curve, the best and kept epochs and the stop reason, for the run's stats."""
        kept = self.kept_epoch()
        kept_map = self.curve[kept - 1] if kept else None
        return {
            "plan": self.plan.as_dict(),
            "plan_text": self.plan.describe(),
            "curve": [None if s is None else round(float(s), 5) for s in self.curve],
            "epoch_seconds": [round(s, 2) for s in self.seconds],
            "epochs_run": self.epochs_run,
            "best_epoch": self.best_epoch,
            "best_map": None if self.best_score is None else round(float(self.best_score), 5),
            "kept_epoch": kept,
            "kept_map": None if kept_map is None else round(float(kept_map), 5),
            "cooldown": list(self.cooldown) if self.cooldown else None,
            "reason": self.reason or "cancelled or not finished",
        }


def fitted_rise(scores: list[float | None]) -> float | None:
    """The slope per epoch of the least-squares line through ``scores`` (epochs without a score left out);
    None when fewer than two have one."""
    points = [(x, y) for x, y in enumerate(scores) if y is not None]
    if len(points) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def stop_line(stopping: dict[str, Any]) -> str:
    """One line for the end of a run: why it stopped and which epoch it kept (the command line prints it)."""
    line = f"stopped: {stopping.get('reason', '?')}"
    kept, run, score = stopping.get("kept_epoch"), stopping.get("epochs_run"), stopping.get("kept_map")
    if kept and run:
        line += f"; kept epoch {kept} of {run}"
        if isinstance(score, (int, float)):
            held = stopping.get("plan", {}).get("kind") == "open"
            line += f" ({'held-out' if held else 'probe'} mAP {score:.3f})"
    return line
