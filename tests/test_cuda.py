"""The deep methods on CUDA under bfloat16 autocast: they train, encode and evaluate.

Skipped where no CUDA device is present (CI has none); run on a GPU machine
with ``pytest tests/test_cuda.py tests/test_deep_methods.py`` (the second runs
its cancel-and-resume test on CUDA too). The CPU versions of these checks are
in test_deep_methods.py and test_dupnet.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from generators import run_to_end
from test_deep_methods import tiny_data

from hashview.core.events import StepLoss
from hashview.core.methods import get_method
from hashview.core.methods.deep import DeepRun, fit_deep
from hashview.core.nets.input_arrays import fit_array
from hashview.core.nets.network import encode_array

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")

METHODS = ["dhln", "ssdh", "dshsre", "ddh", "bae", "dupnet"]


def fit(name, x, y, **run):
    method = get_method(name)
    if name == "dupnet":
        run.setdefault("overrides", {"min_steps": 4, "passes": 0.0})
    gen = fit_deep(method, x, y if method.needs_labels else None, ["a", "b", "c", "d"], DeepRun(**run), "cuda")
    return run_to_end(gen)


@pytest.mark.parametrize("bits", [12, 128])
@pytest.mark.parametrize("name", METHODS)
def test_trains_on_cuda_without_nan_at_12_and_128_bits(name, bits):
    torch.manual_seed(0)
    x, y = tiny_data(n=64, side=32, channels=3)
    events, (model, stats) = fit(name, x, y, bits=bits, epochs=2, batch_size=16)
    losses = [e.loss for e in events if isinstance(e, StepLoss)]
    assert losses and all(np.isfinite(losses))
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert stats["trunk"] in ("cnn", "bae", "dhln") and next(model.parameters()).device.type == "cpu"
    net = model.config["net"]
    arr = fit_array(x, net["input_size"], net["channels"])
    on_gpu, on_cpu = encode_array(model, arr, "cuda"), encode_array(model, arr, "cpu")
    assert on_gpu.shape == (len(x), bits) and on_gpu.dtype == bool
    # bfloat16 on the GPU against float32 on the CPU: only bits with u near 0 may differ
    assert (on_gpu == on_cpu).mean() > 0.9


def test_eval_on_cuda_reports_the_device(tmp_path):
    from hashview.cli import ProgressPrinter
    from hashview.core.train.evaluation import EvalOptions, evaluate_method

    x, y = tiny_data(n=800, side=32, channels=3)  # holdout keeps 100 per class as queries
    np.savez(tmp_path / "toy.npz", x_train=x, y_train=y)
    opts = EvalOptions(method="ssdh", bits=16, protocol="holdout", epochs=2, device="cuda", batch_size=32)
    report = ProgressPrinter().drive(evaluate_method(tmp_path / "toy.npz", opts))
    assert report["device"].startswith("cuda") and report["map"] > 0.5


def test_the_edits_and_the_loss_never_make_the_host_wait_for_the_gpu():
    """A step's random draws are made on the CPU; their copies to the GPU must not synchronise the stream
    (``device.host_to``), or every step runs as a chain of waits."""
    from hashview.core.methods.deep import Batch, build_config
    from hashview.core.methods.dupnet import METHOD, Plan
    from hashview.core.methods.fit_context import FitContext
    from hashview.core.nets.edits import random_edits
    from hashview.core.nets.network import HashNet

    x_cpu, _ = tiny_data(n=32, side=32, channels=3)
    config = build_config(METHOD, DeepRun(bits=64, input_size=32), 3, 32, None, "cuda")
    model = HashNet(config).to("cuda").train()
    data = fit_array(x_cpu, 32, 3)
    plan = Plan(0, budget_s=60.0, generator=torch.Generator().manual_seed(0))
    x = torch.from_numpy(data).to("cuda").permute(0, 3, 1, 2).float().div(255.0)
    batch = Batch(x[:16], None, np.arange(16))
    ctx = FitContext(data, None, dict(METHOD.params), 16, 1, device="cuda", pairs=([0, 1, 1], [2, 3, -1]), state=plan)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        METHOD.loss(model, batch, ctx)  # warm-up: cached tables and masks go to the GPU once
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        for _ in range(3):
            random_edits(x, plan.generator)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                loss = METHOD.loss(model, batch, ctx)
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert torch.isfinite(loss).item()
