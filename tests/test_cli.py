"""The command-line contract of DESIGN.md, end to end on small generated photos."""

from __future__ import annotations

import json
import shutil

import pytest
from imagefactory import make_library, make_near_duplicate, make_photo, make_zero_bytes

from hashview.cli import main


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    paths = make_library(root, {"beach": 8, "forest": 8}, size=(96, 72), loose=4)
    make_near_duplicate(paths[0], root / "beach" / "copy_of_first.jpg", quality=80, scale=0.8)
    shutil.copyfile(paths[5], root / "forest" / "exact_copy.jpg")
    make_zero_bytes(root / "broken.jpg")
    return root


def run_json(capsys, argv):
    assert main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_default_pipeline_index_train_search_dups(photos, capsys):
    summary = run_json(capsys, ["index", str(photos)])
    assert summary["files"] == 22 and summary["skipped"] == 1

    trained = run_json(capsys, ["train", str(photos), "--method", "itq", "--bits", "64"])
    assert trained["method"] == "itq" and trained["bits"] == 64 and trained["images"] == 22

    query = photos / "beach" / "beach_000.jpg"
    results = run_json(capsys, ["search", str(photos), str(query), "-k", "5"])
    assert len(results) == 1 and results[0]["query"] == str(query)
    hits = results[0]["results"]
    assert hits[0] == {"path": str(query), "distance": 0}
    assert [h["distance"] for h in hits] == sorted(h["distance"] for h in hits)

    groups = run_json(capsys, ["dups", str(photos)])
    as_sets = [set(g["paths"]) for g in groups]
    assert str(photos / "forest" / "exact_copy.jpg") in set().union(*as_sets)
    assert any({str(query), str(photos / "beach" / "copy_of_first.jpg")} <= s for s in as_sets)
    for g in groups:
        assert len(g["paths"]) >= 2 and 0 <= g["max_distance"] <= 4


def test_without_bits_each_method_trains_its_own_code_length(photos, capsys, monkeypatch):
    monkeypatch.setenv("HASHVIEW_DUPNET_SECONDS", "0.3")  # a few steps: the length is what is checked
    run_json(capsys, ["index", str(photos)])
    trained = run_json(capsys, ["train", str(photos)])  # the default pipeline's network
    assert trained["method"] == "dupnet" and trained["bits"] == 128 and trained["network"].startswith("dupnet-128-")
    shallow = run_json(capsys, ["train", str(photos), "--method", "itq"])
    assert shallow["bits"] == 64 and shallow["network"].startswith("itq-64-")


def test_exact_dups_need_no_network(photos, capsys):
    run_json(capsys, ["index", str(photos)])
    groups = run_json(capsys, ["dups", str(photos), "--exact"])
    assert len(groups) == 1 and groups[0]["max_distance"] == 0
    assert set(groups[0]["paths"]) == {
        str(photos / "beach" / "beach_005.jpg"),
        str(photos / "forest" / "exact_copy.jpg"),
    }


def test_query_outside_the_library_is_encoded_on_the_fly(photos, tmp_path, capsys):
    run_json(capsys, ["index", str(photos)])
    run_json(capsys, ["train", str(photos), "--method", "lsh", "--bits", "32"])
    outside = make_near_duplicate(
        photos / "forest" / "forest_002.jpg", tmp_path / "elsewhere" / "q.jpg", quality=85, scale=0.95
    )
    results = run_json(capsys, ["search", str(photos), str(outside), "-k", "3"])
    assert results[0]["results"][0]["path"] == str(photos / "forest" / "forest_002.jpg")


def test_encode_catches_up_new_files_only(photos, capsys):
    run_json(capsys, ["index", str(photos)])
    run_json(capsys, ["train", str(photos), "--method", "itq", "--bits", "16"])
    assert run_json(capsys, ["encode", str(photos)])["encoded"] == 0
    make_photo(photos / "new_one.jpg", (96, 72), seed=999)
    run_json(capsys, ["index", str(photos), "--no-encode"])
    encoded = run_json(capsys, ["encode", str(photos)])
    assert encoded["encoded"] == 1 and encoded["codes"] == 23
    make_photo(photos / "newer_one.jpg", (96, 72), seed=998)
    indexed = run_json(capsys, ["index", str(photos)])  # the scan encodes with the current network itself
    assert indexed["encoded"] == 1 and indexed["network"].startswith("itq-16")
    assert run_json(capsys, ["encode", str(photos)])["encoded"] == 0


