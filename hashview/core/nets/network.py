"""HashNet: a trunk (feature network) with a hash layer, built from a plain config.

Every deep method trains a ``HashNet``:

    image -> trunk -> phi (D) -> hash layer (D -> K) -> u (pre-activation)

and stores the code ``b = sign(u)`` as bits ``u >= 0``. The methods differ in
the activation they put on ``u`` while training (sigmoid for DHLN and SSDH,
whose code is ``sigmoid(u) >= 0.5``, i.e. ``u >= 0``; the steep tanh of BAE;
none for DDH and DSHSRE) and in the extra parts they train with it: a class
layer (DHLN, SSDH, DSHSRE) or a decoder (BAE). Those parts are kept in the
file but encoding never runs them.

Trunks:
- ``dhln``: the three 5x5 convolutions (32, 32, 64 filters, ReLU, pooling) of
  DHLN, Caffe ``cifar10_quick`` style; the small network for small grey images.
- ``cnn``: a stronger from-scratch network for colour photos at 32 to 64
  pixels: three stages of two 3x3 conv + BatchNorm + ReLU (64, 128, 256
  filters) with a residual add in each stage, then global max pooling;
  ``cnn-s`` is the same at half the width after a stride-2 stem (about 4x
  cheaper), the default for colour photos on a CPU; ``cnn-l`` is twice as
  wide (128, 256, 512: ResNet-9's widths, about 4x dearer), for a GPU.
- ``bae``: the binary autoencoder's encoder (3x3 convs of 16, 32, 64, LeakyReLU,
  2x2 max-pooling) then a dense layer.
- torchvision ``resnet18``, ``resnet50``, ``mobilenet_v3_small/large``
  (``backbones.py``), from scratch, with ImageNet weights, or from a file.

The config holds primitives only (``network_config``), so the network file
alone rebuilds the network (weights of a torchvision trunk come from the file,
never downloaded again).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SMALL_TRUNKS = ("dhln", "cnn", "cnn-l", "cnn-s", "cnn-xs", "bae")
BAE_HIDDEN = 256  # the dense layer between the BAE encoder and the code layer


class Trunk(nn.Module):
    """A feature network: images in, one feature vector of ``dim`` numbers per image out."""

    dim: int


class DHLNTrunk(Trunk):
    """DHLN's three 5x5 conv layers (32, 32, 64), ReLU, 3x3/2 pooling (cifar10_quick)."""

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 5, padding=2),
            nn.MaxPool2d(3, 2, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(3, 2, padding=1),
            nn.Conv2d(32, 64, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(3, 2, padding=1),
            nn.Flatten(),
        )
        side = size
        for _ in range(3):
            side = (side + 1) // 2
        self.dim = 64 * side * side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phi: torch.Tensor = self.body(x)
        return phi


def _conv_bn(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class _Stage(nn.Module):
    """conv-bn-relu, pool, then a residual pair of conv-bn-relu."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.down = nn.Sequential(_conv_bn(cin, cout), nn.MaxPool2d(2, ceil_mode=True))
        self.res = nn.Sequential(_conv_bn(cout, cout), _conv_bn(cout, cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(x)
        residual: torch.Tensor = self.res(x)
        return x + residual


class SmallCNN(Trunk):
    """From-scratch trunk for colour photos at 32-64 px (a ResNet-9-like stack with BatchNorm)."""

    def __init__(self, channels: int, width: int = 64, stem_stride: int = 1) -> None:
        super().__init__()
        # stem_stride 2 halves the resolution first: about 4x cheaper, for CPU training
        self.stem = _conv_bn(channels, width // 2, stride=stem_stride)
        self.stages = nn.Sequential(_Stage(width // 2, width), _Stage(width, 2 * width), _Stage(2 * width, 4 * width))
        self.dim = 4 * width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stages(self.stem(x))
        return torch.flatten(F.adaptive_max_pool2d(x, 1), 1)


class BAEEncoder(nn.Module):
    """The binary autoencoder's encoder: 3x3 convs 16, 32, 64, LeakyReLU, 2x2 max-pool, flatten."""

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = channels
        for cout in (16, 32, 64):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.1, inplace=True), nn.MaxPool2d(2)]
            cin = cout
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.side = size // 8
        self.dim = 64 * self.side * self.side

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        phi: torch.Tensor = self.body(x)
        return phi


