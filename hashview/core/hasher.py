"""A trained hash function, rebuilt from its network file, that encodes images.

The network file's config says what kind of hasher it is. A shallow hasher is
a feature extractor (pixels, or a backbone whose weights live in the same
file) followed by a ``LinearHash``. A deep hasher (``DeepHasher``) is a ``HashNet`` rebuilt from the file.
Encoding is a generator so the CLI and the app's workers can show progress and
cancel it.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hashview.core.codes import pack_codes
from hashview.core.events import CancelToken, Progress, Skipped
from hashview.core.features import PIXELS, FeatureSpec, extract_features
from hashview.core.methods.shallow import LinearHash
from hashview.core.network_file import NetworkFileError, load_network, save_network

BACKBONE_PREFIX = "backbone."


@dataclass(frozen=True)
class Encoded:
    """Rows of the input that could be decoded (``ok``) and their packed codes."""

    ok: np.ndarray
    codes: np.ndarray


class ShallowHasher:
    """Features (pixels or a backbone) then a linear hash, then sign."""

    def __init__(self, config: dict[str, Any], linear: LinearHash, backbone_state: dict | None = None) -> None:
        self.config = config
        self.linear = linear
        self.spec = FeatureSpec.from_config(config["features"])
        self._backbone_state = backbone_state
        self._backbone = None

    @property
    def n_bits(self) -> int:
        return int(self.config["bits"])

    def backbone(self):
        """The backbone module rebuilt with the file's own weights (None for pixels)."""
        if self.spec.kind == PIXELS:
            return None
        if self._backbone is None:
            from hashview.core.backbones import BackboneSpec, build_backbone

            module, _dim = build_backbone(BackboneSpec(self.spec.kind, "none", self.spec.input_size))
            module.load_state_dict(self._backbone_state)
            self._backbone = module.eval()
        return self._backbone

    def codes_from_features(self, features: np.ndarray) -> np.ndarray:
        return pack_codes(self.linear.project(features) > 0)

    def encode(
        self, paths: Sequence[Path], device: str = "cpu", cancel: CancelToken | None = None
    ) -> Generator[Progress | Skipped, None, Encoded]:
        result = yield from extract_features(paths, self.spec, device, cancel, backbone=self.backbone())
        codes = self.codes_from_features(result.features) if len(result.ok) else np.zeros((0, self.n_bits // 8), np.uint8)
        return Encoded(result.ok, codes)

    def save(self, path: Path) -> None:
        state: dict[str, Any] = dict(self.linear.to_state())
        if self.spec.kind != PIXELS:
            module = self.backbone()
            state.update({BACKBONE_PREFIX + k: v.detach().cpu() for k, v in module.state_dict().items()})
        save_network(path, self.config, state)


def shallow_hasher_from_fit(config: dict[str, Any], linear: LinearHash, backbone_module=None) -> ShallowHasher:
    """Wrap a freshly fitted linear hash (and the backbone it was fitted on)."""
    hasher = ShallowHasher(config, linear)
    hasher._backbone = backbone_module
    return hasher


class DeepHasher:
    """A trained ``HashNet`` (``network.py``): images at its input size, then ``u >= 0``.

    The network is rebuilt from the file's config alone; encoding runs under
    ``torch.inference_mode()`` (bfloat16 autocast on CUDA).
    """

    def __init__(self, config: dict[str, Any], model) -> None:
        self.config = config
        self.model = model

    @property
    def n_bits(self) -> int:
        return int(self.config["bits"])

    def codes_from_arrays(self, images: np.ndarray, device: str = "cpu") -> np.ndarray:
        """Packed codes of uint8 (n, h, w, c) images (resized to the network's input as needed)."""
        from hashview.core.network import encode_array, fit_array

        net = self.config["net"]
        return pack_codes(encode_array(self.model, fit_array(images, net["input_size"], net["channels"]), device))

    def encode(
        self, paths: Sequence[Path], device: str = "cpu", cancel: CancelToken | None = None, chunk: int = 256
    ) -> Generator[Progress | Skipped, None, Encoded]:
        from hashview.core.features import map_decoded
        from hashview.core.network import encode_array, images_to_array

        net = self.config["net"]
        size, channels = int(net["input_size"]), int(net["channels"])

        def codes_of(images):
            return pack_codes(encode_array(self.model, images_to_array(images, size, channels), device))

        ok, codes = yield from map_decoded(paths, max(4 * size, 64), codes_of, "encode", cancel, chunk)
        self.model.cpu()
        packed = np.concatenate(codes) if codes else np.zeros((0, self.n_bits // 8), np.uint8)
        return Encoded(ok, packed)

    def save(self, path: Path) -> None:
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        save_network(path, self.config, state)


def load_hasher(path: Path):
    """Rebuild the hasher saved in ``path``.

    Raises:
        NetworkFileError: unreadable file or a kind this version cannot run.
    """
    config, state = load_network(path)
    kind = config.get("kind")
    if kind == "shallow":
        arrays = {k: v.numpy() for k, v in state.items() if not k.startswith(BACKBONE_PREFIX)}
        backbone_state = {k[len(BACKBONE_PREFIX):]: v for k, v in state.items() if k.startswith(BACKBONE_PREFIX)}
        return ShallowHasher(config, LinearHash.from_state(arrays), backbone_state or None)
    if kind == "deep":
        from hashview.core.network import rebuild

        try:
            return DeepHasher(config, rebuild(config, state))
        except (KeyError, RuntimeError, ValueError) as exc:
            raise NetworkFileError(f"{Path(path).name}: cannot rebuild its network ({str(exc).splitlines()[0][:160]})") from None
    raise NetworkFileError(f"{Path(path).name}: unknown network kind {kind!r}")
