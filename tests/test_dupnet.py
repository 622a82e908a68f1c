"""DupNet: trains a few steps on tiny photos without NaN, and pulls an edited copy near its original."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from generators import run_to_end
from imagefactory import photo_array

from hashview.core.events import Cancelled, CancelToken, StepLoss
from hashview.core.methods import get_method, method_names
from hashview.core.methods.deep import DeepRun, fit_deep
from hashview.core.nets.input_arrays import fit_array
from hashview.core.nets.network import encode_array

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def photos(n=12, side=32):
    return np.stack([photo_array((side, side), seed=100 + s) for s in range(n)])


def fit(x, cancel=None, pairs=None, **run):
    method = get_method("dupnet")
    overrides = {"min_steps": run.pop("steps", 4), "passes": 0.0}
    for name in ("hard_negatives", "views"):
        if name in run:
            overrides[name] = run.pop(name)
    overrides.update(run.pop("params", {}))
    if pairs is not None:
        run["pairs"] = tuple(pairs)
    gen = fit_deep(method, x, None, None, DeepRun(overrides=overrides, **run), "cpu", cancel)
    events, (model, stats) = run_to_end(gen)
    return model, stats, events


def test_dupnet_is_registered_as_an_unsupervised_deep_method():
    assert "dupnet" in method_names()
    method = get_method("dupnet")
    assert method.kind == "deep" and not method.needs_labels and method.uses_pairs


@pytest.mark.parametrize("bits", [16, 64])
def test_trains_a_few_steps_without_nan(bits):
    x = photos()
    model, _stats, events = fit(x, bits=bits, epochs=2, batch_size=6, input_size=32, steps=4)
    losses = [e.loss for e in events if isinstance(e, StepLoss)]
    assert len(losses) == 4 and all(np.isfinite(losses))
    codes = encode_array(model, fit_array(x, 32, 3))
    assert codes.shape == (12, bits)


def test_decision_pairs_join_the_steps_without_nan():
    x = photos()
    _model, _stats, events = fit(
        x, pairs=[[0, 1, 1], [2, 3, -1]], bits=16, epochs=1, batch_size=6, input_size=32, steps=2
    )
    assert all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))


def test_halves_are_the_two_disjoint_parts_stretched_back():
    from hashview.core.methods.dupnet import _halves

    x = torch.zeros(64, 3, 8, 8)
    x[..., :, :4] = 1.0  # left half white
    x[..., :4, :] += 0.5  # top half lighter: each half of either cut is its own mixture
    first, second = _halves(x, torch.Generator().manual_seed(0))
    assert first.shape == second.shape == x.shape
    across = first.amin(dim=(1, 2, 3)) > 0.9  # the left half is 1.0 or 1.5 everywhere; the top half has 0.5
    assert 10 < int(across.sum()) < 54  # both ways of cutting are used
    assert torch.allclose(second[across], x[across][..., :, 4:].repeat_interleave(2, dim=-1))
    assert torch.allclose(first[~across], x[~across][..., :4, :].repeat_interleave(2, dim=-2))
    assert torch.allclose(second[~across], x[~across][..., 4:, :].repeat_interleave(2, dim=-2))


def test_hard_negatives_and_decision_pairs_train_together_without_nan():
    x = photos()
    _model, _stats, events = fit(
        x, pairs=[[0, 1, 1], [2, 3, -1]], bits=16, epochs=1, batch_size=6, input_size=32, steps=2, hard_negatives=4
    )
    assert all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))


def test_cancel_stops_between_steps():
    cancel = CancelToken()
    x = photos()
    method = get_method("dupnet")
    gen = fit_deep(
        method,
        x,
        None,
        None,
        DeepRun(bits=16, epochs=1, batch_size=6, input_size=32, overrides={"min_steps": 50, "passes": 0.0}),
        "cpu",
        cancel,
    )
    with pytest.raises(Cancelled):
        for event in gen:
            if isinstance(event, StepLoss) and event.step == 1:
                cancel.cancel()


def test_steps_grow_with_the_library_between_the_bounds():
    method = get_method("dupnet")
    p = method.params
    assert method.planned_steps(10, 96) == p["min_steps"]
    assert method.planned_steps(100_000, 96) == min(int(np.ceil(p["passes"] * 100_000 / 96)), p["max_steps"])
    assert method.planned_steps(10**8, 96) == p["max_steps"]


def test_an_edited_copy_lands_nearer_its_original_than_another_photo():
    torch.manual_seed(0)
    x = photos(12, 32)
    model, _stats, _events = fit(x, bits=32, epochs=2, batch_size=12, input_size=32, steps=60)
    t = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255
    # a mild copy made here, apart from the training edits: 3 px trimmed off each side, then 10 % brighter
    edited = torch.nn.functional.interpolate(t[:, :, 3:-3, 3:-3], size=t.shape[-2:], mode="bilinear") * 1.1
    copies = (edited.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(0, 2, 3, 1).numpy()
    a, b = encode_array(model, x), encode_array(model, copies)
    to_copy = (a != b).sum(axis=1)
    to_others = np.array([min((a[k] != a[j]).sum() for j in range(len(a)) if j != k) for k in range(len(a))])
    assert float(np.mean(to_copy < to_others)) >= 0.75, (to_copy.tolist(), to_others.tolist())
    assert float(to_copy.mean()) < float(to_others.mean())


def test_each_run_keeps_its_own_round_clock():
    """Two plans in flight at once (a training and an eval, say) do not share the round counter."""
    from hashview.core.methods.dupnet import Plan
    from hashview.core.methods.fit_context import FitContext

    method = get_method("dupnet")
    x = photos(n=8)
    late, early = Plan(0, budget_s=100.0), Plan(1, budget_s=100.0)
    runs = [FitContext(x, None, dict(method.params), 4, 10, state=plan) for plan in (late, early)]
    for ctx in runs:
        method.steps_per_epoch(ctx)
    method.start_epoch(None, 9, runs[0])
    method.start_epoch(None, 0, runs[1])
    rng = np.random.default_rng(0)
    list(method.epoch_batches(runs[0], rng))
    list(method.epoch_batches(runs[1], rng))
    # a run that starts at round 9 of 10 backdates its clock by 90 % of the budget; round 0 does not
    assert late.started < early.started - 80
    assert late.round == (9, 10) and early.round == (0, 10)


def test_training_reports_its_progress_step_by_step():
    """A Progress("train") after every step, so the status bar and time left move while a network trains."""
    from hashview.core.events import Progress

    _model, _stats, events = fit(photos(), bits=16, epochs=2, batch_size=6, input_size=32, steps=4)
    steps = [e for e in events if isinstance(e, Progress) and e.stage == "train"]
    assert [(e.done, e.total) for e in steps] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert steps[0].message == "training, epoch 1 of 2" and steps[-1].message == "training, epoch 2 of 2"
    assert all(e.rate > 0 for e in steps) and steps[-1].eta_s == 0 and steps[0].eta_s > 0


def test_the_contrastive_loss_of_two_views_is_simclrs_cross_entropy():
    """Two views: each row's one positive is the other view of its photo, as before views were a parameter."""
    import torch.nn.functional as F

    from hashview.core.methods.dupnet import contrastive_loss

    n = 5
    codes = torch.randn(2 * n, 16, generator=torch.Generator().manual_seed(0))
    z = F.normalize(codes, dim=1)
    sim = (z @ z.T / 0.1).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    assert torch.allclose(contrastive_loss(codes, n, 2, 0.1), F.cross_entropy(sim, target))