class BAEDecoder(nn.Module):
    """Mirror of ``BAEEncoder``: dense up from the code, then upsample + 3x3 convs 64, 32, 16, sigmoid."""

    def __init__(self, bits: int, hidden: int, channels: int, side: int) -> None:
        super().__init__()
        self.side = side
        self.dense = nn.Linear(bits, hidden)
        self.unflat = nn.Linear(hidden, 64 * side * side)
        layers: list[nn.Module] = []
        cin = 64
        for cout in (32, 16):
            layers += [nn.Upsample(scale_factor=2), nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.1, inplace=True)]
            cin = cout
        layers += [nn.Upsample(scale_factor=2), nn.Conv2d(cin, channels, 3, padding=1)]
        self.body = nn.Sequential(*layers)

    def forward(self, code: torch.Tensor, slope: float) -> torch.Tensor:
        h = steep_tanh(self.dense(code), slope)
        h = F.leaky_relu(self.unflat(h), 0.1).view(len(code), 64, self.side, self.side)
        return torch.sigmoid(self.body(h))


def steep_tanh(x: torch.Tensor, slope: float) -> torch.Tensor:
    """BAE's binariser f_b(x) = 2 / (1 + exp(-b x)) - 1 = tanh(b x / 2)."""
    return torch.tanh(x * (slope / 2.0))


class BAETrunk(nn.Sequential, Trunk):
    """BAE's encoder, then its first dense layer (binarised in ``HashNet.features``).

    A ``Sequential`` of the two, so its weights keep the names (``trunk.0.*``,
    ``trunk.1.*``) of the network files already written; ``side`` is the
    encoder's output side, which the decoder mirrors.
    """

    def __init__(self, channels: int, size: int) -> None:
        encoder = BAEEncoder(channels, size)
        super().__init__(encoder, nn.Linear(encoder.dim, BAE_HIDDEN))
        self.side = encoder.side
        self.dim = BAE_HIDDEN


