"""Training speed of the deep trunks: seconds per epoch over CIFAR-sized images, per device.

Trains SSDH for one epoch on random 32x32 colour images (the speed does not
depend on what the pixels show) and prints images per second, so the epochs
of a run with a time limit (say 5 minutes on a GPU) can be chosen from a
measurement, not a guess.

Usage (from the repository root):
    python -m benchmarks.train_speed [--device auto] [--trunks cnn cnn-l] [--batch-sizes 128 256] [--n 49000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from benchmarks.provenance import provenance_line


def epoch_seconds(trunk: str, batch_size: int, n: int, device: str) -> float:
    from hashview.core.events import drain
    from hashview.core.methods import get_method
    from hashview.core.methods.deep import DeepRun, apply_run_options, fit_deep
    from hashview.core.runtime import RuntimeOptions

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, n)
    run = DeepRun(bits=32, backbone=trunk, epochs=1, batch_size=batch_size)
    run = apply_run_options(run, RuntimeOptions.from_environ(os.environ).run_options())  # HASHVIEW_CPU_BF16, ...
    started = time.perf_counter()
    drain(fit_deep(get_method("ssdh"), images, labels, None, run, device))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--trunks", nargs="+", default=["cnn", "cnn-l"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[128, 256])
    parser.add_argument("--n", type=int, default=49000)
    args = parser.parse_args()
    from hashview.core.nets.device import describe_device, pick_device

    device = pick_device(args.device)
    print(provenance_line(), flush=True)  # after pick_device: torch is loaded, so its version and the GPU show
    epoch_seconds(args.trunks[0], args.batch_sizes[0], 2048, device)  # warm-up: kernels, allocator
    print(f"device: {describe_device(device)}; one SSDH epoch over {args.n} random 32x32 images")
    for trunk in args.trunks:
        for batch in args.batch_sizes:
            s = epoch_seconds(trunk, batch, args.n, device)
            print(f"{trunk:6s} batch {batch:4d}: {s:6.1f} s per epoch, {args.n / s:8.0f} images/s")


if __name__ == "__main__":
    main()
