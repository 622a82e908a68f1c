"""The one place that picks the compute device: CUDA, then MPS, then the CPU.

torch is imported inside the function, never at module import, so that the
desktop app's first window does not pay for it.
"""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


class DeviceError(Exception):
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
