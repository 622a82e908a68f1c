"""How long a deep run trains (core/nets/stopping.py): the rule on its own with a fake clock, then tiny real runs:
a plateau ends an open run after a cool-down, the budget is kept, the best epoch is returned, ``--epochs`` forces
its count, and the held-out slice is never trained on."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from generators import run_to_end

from hashview.cli import main
from hashview.core.events import EpochDone, Progress
from hashview.core.methods import get_method, method_names, method_traits
from hashview.core.methods.deep import PROBE_DATABASE, Batch, DeepRun, fit_deep
from hashview.core.methods.dhln import DHLN
from hashview.core.nets.probe import RetrievalProbe, held_out_rows
from hashview.core.nets.stopping import COOL_FLOOR, StoppingRule, StopPlan, StopSettings, fitted_rise, stop_line

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def open_plan(**changes) -> StopPlan:
    base = StopPlan("open", 60, None, patience=3, min_delta=0.01, cooldown_share=0.25, min_cooldown=2)
    return replace(base, **changes)


class FakeClock:
    """Seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- the rule alone ---------------------------------------------------------------------------------------


def test_a_plateau_starts_a_cool_down_and_the_run_stops_at_its_end():
    rule = StoppingRule(open_plan())  # patience 3: the rise is fitted over 6 epochs; min_delta 0.01 an epoch
    scores = [0.30, 0.40, 0.50, 0.60, 0.64, 0.652, 0.656, 0.66, 0.658, 0.661, 0.69, 0.70, 0.71]
    decisions = [rule.update(epoch, score, 1.0) for epoch, score in enumerate(scores)]
    # over epochs 4-9 the line still rises 0.0101 an epoch; over epochs 5-10 only 0.0036: the plateau
    assert [d.stop for d in decisions] == [False] * 12 + [True]
    assert [d.cooling for d in decisions] == [False] * 9 + [True] * 4
    assert rule.cooldown == (11, 13)  # a quarter of 10 epochs, rounded up
    assert decisions[-1].reason == (
        "plateau after epoch 10 (held-out mAP rose +0.0036 an epoch over epochs 5-10); "
        "the learning rate cooled down over epochs 11-13"
    )
    # the learning rate: the peak until the cool-down, then a linear fall to the floor at its end
    assert rule.lr_scale(5.5) == 1.0 and rule.lr_scale(10.0) == 1.0
    assert rule.lr_scale(11.5) == pytest.approx(1 - (1 - COOL_FLOOR) / 2)
    assert rule.lr_scale(13.0) == pytest.approx(COOL_FLOOR)
    assert rule.kept_epoch() == 13 and rule.summary()["kept_map"] == pytest.approx(0.71)


def test_no_plateau_is_seen_before_the_rise_can_be_fitted():
    rule = StoppingRule(open_plan())  # a flat curve from the start: the plateau shows once 6 epochs are in
    decisions = [rule.update(epoch, 0.5, 1.0) for epoch in range(7)]
    assert [d.cooling for d in decisions] == [False] * 5 + [True] * 2
    assert rule.trigger == "plateau after epoch 6 (held-out mAP rose +0.0000 an epoch over epochs 1-6)"


def test_one_lucky_epoch_does_not_end_a_curve_that_still_rises():
    """SSDH 24 bits on CIFAR-10 (run 14, the default plan): the old rule (no new best by 0.002 in 4 epochs) saw
    a plateau after epoch 15, because epoch 11's 0.597 stood above the next four; the curve still rose by about
    0.007 an epoch, and the run lost most of its budget. The fitted rise goes on."""
    run14 = [0.336, 0.404, 0.433, 0.464, 0.476, 0.508, 0.55, 0.532, 0.572, 0.579, 0.597, 0.59, 0.588, 0.587, 0.598]
    rule = StoppingRule(replace(open_plan(), patience=4, min_delta=0.002))
    decisions = [rule.update(epoch, score, 1.0) for epoch, score in enumerate(run14)]
    assert not any(d.cooling for d in decisions)
    assert rule.rise == pytest.approx(0.0067, abs=5e-4)


