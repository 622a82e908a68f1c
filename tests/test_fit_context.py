"""The run's own parameters reach every method hook (``FitContext``), and configuration enters at the edge.

DDH's ``prepare`` and ``epoch_batches`` once read the class defaults, so an override of k1, k2
or pair_fraction trained the defaults while the network recorded the override as used.
"""

from __future__ import annotations

import numpy as np
import pytest
from generators import run_to_end

from hashview.core.events import StepLoss
from hashview.core.methods import get_method
from hashview.core.methods.ddh import DDH, build_pseudo_pairs, neighbour_feature
from hashview.core.methods.deep import DeepRun, fit_deep
from hashview.core.nets.input_arrays import fit_array

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def varied_images(n=160, side=8, seed=0):
    """Grey images with enough spread that neighbour lists of 3 and of 15 differ."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, side, side, 1)).astype(np.uint8)


def record_hooks(monkeypatch):
    """Wrap DDH's real prepare and epoch_batches (whatever their signature) and keep what they return."""
    seen = {"pairs": [], "batches": []}
    real_prepare, real_batches = DDH.prepare, DDH.epoch_batches

    def prepare(self, *args, **kwargs):
        out = real_prepare(self, *args, **kwargs)
        seen["pairs"].append(out)
        return out

    def epoch_batches(self, *args, **kwargs):
        out = list(real_batches(self, *args, **kwargs))
        seen["batches"].extend(out)
        return out

    monkeypatch.setattr(DDH, "prepare", prepare)
    monkeypatch.setattr(DDH, "epoch_batches", epoch_batches)
    return seen


def test_ddh_builds_its_pairs_and_batches_with_the_runs_overrides(monkeypatch):
    seen = record_hooks(monkeypatch)
    x = varied_images()
    overrides = {"k1": 3, "k2": 2, "pair_fraction": 0.25}
    run = DeepRun(bits=16, epochs=2, batch_size=16, overrides=overrides)
    events, (model, stats) = run_to_end(fit_deep(get_method("ddh"), x, None, None, run, "cpu"))
    assert all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))
    assert {k: stats["params"][k] for k in overrides} == overrides  # what the network file records...

    # ...is what the pseudo pairs were built with (Algorithm 1 with K1 = 3, K2 = 2)
    net = model.config["net"]
    feature = neighbour_feature(fit_array(x, net["input_size"], net["channels"]))
    wanted, defaults = build_pseudo_pairs(feature, 3, 2), build_pseudo_pairs(feature, 15, 6)
    assert not np.array_equal(wanted.keys, defaults.keys)  # the data tells the two apart
    (pairs,) = seen["pairs"]
    assert np.array_equal(pairs.keys, wanted.keys) and np.array_equal(pairs.indptr, wanted.indptr)

    # ...and every batch is 12 random anchors, then a neighbour (from L'_i) of each of the first 4
    assert len(seen["batches"]) == 2 * (len(x) // 16)
    for batch in seen["batches"]:
        assert len(batch) == 16 and len(set(batch[:12].tolist())) == 12
        for anchor, partner in zip(batch[:4].tolist(), batch[12:].tolist()):
            members = pairs.indices[pairs.indptr[anchor] : pairs.indptr[anchor + 1]]
            assert partner in members or (len(members) == 0 and partner == anchor)


def test_an_override_the_method_lacks_is_refused_in_one_line():
    run = DeepRun(bits=16, epochs=1, batch_size=16, overrides={"k3": 4})
    with pytest.raises(ValueError, match=r"^ddh has no parameter k3 \(it has k1, k2, lambda1, pair_fraction\)$"):
        run_to_end(fit_deep(get_method("ddh"), varied_images(32), None, None, run, "cpu"))


def dupnet_steps(run: DeepRun) -> int:
    x = np.stack([np.full((16, 16, 3), 20 * s, np.uint8) for s in range(8)])
    events, _ = run_to_end(fit_deep(get_method("dupnet"), x, None, None, run, "cpu"))
    return sum(isinstance(e, StepLoss) for e in events)


def test_dupnet_takes_its_time_budget_from_the_run_not_the_environment(monkeypatch):
    monkeypatch.setenv("HASHVIEW_DUPNET_SECONDS", "0.000001")  # read at the edge only: the method ignores it
    few = {"min_steps": 6, "passes": 0.0}
    assert dupnet_steps(DeepRun(bits=16, epochs=2, batch_size=4, input_size=16, overrides=few)) == 6
    # a spent budget cuts each round after its first step
    assert dupnet_steps(DeepRun(bits=16, epochs=2, batch_size=4, input_size=16, overrides=few, budget_s=1e-6)) == 2


def test_the_environment_becomes_run_options_and_a_bad_value_is_refused_naming_it():
    from hashview.core.errors import OptionError
    from hashview.core.methods.deep import apply_run_options
    from hashview.core.runtime import RuntimeOptions

    def run_options_from_environ(environ):
        return RuntimeOptions.from_environ(environ).run_options()

    assert run_options_from_environ({}) == {}
    options = run_options_from_environ({"HASHVIEW_PARAMS": ' {"k1": 3} ', "HASHVIEW_DUPNET_SECONDS": "30"})
    assert options == {"overrides": {"k1": 3}, "budget_s": 30.0}
    # the run's own overrides win over the environment's, as before
    run = apply_run_options(DeepRun(bits=16, overrides={"k1": 5, "k2": 2}), options)
    assert run.overrides == {"k1": 5, "k2": 2} and run.budget_s == 30.0
    assert apply_run_options(DeepRun(bits=16, budget_s=9.0), options).budget_s == 9.0
    for name, bad in [
        ("HASHVIEW_PARAMS", "k1=3"),
        ("HASHVIEW_PARAMS", "[3]"),
        ("HASHVIEW_DUPNET_SECONDS", "soon"),
        ("HASHVIEW_DUPNET_SECONDS", "-1"),
    ]:
        with pytest.raises(OptionError, match=f"^{name}"):  # a ValueError too, as before
            run_options_from_environ({name: bad})


def test_every_hook_takes_one_fit_context():
    """prepare(ctx, rng), steps_per_epoch(ctx), epoch_batches(ctx, rng), start_epoch(model, epoch, ctx), loss(model, batch, ctx)."""
    import inspect

    from hashview.core.methods import method_names

    shapes = {
        "prepare": ["ctx", "rng"],
        "steps_per_epoch": ["ctx"],
        "epoch_batches": ["ctx", "rng"],
        "start_epoch": ["model", "epoch", "ctx"],
        "loss": ["model", "batch", "ctx"],
    }
    for name in method_names():
        method = get_method(name)
        if method.kind != "deep":
            continue
        for hook, args in shapes.items():
            assert list(inspect.signature(getattr(method, hook)).parameters) == args, (name, hook)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"k3": 1}', "ddh has no parameter k3 (it has k1, k2, lambda1, pair_fraction)"),
        ("k1=3", "HASHVIEW_PARAMS is not JSON"),
    ],
)
def test_eval_still_reads_hashview_params_and_refuses_bad_text_in_one_line(
    tmp_path, capsys, monkeypatch, text, message
):
    """The command line reads the environment and ``hashview eval`` passes it on as run options."""
    from hashview.cli import main

    monkeypatch.setenv("HASHVIEW_PARAMS", text)
    np.savez(
        tmp_path / "toy.npz", x_train=varied_images(240), y_train=np.arange(240) % 2
    )  # holdout: 100 queries a class
    assert main(["eval", str(tmp_path / "toy.npz"), "--method", "ddh", "--bits", "16", "--epochs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress lines
    assert err.startswith("hashview: ") and message in err
