"""Network files rebuild their hasher alone, load with weights_only, and fail in one line."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from generators import run_to_end
from imagefactory import make_photo

from hashview.core.methods import get_method
from hashview.core.methods.hasher import load_hasher, shallow_hasher_from_fit
from hashview.core.nets.backbones import BackboneError, BackboneSpec, build_backbone
from hashview.core.nets.network_file import NetworkFileError, load_network, save_network


def test_round_trip_keeps_config_and_tensors(tmp_path):
    path = tmp_path / "net.pt"
    save_network(path, {"method": "itq", "bits": 16, "stats": {"map": 0.5}}, {"w": np.arange(6, dtype=np.float32)})
    config, state = load_network(path)
    assert config["method"] == "itq" and config["format_version"] == 1 and config["stats"] == {"map": 0.5}
    assert torch.equal(state["w"], torch.arange(6, dtype=torch.float32))
    assert [p.name for p in tmp_path.iterdir()] == ["net.pt"]  # no temp file left


def test_unsafe_or_foreign_files_are_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"config": Evil(), "state": {}}, protocol=2))
    with pytest.raises(NetworkFileError, match=r"cannot read network file evil\.pt"):
        load_network(evil)
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(NetworkFileError, match="not a hashview network file"):
        load_network(tmp_path / "other.pt")
    with pytest.raises(NetworkFileError, match="not found"):
        load_network(tmp_path / "missing.pt")


def test_a_shallow_hasher_with_a_backbone_encodes_the_same_after_reloading(tmp_path):
    paths = [make_photo(tmp_path / f"p{i}.jpg", (48, 40), seed=i) for i in range(6)]
    backbone, dim = build_backbone(BackboneSpec("mobilenet_v3_small", "none", 64))
    features = np.random.default_rng(0).normal(size=(40, dim)).astype(np.float32)
    config = {
        "kind": "shallow",
        "method": "lsh",
        "bits": 16,
        "features": {"kind": "mobilenet_v3_small", "weights": "none", "input_size": 64},
    }
    hasher = shallow_hasher_from_fit(config, get_method("lsh").fit(features, 16), backbone)

    def encode(h):
        return run_to_end(h.encode(paths))[1]

    before = encode(hasher)
    hasher.save(tmp_path / "net.pt")
    after = encode(load_hasher(tmp_path / "net.pt"))
    assert np.array_equal(before.ok, np.arange(6)) and np.array_equal(before.codes, after.codes)


def test_backbone_weights_from_a_file_the_user_picked(tmp_path):
    reference, _ = build_backbone(BackboneSpec("resnet18", "none"))
    torch.save({"state_dict": {"module." + k: v for k, v in reference.state_dict().items()}}, tmp_path / "r18.pth")
    loaded, dim = build_backbone(BackboneSpec("resnet18", str(tmp_path / "r18.pth")))
    assert dim == 512
    for key, value in reference.state_dict().items():
        assert torch.equal(loaded.state_dict()[key], value)
    torch.save({"conv1.weight": torch.zeros(3)}, tmp_path / "wrong.pth")
    with pytest.raises(BackboneError, match="does not fit resnet18"):
        build_backbone(BackboneSpec("resnet18", str(tmp_path / "wrong.pth")))


def test_imagenet_weights_offline_say_what_to_do(monkeypatch):
    import torchvision.models as tvm

    def offline(*args, **kwargs):
        raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setattr(tvm.ResNet18_Weights.DEFAULT.__class__, "get_state_dict", offline, raising=False)
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(BackboneError, match="--weights none"):
        build_backbone(BackboneSpec("resnet18", "imagenet"))
    with pytest.raises(BackboneError, match="unknown backbone"):
        build_backbone(BackboneSpec("vgg1000"))
