"""A trained hash function, rebuilt from its network file, that encodes images.

The network file's config says what kind of hasher it is. A shallow hasher is
a feature extractor (pixels, or a backbone whose weights live in the same
file) followed by a ``LinearHash``. A deep hasher (``DeepHasher``) is a ``HashNet`` rebuilt from the file.
Encoding is a generator so the CLI and the app's workers can show progress and
cancel it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hashview.core.events import CancelToken, Progress, ProgressMeter, Skipped
from hashview.core.hamming.codes import check_n_bits, pack_codes
from hashview.core.methods.shallow import LinearHash
from hashview.core.nets.features import PIXELS, FeatureSpec, extract_features
from hashview.core.nets.network_file import NetworkFileError, load_network, save_network

if TYPE_CHECKING:  # torch loads when a hasher encodes, never at import
    import torch
    from PIL import Image

    from hashview.core.nets.network import HashNet
    from hashview.core.nets.numpy_net import NumpyHashNet

BACKBONE_PREFIX = "backbone."
#: The most pictures one job encodes on a numpy twin (``DeepHasher.runs_without_torch``); a larger job
#: imports torch. On the 2-core development CPU the twin is about 0.3 ms a picture slower (0.17 ms a
#: forward pass, about 1.6 passes a picture with the upright codes), so importing torch (1.8 s) is repaid
#: from about 6,000 pictures; 4,000 stays below that, where both cost about the same.
NUMPY_ENCODE_LIMIT = 4000


@dataclass(frozen=True)
class Encoded:
    """Rows of the input that could be decoded (``ok``), their packed codes and, from a hasher that
    ``finds_turned_copies``, the codes of the same pictures turned upright (``images.orientation``) and
    their 64-bit tone hashes (``images.tone_hash``, packed (n, 8))."""

    ok: np.ndarray
    codes: np.ndarray
    upright: np.ndarray | None = None
    tone: np.ndarray | None = None


def finds_turned_copies(config: dict[str, Any]) -> bool:
    """Whether a network's library also keeps upright-turn codes, to find copies saved turned.

    Duplicate networks (dupnet) only: a turned copy is a copy there, and
    their codes change with a picture's orientation (they were not taught
    turns). Other methods rank by meaning, where neighbours are similar
    pictures, not copies.
    """
    return config.get("method") == "dupnet" and int(config.get("net", {}).get("channels", 3)) == 3


def keeps_tone_hashes(config: dict[str, Any]) -> bool:
    """Whether a network's library also keeps each picture's tone hash (``images.tone_hash``), to find
    copies whose tone or colour was changed more than the network learnt: duplicate networks, as for turns."""
    return finds_turned_copies(config)


class ShallowHasher:
    """Features (pixels or a backbone) then a linear hash, then sign."""

    def __init__(
        self, config: dict[str, Any], linear: LinearHash, backbone_state: dict[str, Any] | None = None
    ) -> None:
        self.config = config
        self.linear = linear
        self.spec = FeatureSpec.from_config(config["features"])
        self._backbone_state = backbone_state
        self._backbone: torch.nn.Module | None = None

    @property
    def n_bits(self) -> int:
        return int(self.config["bits"])

    def backbone(self) -> torch.nn.Module | None:
        """The backbone module rebuilt with the file's own weights (None for pixels)."""
        if self.spec.kind == PIXELS:
            return None
        if self._backbone is None:
            if self._backbone_state is None:  # both makers of a hasher on a backbone hand over the module itself
                raise ValueError(f"a hasher on {self.spec.kind} features needs the backbone's weights")
            from hashview.core.nets.backbones import BackboneSpec, build_backbone

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
        codes = (
            self.codes_from_features(result.features) if len(result.ok) else np.zeros((0, self.n_bits // 8), np.uint8)
        )
        return Encoded(result.ok, codes)

    def encodes_from(self, thumbnail_side: int) -> bool:
        """Never: pixel features and backbones are taken from the files (``DeepHasher.encodes_from``)."""
        return False

    def save(self, path: Path) -> None:
        state: dict[str, Any] = dict(self.linear.to_state())
        module = self.backbone()  # None for pixels
        if module is not None:
            state.update({BACKBONE_PREFIX + k: v.detach().cpu() for k, v in module.state_dict().items()})
        save_network(path, self.config, state)


def shallow_hasher_from_fit(
    config: dict[str, Any], linear: LinearHash, backbone_module: torch.nn.Module | None = None
) -> ShallowHasher:
    """Wrap a freshly fitted linear hash (and the backbone it was fitted on)."""
    hasher = ShallowHasher(config, linear)
    hasher._backbone = backbone_module
    return hasher


class DeepHasher:
    """A trained ``HashNet`` (``network.py``): images at its input size, then ``u >= 0``.

    The network is rebuilt from the file's config alone; encoding runs under
    ``torch.inference_mode()`` (bfloat16 autocast on CUDA). A hasher made with
    a numpy twin (``twin_hasher``: the shipped network) encodes small jobs with
    it and never imports torch; the torch network is loaded from ``model_file``
    (checked completely) only when something needs it: a job of more than
    ``NUMPY_ENCODE_LIMIT`` pictures, training, saving.
    """

    def __init__(
        self,
        config: dict[str, Any],
        model: HashNet | None,
        fast: NumpyHashNet | None = None,
        model_file: Path | None = None,
    ) -> None:
        if model is None and model_file is None:
            raise ValueError("a DeepHasher needs its network or the file to load it from")
        self.config = config
        self._model = model
        self.fast = fast
        self._model_file = model_file

    @property
    def model(self) -> HashNet:
        """The torch network (loaded from ``model_file`` the first time it is asked for)."""
        if self._model is None:
            assert self._model_file is not None  # __init__ refuses a hasher with neither
            loaded = load_hasher(self._model_file)
            if not isinstance(loaded, DeepHasher) or loaded.config != self.config:
                raise NetworkFileError(f"{self._model_file.name}: not the network its numpy twin was made from")
            self._model = loaded.model
        return self._model

    @property
    def n_bits(self) -> int:
        return int(self.config["bits"])

    def runs_without_torch(self, count: int) -> bool:
        """Whether encoding ``count`` pictures runs on the numpy twin: where there is one, torch is not loaded
        yet, and the job is small enough that importing torch (about 1.8 s on a 2-core CPU) would cost more
        than the twin's slower products cost (``NUMPY_ENCODE_LIMIT``)."""
        return self.fast is not None and self._model is None and count <= NUMPY_ENCODE_LIMIT

    def codes_from_arrays(self, images: np.ndarray, device: str = "cpu") -> np.ndarray:
        """Packed codes of uint8 (n, h, w, c) images (resized to the network's input as needed)."""
        from hashview.core.nets.input_arrays import fit_array

        net = self.config["net"]
        fitted = fit_array(images, net["input_size"], net["channels"])
        return pack_codes(self._code_function(len(fitted), device)(fitted))

    def _code_function(self, count: int, device: str) -> Callable[[np.ndarray], np.ndarray]:
        """What turns uint8 arrays at the network's size into (n, K) bool codes for a job of ``count``:
        the numpy twin (``runs_without_torch``) or the torch network on ``device``."""
        if self.fast is not None and self.runs_without_torch(count):
            return self.fast.codes
        from hashview.core.nets.network import encode_array

        model = self.model
        return lambda images: encode_array(model, images, device)

    def encode(
        self, paths: Sequence[Path], device: str = "cpu", cancel: CancelToken | None = None, chunk: int = 256
    ) -> Generator[Progress | Skipped, None, Encoded]:
        from hashview.core.nets.features import map_decoded

        size = int(self.config["net"]["input_size"])
        code_function = self._code_function(len(paths), device)
        ok, codes = yield from map_decoded(
            paths, max(4 * size, 64), lambda images: self._codes_of(images, code_function), "encode", cancel, chunk
        )
        return self._encoded(ok, codes)

    def _codes_of(self, images: Sequence[Image.Image], code_function: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """Packed codes of decoded images (resized to the network's input as the training saw them), one row
        each, followed in the row by the other looks the network's library keeps (``_look_widths``): the
        upright-turn code, then the tone hash of the same picture the network saw."""
        from hashview.core.nets.input_arrays import images_to_array, network_view

        net = self.config["net"]
        array = images_to_array(images, int(net["input_size"]), int(net["channels"]), *network_view(net))
        return self._codes_of_array(array, code_function)

    def _codes_of_array(self, array: np.ndarray, code_function: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
        """``_codes_of`` for pictures already made into what the network sees (``input_arrays``)."""
        from hashview.core.images.tone_hash import tone_hashes
        from hashview.core.nets.input_arrays import upright_codes

        packed = pack_codes(code_function(array))
        parts = [packed]
        if finds_turned_copies(self.config):
            parts.append(upright_codes(code_function, array, packed))
        if keeps_tone_hashes(self.config):
            parts.append(tone_hashes(array))
        return np.concatenate(parts, axis=1) if len(parts) > 1 else packed

    def _look_widths(self) -> dict[str, int]:
        """Bytes a row of ``_codes_of`` gives each look, in its order: the code, then those the library keeps."""
        from hashview.core.images.tone_hash import TONE_BITS

        widths = {"codes": self.n_bits // 8}
        if finds_turned_copies(self.config):
            widths["upright"] = self.n_bits // 8
        if keeps_tone_hashes(self.config):
            widths["tone"] = TONE_BITS // 8
        return widths

    def _encoded(self, ok: np.ndarray, codes: list[np.ndarray]) -> Encoded:
        """The rows that encoded and their codes, split into looks; the model back on the CPU (it may have
        run on a GPU)."""
        if self._model is not None:
            self._model.cpu()
        widths = self._look_widths()
        packed = np.concatenate(codes) if codes else np.zeros((0, sum(widths.values())), np.uint8)
        looks, start = {}, 0
        for look, width in widths.items():
            looks[look] = np.ascontiguousarray(packed[:, start : start + width])
            start += width
        return Encoded(np.asarray(ok, np.int64), looks["codes"], looks.get("upright"), looks.get("tone"))

    def encodes_from(self, thumbnail_side: int) -> bool:
        """Whether thumbnails of that longest side hold all this network sees (its input is at most half
        as large), so a library encodes from the thumbnails its scan made instead of decoding every file again."""
        net = self.config["net"]
        return 2 * int(net["input_size"]) <= thumbnail_side and int(net["channels"]) == 3

    def encode_thumbnails(
        self, thumbnails: Sequence[bytes], device: str = "cpu", cancel: CancelToken | None = None, chunk: int = 256
    ) -> Generator[Progress, None, Encoded]:
        """Codes of JPEG thumbnails (``encodes_from``): a small JPEG decodes in a fraction of the file's time.

        The scan decoded each file once, at the same bounded size the file path
        decodes at, to make its thumbnail; a thumbnail that will not decode is
        left out of ``ok`` (its file is then encoded from the file).
        """
        from hashview.core.nets.input_arrays import network_view
        from hashview.core.nets.view_processes import ViewSpec, iter_views, view_processes

        net = self.config["net"]
        spec = ViewSpec(int(net["input_size"]), int(net["channels"]), *network_view(net))
        meter = ProgressMeter("encode", len(thumbnails))
        code_function = self._code_function(len(thumbnails), device)
        ok: list[int] = []
        codes: list[np.ndarray] = []
        views = iter_views(thumbnails, spec, chunk, view_processes(len(thumbnails)))
        try:
            for start, rows, array in views:
                if cancel is not None:
                    cancel.raise_if_cancelled()
                if rows:
                    codes.append(self._codes_of_array(array, code_function))
                    ok.extend(start + row for row in rows)
                yield meter.advance(min(chunk, len(thumbnails) - start))
        finally:
            views.close()  # a cancelled job stops its view processes now
        return self._encoded(np.asarray(ok, np.int64), codes)

    def save(self, path: Path) -> None:
        state = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        save_network(path, self.config, state)


#: The largest input side a network file may ask for (checked before anything is built at that size).
MAX_INPUT_SIZE = 4096


def load_hasher(path: Path, display: str | None = None) -> ShallowHasher | DeepHasher:
    """Rebuild the hasher saved in ``path``, checked completely.

    Nothing in a file is trusted: the config must name a known kind with a
    valid code length and input, every tensor the rebuilt network needs must be
    there with its shape (and no others), every float must be finite, and one
    blank image must encode to a code of the stated length. So a broken or
    hostile file fails here, in one line, and never later in an encode.

    Args:
        path: the network file.
        display: the name errors use (default: the file's name).

    Raises:
        NetworkFileError: unreadable file, a kind this version cannot run, or a part missing or mis-shaped.
    """
    import torch

    config, state = load_network(path, display)
    label = display or Path(path).name

    def refuse(why: str) -> NetworkFileError:
        return NetworkFileError(f"{label}: {why}")

    stated: Any = config.get("bits")  # anything a file holds: check_n_bits refuses None and non-integers
    try:
        bits = check_n_bits(stated)
    except ValueError as exc:
        raise refuse(f"bad code length ({exc})") from None
    for key, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise refuse(f"its weights are not all tensors ({key!r} is a {type(tensor).__name__})")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise refuse(f"tensor {key!r} holds NaN or infinite values")
    kind = config.get("kind")
    hasher: ShallowHasher | DeepHasher
    if kind == "shallow":
        shallow = _shallow_from_file(config, state, bits, refuse)
        width = shallow.codes_from_features(np.zeros((1, shallow.linear.mean.shape[0]), np.float32)).shape
        hasher = shallow
    elif kind == "deep":
        net = config.get("net")
        if not isinstance(net, dict):
            raise refuse("its config has no 'net' settings")
        try:
            size, channels = int(net["input_size"]), int(net["channels"])
        except (KeyError, TypeError, ValueError):
            raise refuse("its 'net' settings lack a valid input_size or channels") from None
        if not 1 <= size <= MAX_INPUT_SIZE or channels not in (1, 3):
            raise refuse(f"input {size} px x {channels} channels is not one hashview builds")
        from hashview.core.nets.network import rebuild

        try:
            deep = DeepHasher(config, rebuild(config, state))
            width = deep.codes_from_arrays(np.zeros((1, size, size, channels), np.uint8)).shape
        except (KeyError, RuntimeError, ValueError, TypeError, IndexError) as exc:
            raise refuse(f"cannot rebuild its network ({_first_line(exc)})") from None
        hasher = deep
    else:
        raise refuse(f"unknown network kind {kind!r}")
    if width != (1, bits // 8):
        raise refuse(f"it makes codes of {width[1] * 8} bits, not the {bits} its config states")
    return hasher


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


def _shallow_from_file(
    config: dict[str, Any], state: dict[str, Any], bits: int, refuse: Callable[[str], NetworkFileError]
) -> ShallowHasher:
    """A ``ShallowHasher`` whose linear hash (and backbone, built now) match the file's features exactly."""
    features = config.get("features")
    if not isinstance(features, dict):
        raise refuse("its config has no 'features' settings")
    try:
        spec = FeatureSpec.from_config(features)
    except (KeyError, TypeError, ValueError):
        raise refuse("its 'features' settings lack a valid kind or input_size") from None
    if not isinstance(spec.kind, str) or not 1 <= spec.input_size <= MAX_INPUT_SIZE:
        raise refuse(f"features {spec.kind!r} at {spec.input_size} px are not ones hashview builds")
    arrays = {k: v for k, v in state.items() if not k.startswith(BACKBONE_PREFIX)}
    backbone_state = {k[len(BACKBONE_PREFIX) :]: v for k, v in state.items() if k.startswith(BACKBONE_PREFIX)}
    module: torch.nn.Module | None = None
    if spec.kind == PIXELS:
        if backbone_state:
            raise refuse("it holds backbone weights but hashes pixels")
        dim = spec.input_size * spec.input_size * 3
    else:
        from hashview.core.nets.backbones import BackboneError, BackboneSpec, build_backbone

        try:
            module, dim = build_backbone(BackboneSpec(spec.kind, "none", spec.input_size))
            module.load_state_dict(backbone_state)
        except BackboneError as exc:
            raise refuse(str(exc)) from None
        except (RuntimeError, KeyError, ValueError, TypeError) as exc:
            raise refuse(f"its {spec.kind} weights do not fit ({_first_line(exc)})") from None
        module.eval()
    expected = {"mean": (dim,), "projection": (dim, bits)}
    for key, shape in expected.items():
        if key not in arrays:
            raise refuse(f"tensor {key!r} is missing")
        if tuple(arrays[key].shape) != shape:
            raise refuse(f"tensor {key!r} has shape {tuple(arrays[key].shape)}, expected {shape}")
    unexpected = sorted(set(arrays) - set(expected))
    if unexpected:
        raise refuse(f"unexpected tensors {', '.join(unexpected[:3])}")
    linear = LinearHash.from_state({k: v.float().numpy() for k, v in arrays.items()})
    hasher = ShallowHasher(config, linear, backbone_state or None)
    hasher._backbone = module
    return hasher


def twin_hasher(path: Path, twin: Path) -> DeepHasher | None:
    """The network file ``path`` as a hasher that encodes on its numpy twin (``nets.twin_file``), or None
    where the twin was made from another file (then ``load_hasher`` reads ``path`` with torch).

    Torch is not imported: the twin is checked completely (checksum, every array, one encode), and it is
    used for ``path`` only if ``path``'s digest is the one the twin names. The file itself is checked by
    ``load_hasher`` the first time its torch network is needed.

    Raises:
        NetworkFileError: the twin is unreadable or damaged.
    """
    from hashview.core.nets.general import general_id
    from hashview.core.nets.twin_file import load_twin

    config, network, source = load_twin(twin)
    if general_id(path) != source:
        return None
    return DeepHasher(config, None, fast=network, model_file=Path(path))
