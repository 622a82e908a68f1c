"""How DupNet's training time grows with the library: measured seconds per step, planned steps, the cap.

Times ``--steps`` training steps of the default DupNet (cnn-xs, 64 px, 96
photos per step seen twice) on random-edit batches on this machine, then
prints for libraries of 1k, 10k and 100k photos the steps the default plans
(``passes * n / batch`` between ``min_steps`` and ``max_steps``), the time
they would take, the default time budget, and what the default therefore
does (all steps, or as many as the budget allows: the passes over the
library that buys). Also prints the load average, since on a shared machine
that decides the figure.

Usage (from the repository root): python -m benchmarks.dupnet_scaling [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

from benchmarks.provenance import provenance_line


def main(argv: list[str] | None = None) -> int:
    import torch

    from hashview.core.cpu import cpu_threads
    from hashview.core.methods import get_method, method_traits
    from hashview.core.methods.deep import Batch
    from hashview.core.methods.dupnet import Plan
    from hashview.core.methods.fit_context import FitContext
    from hashview.core.nets.edits import random_edits
    from hashview.core.nets.network import HashNet, network_config, train_autocast, train_compute
    from hashview.core.runtime import RuntimeOptions

    cpu_bf16 = RuntimeOptions.from_environ(os.environ).cpu_bf16  # HASHVIEW_CPU_BF16, as the command line reads it

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    print(provenance_line(), flush=True)
    method = get_method("dupnet")
    d = method.defaults
    torch.set_num_threads(cpu_threads())
    bits = method_traits("dupnet").bits  # the code length it trains by default
    net = HashNet(
        network_config("dupnet", bits, method.trunk_for(None, 3, "cpu"), "none", 3, d.input_size, method.activation)
    )
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (d.batch_size, d.input_size, d.input_size, 3), dtype=np.uint8)
    plan = Plan(0, 1e9, generator=torch.Generator().manual_seed(0))
    ctx = FitContext(data, None, dict(method.params), d.batch_size, 1, state=plan)
    x = torch.from_numpy(data).permute(0, 3, 1, 2).float() / 255
    times = []
    for step in range(args.steps + 2):
        started = time.monotonic()
        opt.zero_grad()
        with train_autocast("cpu", cpu_bf16):  # as training runs it: bfloat16 on a CPU with AMX
            loss = method.loss(net, Batch(x, None, np.arange(len(x))), ctx)
        loss.backward()
        opt.step()
        if step >= 2:
            times.append(time.monotonic() - started)
    per_step = float(np.median(times))
    edits_started = time.monotonic()
    views = torch.cat([x, x, x[: int(method.params["hard_negatives"])], x[: int(method.params["hard_negatives"])]])
    for _ in range(5):  # a step's edits: one call over its views (two of each photo, two halves of some)
        random_edits(views, plan.generator)
    edits = (time.monotonic() - edits_started) / 5
    print(
        f"DupNet default: trunk {method.trunk_for(None, 3, 'cpu')}, {bits} bits, {d.input_size} px, {d.batch_size} photos x 2 views "
        f"per step, {torch.get_num_threads()} thread(s), {train_compute('cpu', cpu_bf16)}"
    )
    print(
        f"measured: {per_step:.3f} s per step (of which the edits {edits:.3f} s), load average "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    print(
        f"{'photos':>8s} {'planned steps':>14s} {'would take':>11s} {'budget':>8s} {'default trains':>15s} {'passes':>7s}"
    )
    for n in (737, 1_000, 10_000, 100_000):
        steps = method.planned_steps(n, d.batch_size)
        budget = method.budget_seconds(n)
        done = min(steps, int(budget / per_step))
        print(
            f"{n:8d} {steps:14d} {steps * per_step:10.0f}s {budget:7.0f}s {done:9d} steps {done * d.batch_size / n:7.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
