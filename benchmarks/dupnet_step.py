"""Where one DupNet training step spends its time, part by part, on a device.

A step edits all its views in one call (two views of each photo, or
``views``, and two edited halves of some; one call per part before run 9),
runs the network forward and backward over all the views, and updates the
weights. This times the whole step as training runs it, and each part alone
(synchronising a GPU after each), so the slow part is measured rather than
guessed. ``HASHVIEW_PARAMS`` (a JSON object of DupNet's parameters) times
another plan, e.g. '{"views": 4, "hard_negatives": 32}'. Random pixels stand
in for photos: the cost does not depend on what they show. The same step and
edits on 8-px images measure what they cost besides arithmetic (kernel
launches, Python): the floor under a GPU step, whatever the GPU.

Usage (from the repository root):
    [HASHVIEW_PARAMS=JSON] python -m benchmarks.dupnet_step [--device auto] [--repeats 20]
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.provenance import provenance_line


def timed(parts: dict, device: str, repeats: int) -> dict[str, float]:
    """Seconds per call of each part, the parts taking turns: one round after another, each part
    once a round, after a warm-up round. Timed one part after another, the first part timed
    came out up to 40 % dearer than the same code timed later (allocator and caches warming)."""
    import torch

    def once(fn) -> float:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        started = time.perf_counter()
        fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - started

    for fn in parts.values():
        once(fn)
    total = dict.fromkeys(parts, 0.0)
    for _ in range(repeats):
        for name, fn in parts.items():
            total[name] += once(fn)
    return {name: seconds / repeats for name, seconds in total.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import numpy as np
    import torch

    from hashview.core.methods import get_method
    from hashview.core.methods.deep import Batch, DeepRun, build_config
    from hashview.core.methods.dupnet import Plan, _halves
    from hashview.core.methods.fit_context import FitContext, run_params
    from hashview.core.nets import edits
    from hashview.core.nets.device import describe_device, pick_device
    from hashview.core.nets.edit_vocabulary import rates_from_params
    from hashview.core.nets.network import HashNet, train_autocast, train_compute
    from hashview.core.runtime import RuntimeOptions
    from hashview.core.train.pipeline import TrainOptions, default_bits

    device = pick_device(args.device)
    print(provenance_line(), flush=True)
    method = get_method("dupnet")
    runtime = RuntimeOptions.from_environ(os.environ)  # a benchmark is an edge: it reads the environment itself
    # HASHVIEW_PARAMS='{"views": 4}' times another plan; HASHVIEW_CPU_BF16 picks the CPU's compute
    params = run_params(method, runtime.params)
    n, v, hard, side = method.defaults.batch_size, int(params["views"]), int(params["hard_negatives"]), 64
    bits = default_bits(TrainOptions(method="dupnet"))
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, 3, side, side, generator=gen).to(device)
    config = build_config(method, DeepRun(bits=bits, input_size=side), 3, side, None, device)
    model = HashNet(config).to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    views = torch.cat([x] * v + [x[:hard], x[:hard]])
    plan = Plan(seed=0, budget_s=0.0, generator=gen)
    ctx = FitContext(np.zeros((n, side, side, 3), np.uint8), None, params, n, 1, device=device, state=plan)

    rates = rates_from_params(params)

    def one_call(x):  # how a step edits its views (DupNet.loss): every view in one call
        return edits.random_edits(torch.cat([x] * v + list(_halves(x[:hard], gen))), gen, rates)

    def call_per_part(x):  # how a step edited them before run 9: one call per part
        first, second = _halves(x[:hard], gen)
        return [edits.random_edits(part, gen, rates) for part in [x] * v + [first, second]]

    tiny = torch.rand(n, 3, 8, 8, generator=gen).to(
        device
    )  # next to no arithmetic: what is left is launches and Python

    def network():
        optimizer.zero_grad(set_to_none=True)
        with train_autocast(device, runtime.cpu_bf16):
            u = model(model.normalise(views).contiguous(memory_format=torch.channels_last)).float()
        torch.tanh(u).square().mean().backward()
        optimizer.step()

    def whole_step(
        x,
    ):  # what training runs: DupNet.loss (edits, network, loss terms), backward, update, no waits between
        optimizer.zero_grad(set_to_none=True)
        with train_autocast(device, runtime.cpu_bf16):
            loss = method.loss(model, Batch(x, None, np.arange(n)), ctx)
        loss.backward()
        optimizer.step()

    parts = {
        "whole step (DupNet.loss, backward, update)": lambda: whole_step(x),
        "whole step's host overhead: on 8-px images": lambda: whole_step(tiny),
        "edits, one call over all views": lambda: one_call(x),
        "  of which JPEG (its share of the views)": lambda: edits.detail.jpeg(
            views[: max(1, int(len(views) * rates["jpeg"]))], gen
        ),
        "  of which the geometry (one resampling, all views)": lambda: edits.geometry.geometry(views, gen, rates),
        "edits, one call per part (before run 9)": lambda: call_per_part(x),
        "edits' host overhead: one call on 8-px images": lambda: one_call(tiny),
        "edits' host overhead: a call per part, 8-px": lambda: call_per_part(tiny),
        "network forward + backward + update": network,
    }
    compute = train_compute(device, runtime.cpu_bf16)
    print(
        f"device: {describe_device(device)}; trunk {config['net']['trunk']}, {bits} bits, {n} photos x {v} views + {hard} halved, "
        f"{len(views)} views of {side} px a step; a step computes in {compute}"
    )
    with train_autocast(device, runtime.cpu_bf16):  # as a training step runs its loss, edits included
        seconds = timed(parts, device, args.repeats)
    for name, value in seconds.items():
        print(f"{name:48s} {value * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