def test_the_contrastive_loss_of_more_views_averages_every_positive():
    """Four views of three photos, against the formula written out row by row."""
    import math

    from hashview.core.methods.dupnet import contrastive_loss

    photos_, views, t = 3, 4, 0.2
    codes = torch.randn(photos_ * views, 8, generator=torch.Generator().manual_seed(1), requires_grad=True)
    z = torch.nn.functional.normalize(codes, dim=1).tolist()
    cos = [[sum(a * b for a, b in zip(zi, zk)) for zk in z] for zi in z]
    total = 0.0
    for i in range(len(z)):
        below = sum(math.exp(cos[i][k] / t) for k in range(len(z)) if k != i)
        for p in range(len(z)):
            if p != i and p % photos_ == i % photos_:
                total -= math.log(math.exp(cos[i][p] / t) / below)
    loss = contrastive_loss(codes, photos_, views, t)
    assert loss.item() == pytest.approx(total / (len(z) * (views - 1)), rel=1e-5)
    loss.backward()
    assert torch.isfinite(codes.grad).all()  # the masked diagonal sends no NaN back


def test_four_views_of_each_photo_train_without_nan():
    x = photos()
    _model, stats, events = fit(x, bits=16, epochs=1, batch_size=6, input_size=32, steps=2, views=4)
    assert all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))
    assert stats["params"]["views"] == 4


def test_one_view_is_refused_in_one_line():
    with pytest.raises(ValueError, match="at least two views"):
        fit(photos(), bits=16, epochs=1, batch_size=6, input_size=32, steps=1, views=1)


def test_hashview_params_changes_a_runs_parameters_and_refuses_names_it_lacks():
    """The variable is read at the edge (``RuntimeOptions``) into the run's overrides, which the run checks by name."""
    from hashview.core.runtime import PARAMS_ENV, RuntimeOptions

    def fit_with(text):
        overrides = RuntimeOptions.from_environ({PARAMS_ENV: text}).params
        return fit(photos(), bits=16, epochs=1, batch_size=6, input_size=32, steps=1, params=overrides)

    _model, stats, _events = fit_with('{"views": 3, "hard_negatives": 2}')
    assert stats["params"]["views"] == 3 and stats["params"]["hard_negatives"] == 2  # kept with the network
    with pytest.raises(ValueError, match="dupnet has no parameter veiws"):
        fit_with('{"veiws": 4}')
    for bad in ("views=4", "[4]"):
        with pytest.raises(ValueError, match=PARAMS_ENV):
            fit_with(bad)