def test_the_fitted_rise_is_a_least_squares_slope_that_skips_unscored_epochs():
    assert fitted_rise([0.1, 0.2, 0.3]) == pytest.approx(0.1)
    assert fitted_rise([0.1, None, 0.3]) == pytest.approx(0.1)
    assert fitted_rise([0.5, 0.4, 0.5, 0.4]) == pytest.approx(-0.02)
    assert fitted_rise([None, 0.3]) is None


def test_without_a_plateau_the_run_goes_on():
    rule = StoppingRule(open_plan(patience=3))
    for epoch in range(20):
        decision = rule.update(epoch, 0.1 + 0.02 * epoch, 1.0)
        assert not decision.stop and not decision.cooling


def test_the_time_budget_is_kept_with_room_for_the_cool_down():
    """Epochs of 10 s on a fake clock, a budget of 100 s and a score that never stops rising: the cool-down
    starts when only it still fits, and the run ends within the budget."""
    clock = FakeClock()
    rule = StoppingRule(open_plan(budget_s=100.0), clock=clock)
    rule.start()
    decisions = []
    for epoch in range(60):
        clock.now += 10.0
        decisions.append(rule.update(epoch, 0.1 + 0.01 * epoch))  # seconds measured by the clock
        if decisions[-1].stop:
            break
    assert len(decisions) == 10 and rule.elapsed == pytest.approx(100.0)
    assert rule.cooldown == (9, 10)
    assert decisions[-1].reason == "time budget of 100 s reached; the learning rate cooled down over epochs 9-10"
    assert rule.expected_epochs() == 10


def test_one_slow_epoch_does_not_start_the_cool_down_early():
    """Epochs of 10 s and one of 40 s (other work on the machine) under a budget of 200 s: the budget is
    projected at the median pace of the last epochs, so the cool-down starts when it would have without the
    slow epoch's 30 s lost, not at the slow epoch (which, taken as the pace, left room for one epoch)."""
    rule = StoppingRule(open_plan(budget_s=200.0))
    seconds = [10.0] * 9 + [40.0] + [10.0] * 20
    decisions = []
    for epoch, spent in enumerate(seconds):
        decisions.append(rule.update(epoch, 0.1 + 0.02 * epoch, spent))  # still rising: no plateau
        if decisions[-1].stop:
            break
    assert not decisions[9].cooling  # the slow tenth epoch alone does not start it
    assert rule.cooldown == (14, 17) and rule.elapsed == pytest.approx(200.0)
    assert rule.reason == "time budget of 3 min reached; the learning rate cooled down over epochs 14-17"


def test_epochs_that_grow_longer_than_planned_stop_the_run_at_the_budget():
    clock = FakeClock()
    rule = StoppingRule(open_plan(budget_s=100.0), clock=clock)
    rule.start()
    stop = None
    for epoch, seconds in enumerate([10.0, 10.0, 90.0, 10.0]):
        clock.now += seconds
        decision = rule.update(epoch, 0.1 + 0.1 * epoch)
        if decision.stop:
            stop = epoch + 1
            break
    assert stop == 3 and rule.reason == "time budget of 100 s reached after epoch 3"


def test_the_maximum_of_epochs_ends_a_run_that_keeps_improving():
    rule = StoppingRule(open_plan(epochs=10))
    decisions = [rule.update(e, 0.1 + 0.05 * e, 1.0) for e in range(10)]
    assert [d.stop for d in decisions].index(True) == 9
    assert rule.cooldown == (9, 10) and rule.reason.startswith("maximum of 10 epochs")


