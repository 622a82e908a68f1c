"""Guards against destructive suggestions (issue 18, points 4 and 5): a radius is never suggested where
groups chain the library, a network that cannot tell photos apart is flagged, zero or negative counts are
refused, and a relative query path means the working directory.

The network that cannot tell photos apart is a real library's network whose codes are replaced by the
ones such a network gives: ``generators.adversarial_bits("sparse")``, every code a few bits from every
other (an untrained DupNet's 128-bit codes of 40 generated photos differed in 6 bits on median, and
``dups`` put all 40 photos in one group; ``train --epochs -3`` made such a network current).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from generators import adversarial_bits
from imagefactory import make_near_duplicate, make_photo

from hashview.cli import main
from hashview.core.duplicates.grouping import group_code_pairs
from hashview.core.duplicates.radius import advise_radius, chain_bound, suggest_radius
from hashview.core.hamming.codes import CodeSet, pack_codes
from hashview.core.hamming.pairs import code_pairs_within
from hashview.core.library import Library, LibraryError
from hashview.core.train.pipeline import TrainOptions


def drive(gen):
    for _ in gen:
        pass


@pytest.fixture
def photos(tmp_path):
    """40 different photos, one near copy and one byte-identical copy."""
    root = tmp_path / "photos"
    for k in range(40):
        make_photo(root / f"p{k:02d}.jpg", (96, 72), seed=k)
    make_near_duplicate(root / "p00.jpg", root / "copies" / "p00_small.jpg", quality=85, scale=0.9)
    shutil.copyfile(root / "p05.jpg", root / "copies" / "p05_same.jpg")
    return root


@pytest.fixture
def library(photos):
    lib = Library.open(photos)
    drive(lib.index())
    drive(lib.train(TrainOptions(method="itq", bits=64)))
    yield lib
    lib.close()


def collapse_codes(lib: Library, seed: int = 0) -> None:
    """Replace the current network's codes with codes that do not tell photos apart (see the module docstring)."""
    info = lib.networks.current()
    entries = sorted(lib.entries(), key=lambda e: e.id)
    bits = adversarial_bits("sparse", len(entries), info.bits, np.random.default_rng(seed))
    ids = np.array([e.id for e in entries], np.int64)
    lib._store_codes(info, CodeSet(ids, pack_codes(bits), info.bits), {e.id: e.mtime_ns for e in entries})


def largest_group(codes: np.ndarray, radius: int) -> int:
    """The largest group the duplicates grouping itself makes at ``radius`` (not the guard's own count)."""
    return max((len(g) for g in group_code_pairs(code_pairs_within(codes, radius), radius)), default=0)


# -------------------------------------------------------------- the guarded suggestion


def test_a_network_that_cannot_tell_photos_apart_suggests_exact_copies_only(library, photos):
    assert library.duplicates.suggested_radius() is not None  # the real itq network separates the photos
    collapse_codes(library)
    advice = library.duplicates.advice()
    assert advice.radius is None and library.duplicates.suggested_radius() is None
    assert "cannot tell the library's photos apart" in advice.warning and "\n" not in advice.warning
    # what the codes' distances alone suggest chains the whole library ...
    assert largest_group(library.ready_codes()[1].codes, advice.codes_radius) > chain_bound(41)
    # ... so the default groups are the identical files, nothing more
    groups = library.duplicates.groups()
    assert [sorted(p.name for p in g.paths) for g in groups] == [["p05.jpg", "p05_same.jpg"]]


@pytest.mark.parametrize("kind", ["dups", "near", "random"])
@pytest.mark.parametrize("n, bits", [(40, 32), (600, 64), (3000, 128)])
def test_the_guard_leaves_real_duplicate_sets_alone(kind, n, bits):
    """The generators' duplicate-heavy sets (every photo in a group of about 5 or 6) keep the codes' radius."""
    codes = pack_codes(adversarial_bits(kind, n, bits, np.random.default_rng(n + bits)))
    advice = advise_radius(codes, bits)
    assert advice.radius == suggest_radius(codes, bits) and advice.reason is None and advice.warning is None
    assert largest_group(codes, advice.radius) <= chain_bound(n)