@pytest.mark.parametrize(
    "argv, words",
    [
        (["index", "/no/such/folder"], "no such folder"),
        (["search", "{root}", "/no/such.jpg"], "query image not found: /no/such.jpg"),
        (["train", "{root}", "--method", "nope"], "unknown method"),
        (["train", "{root}", "--bits", "12"], "multiple of 8"),
        (["train", "{root}", "--labels", "decisions"], "no duplicate decisions in this library yet"),
        (["train", "{root}", "--method", "itq", "--labels", "decisions"], "cannot train on duplicate decisions"),
        (["train", "{root}", "--method", "itq", "--labels", "folders"], "learns without class labels"),
        (["train", "{root}", "--method", "itq", "--backbone", "cnn"], "itq cannot be built on 'cnn'"),
        (["train", "{root}", "--method", "bae", "--backbone", "resnet18"], "choose one of bae"),
        (["eval", "/no/such.npz", "--method", "itq", "--bits", "16"], "no such data set"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(photos, capsys, argv, words):
    main(["index", str(photos)])
    capsys.readouterr()
    code = main([a.format(root=photos) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert len(err.splitlines()) == 1 and words in err and err.startswith("hashview: ")


def test_search_without_any_network_says_what_to_do(photos, capsys, monkeypatch):
    """A build that ships no general network: a new library has no network until it trains one."""
    from hashview.core.nets import general

    monkeypatch.setattr(general, "general_file", lambda: None)
    assert main(["index", str(photos)]) == 0
    assert "no network yet" in capsys.readouterr().out
    assert main(["search", str(photos), str(photos / "broken.jpg")]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no network yet" in err and "hashview train" in err


def test_eval_reports_the_contract_fields(tmp_path, capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    centres = rng.integers(0, 256, (3, 8, 8, 1))
    y = np.repeat(np.arange(3), 150)
    x = np.clip(centres[y] + rng.normal(0, 20, (450, 8, 8, 1)), 0, 255).astype(np.uint8)
    np.savez(tmp_path / "toy.npz", x_train=x, y_train=y)
    report = run_json(
        capsys, ["eval", str(tmp_path / "toy.npz"), "--method", "itq", "--bits", "16", "--protocol", "holdout"]
    )
    for key in ("method", "bits", "protocol", "map", "p_at_r2", "pr", "train_seconds", "encode_seconds", "device"):
        assert key in report
    assert set(report["pr"]) == {"radius", "precision", "recall"} and len(report["pr"]["radius"]) == 17
    assert report["map"] > 0.9  # three well separated clusters


def test_progress_lines_show_rate_and_time_left_but_not_for_single_steps():
    import io

    from hashview.cli import ProgressPrinter
    from hashview.core.events import Progress, Skipped

    stream = io.StringIO()
    printer = ProgressPrinter(stream, interval=0)
    printer.handle(Progress("index", 10, 40, rate=5.0, eta_s=6.0))
    printer.handle(Progress("fit", 0, 1, message="fitting itq"))
    printer.handle(Skipped("bad.jpg", "truncated file"))
    assert stream.getvalue().splitlines() == [
        "index: 10/40 (5.0/s, 6 s left)",
        "fit: fitting itq",
        "skipped bad.jpg: truncated file",
    ]


def test_the_verbose_flag_reaches_the_command_line_through_the_hashview_entry_point(tmp_path, capsys):
    """`hashview -v index F` went to the app's own parser, which knows no -v, and failed."""
    from hashview.app import main as hashview_main

    make_photo(tmp_path / "lib" / "a.jpg", (32, 24), seed=1)
    assert hashview_main(["-v", "index", str(tmp_path / "lib"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 1