def test_an_open_run_keeps_its_best_epoch_and_a_forced_one_its_last():
    scores = [0.4, 0.8, 0.6, 0.5, 0.5, 0.5, 0.5]
    open_rule = StoppingRule(open_plan())
    for epoch, score in enumerate(scores):
        open_rule.update(epoch, score, 1.0)
    assert open_rule.best_epoch == 2 and open_rule.kept_epoch() == 2
    forced = StoppingRule(StopPlan("forced", 7))
    decisions = [forced.update(epoch, score, 1.0) for epoch, score in enumerate(scores)]
    assert [d.stop for d in decisions] == [False] * 6 + [True]  # no early stop, whatever the score does
    assert forced.best_epoch == 2 and forced.kept_epoch() == 7 and forced.reason == "forced: --epochs 7"
    assert stop_line(forced.summary()) == "stopped: forced: --epochs 7; kept epoch 7 of 7 (probe mAP 0.500)"


def test_the_budget_grows_with_the_images_up_to_its_cap():
    settings = StopSettings()
    assert settings.budget_for(0) == 120.0
    assert settings.budget_for(10_000) == pytest.approx(420.0)
    assert settings.budget_for(50_000) == pytest.approx(1620.0)
    assert settings.budget_for(1_000_000) == 1800.0
    text = StopPlan.open(settings, 49_000, 1000, 0.6).describe()
    assert text.startswith("Trains until the held-out score stops improving (at most 60 epochs or 26 min)")


def test_the_held_out_rows_come_from_every_class_and_leave_each_class_some():
    labels = np.repeat(np.arange(5), [200, 100, 50, 3, 2])
    held = held_out_rows(labels, seed=0, share=0.1, cap=1000, least=10)
    assert len(held) == round(0.1 * len(labels)) and len(np.unique(held)) == len(held)
    counts = np.bincount(labels[held], minlength=5)
    assert counts[0] >= 19 and counts[1] >= 9 and counts[2] >= 4
    for c in range(5):  # never a class's last two images
        assert np.sum(labels == c) - counts[c] >= min(2, np.sum(labels == c))
    assert len(held_out_rows(labels[:50], 0, 0.1, 1000, 10)) == 0  # five would be too few: no open plan
    assert len(held_out_rows(np.arange(50_000) % 10, 0, 0.1, 1000, 10)) == 1000  # capped


def test_the_methods_that_stop_by_their_probe_are_the_supervised_ones():
    deep = [name for name in method_names() if method_traits(name).kind == "deep"]
    for name in deep:
        assert method_traits(name).stops_by_probe == (get_method(name).defaults.stop is not None), name
    assert [n for n in deep if method_traits(n).stops_by_probe] == ["dhln", "ssdh", "dshsre"]


# -- tiny real runs ------------------------------------------------------------------------------------


def labelled(n=400, side=8, classes=4, seed=0):
    """Grey images of ``classes`` noisy prototypes; pixels (0, 0) and (0, 1) hold the row's number."""
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, (classes, side, side, 1))
    y = np.arange(n) % classes
    x = np.clip(protos[y] + rng.normal(0, 60, (n, side, side, 1)), 0, 255).astype(np.uint8)
    x[:, 0, 0, 0] = np.arange(n) % 256
    x[:, 0, 1, 0] = np.arange(n) // 256
    return x, y.astype(np.int64)


class Unlearning(DHLN):
    """DHLN that learns for three epochs, then learns random labels: its held-out score peaks, then falls."""

    defaults = replace(
        DHLN.defaults, stop=StopSettings(max_epochs=12, patience=2, min_delta=0.0, min_cooldown=1, cooldown_share=0.1)
    )

    def __init__(self) -> None:
        self.epoch = 0
        self.seen: set[int] = set()
        self.generator = torch.Generator().manual_seed(5)

    def start_epoch(self, model, epoch, ctx):
        self.epoch = epoch

    def loss(self, model, batch: Batch, ctx):
        row = (batch.x[:, 0, 0, 0] * 255).round() + 256 * (batch.x[:, 0, 0, 1] * 255).round()
        self.seen.update(int(r) for r in row.tolist())
        if self.epoch < 3:
            return super().loss(model, batch, ctx)
        noise = torch.randint(0, 4, batch.labels().shape, generator=self.generator)
        return super().loss(model, Batch(batch.x, noise, batch.index, batch.progress), ctx)


