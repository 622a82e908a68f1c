"""Deep methods from `hashview train` on a folder, from `hashview eval`, and their loss parts."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from imagefactory import make_library

from hashview.cli import main
from hashview.core.train.pipeline import TrainOptions

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    make_library(root, {"beach": 6, "forest": 6}, size=(40, 30), loose=2)
    return root


def run_json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_supervised_train_from_folders_then_search(photos, capsys):
    assert main(["index", str(photos)]) == 0
    capsys.readouterr()
    summary = run_json(
        capsys, ["train", str(photos), "--method", "dhln", "--bits", "16", "--epochs", "1", "--labels", "folders"]
    )
    assert summary["method"] == "dhln" and summary["bits"] == 16 and summary["images"] == 14
    query = sorted((photos / "beach").glob("*.jpg"))[0]
    found = run_json(capsys, ["search", str(photos), str(query), "-k", "3"])
    assert found[0]["results"][0]["distance"] == 0
    from hashview.core.library import Library

    with Library.open(photos) as library:  # the networks panel shows the last epoch's probe mAP
        stats = library.networks.current().stats
        shelf = library.shelf.directory
    # checkpoints live beside the networks (training.checkpoint_path); a finished run removes its own
    assert shelf.is_dir() and not list(shelf.glob("*.checkpoint.pt"))
    assert 0.0 <= stats["map"] <= 1.0
    # where the run's time went: decoding, setting up, the steps, the probes, encoding
    phases = stats["phase_seconds"]
    assert set(phases) == {"decode", "setup", "steps", "probes", "encode"}
    assert all(v >= 0 for v in phases.values())
    assert phases["steps"] + phases["probes"] <= stats["fit_seconds"] + 0.01
    assert phases["decode"] + phases["setup"] + stats["fit_seconds"] <= stats["train_seconds"] + 0.01


def test_a_checkpoint_is_kept_while_training_left_by_cancel_and_resumed(photos):
    """After every epoch a checkpoint is written beside the networks; cancelling leaves it (and no
    network), the same run started again resumes from it, and a finished run removes it."""
    from hashview.core.events import Cancelled, CancelToken, EpochDone, Finished
    from hashview.core.library import Library

    options = {"method": "dhln", "bits": 16, "epochs": 2, "labels": "folders", "device": "cpu"}
    with Library.open(photos) as library:
        for _event in library.index():
            pass
        checkpoint = library.shelf.directory / "dhln-16.checkpoint.pt"
        cancel = CancelToken()
        with pytest.raises(Cancelled):
            for event in library.train(TrainOptions(**options), cancel):
                if isinstance(event, EpochDone):
                    assert checkpoint.is_file()  # written before the epoch is reported
                    cancel.cancel()
        assert checkpoint.is_file() and library.networks.all() == []
        summary = next(e.summary for e in library.train(TrainOptions(**options)) if isinstance(e, Finished))
        assert summary["resumed_at_epoch"] == 1 and summary["epochs"] == 2
        assert not checkpoint.exists()
        assert [n.id for n in library.networks.all()] == [summary["network"]]


def test_unsupervised_train_on_a_folder_without_labels(photos, capsys):
    assert main(["index", str(photos)]) == 0
    capsys.readouterr()
    summary = run_json(capsys, ["train", str(photos), "--method", "bae", "--bits", "24", "--epochs", "1"])
    assert summary["method"] == "bae" and summary["images"] == 14
    groups = run_json(capsys, ["dups", str(photos)])
    assert isinstance(groups, list)


def test_a_labelled_method_refuses_an_unlabelled_library_in_one_line(photos, capsys):
    assert main(["index", str(photos)]) == 0
    capsys.readouterr()
    assert main(["train", str(photos), "--method", "ssdh", "--epochs", "1"]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs class labels" in err


def test_eval_trains_a_deep_method_and_reports_the_contract(tmp_path, capsys):
    rng = np.random.default_rng(0)
    centres = rng.integers(0, 256, (3, 8, 8, 1))
    y = np.repeat(np.arange(3), 120)
    x = np.clip(centres[y] + rng.normal(0, 20, (360, 8, 8, 1)), 0, 255).astype(np.uint8)
    np.savez(tmp_path / "toy.npz", x_train=x, y_train=y)
    report = run_json(
        capsys,
        [
            "eval",
            str(tmp_path / "toy.npz"),
            "--method",
            "ssdh",
            "--bits",
            "16",
            "--protocol",
            "holdout",
            "--epochs",
            "2",
            "--backbone",
            "cnn-xs",
            "--batch-size",
            "32",
        ],
    )
    for key in (
        "method",
        "bits",
        "protocol",
        "map",
        "map_at_1000",
        "p_at_r2",
        "pr",
        "p_at_n",
        "train_seconds",
        "encode_seconds",
        "device",
        "epochs",
        "backbone",
        "loss_history",
    ):
        assert key in report
    assert report["epochs"] == 2 and len(report["loss_history"]) == 2 and report["map"] > 0.5
    assert report["backbone"] == "cnn-xs" and report["training"]["batch_size"] == 32


@pytest.mark.parametrize(
    "args, message",
    [
        (["--method", "itq", "--backbone", "resnet18"], "--backbone is for deep methods"),
        (["--method", "ssdh", "--batch-size", "1"], "--batch-size must be from 2 to 65536"),
    ],
)
def test_eval_refuses_options_it_cannot_honour_in_one_line(tmp_path, capsys, args, message):
    np.savez(tmp_path / "toy.npz", x_train=np.zeros((40, 8, 8, 1), np.uint8), y_train=np.arange(40) % 2)
    assert main(["eval", str(tmp_path / "toy.npz"), "--bits", "16", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["--batch-size", "0"], "--batch-size must be 1 or more"),
        (["--input-size", "4"], "--input-size must be from 8 to 1024 pixels"),
    ],
)
def test_train_refuses_bad_sizes_in_one_line(photos, capsys, args, message):
    assert main(["index", str(photos)]) == 0
    capsys.readouterr()
    assert main(["train", str(photos), "--method", "itq", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def brute_force_pseudo_pairs(features, k1, k2):
    """Algorithm 1 of DDH written the slow, obvious way."""
    x = features / np.linalg.norm(features, axis=1, keepdims=True)
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    n = len(x)
    lists = [set(np.argsort(-sims[i], kind="stable")[:k1].tolist()) for i in range(n)]
    similar = set()
    for i in range(n):
        overlap = [(-(k1 + 1) if j == i else -len(lists[i] & lists[j]), j) for j in range(n)]
        for _count, j in sorted(overlap)[:k2]:
            for m in lists[j]:
                similar.add((i, m))
                similar.add((m, i))
    return similar


def test_ddh_pseudo_pairs_follow_algorithm_1():
    from hashview.core.methods.ddh import build_pseudo_pairs

    rng = np.random.default_rng(1)
    features = rng.normal(size=(30, 5)) + np.repeat(rng.normal(0, 3, (3, 5)), 10, axis=0)
    pairs = build_pseudo_pairs(features.astype(np.float32), k1=4, k2=2)
    rows = np.arange(30)
    s = pairs.similar(rows)
    expected = brute_force_pseudo_pairs(features.astype(np.float32), 4, 2)
    got = {(i, j) for i in range(30) for j in range(30) if s[i, j] > 0 and i != j}
    assert got == {(i, j) for i, j in expected if i != j}


def test_dshsre_jensen_shannon_term():
    from hashview.core.methods.dshsre import jensen_shannon, neighbour_p, neighbour_q

    torch.manual_seed(0)
    feats = torch.randn(20, 6)
    p = neighbour_p(feats, perplexity=5.0)
    assert torch.allclose(p, p.T) and float(p.sum()) == pytest.approx(1.0, abs=1e-5) and float(p.diagonal().sum()) == 0
    q = neighbour_q(torch.randn(20, 12))
    assert float(q.sum()) == pytest.approx(1.0, abs=1e-5)
    assert float(jensen_shannon(p, p)) == pytest.approx(0.0, abs=1e-6)
    js = float(jensen_shannon(p, q))
    assert 0 < js <= np.log(2) + 1e-6 and js == pytest.approx(float(jensen_shannon(q, p)), rel=1e-5)
