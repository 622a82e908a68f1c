"""A small ``HashNet`` (the ``cnn`` trunks) run in numpy: codes without importing torch.

Why: importing torch takes about 1.8 s on a 2-core CPU, longer than encoding a
thousand photos with the shipped network (a 130,000-weight ``cnn-xs`` at 64 px).
For a library's first scan that import was a third of the wait before the first
duplicate group (issue 21). This runs the same network with the same arrays
(``input_arrays``): 3x3 convolutions as one matrix product over the 3x3
neighbourhoods, BatchNorm folded into them, the residual adds, max pooling and
the hash layer. Its pre-activations match torch's within about 1e-5, so a code
bit differs only where torch's own value is within that of zero (none of 112,896
bits of the broad-edit set, run 17); ``tests/test_numpy_net.py`` holds it to
torch on every ``cnn`` trunk.

Only what encoding needs: the trunk and the hash layer (a class layer or a
decoder is never run to encode). Other trunks (torchvision's, ``dhln``, ``bae``)
stay with torch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

#: trunk name -> (width, stem stride), as ``network.build_trunk`` builds each ``SmallCNN``
SMALL_CNN_TRUNKS: dict[str, tuple[int, int]] = {"cnn": (64, 1), "cnn-l": (128, 1), "cnn-s": (32, 2), "cnn-xs": (16, 2)}
#: torch's BatchNorm2d default
BN_EPS = 1e-5
#: images per matrix product: the neighbourhood matrix of a batch stays in the CPU's cache (64 was the
#: fastest of 16 to 256 on the 2-core development CPU)
BATCH = 64


def runs_in_numpy(config: Mapping[str, Any]) -> bool:
    """Whether a network config's network can run here: a ``cnn`` trunk on colour or grey pictures."""
    net = config.get("net")
    return isinstance(net, Mapping) and net.get("trunk") in SMALL_CNN_TRUNKS and config.get("kind") == "deep"


def _conv_names() -> list[str]:
    """The conv-bn blocks of a ``SmallCNN`` in order (the prefixes of their weights)."""
    names = ["trunk.stem"]
    for k in range(3):
        names += [f"trunk.stages.{k}.down.0", f"trunk.stages.{k}.res.0", f"trunk.stages.{k}.res.1"]
    return names