@pytest.mark.parametrize(
    "kind, n, bits",
    [("sparse", 40, 32), ("sparse", 600, 64), ("equal", 200, 64), ("different", 600, 64), ("different", 3000, 128)],
)
def test_no_suggested_radius_chains_the_library(kind, n, bits):
    codes = pack_codes(adversarial_bits(kind, n, bits, np.random.default_rng(n)))
    advice = advise_radius(codes, bits)
    assert largest_group(codes, advice.codes_radius) > chain_bound(n)  # the codes alone would chain
    assert advice.reason and "\n" not in advice.reason
    if advice.radius is None:
        assert advice.warning and "cannot tell" in advice.warning
    else:
        assert advice.radius < advice.codes_radius and largest_group(codes, advice.radius) <= chain_bound(n)


def test_exact_copies_of_one_file_are_no_chain(tmp_path):
    """Sixty byte-identical copies of one picture are one photo to the guard, not a group of unrelated ones."""
    root = tmp_path / "photos"
    for k in range(30):
        make_photo(root / f"p{k:02d}.jpg", (96, 72), seed=k)
    (root / "backup").mkdir()
    for k in range(60):
        shutil.copyfile(root / "p00.jpg", root / "backup" / f"copy{k:02d}.jpg")
    with Library.open(root) as lib:
        drive(lib.index())
        drive(lib.train(TrainOptions(method="itq", bits=64)))
        advice = lib.duplicates.advice()
        assert advice.warning is None and advice.radius == advice.codes_radius


# -------------------------------------------------------------- the CLI says so


def test_dups_warns_on_stderr_and_groups_identical_files_only(library, photos, capsys):
    collapse_codes(library)
    library.close()
    assert main(["dups", str(photos), "--json"]) == 0
    captured = capsys.readouterr()
    groups = json.loads(captured.out)
    assert [sorted(g["paths"]) for g in groups] == [
        sorted([str(photos / "p05.jpg"), str(photos / "copies" / "p05_same.jpg")])
    ]
    warnings = [line for line in captured.err.splitlines() if line.startswith("hashview: warning: ")]
    assert len(warnings) == 1 and "cannot tell the library's photos apart" in warnings[0]


def test_dups_warns_when_a_chosen_radius_chains_the_library(library, photos, capsys):
    library.close()
    assert main(["dups", str(photos), "--radius", "32", "--json"]) == 0  # half the bits: nearly everything
    err = capsys.readouterr().err
    assert "hashview: warning: radius 32 puts" in err and "not duplicates" in err


# -------------------------------------------------------------- numbers out of range


