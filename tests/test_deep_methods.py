"""The deep methods on tiny arrays: they train without NaN, cancel, resume, save and load."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from generators import run_to_end

from hashview.core.events import Cancelled, CancelToken, EpochDone, StepLoss
from hashview.core.methods import get_method, method_names
from hashview.core.methods.deep import DeepRun, fit_deep

DEEP = ["dhln", "ssdh", "dshsre", "ddh", "bae"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tiny_data(n=48, side=8, channels=1, classes=4, seed=0):
    """``classes`` noisy prototypes, so that supervised and unsupervised methods both have something to find."""
    rng = np.random.default_rng(seed)
    protos = rng.integers(0, 256, (classes, side, side, channels))
    y = np.arange(n) % classes
    x = np.clip(protos[y] + rng.normal(0, 25, (n, side, side, channels)), 0, 255).astype(np.uint8)
    return x, y.astype(np.int64)


# CUDA where there is one (CI has none; tests/test_cuda.py holds the other CUDA-only checks)
DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")),
]


def fit(name, x, y, cancel=None, checkpoint=None, device="cpu", **run):
    method = get_method(name)
    gen = fit_deep(
        method, x, y if method.needs_labels else None, ["a", "b", "c", "d"], DeepRun(**run), device, cancel, checkpoint
    )
    events, (model, stats) = run_to_end(gen)
    return model, stats, events


def test_every_deep_method_is_registered_with_its_kind_and_labels():
    assert set(DEEP) <= set(method_names())
    for name in DEEP:
        method = get_method(name)
        assert method.kind == "deep" and method.name == name
    assert [n for n in DEEP if get_method(n).needs_labels] == ["dhln", "ssdh", "dshsre"]


@pytest.mark.parametrize("bits", [12, 128])
@pytest.mark.parametrize("name", DEEP)
def test_trains_without_nan_at_12_and_128_bits(name, bits):
    torch.manual_seed(0)
    x, y = tiny_data(channels=3 if name in ("ssdh", "ddh") else 1)
    model, _stats, events = fit(name, x, y, bits=bits, epochs=2, batch_size=16)
    losses = [e.loss for e in events if isinstance(e, StepLoss)]
    assert losses and all(np.isfinite(losses))
    assert [e.epoch for e in events if isinstance(e, EpochDone)] == [0, 1]
    from hashview.core.nets.input_arrays import fit_array
    from hashview.core.nets.network import encode_array

    net = model.config["net"]
    codes = encode_array(model, fit_array(x, net["input_size"], net["channels"]))
    assert codes.shape == (len(x), bits) and codes.dtype == bool
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_cancel_stops_between_steps_and_writes_no_checkpoint_mid_epoch(tmp_path):
    x, y = tiny_data()
    token = CancelToken()
    gen = fit_deep(
        get_method("dhln"), x, y, None, DeepRun(bits=16, epochs=2, batch_size=16), "cpu", token, tmp_path / "c.pt"
    )
    with pytest.raises(Cancelled):
        for event in gen:
            if isinstance(event, StepLoss):
                token.cancel()
    assert not (tmp_path / "c.pt").exists()


@pytest.mark.parametrize("device", DEVICES)
def test_a_cancelled_run_resumes_from_its_last_epoch(tmp_path, device):
    x, y = tiny_data()
    ckpt = tmp_path / "run.checkpoint.pt"
    token = CancelToken()
    gen = fit_deep(
        get_method("ssdh"), x, y, ["a", "b", "c", "d"], DeepRun(bits=16, epochs=3, batch_size=16), device, token, ckpt
    )
    with pytest.raises(Cancelled):
        for event in gen:
            if isinstance(event, EpochDone) and event.epoch == 1:
                token.cancel()
    assert ckpt.is_file()
    _model, stats, events = fit("ssdh", x, y, checkpoint=ckpt, device=device, bits=16, epochs=3, batch_size=16)
    assert stats["resumed_at_epoch"] == 2
    assert [e.epoch for e in events if isinstance(e, EpochDone)] == [2]
    assert [h["epoch"] for h in stats["history"]] == [1, 2, 3]
    # other options do not resume from it
    _model, stats, _events = fit("ssdh", x, y, checkpoint=ckpt, device=device, bits=24, epochs=3, batch_size=16)
    assert stats["resumed_at_epoch"] == 0


def test_the_network_file_alone_rebuilds_the_hasher(tmp_path):
    from hashview.core.methods.hasher import DeepHasher, load_hasher

    x, y = tiny_data(side=16, channels=3)
    model, _stats, _events = fit("dshsre", x, y, bits=32, epochs=1, batch_size=16)
    hasher = DeepHasher(model.config, model)
    hasher.save(tmp_path / "net.pt")
    again = load_hasher(tmp_path / "net.pt")
    assert isinstance(again, DeepHasher) and again.n_bits == 32
    assert np.array_equal(again.codes_from_arrays(x), hasher.codes_from_arrays(x))
    assert hasher.codes_from_arrays(x).shape == (len(x), 4)


def test_bae_raises_its_slope_and_reconstructs_its_input():
    x, _y = tiny_data(side=8, n=32)
    model, stats, _events = fit("bae", x, None, bits=16, epochs=3, batch_size=16)
    assert float(model.slope) == pytest.approx(get_method("bae").params["slope_end"])
    assert model.decoder is not None and stats["history"][-1]["loss"] < 0.2


def test_ddh_trains_a_batchnorm_trunk_even_on_grey_images():
    """DHLN's BN-free trunk collapses under DDH's pairwise term (one code for every image)."""
    from hashview.core.methods import get_method

    ddh = get_method("ddh")
    assert ddh.trunk_for(None, 1, "cpu") == "cnn-s" and ddh.trunk_for("auto", 3, "cuda") == "cnn"
    assert ddh.trunk_for("dhln", 1, "cpu") == "dhln"  # asked for by name, it is still given


@pytest.mark.parametrize("trunk, width", [("cnn-xs", 64), ("cnn-s", 128), ("cnn", 256), ("cnn-l", 512)])
def test_small_cnn_trunks_differ_in_width_and_train(trunk, width):
    from hashview.core.nets.network import build_trunk

    net = build_trunk(trunk, "none", 3, 32)
    assert net.dim == width and net(torch.zeros(2, 3, 32, 32)).shape == (2, width)
    x, y = tiny_data(n=32, side=16, channels=3)
    _model, stats, events = fit("ssdh", x, y, bits=16, epochs=1, batch_size=16, backbone=trunk)
    assert stats["trunk"] == trunk and all(np.isfinite([e.loss for e in events if isinstance(e, StepLoss)]))