def expected_shapes(config: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """Every array this engine needs from a network's state, with its shape (from the config alone)."""
    net = config["net"]
    width, _stride = SMALL_CNN_TRUNKS[net["trunk"]]
    channels, bits = int(net["channels"]), int(config["bits"])
    widths = [(channels, width // 2)]
    cin = width // 2
    for cout in (width, 2 * width, 4 * width):
        widths += [(cin, cout), (cout, cout), (cout, cout)]
        cin = cout
    shapes: dict[str, tuple[int, ...]] = {}
    for name, (a, b) in zip(_conv_names(), widths):
        shapes[f"{name}.0.weight"] = (b, a, 3, 3)
        for part in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{name}.1.{part}"] = (b,)
    shapes["hash.weight"] = (bits, 4 * width)
    shapes["hash.bias"] = (bits,)
    return shapes


class NumpyHashNet:
    """The trunk and hash layer of a ``cnn``-trunk ``HashNet``, from its config and float weights.

    Raises:
        ValueError: the config is not one this engine runs, or an array is missing, mis-shaped or not finite.
    """

    def __init__(self, config: Mapping[str, Any], state: Mapping[str, np.ndarray]) -> None:
        if not runs_in_numpy(config):
            raise ValueError(f"the numpy engine runs cnn trunks only, not {config.get('net', {}).get('trunk')!r}")
        net = config["net"]
        for key, shape in expected_shapes(config).items():
            if key not in state:
                raise ValueError(f"weights lack {key!r}")
            if tuple(state[key].shape) != shape:
                raise ValueError(f"{key!r} is {tuple(state[key].shape)}, not {shape}")
            if not np.isfinite(state[key]).all():
                raise ValueError(f"{key!r} holds NaN or infinite values")
        self.config = dict(config)
        self.bits = int(config["bits"])
        self.size, self.channels = int(net["input_size"]), int(net["channels"])
        self.stem_stride = SMALL_CNN_TRUNKS[net["trunk"]][1]
        self.mean = np.asarray(net["mean"], np.float32).reshape(-1)
        self.std = np.asarray(net["std"], np.float32).reshape(-1)
        self.convs = [_folded(state, name) for name in _conv_names()]
        self.hash_weight = np.ascontiguousarray(np.asarray(state["hash.weight"], np.float32).T)
        self.hash_bias = np.asarray(state["hash.bias"], np.float32)

    def pre_activations(self, images: np.ndarray) -> np.ndarray:
        """The hash layer's u (n, K) of uint8 NHWC images at the network's size (``HashNet.forward``)."""
        if images.ndim != 4 or images.shape[1:] != (self.size, self.size, self.channels):
            raise ValueError(f"images must be (n, {self.size}, {self.size}, {self.channels}), not {images.shape}")
        out = [self._batch(images[start : start + BATCH]) for start in range(0, len(images), BATCH)]
        return np.concatenate(out) if out else np.zeros((0, self.bits), np.float32)

    def codes(self, images: np.ndarray) -> np.ndarray:
        """Codes (n, K) bool (``u >= 0``), as ``network.encode_array`` gives them."""
        return self.pre_activations(images) >= 0

    def _batch(self, images: np.ndarray) -> np.ndarray:
        x = (images.astype(np.float32) / np.float32(255.0) - self.mean) / self.std
        x = _conv_bn_relu(x, *self.convs[0], stride=self.stem_stride)
        for k in range(3):
            down, first, second = self.convs[1 + 3 * k : 4 + 3 * k]
            x = _max_pool2(_conv_bn_relu(x, *down))
            x = x + _conv_bn_relu(_conv_bn_relu(x, *first), *second)
        phi = x.max(axis=(1, 2))  # adaptive max pooling to 1 x 1
        u: np.ndarray = phi @ self.hash_weight + self.hash_bias
        return u


def _folded(state: Mapping[str, np.ndarray], name: str) -> tuple[np.ndarray, np.ndarray]:
    """A conv-bn block as one (9 * cin, cout) matrix over (dy, dx, channel) neighbourhoods and a bias."""
    weight = np.asarray(state[f"{name}.0.weight"], np.float32)
    gamma, beta = (np.asarray(state[f"{name}.1.{p}"], np.float32) for p in ("weight", "bias"))
    mean, var = (np.asarray(state[f"{name}.1.{p}"], np.float32) for p in ("running_mean", "running_var"))
    scale = gamma / np.sqrt(var + np.float32(BN_EPS))
    matrix = (weight * scale[:, None, None, None]).transpose(2, 3, 1, 0).reshape(-1, weight.shape[0])
    return np.ascontiguousarray(matrix), (beta - mean * scale).astype(np.float32)


def _conv_bn_relu(x: np.ndarray, matrix: np.ndarray, bias: np.ndarray, stride: int = 1) -> np.ndarray:
    """3x3 convolution (padding 1) with BatchNorm folded in, then ReLU, on (n, h, w, c) float32."""
    n = len(x)
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    windows = sliding_window_view(padded, (3, 3), axis=(1, 2))[:, ::stride, ::stride]  # (n, h, w, c, 3, 3)
    height, width, channels = windows.shape[1], windows.shape[2], windows.shape[3]
    columns = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3)).reshape(n * height * width, 9 * channels)
    out = columns @ matrix
    out += bias
    np.maximum(out, 0, out=out)
    activations: np.ndarray = out.reshape(n, height, width, -1)
    return activations


def _max_pool2(x: np.ndarray) -> np.ndarray:
    """2x2 max pooling with ``ceil_mode``: an odd last row or column is pooled on its own."""
    n, height, width, channels = x.shape
    if height % 2 or width % 2:
        x = np.pad(x, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)), constant_values=-np.inf)
        height, width = x.shape[1], x.shape[2]
    pooled: np.ndarray = x.reshape(n, height // 2, 2, width // 2, 2, channels).max(axis=(2, 4))
    return pooled
