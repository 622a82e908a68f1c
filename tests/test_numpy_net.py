"""The numpy engine (``nets.numpy_net``) and the shipped network's twin (``nets.twin_file``): the same codes as
torch, a twin used only for the file it was made from, and a first scan that never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from generators import run_to_end
from imagefactory import make_library, make_near_duplicate

from hashview.core.hamming.codes import pack_codes
from hashview.core.library import Library
from hashview.core.methods import hasher as hasher_module
from hashview.core.methods.hasher import DeepHasher, load_hasher, twin_hasher
from hashview.core.nets import general
from hashview.core.nets.network_file import NetworkFileError, load_network
from hashview.core.nets.numpy_net import SMALL_CNN_TRUNKS, NumpyHashNet, expected_shapes, runs_in_numpy
from hashview.core.nets.twin_file import load_twin, save_twin

REPO = Path(__file__).resolve().parents[1]


def random_network(trunk: str, channels: int = 3, size: int = 40, bits: int = 64, seed: int = 0):
    """A HashNet with random weights and random BatchNorm statistics (so folding them is exercised)."""
    import torch

    from hashview.core.nets.network import HashNet, network_config

    torch.manual_seed(seed)
    config = network_config("dupnet", bits, trunk, "none", channels, size, "tanh")
    model = HashNet(config).eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.3, 0.3)
                module.running_var.uniform_(0.5, 2.0)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.2, 0.2)
    return config, model


def torch_u(model, images: np.ndarray) -> np.ndarray:
    import torch

    with torch.inference_mode():
        return model(model.normalise(torch.from_numpy(images))).numpy()


def numpy_state(model) -> dict[str, np.ndarray]:
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize(
    ("trunk", "channels", "size"), [("cnn-xs", 3, 64), ("cnn-xs", 3, 40), ("cnn-s", 1, 36), ("cnn", 3, 32)]
)
def test_the_numpy_engine_matches_torch(trunk, channels, size):
    config, model = random_network(trunk, channels, size)
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (70, size, size, channels), dtype=np.uint8)  # more than one numpy batch
    images[:5] = images[:5] // 64 * 64  # flat, blocky pictures too
    expected = torch_u(model, images)
    got = NumpyHashNet(config, numpy_state(model)).pre_activations(images)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4
    clear = np.abs(expected) > 1e-4  # a bit may differ only where torch's own value is that close to zero
    assert ((got >= 0) == (expected >= 0))[clear].all()


def test_every_cnn_trunk_has_the_shapes_torch_builds():
    for trunk in SMALL_CNN_TRUNKS:
        config, model = random_network(trunk, size=32)
        state = numpy_state(model)
        assert {k: tuple(state[k].shape) for k in expected_shapes(config)} == expected_shapes(config)


def test_the_numpy_engine_refuses_what_it_cannot_run():
    config, model = random_network("cnn-xs")
    state = numpy_state(model)
    assert not runs_in_numpy({**config, "net": {**config["net"], "trunk": "resnet18"}})
    with pytest.raises(ValueError, match="cnn trunks only"):
        NumpyHashNet({**config, "net": {**config["net"], "trunk": "dhln"}}, state)
    with pytest.raises(ValueError, match="lack"):
        NumpyHashNet(config, {k: v for k, v in state.items() if k != "hash.bias"})
    with pytest.raises(ValueError, match="not"):
        NumpyHashNet(config, {**state, "hash.weight": state["hash.weight"][:, :3]})
    bad = state["trunk.stem.0.weight"].copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        NumpyHashNet(config, {**state, "trunk.stem.0.weight": bad})
    with pytest.raises(ValueError, match="images must be"):
        NumpyHashNet(config, state).codes(np.zeros((1, 8, 8, 3), np.uint8))


def test_a_twin_gives_the_codes_of_its_network_file_and_is_used_for_that_file_only(tmp_path):
    config, model = random_network("cnn-xs", size=64, bits=128)
    pt = tmp_path / "net.pt"
    DeepHasher(config, model).save(pt)
    file_config, state = load_network(pt)
    twin = tmp_path / "net.npz"
    save_twin(twin, file_config, state, general.general_id(pt))
    loaded_config, _network, source = load_twin(twin)
    assert loaded_config == file_config and source == general.general_id(pt)
    images = np.random.default_rng(2).integers(0, 256, (9, 64, 64, 3), dtype=np.uint8)
    by_torch = load_hasher(pt)
    on_twin = twin_hasher(pt, twin)
    assert on_twin is not None and on_twin.runs_without_torch(9)
    assert np.array_equal(on_twin.codes_from_arrays(images), by_torch.codes_from_arrays(images))
    assert on_twin._model is None  # the codes came from the twin
    other = tmp_path / "other.pt"
    DeepHasher(*random_network("cnn-xs", size=64, bits=128, seed=5)).save(other)
    assert twin_hasher(other, twin) is None  # made from another file: torch reads that one


def test_a_large_job_and_the_torch_network_load_the_file_checked(tmp_path, monkeypatch):
    config, model = random_network("cnn-xs", size=64, bits=128)
    pt = tmp_path / "net.pt"
    DeepHasher(config, model).save(pt)
    twin = tmp_path / "net.npz"
    save_twin(twin, *load_network(pt), general.general_id(pt))
    on_twin = twin_hasher(pt, twin)
    assert on_twin is not None
    monkeypatch.setattr(hasher_module, "NUMPY_ENCODE_LIMIT", 4)
    assert on_twin.runs_without_torch(4) and not on_twin.runs_without_torch(5)
    images = np.random.default_rng(3).integers(0, 256, (5, 64, 64, 3), dtype=np.uint8)
    codes = on_twin.codes_from_arrays(images)  # five: above the limit, so torch, loaded from the file now
    assert on_twin._model is not None and not on_twin.runs_without_torch(1)
    assert np.array_equal(codes, load_hasher(pt).codes_from_arrays(images))
    swapped = twin_hasher(pt, twin)
    assert swapped is not None
    DeepHasher(*random_network("cnn-s", size=64, bits=128)).save(pt)  # the file replaced after the check
    swapped._model_file = pt
    with pytest.raises(NetworkFileError, match="not the network"):
        _ = swapped.model


@pytest.mark.parametrize("damage", ["flipped weight", "not a zip", "cut short"])
def test_a_damaged_twin_is_refused_in_one_line(tmp_path, damage):
    config, model = random_network("cnn-xs")
    twin = tmp_path / "net.npz"
    save_twin(twin, config, numpy_state(model), "net-000000000000")
    if damage == "flipped weight":  # a valid npz whose array no longer matches the checksum
        with np.load(twin, allow_pickle=False) as data:
            arrays = {k: data[k].copy() for k in data.files}
        arrays["state/hash.bias"][0] += 1.0
        with open(twin, "wb") as fh:
            np.savez(fh, **arrays)
    elif damage == "not a zip":
        twin.write_bytes(b"hello" * 100)
    else:
        twin.write_bytes(twin.read_bytes()[:4000])
    with pytest.raises(NetworkFileError) as caught:
        load_twin(twin)
    assert "\n" not in str(caught.value) and "net.npz" in str(caught.value)


def test_the_committed_twin_was_made_from_the_committed_shipped_network():
    pt, twin = general.general_file(), general.general_twin()
    assert pt is not None and twin is not None, "the package ships the network and its twin"
    config, network, source = load_twin(twin)
    assert source == general.general_id(pt), "run python -m benchmarks.training.general_twin after changing the .pt"
    file_config, _state = load_network(pt)
    assert config == file_config
    shipped = load_hasher(pt)
    assert isinstance(shipped, DeepHasher)
    images = np.random.default_rng(4).integers(0, 256, (32, 64, 64, 3), dtype=np.uint8)
    assert np.array_equal(pack_codes(network.codes(images)), shipped.codes_from_arrays(images))


def test_a_first_scan_encodes_with_the_shipped_network_without_importing_torch(tmp_path):
    """The real path: ``hashview index`` in a fresh process, with the package's own network and twin; the
    codes it stores (code, upright code, tone hash) are those torch makes from the same thumbnails."""
    root = tmp_path / "photos"
    paths = make_library(root, {"a": 4, "b": 4}, size=(120, 90))
    make_near_duplicate(paths[0], root / "a" / "copy.jpg", quality=80, scale=0.8)
    script = (
        "import sys, runpy\n"
        "sys.argv = ['hashview', 'index', sys.argv[1], '--json']\n"
        "try:\n    runpy.run_module('hashview', run_name='__main__')\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print('torch' in sys.modules, file=sys.stderr)\n"
    )
    run = subprocess.run(  # the same HASHVIEW_HOME as this test's (conftest)
        [sys.executable, "-c", script, str(root)], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["encoded"] == 9
    assert run.stderr.strip().splitlines()[-1] == "False", "torch was imported on the way to the first codes"

    with Library.open(root) as lib:
        info = lib.networks.current()
        assert info is not None and info.id == general.general_id(general.general_file())
        assert lib.codes_ready()  # the scan's codes, read back: nothing is encoded again here
        info, codeset = lib.ready_codes(None)
        upright, tone = lib.upright_codes(info, codeset), lib.tone_codes(info, codeset)
        thumbs = lib.catalog.thumbnails(codeset.ids.tolist())
    assert upright is not None and tone is not None
    by_torch = load_hasher(general.general_file())
    assert isinstance(by_torch, DeepHasher) and by_torch.fast is None
    _events, encoded = run_to_end(by_torch.encode_thumbnails([thumbs[int(i)] for i in codeset.ids]))
    assert np.array_equal(encoded.codes, codeset.codes)
    assert np.array_equal(encoded.upright, upright.codes) and np.array_equal(encoded.tone, tone.codes)


def test_a_library_larger_than_the_twin_limit_encodes_with_torch_from_its_shelf_copy(tmp_path, monkeypatch):
    """Above ``NUMPY_ENCODE_LIMIT`` the shipped network, adopted through its twin by this very library object,
    loads torch from the file on the library's shelf (not the temporary copy the import checked), and gives
    the twin's codes."""
    root = tmp_path / "photos"
    make_library(root, {"a": 3, "b": 3}, size=(96, 72))
    with Library.open(root) as lib:
        run_to_end(lib.index())
        run_to_end(lib.encode())  # six pictures: adopted and encoded on the twin
        info, small = lib.ready_codes(None)
        assert lib.networks.hasher(info)._model is None
    other = tmp_path / "other"
    make_library(other, {"a": 3, "b": 3}, size=(96, 72))
    monkeypatch.setattr(hasher_module, "NUMPY_ENCODE_LIMIT", 2)
    with Library.open(other) as lib:
        run_to_end(lib.index())
        run_to_end(lib.encode())  # adopted here too, then six pictures: above the limit, so torch
        info, large = lib.ready_codes(None)
        hasher = lib.networks.hasher(info)
        assert hasher._model is not None and hasher._model_file == info.path
    assert np.array_equal(small.codes, large.codes)  # the same pictures, drawn alike


def test_a_damaged_shipped_twin_leaves_the_library_on_torch(tmp_path, monkeypatch):
    """The twin only saves time: refused, the shipped network is checked and run by torch, same codes."""
    damaged = tmp_path / general.GENERAL_TWIN
    data = bytearray(general.general_twin().read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    root = tmp_path / "photos"
    make_library(root, {"a": 3}, size=(96, 72))
    with Library.open(root) as lib:
        run_to_end(lib.index())
        run_to_end(lib.encode())  # the real twin
        _info, on_twin = lib.ready_codes(None)
    monkeypatch.setattr(general, "general_twin", lambda: damaged)
    other = tmp_path / "other"
    make_library(other, {"a": 3}, size=(96, 72))
    with Library.open(other) as lib:
        run_to_end(lib.index())
        run_to_end(lib.encode())
        info, on_torch = lib.ready_codes(None)
        assert info.id == general.general_id(general.general_file())
        assert lib.networks.hasher(info).fast is None
    assert np.array_equal(on_twin.codes, on_torch.codes)