@pytest.mark.parametrize(
    "argv, words",
    [
        (["train", "{root}", "--method", "itq", "--epochs", "-3"], "--epochs must be 1 or more, not -3"),
        (["train", "{root}", "--method", "itq", "--epochs", "0"], "--epochs must be 1 or more, not 0"),
        (["train", "{root}", "--method", "itq", "--bits", "0"], "--bits must be 1 or more"),
        (["train", "{root}", "--method", "itq", "--bits", "-64"], "--bits must be 1 or more"),
        (["train", "{root}", "--method", "itq", "--batch-size", "0"], "--batch-size must be 1 or more"),
        (["train", "{root}", "--method", "itq", "--input-size", "-16"], "--input-size must be 1 or more"),
        (["search", "{root}", "{root}/p01.jpg", "-k", "0"], "-k must be 1 or more"),
        (["search", "{root}", "{root}/p01.jpg", "-k", "-5"], "-k must be 1 or more"),
        (["search", "{root}", "{root}/p01.jpg", "--radius", "-1"], "--radius must be 0 or more"),
        (["dups", "{root}", "--radius", "-1"], "--radius must be 0 or more"),
        (["dups", "{root}", "--radius", "1000"], "more than the network's 64 bits"),
        (["dups", "{root}", "--exact", "--radius", "3"], "--exact groups identical files and takes no --radius"),
        (["eval", "{root}/none.npz", "--method", "itq", "--bits", "-8"], "--bits must be 1 or more"),
        (["eval", "{root}/none.npz", "--method", "itq", "--bits", "16", "--epochs", "0"], "--epochs must be 1 or more"),
    ],
)
def test_numbers_out_of_range_are_refused_in_one_line(library, photos, capsys, argv, words):
    networks = [n.id for n in library.networks.all()]
    library.close()
    capsys.readouterr()
    code = main([a.format(root=photos) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and err.startswith("hashview: ") and words in err
    with Library.open(photos) as again:
        assert [n.id for n in again.networks.all()] == networks  # nothing trained


def test_radius_zero_and_the_full_code_length_stay_allowed(library, photos, capsys):
    library.close()
    assert main(["dups", str(photos), "--radius", "0"]) == 0
    assert main(["dups", str(photos), "--radius", "64"]) == 0  # every photo: allowed, with a warning
    assert "hashview: warning: radius 64 puts" in capsys.readouterr().err
    assert main(["search", str(photos), str(photos / "p01.jpg"), "--radius", "0", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)[0]["results"]
    assert hits[0] == {"path": str(photos / "p01.jpg"), "distance": 0}


@pytest.mark.parametrize(
    "field, value", [("epochs", -3), ("epochs", 0), ("bits", 0), ("batch_size", -1), ("input_size", 0), ("epochs", 2.5)]
)
def test_the_engine_refuses_them_too(field, value):
    with pytest.raises(LibraryError, match=field.replace("_", "-")):
        TrainOptions(**{field: value})
    with pytest.raises(ValueError):  # like the other refusals of check_options
        TrainOptions(**{field: value})


def test_an_untrained_network_is_never_made_current(library):
    """``train --epochs -3`` trained zero steps, exited 0 and made the untrained network current."""
    before = library.networks.current().id
    with pytest.raises(LibraryError, match="--epochs must be a whole number of 1 or more, not -3"):
        drive(library.train(TrainOptions(method="dupnet", epochs=-3)))
    with pytest.raises(LibraryError, match="not 0"):
        drive(library.train(TrainOptions(method="dupnet", epochs=0)))  # it meant "the default", silently
    assert library.networks.current().id == before and len(library.networks.all()) == 1


# -------------------------------------------------------------- relative query paths


def test_a_relative_query_path_is_relative_to_the_working_directory(tmp_path, monkeypatch, capsys):
    """``hashview search ../lib s0/img.jpg`` searched the library's own s0/img.jpg, not the one here."""
    lib_root, work = tmp_path / "lib", tmp_path / "work"
    for k in range(12):
        make_photo(lib_root / f"s{k % 2}" / f"img{k:02d}.jpg", (96, 72), seed=k)
    shutil.copyfile(lib_root / "s0" / "img00.jpg", lib_root / "s0" / "img.jpg")
    make_photo(work / "s0" / "img.jpg", (96, 72), seed=500)  # another picture under the same relative name
    with Library.open(lib_root) as lib:
        drive(lib.index())
        drive(lib.train(TrainOptions(method="itq", bits=32)))
        own = lib.search([lib_root / "s0" / "img.jpg"], k=3)[0].hits
        here = lib.search([work / "s0" / "img.jpg"], k=3)[0].hits
        assert [h.distance for h in own] != [h.distance for h in here]  # the two queries tell apart
        monkeypatch.chdir(work)
        relative = lib.search(["s0/img.jpg"], k=3)[0]
        assert relative.hits == here and relative.query == "s0/img.jpg"
    assert main(["search", "../lib", "s0/img.jpg", "-k", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)[0]
    assert [h["distance"] for h in result["results"]] == [h.distance for h in here]
    (work / "s0" / "img.jpg").unlink()
    assert main(["search", "../lib", "s0/img.jpg"]) == 2  # not the library's file of that name
    assert "query image not found" in capsys.readouterr().err
