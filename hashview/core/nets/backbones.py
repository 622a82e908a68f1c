"""Feature backbones: torchvision networks, with or without ImageNet weights.

A backbone turns an image batch into one pooled feature vector per image.
Shallow methods (LSH, PCAH, ITQ) hash these vectors; deep methods put their
hash head on top and train through them.

Weights come from one of three places, named by ``weights``:
- ``"none"``: random initialisation (from scratch), always available;
- ``"imagenet"``: torchvision's ImageNet weights, downloaded by torchvision on
  first use; without a network connection a ``BackboneError`` says so and
  names the alternatives;
- a path to a weights file the user picked (a state dict, or a dict holding
  one under ``"state_dict"`` or ``"model"``), read with ``weights_only=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashview.core.errors import HashviewError

if TYPE_CHECKING:
    import torch

# name -> (torchvision builder, weights enum name, pooled feature size)
TORCHVISION_BACKBONES = {
    "resnet18": ("resnet18", "ResNet18_Weights", 512),
    "resnet50": ("resnet50", "ResNet50_Weights", 2048),
    "mobilenet_v3_small": ("mobilenet_v3_small", "MobileNet_V3_Small_Weights", 576),
    "mobilenet_v3_large": ("mobilenet_v3_large", "MobileNet_V3_Large_Weights", 960),
}

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class BackboneError(HashviewError):
    """A backbone or its weights cannot be had (one-line message for the user)."""


@dataclass(frozen=True)
class BackboneSpec:
    """Which backbone, which weights, and what input it expects."""

    name: str = "resnet18"
    weights: str = "none"
    input_size: int = 224


def backbone_names() -> list[str]:
    return sorted(TORCHVISION_BACKBONES)


def _classifier_free(name: str, model: torch.nn.Module) -> torch.nn.Module:
    """Replace the classifier with identity so the model returns pooled features."""
    import torch.nn as nn

    if name.startswith("resnet"):
        model.fc = nn.Identity()
    else:  # mobilenet: features -> avgpool -> classifier
        model.classifier = nn.Identity()
    return model


def _read_weights_file(path: Path) -> dict[str, Any]:
    import torch

    if not path.is_file():
        raise BackboneError(f"weights file not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad file: one line names it
        raise BackboneError(f"cannot read weights file {path.name}: {str(exc).splitlines()[0][:160]}") from None
    if isinstance(blob, dict):
        for key in ("state_dict", "model"):
            if isinstance(blob.get(key), dict):
                blob = blob[key]
                break
    if not isinstance(blob, dict) or not blob:
        raise BackboneError(f"{path.name} holds no state dict")
    return {k.removeprefix("module."): v for k, v in blob.items()}


def build_backbone(spec: BackboneSpec) -> tuple[torch.nn.Module, int]:
    """Build a torchvision backbone returning pooled features.

    Returns:
        (module, feature_dim): the module in eval mode on the CPU.

    Raises:
        BackboneError: unknown name, weights not downloadable, or a bad file.
    """
    import torchvision.models as tvm

    if spec.name not in TORCHVISION_BACKBONES:
        raise BackboneError(f"unknown backbone {spec.name!r}; choose one of {', '.join(backbone_names())}")
    builder_name, weights_enum, dim = TORCHVISION_BACKBONES[spec.name]
    builder = getattr(tvm, builder_name)
    if spec.weights == "imagenet":
        enum = getattr(tvm, weights_enum).DEFAULT
        try:
            model = builder(weights=enum)
        except Exception as exc:  # noqa: BLE001 - a download or cache failure of any kind: one line with the way out
            raise BackboneError(
                f"could not get ImageNet weights for {spec.name} ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:120]}); train from scratch with --weights none "
                f"or pick a weights file with --weights PATH"
            ) from None
        return _classifier_free(spec.name, model).eval(), dim
    model = builder(weights=None)
    if spec.weights not in ("none", "", None):
        state = _read_weights_file(Path(spec.weights))
        head = ("fc.",) if spec.name.startswith("resnet") else ("classifier.",)
        state = {k: v for k, v in state.items() if not k.startswith(head)}
        try:
            missing, unexpected = model.load_state_dict(state, strict=False)
        except RuntimeError as exc:  # shape mismatches
            raise BackboneError(
                f"{Path(spec.weights).name} does not fit {spec.name}: {str(exc).splitlines()[-1].strip()[:160]}"
            ) from None
        missing = [k for k in missing if not k.startswith(head)]
        if missing or unexpected:
            raise BackboneError(
                f"{Path(spec.weights).name} does not fit {spec.name}: "
                f"{len(missing)} missing and {len(unexpected)} unexpected tensors"
            )
    return _classifier_free(spec.name, model).eval(), dim
