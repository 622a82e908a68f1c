"""The one place that picks the compute device: CUDA, then MPS, then the CPU.

torch is imported inside the function, never at module import, so that the
desktop app's first window does not pay for it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from hashview.core.errors import HashviewError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(HashviewError):
    """The device asked for is not available here (one-line message)."""


def pick_device(preference: str = "auto") -> str:
    """Return a torch device string for ``preference``.

    Args:
        preference: "auto" (the best available), "cpu", "cuda" or "mps".

    Raises:
        DeviceError: the preference is unknown or that device is not available.
    """
    if preference not in DEVICE_CHOICES:
        raise DeviceError(f"unknown device {preference!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    import torch

    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if preference == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if preference == "cuda" and not cuda:
        raise DeviceError("CUDA was asked for but no CUDA GPU is available; use --device cpu or auto")
    if preference == "mps" and not mps:
        raise DeviceError("MPS was asked for but is not available on this machine; use --device cpu or auto")
    return preference


def describe_device(device: str) -> str:
    """A human name for a device string, e.g. 'cuda (NVIDIA H100 80GB HBM3)'."""
    if device.startswith("cuda"):
        import torch

        return f"cuda ({torch.cuda.get_device_name(0)})"
    return device


def cpu_trains_in_bfloat16(choice: bool | None = None) -> bool:
    """Whether training on the CPU computes in bfloat16 (autocast), as it does on CUDA.

    Only where the CPU multiplies bfloat16 in hardware, Intel's AMX tiles
    (``amx_bf16``): there the small trunks' forward and backward take about two
    thirds of their float32 time (``benchmarks/dupnet_step.py``). Elsewhere
    bfloat16 is converted in software and is slower than float32, so it stays
    off; CPUs with only AVX-512 BF16 instructions are not measured and stay off
    too. ``choice`` (True or False) overrides it: ``RuntimeOptions.cpu_bf16``,
    which ``HASHVIEW_CPU_BF16`` (1 or 0) sets at the edge.
    """
    if choice is not None:
        return bool(choice)
    return "amx_bf16" in cpu_flags()


@lru_cache(maxsize=1)
def cpu_flags(path: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags as Linux lists them (empty where there is no /proc/cpuinfo)."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def host_to(tensor: torch.Tensor, device: str | torch.device) -> torch.Tensor:
    """A CPU tensor (random draws, indices, tables) on ``device``, without making the host wait for the device.

    A plain ``.to("cuda")`` from pageable memory synchronises the stream: the
    host waits until every kernel queued so far has run. A training step moves
    dozens of small draws of its edits to the GPU, so each step ran as a chain
    of waits. From pinned memory the copy is queued like a kernel and the host
    runs on. On the CPU (and MPS) it is an ordinary ``.to``.
    """
    import torch

    target = torch.device(device)
    if target.type == "cuda" and tensor.device.type == "cpu":
        return tensor.pin_memory().to(target, non_blocking=True)
    return tensor.to(target)
