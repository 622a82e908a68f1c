"""Where one DupNet training step spends its time, part by part, on a device.

A step edits the batch four times (two views of each photo, two edited halves
of some), runs the network forward and backward over all the views, and
updates the weights. This times each part alone (synchronising a GPU after
each), so the slow part is measured rather than guessed. Random pixels stand
in for photos: the cost does not depend on what they show.

Usage: python benchmarks/dupnet_step.py [--device auto] [--repeats 20]
"""

from __future__ import annotations

import argparse
import time


def timed(fn, device: str, repeats: int) -> float:
    import torch

    fn()  # warm-up: kernels, allocator
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    import torch

    from hashview.core import edits
    from hashview.core.device import describe_device, pick_device
    from hashview.core.methods import get_method
    from hashview.core.methods.deep import DeepRun, build_config
    from hashview.core.methods.dupnet import _halves
    from hashview.core.network import HashNet, _autocast

    device = pick_device(args.device)
    method = get_method("dupnet")
    n, hard, side = method.defaults.batch_size, int(method.params["hard_negatives"]), 64
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n, 3, side, side, generator=gen).to(device)
    config = build_config(method, DeepRun(bits=64, input_size=side), 3, side, None, device)
    model = HashNet(config).to(device, memory_format=torch.channels_last).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    views = torch.cat([x, x, x[:hard], x[:hard]])

    def edit_all():
        first, second = _halves(x[:hard], gen)
        return [edits.random_edits(v, gen) for v in (x, x, first, second)]

    def network():
        optimizer.zero_grad(set_to_none=True)
        with _autocast(device):
            u = model(model.normalise(views).contiguous(memory_format=torch.channels_last)).float()
        torch.tanh(u).square().mean().backward()
        optimizer.step()

    parts = {
        "edits, all four calls": edit_all,
        "  of which JPEG (its share of the images)": lambda: [edits.jpeg(v[: max(1, int(len(v) * edits.DEFAULT_RATES.jpeg))], gen)
                                                        for v in (x, x, x[:hard], x[:hard])],
        "network forward + backward + update": network,
    }
    print(f"device: {describe_device(device)}; trunk {config['net']['trunk']}, {n} photos + {hard} halved, "
          f"{len(views)} views of {side} px a step")
    for name, fn in parts.items():
        print(f"{name:45s} {timed(fn, device, args.repeats) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
