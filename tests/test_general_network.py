"""The shipped general network: found in the package, adopted by a new library, refused when
damaged, answering search and dups with no training, and refined on a library under the switch rule.

Every test but the first uses a network file the test writes (a DupNet of the shipped shape,
untrained), put where the package's would be: the real file's quality is measured by the
benchmarks, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from generators import run_to_end
from imagefactory import make_library, make_near_duplicate

from hashview.cli import main
from hashview.core import library as library_module
from hashview.core.errors import LibraryError
from hashview.core.library import Library, refined_better
from hashview.core.nets import general
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.pipeline import TrainOptions


def write_general(path: Path, seed: int = 0) -> Path:
    """A DupNet network file of the shipped network's shape (128 bits, cnn-xs, 64 px), untrained."""
    import torch

    from hashview.core.methods.hasher import DeepHasher
    from hashview.core.nets.network import HashNet, network_config

    torch.manual_seed(seed)
    config = {
        **network_config("dupnet", 128, "cnn-xs", "none", 3, 64, "tanh"),
        "name": "general",
        "labels": "none",
        "created": "2026-12-03T00:00:00",
        "stats": {"images": 0},
        "general": {"recipe": {"images": 0}, "provenance": {"commit": "test"}},
    }
    model = HashNet(config).eval()
    DeepHasher(config, model).save(path)
    return path


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A network file written by the test, standing where the package's would be."""
    path = write_general(tmp_path / "shipped" / general.GENERAL_FILE)
    monkeypatch.setattr(general, "general_file", lambda: path)
    return path


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    paths = make_library(root, {"a": 6, "b": 6}, size=(96, 72))
    make_near_duplicate(paths[0], root / "a" / "copy.jpg", quality=80, scale=0.8)
    return root


def indexed(root: Path, runtime: RuntimeOptions | None = None) -> Library:
    lib = Library.open(root, runtime=runtime)
    run_to_end(lib.index())
    return lib


def test_the_package_ships_a_general_network_with_its_provenance():
    """The real file: in the package, at most 10 MB, loaded with weights_only and checked, its recipe recorded."""
    from hashview.core.methods.hasher import DeepHasher, load_hasher

    path = general.general_file()
    assert path is not None, "hashview/data/general-dupnet.pt is missing from the package"
    assert path.stat().st_size <= 10 * 1024 * 1024
    hasher = load_hasher(path)
    assert isinstance(hasher, DeepHasher)
    assert hasher.config["method"] == "dupnet" and hasher.config["bits"] == 128
    recipe = hasher.config["general"]
    assert recipe["recipe"]["images"] > 0 and recipe["provenance"]["commit"]
    assert {"command", "date", "machine"} <= set(recipe["provenance"])
    # it looks at pictures as a DupNet trained today would: frames trimmed, screenshots cut to their photo
    assert hasher.config["net"]["trim_borders"] is True and hasher.config["net"]["cut_screens"] is True
    assert "core/images/screens.py" in recipe["cut_screens"]


def test_a_view_set_on_a_shipped_file_after_training_is_recorded_and_changes_its_id(tmp_path):
    from benchmarks.training.amend_general import amend
    from hashview.core.nets.network_file import load_network

    path = write_general(tmp_path / "general-dupnet.pt")
    before_id, (_, before_state) = general.general_id(path), load_network(path)
    assert amend(path, ["cut_screens"]) == ["cut_screens"]
    config, state = load_network(path)
    assert config["net"]["cut_screens"] is True and "commit " in config["general"]["cut_screens"]
    assert general.general_id(path) != before_id  # libraries encode again with the file that looks anew
    assert all((state[k] == before_state[k]).all() for k in state)  # the weights are the same
    assert amend(path, ["cut_screens"]) == []  # set once