def test_an_open_run_returns_its_best_epoch_and_never_trains_on_the_held_out_slice():
    method = Unlearning()
    x, y = labelled()
    events, (model, stats) = run_to_end(fit_deep(method, x, y, None, DeepRun(bits=16, batch_size=32, lr=1e-2), "cpu"))
    stopping = stats["stopping"]
    curve = stopping["curve"]
    best = int(np.argmax(curve)) + 1
    # the rule saw the fall, cooled down and stopped early, well before its maximum of 12
    assert stopping["plan"]["kind"] == "open" and len(curve) == stats["epochs"] < 12
    assert stopping["reason"].startswith("plateau after epoch")
    assert stopping["best_epoch"] == stopping["kept_epoch"] == best and curve[-1] < curve[best - 1]
    # the returned network is the best epoch's: the same held-out probe scores it at that epoch's figure
    held = held_out_rows(y, 0, 0.1, 1000, 10)
    train = np.setdiff1d(np.arange(len(y)), held)
    probe = RetrievalProbe.held_out(x[held], y[held], x[train], y[train], 0, PROBE_DATABASE)
    assert probe.measure(model)["map"] == pytest.approx(curve[best - 1], abs=1e-5)
    assert probe.measure(model)["map"] > curve[-1]
    # the held-out slice: 40 rows, never in a training batch; every other row was
    assert stopping["plan"]["held_out"] == len(held) == 40
    assert method.seen.isdisjoint(held.tolist()) and method.seen == set(train.tolist())
    # the plan is said before the first step, and every epoch's stats carry the best epoch so far
    plan = [e for e in events if isinstance(e, Progress) and e.stage == "plan"]
    assert len(plan) == 1 and plan[0].message.startswith("Trains until the held-out score stops improving")
    epochs = [e for e in events if isinstance(e, EpochDone)]
    assert [e.stats["best_epoch"] for e in epochs][-1] == best and epochs[-1].stats["stop_reason"]


def test_epochs_asked_for_are_trained_to_the_last_and_the_last_is_kept():
    method = Unlearning()
    x, y = labelled()
    events, (_model, stats) = run_to_end(
        fit_deep(method, x, y, None, DeepRun(bits=16, batch_size=32, lr=1e-2, epochs=7), "cpu")
    )
    stopping = stats["stopping"]
    assert len([e for e in events if isinstance(e, EpochDone)]) == stats["epochs"] == 7  # no early stop
    assert stopping["plan"]["kind"] == "forced" and stopping["reason"] == "forced: --epochs 7"
    assert stopping["kept_epoch"] == 7 and stopping["best_epoch"] < 7
    assert method.seen == set(range(len(y)))  # a forced run holds nothing out


def test_a_set_too_small_to_hold_out_trains_the_methods_fixed_epochs():
    x, y = labelled(n=60)
    _events, (_model, stats) = run_to_end(fit_deep(get_method("dhln"), x, y, None, DeepRun(bits=16), "cpu"))
    stopping = stats["stopping"]
    assert stopping["plan"]["kind"] == "fixed" and stats["epochs"] == get_method("dhln").defaults.epochs
    assert "60 labelled images are too few to hold some out" in stopping["reason"]


def test_eval_and_train_print_why_training_stopped(tmp_path, capsys):
    x, y = labelled(n=1200)  # holdout: 100 queries a class, 800 to train on
    np.savez(tmp_path / "toy.npz", x_train=x, y_train=y)
    assert main(["eval", str(tmp_path / "toy.npz"), "--method", "dhln", "--bits", "16", "--batch-size", "32"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("stopped: ") and "held-out mAP" in last and "kept epoch" in last
    assert main(["eval", str(tmp_path / "toy.npz"), "--method", "dhln", "--bits", "16", "--epochs", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["epochs"] == 2 and report["training"]["stopping"]["reason"] == "forced: --epochs 2"