class TorchvisionTrunk(Trunk):
    def __init__(self, name: str, weights: str, size: int) -> None:
        super().__init__()
        from hashview.core.nets.backbones import BackboneSpec, build_backbone

        self.net, self.dim = build_backbone(BackboneSpec(name, weights, size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        phi: torch.Tensor = self.net(x)
        return phi


def build_trunk(name: str, weights: str, channels: int, size: int) -> Trunk:
    """The feature network named ``name``; ``.dim`` is its output size."""
    if name == "dhln":
        return DHLNTrunk(channels, size)
    if name == "cnn":
        return SmallCNN(channels)
    if name == "cnn-l":  # twice the width: ResNet-9's 128/256/512, for training on a GPU
        return SmallCNN(channels, width=128)
    if name == "cnn-s":
        return SmallCNN(channels, width=32, stem_stride=2)
    if name == "cnn-xs":  # a quarter of cnn-s again: dupnet's default on a CPU
        return SmallCNN(channels, width=16, stem_stride=2)
    if name == "bae":  # the encoder, then its first dense layer (binarised in HashNet.features)
        return BAETrunk(channels, size)
    return TorchvisionTrunk(name, weights, size)


class HashNet(nn.Module):
    """Trunk -> hash layer (u), plus an optional class layer and decoder used only in training."""

    # buffers (``register_buffer``), declared for the type checker
    slope: torch.Tensor
    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = config
        net = config["net"]
        channels, size, bits = int(net["channels"]), int(net["input_size"]), int(config["bits"])
        self.trunk = build_trunk(net["trunk"], net.get("weights", "none"), channels, size)
        self.activation = net["activation"]  # "sigmoid", "steep_tanh", "tanh" or "linear"
        self.hash = nn.Linear(self.trunk.dim, bits)
        n_classes = int(net.get("classes", 0))
        self.classifier = nn.Linear(bits, n_classes) if n_classes else None
        self.decoder: BAEDecoder | None = None
        if net.get("decoder"):
            if not isinstance(self.trunk, BAETrunk):
                raise ValueError(f"a decoder needs the 'bae' trunk, not {net['trunk']!r}")
            self.decoder = BAEDecoder(bits, BAE_HIDDEN, channels, self.trunk.side)
        self.register_buffer("slope", torch.tensor(float(net.get("slope", 1.0))))
        self.register_buffer("mean", torch.tensor(net["mean"], dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(net["std"], dtype=torch.float32).view(1, -1, 1, 1))

    def normalise(self, images_u8: torch.Tensor) -> torch.Tensor:
        """uint8 NHWC (or float NCHW already in [0, 1]) to the network's normalised input."""
        if images_u8.dtype == torch.uint8:
            images_u8 = images_u8.permute(0, 3, 1, 2).float().div_(255.0)
        return (images_u8 - self.mean) / self.std

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The trunk's feature phi(x) of normalised input."""
        phi: torch.Tensor = self.trunk(x)
        if self.config["net"]["trunk"] == "bae":
            phi = steep_tanh(phi, float(self.slope))
        return phi

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Pre-activation u of the hash layer (codes are ``u >= 0``)."""
        u: torch.Tensor = self.hash(self.features(x))
        return u

    def activate(self, u: torch.Tensor) -> torch.Tensor:
        if self.activation == "sigmoid":
            return torch.sigmoid(u)
        if self.activation == "steep_tanh":
            return steep_tanh(u, float(self.slope))
        if self.activation == "tanh":
            return torch.tanh(u)
        return u


def network_config(
    method: str,
    bits: int,
    trunk: str,
    weights: str,
    channels: int,
    input_size: int,
    activation: str,
    classes: list[str] | None = None,
    decoder: bool = False,
    slope: float = 1.0,
    trim_borders: bool = False,
    cut_screens: bool = False,
) -> dict[str, Any]:
    """The plain config that rebuilds a ``HashNet`` (what the network file stores).

    ``trim_borders``: the network sees pictures without their uniform frame
    (``images.borders``), in training and encoding alike; stored only when set,
    so older files (which lack it) keep meaning what they meant.
    ``cut_screens``: a screenshot of a photo is seen as the photo it shows
    (``images.screens``), likewise stored only when set.
    """
    mean = [0.5] * channels if trunk in SMALL_TRUNKS else [0.485, 0.456, 0.406][:channels] if channels == 3 else [0.45]
    std = [0.25] * channels if trunk in SMALL_TRUNKS else [0.229, 0.224, 0.225][:channels] if channels == 3 else [0.226]
    config: dict[str, Any] = {
        "kind": "deep",
        "method": method,
        "bits": int(bits),
        "net": {
            "trunk": trunk,
            "weights": weights,
            "channels": int(channels),
            "input_size": int(input_size),
            "activation": activation,
            "classes": len(classes or []),
            "class_names": list(classes or []),
            "decoder": bool(decoder),
            "slope": float(slope),
            "mean": mean,
            "std": std,
        },
    }
    if trim_borders:
        config["net"]["trim_borders"] = True
    if cut_screens:
        config["net"]["cut_screens"] = True
    return config


def rebuild(config: dict[str, Any], state: dict[str, Any]) -> HashNet:
    """A ``HashNet`` from a network file's config and state (no download: trunk weights come from the file)."""
    net_cfg = dict(config["net"], weights="none")
    model = HashNet({**config, "net": net_cfg})
    model.config = config
    model.load_state_dict(state)
    return model.eval()


@torch.inference_mode()
def encode_array(model: HashNet, images: np.ndarray, device: str = "cpu", batch_size: int = 512) -> np.ndarray:
    """Codes (n, K) bool of uint8 NHWC images already at the network's size."""
    model = model.to(device).eval()
    out: list[np.ndarray] = []
    for start in range(0, len(images), batch_size):
        x = torch.from_numpy(np.ascontiguousarray(images[start : start + batch_size])).to(device)
        with _autocast(device):
            u = model(model.normalise(x))
        out.append((u.float() >= 0).cpu().numpy())
    bits = int(model.config["bits"])
    return np.concatenate(out) if out else np.zeros((0, bits), bool)


def encode_upright(model: HashNet, images: np.ndarray, natural: np.ndarray, device: str = "cpu") -> np.ndarray:
    """Packed codes of ``images`` turned upright, given their packed ``natural`` codes
    (``input_arrays.upright_codes`` with this network)."""
    from hashview.core.nets.input_arrays import upright_codes

    return upright_codes(lambda turned: encode_array(model, turned, device), images, natural)


def _autocast(device: str) -> contextlib.AbstractContextManager[None]:
    """bfloat16 autocast on CUDA; nothing elsewhere (encoding: codes stay those of float32 on a CPU)."""
    if str(device).startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def train_dtype(device: str, cpu_bf16: bool | None = None) -> torch.dtype:
    """What a training step computes in: bfloat16 on CUDA, and on a CPU that multiplies it in hardware
    (``device.cpu_trains_in_bfloat16``, or as ``cpu_bf16`` says when not None); float32 elsewhere."""
    from hashview.core.nets.device import cpu_trains_in_bfloat16

    if str(device).startswith("cuda") or (str(device) == "cpu" and cpu_trains_in_bfloat16(cpu_bf16)):
        return torch.bfloat16
    return torch.float32


def train_compute(device: str, cpu_bf16: bool | None = None) -> str:
    """``train_dtype`` by name ("bfloat16" or "float32"), as a network's stats and the benchmarks report it."""
    return str(train_dtype(device, cpu_bf16)).removeprefix("torch.")


def train_autocast(device: str, cpu_bf16: bool | None = None) -> contextlib.AbstractContextManager[None]:
    """The autocast a training step runs its loss under (``train_dtype``), or none."""
    if train_dtype(device, cpu_bf16) == torch.bfloat16:
        return torch.autocast(torch.device(device).type, dtype=torch.bfloat16)
    return contextlib.nullcontext()