def test_a_new_library_answers_with_the_shipped_network_without_training(shipped, photos):
    with indexed(photos) as lib:
        assert lib.networks.current() is None
        info = lib.networks.get(None)  # what search, dups and encode ask for
        assert info.name == general.GENERAL_NAME and info.id == general.general_id(shipped)
        assert lib.networks.current() == info
        query = photos / "a" / "a_000.jpg"
        [result] = lib.search([query], k=3)
        assert result.hits[0].path == query and result.hits[0].distance == 0


def test_adopting_again_reuses_the_copy_on_the_shelf(shipped, photos):
    with indexed(photos) as lib:
        first = lib.networks.adopt_general()
        again = lib.networks.adopt_general()
        assert first is not None and again is not None and first.id == again.id
        assert [n.id for n in lib.networks.all()] == [first.id]
        assert first.path.read_bytes() == shipped.read_bytes()


def test_a_library_with_its_own_network_keeps_it(shipped, photos):
    with indexed(photos) as lib:
        run_to_end(lib.train(TrainOptions(method="itq", bits=32)))
        assert lib.networks.get(None).method == "itq"
        assert [n.method for n in lib.networks.all()] == ["itq"]


@pytest.mark.parametrize("damage", ["flipped byte", "altered weights", "cut short"])
def test_a_damaged_or_tampered_shipped_file_is_refused_in_one_line(shipped, photos, damage):
    import torch

    if damage == "flipped byte":
        data = bytearray(shipped.read_bytes())
        data[len(data) // 2] ^= 0xFF
        shipped.write_bytes(bytes(data))
    elif damage == "altered weights":  # a valid file whose tensors no longer match its checksum
        payload = torch.load(shipped, weights_only=True)
        name = next(k for k, v in payload["state"].items() if v.is_floating_point())
        payload["state"][name] = payload["state"][name] + 1.0
        torch.save(payload, shipped)
    else:
        shipped.write_bytes(shipped.read_bytes()[:5000])
    with indexed(photos) as lib:
        with pytest.raises(LibraryError) as caught:
            lib.networks.get(None)
        assert "\n" not in str(caught.value) and "general-dupnet.pt" in str(caught.value)
        assert lib.networks.all() == [] and lib.networks.current() is None


def test_without_a_shipped_file_a_library_still_asks_for_training(monkeypatch, photos):
    monkeypatch.setattr(general, "general_file", lambda: None)
    with indexed(photos) as lib, pytest.raises(LibraryError, match="no network yet"):
        lib.networks.get(None)


def test_cli_index_then_dups_and_search_with_no_training_step(shipped, photos, capsys):
    assert main(["index", str(photos), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["encoded"] == 13 and summary["network"] == general.general_id(shipped)
    assert main(["dups", str(photos), "--json"]) == 0
    json.loads(capsys.readouterr().out)  # groups (an untrained network's): the command answers without training
    query = photos / "b" / "b_000.jpg"
    assert main(["search", str(photos), str(query), "-k", "2", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["results"][0]["path"] == str(query)


def test_cli_index_no_encode_only_scans(shipped, photos, capsys):
    assert main(["index", str(photos), "--no-encode", "--json"]) == 0
    assert "encoded" not in json.loads(capsys.readouterr().out)
    with Library.open(photos) as lib:
        assert lib.networks.all() == []


QUICK = RuntimeOptions(params={"refine_steps": 3})  # a refinement of three steps: what is tested is the wiring


def test_train_refines_the_shipped_network_and_measures_both(shipped, photos, one_torch_thread):
    with indexed(photos, QUICK) as lib:
        lib.networks.adopt_general()
        general_info = lib.networks.current()
        events, _ = run_to_end(lib.train(TrainOptions(batch_size=8)))
        networks = lib.networks.all()
        refined = next(n for n in networks if n.id != general_info.id)
        # the run kept its codes and the pictures' other looks (upright turns, tone hashes): nothing encoded again
        assert events[-1].summary["encoded"] == 0
        codes = lib.codes.load(refined.id)
        tone = lib.tone_codes(refined, codes)
        assert codes is not None and tone is not None and list(tone.ids) == list(codes.ids)
        stats = refined.config["stats"]
        assert stats["refined_from"] == str(general_info.path)
        assert stats["baseline"]["map"] is not None and stats["history"][-1]["map"] is not None
        assert stats["params"]["max_steps"] == 3  # refine_steps, not the hundreds of a run from zero
        assert refined.config["options"]["start_from"] == str(general_info.path)


def test_refining_starts_from_the_shipped_weights(shipped, photos, one_torch_thread):
    """The first step's network is the shipped one: its probe before training is the shipped network's own."""
    import torch

    from hashview.core.methods.hasher import load_hasher

    with indexed(photos, RuntimeOptions(params={"refine_steps": 1, "refine_lr": 0.0})) as lib:
        run_to_end(lib.train(TrainOptions(batch_size=8)))
        refined = next(n for n in lib.networks.all() if n.name != general.GENERAL_NAME)
        before = load_hasher(shipped).model.state_dict()
        after = load_hasher(refined.path).model.state_dict()
        convolutions = [k for k, v in before.items() if v.ndim == 4]
        assert convolutions and all(torch.equal(before[k], after[k]) for k in convolutions)  # lr 0: not moved


def test_from_scratch_does_not_start_from_the_shipped_network(shipped, photos, one_torch_thread):
    params = RuntimeOptions(params={"min_steps": 2, "max_steps": 2})
    with indexed(photos, params) as lib:
        _events, _ = run_to_end(lib.train(TrainOptions(batch_size=8, start_from="scratch")))
        [trained] = lib.networks.all()  # the shipped one was never installed
        assert trained.config["stats"]["refined_from"] is None and trained.config["stats"]["baseline"] is None
        assert lib.networks.current() == trained


def test_a_refinement_that_measures_no_better_is_kept_but_not_made_current(
    shipped, photos, one_torch_thread, monkeypatch
):
    monkeypatch.setattr(library_module, "refined_better", lambda summary: False)
    with indexed(photos, QUICK) as lib:
        general_info = lib.networks.adopt_general()
        events, _ = run_to_end(lib.train(TrainOptions(batch_size=8)))
        summary = events[-1].summary
        assert summary["switched"] is False and summary["current"] == general_info.id
        assert lib.networks.current() == general_info
        assert len(lib.networks.all()) == 2  # the refined network stays, to switch to by hand


def test_a_refinement_that_measures_better_is_made_current(shipped, photos, one_torch_thread, monkeypatch):
    monkeypatch.setattr(library_module, "refined_better", lambda summary: True)
    with indexed(photos, QUICK) as lib:
        general_info = lib.networks.adopt_general()
        events, _ = run_to_end(lib.train(TrainOptions(batch_size=8)))
        summary = events[-1].summary
        assert summary["switched"] is True and lib.networks.current().id == summary["network"] != general_info.id


@pytest.mark.parametrize(
    ("summary", "better"),
    [
        ({"map": 0.91, "baseline": {"map": 0.90}}, True),
        ({"map": 0.90, "baseline": {"map": 0.90}}, False),  # no gain: not worth a switch
        ({"map": 0.80, "baseline": {"map": 0.90}}, False),
        ({"map": None, "baseline": {"map": 0.90}}, False),  # no measurement: keep what was measured
        ({"map": 0.50, "baseline": None}, True),  # from zero: nothing to compare with
    ],
)
def test_the_switch_rule(summary, better):
    assert refined_better(summary) is better


def test_a_network_of_another_shape_cannot_be_refined(shipped, photos, one_torch_thread):
    with indexed(photos) as lib:
        lib.networks.adopt_general()
        with pytest.raises(LibraryError, match="cannot refine"):
            run_to_end(lib.train(TrainOptions(method="dupnet", bits=64, start_from=general.GENERAL_NAME)))


def test_auto_start_trains_from_zero_for_another_code_length(shipped, photos, one_torch_thread):
    params = RuntimeOptions(params={"min_steps": 2, "max_steps": 2})
    with indexed(photos, params) as lib:
        run_to_end(lib.train(TrainOptions(bits=64, batch_size=8)))
        [trained] = [n for n in lib.networks.all() if n.name != general.GENERAL_NAME]
        assert trained.bits == 64 and trained.config["stats"]["refined_from"] is None


def test_cli_index_keeps_its_scan_when_the_network_cannot_encode(shipped, photos, capsys):
    shipped.write_bytes(shipped.read_bytes()[:5000])  # a damaged shipped file: the scan still counts
    assert main(["index", str(photos)]) == 0
    out, err = capsys.readouterr()
    assert "13 images in the library" in out and "not encoded:" in out
    assert err.count("hashview: warning: scanned, but not encoded:") == 1
    with Library.open(photos) as lib:
        assert len(lib.entries()) == 13


def test_an_upgrade_moves_a_library_from_the_older_shipped_network_once(shipped, photos, tmp_path, monkeypatch):
    """A hashview that ships a newer general file moves the libraries answering with the old one to it; the
    old one stays on the shelf, and a person who switches back to it stays there."""
    with indexed(photos) as lib:
        old = lib.networks.get(None)
    newer = write_general(tmp_path / "newer" / general.GENERAL_FILE, seed=1)
    monkeypatch.setattr(general, "general_file", lambda: newer)
    with Library.open(photos) as lib:
        moved = lib.networks.get(None)
        assert moved.id == general.general_id(newer) != old.id
        assert {info.id for info in lib.networks.all()} == {old.id, moved.id}
        lib.networks.set_current(old.id)
        assert lib.networks.get(None).id == old.id  # switched back: not moved again
    with Library.open(photos) as lib:
        assert lib.networks.get(None).id == old.id


def test_after_an_upgrade_the_command_line_answers_with_the_newer_shipped_network(
    shipped, photos, tmp_path, monkeypatch, capsys
):
    assert main(["index", str(photos), "--json"]) == 0
    capsys.readouterr()
    newer = write_general(tmp_path / "newer" / general.GENERAL_FILE, seed=1)
    monkeypatch.setattr(general, "general_file", lambda: newer)
    assert main(["dups", str(photos), "--json"]) == 0
    json.loads(capsys.readouterr().out)
    query = photos / "b" / "b_000.jpg"
    assert main(["search", str(photos), str(query), "-k", "2", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["results"][0]["path"] == str(query)
    with Library.open(photos) as lib:
        assert lib.networks.current().id == general.general_id(newer)


def test_a_damaged_newer_shipped_file_leaves_the_library_on_the_one_that_works(shipped, photos, tmp_path, monkeypatch):
    with indexed(photos) as lib:
        old = lib.networks.get(None)
    damaged = tmp_path / "newer" / general.GENERAL_FILE
    damaged.parent.mkdir()
    damaged.write_bytes(shipped.read_bytes()[:-100])
    monkeypatch.setattr(general, "general_file", lambda: damaged)
    with Library.open(photos) as lib:
        assert lib.networks.get(None).id == old.id


def test_an_upgrade_leaves_a_library_with_its_own_network_alone(shipped, photos, tmp_path, monkeypatch):
    """A network of the library's own (trained or refined: no shipped record in its file) is never replaced."""
    from hashview.core.nets.network_file import load_network, save_network

    config, state = load_network(write_general(tmp_path / "own.pt", seed=2))
    del config["general"]
    save_network(tmp_path / "own.pt", config, state)
    with indexed(photos) as lib:
        lib.networks.get(None)
        own = lib.networks.import_file(tmp_path / "own.pt", "mine")
        lib.networks.set_current(own.id)
    newer = write_general(tmp_path / "newer" / general.GENERAL_FILE, seed=1)
    monkeypatch.setattr(general, "general_file", lambda: newer)
    with Library.open(photos) as lib:
        assert lib.networks.get(None).id == own.id
        assert general.general_id(newer) not in {info.id for info in lib.networks.all()}
