"""Duplicate decisions (by digest, across renames), the suggested radius and the radius profile."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from imagefactory import make_library, make_near_duplicate

from hashview.core.catalog.database import Catalog
from hashview.core.catalog.schema import SCHEMA_VERSION
from hashview.core.duplicates.decisions import RowDecisions, group_with_decisions, independent_marks
from hashview.core.duplicates.radius import lift_radius, nearest_distances, suggest_radius, valley_radius
from hashview.core.hamming.codes import pack_codes
from hashview.core.hamming.pairs import pairs_within
from hashview.core.library import Library, LibraryError
from hashview.core.train.pipeline import TrainOptions


def drive(gen):
    for _ in gen:
        pass


@pytest.fixture
def lib(tmp_path):
    root = tmp_path / "photos"
    paths = make_library(root, classes={}, loose=6, size=(48, 36))
    make_near_duplicate(paths[0], root / "copies" / "first_copy.jpg", quality=80, scale=0.95)
    library = Library.open(root)
    drive(library.index())
    drive(library.train(TrainOptions(method="itq", bits=16)))
    yield library
    library.close()


def group_of(groups, path):
    return next((set(g.paths) for g in groups if path in g.paths), {path})


def test_a_decision_is_stored_by_digest_and_survives_a_rename_and_rescan(lib):
    a, b = lib.root / "loose_001.jpg", lib.root / "loose_002.jpg"
    lib.decisions.record(a, b, "same")
    digests = {e.path: e.digest for e in lib.entries()}
    assert lib.catalog.decisions() == [(*sorted((digests[a], digests[b])), "same")]
    moved = lib.root / "renamed" / "moved.jpg"
    moved.parent.mkdir()
    a.rename(moved)
    drive(lib.index())
    assert lib.decisions.all() == [(moved, b, "same")] or lib.decisions.all() == [(b, moved, "same")]
    lib.decisions.record(b, moved, "undecided")
    assert lib.decisions.all() == []


def test_bad_verdicts_and_unknown_files_are_refused(lib):
    a = lib.root / "loose_001.jpg"
    with pytest.raises(LibraryError):
        lib.decisions.record(a, lib.root / "loose_002.jpg", "maybe")
    with pytest.raises(LibraryError):
        lib.decisions.record(a, lib.root / "nowhere.jpg", "same")


def test_different_splits_a_group_and_same_joins_beyond_the_radius(lib):
    original, copy = lib.root / "loose_000.jpg", lib.root / "copies" / "first_copy.jpg"
    far = lib.root / "loose_003.jpg"
    groups = lib.duplicates.groups(radius=16)
    assert copy in group_of(groups, original)
    lib.decisions.record(original, copy, "different")
    for radius in (0, 4, 16):
        assert copy not in group_of(lib.duplicates.groups(radius=radius), original)
    lib.decisions.record(original, far, "same")
    assert far in group_of(lib.duplicates.groups(radius=0), original)
    assert far in group_of(lib.duplicates.groups(), original)


def test_forget_drops_files_from_the_catalog_and_the_codes(lib):
    gone = lib.root / "loose_004.jpg"
    before = len(lib.entries())
    lib.forget([gone, lib.root / "not_there.jpg"])
    assert len(lib.entries()) == before - 1
    assert all(e.path != gone for e in lib.entries())
    info = lib.networks.get()
    codeset, _stamps = lib._load_codes(info)
    assert len(codeset) == before - 1


def test_radius_profile_rows_and_the_precision_decisions_imply(lib):
    rows = lib.duplicates.profile(radii=[0, 2, 4, 8, 16])
    assert [r["radius"] for r in rows] == [0, 2, 4, 8, 16]
    assert all(set(r) == {"radius", "groups", "pairs", "precision", "judged"} for r in rows)
    assert all(r["precision"] is None for r in rows)
    assert [r["pairs"] for r in rows] == sorted(r["pairs"] for r in rows)
    original, copy = lib.root / "loose_000.jpg", lib.root / "copies" / "first_copy.jpg"
    lib.decisions.record(original, copy, "same")
    lib.decisions.record(original, lib.root / "loose_005.jpg", "different")
    rows = {r["radius"]: r for r in lib.duplicates.profile(radii=range(0, 17))}
    assert rows[16]["precision"] is not None and 0.0 < rows[16]["precision"] <= 1.0
    # both marks are about one photo (the original): one look, however many pairs it marked
    for k in (1, 2, 3):
        lib.decisions.record(original, lib.root / f"loose_00{k}.jpg", "different")
    rows = {r["radius"]: r for r in lib.duplicates.profile(radii=range(0, 33))}
    assert rows[32]["precision"] is not None and rows[32]["precision"] < 0.5, "several pairs are judged at 32"
    assert all(r["judged"] <= 1 for r in rows.values()) and rows[32]["judged"] == 1
    default = lib.duplicates.profile()
    assert default[0]["radius"] == 0 and len(default) >= 5


def synthetic_codes(seed=0, bits=64, singles=60, groups=20, copies=3):
    """Random codes far apart, and groups of copies 1-3 bits from their original."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g in range(singles + groups):
        base = rng.integers(0, 2, bits).astype(bool)
        rows.append(base)
        truth.append(g)
        if g < groups:
            for _ in range(copies):
                copy = base.copy()
                copy[rng.choice(bits, int(rng.integers(1, 4)), replace=False)] ^= True
                rows.append(copy)
                truth.append(g)
    return pack_codes(np.array(rows)), np.array(truth)


def test_suggested_radius_sits_between_copies_and_different_photos():
    codes, truth = synthetic_codes()
    r = suggest_radius(codes, 64)
    assert 3 <= r <= 14
    i, j, d = pairs_within(codes, r)
    groups = group_with_decisions(len(codes), i, j, d, r)
    assert len(groups) == 20
    assert all(len(set(truth[g].tolist())) == 1 for g in groups)


def test_a_known_copy_distance_raises_the_radius_up_to_a_quarter_of_the_bits():
    codes, _truth = synthetic_codes()
    valley = suggest_radius(codes, 64)
    assert suggest_radius(codes, 64, copy_distance=None) == valley
    assert suggest_radius(codes, 64, copy_distance=valley + 1.2) == valley + 2
    assert suggest_radius(codes, 64, copy_distance=0.0) == valley  # never below the valley
    assert suggest_radius(codes, 64, copy_distance=60.0) == 15  # at most K/4 - 1


def crowded_codes(seed=0, bits=64, groups=40, copies=3, families=100, members=3):
    """Groups of copies 1-2 bits from their original (160 codes first), then families of different
    photos that look alike: each member 3-11 bits from a centre that is not itself in the library."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for g in range(groups):
        base = rng.integers(0, 2, bits).astype(bool)
        rows.append(base)
        truth.append(g)
        for _ in range(copies):
            copy = base.copy()
            copy[rng.choice(bits, int(rng.integers(1, 3)), replace=False)] ^= True
            rows.append(copy)
            truth.append(g)
    for f in range(families):
        centre = rng.integers(0, 2, bits).astype(bool)
        for m in range(members):
            member = centre.copy()
            member[rng.choice(bits, int(rng.integers(3, 12)), replace=False)] ^= True
            rows.append(member)
            truth.append(groups + f * members + m)  # each a photo of its own
    return pack_codes(np.array(rows)), np.array(truth)


def pair_precision(codes, truth, radius):
    """(true pairs found, precision) of all pairs within ``radius``."""
    i, j, _d = pairs_within(codes, radius)
    same = truth[i] == truth[j]
    return int(same.sum()), float(same.mean())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_copy_distance_does_not_lift_the_radius_into_the_different_photos_mode(seed):
    """A probe whose copies land 12 bits apart (edits of low-detail thumbnails) must not pair up the
    look-alikes whose nearest neighbour is about 11 bits away: on 10,000 photos it paired 85,852."""
    codes, truth = crowded_codes(seed)
    look_alikes = nearest_distances(codes)[160:]
    r = suggest_radius(codes, 64, copy_distance=12.0)
    assert suggest_radius(codes, 64) <= r < np.median(look_alikes)
    true_found, precision = pair_precision(codes, truth, r)
    assert true_found == 40 * 6 and precision >= 0.9  # every true pair, few look-alikes
    assert pair_precision(codes, truth, 12)[1] < 0.7  # what lifting all the way gave


def test_the_valley_lies_below_the_different_photos_mode_not_in_its_far_tail():
    """A 10,000-photo library's nearest distances (a sample of 4,000, seed 1's network): the different
    photos' mode peaks at 11 bits, inside K/4, and its tail empties at 16. The old search took the
    emptiest bin anywhere up to K/4, found the tail (8 photos at 16 bits) and cut at 15."""
    counts = [116, 51, 17, 24, 19, 37, 77, 130, 267, 393, 601, 751, 716, 498, 236, 58, 8, 1]
    nearest = np.repeat(np.arange(len(counts)), counts)
    assert valley_radius(nearest, 64) == 2  # the dip between the copies (0-2 bits) and the mode
    # a small library's far mode lies beyond K/4, and its valley is found as before
    small = np.repeat(np.arange(20), [412, 58, 32, 7, 2, 3, 7, 4, 0, 2, 9, 3, 14, 16, 27, 41, 47, 31, 14, 6])
    assert valley_radius(small, 64) == 7


def test_the_lift_crosses_a_few_stragglers_and_stops_at_a_full_bin():
    # 100 photos paired within the valley (2 bits); a few copies at 4 and 5 bits; then a full bin at 7
    nearest = np.array([0] * 60 + [1] * 30 + [2] * 10 + [4] * 6 + [5] * 3 + [7] * 40 + [9] * 200)
    assert lift_radius(nearest, 2, 12) == 6  # 3, 4, 5, 6 hold at most 10 % of 100; 7 holds 40
    assert lift_radius(nearest, 2, 5) == 5  # never past the copy distance
    assert lift_radius(nearest, 2, 12, share=0.05) == 3  # the 6 photos at 4 bits are more than 5 %
    assert lift_radius(np.zeros(0, np.int64), 2, 12) == 2


def test_the_lift_stops_where_the_different_photos_climb_begins():
    """Nearest distances of three 128-bit networks: two of the 10,000-photo library (a sample of 4,000),
    one of a development set (all 737)."""
    large = [
        106,
        32,
        21,
        16,
        8,
        6,
        12,
        2,
        7,
        6,
        7,
        1,
        10,
        16,
        24,
        23,
        36,
        57,
        87,
        110,
        138,
        186,
        199,
        262,
        313,
        345,
        313,
        371,
        382,
        313,
        222,
        176,
        103,
        55,
        25,
        9,
    ]
    nearest = np.repeat(np.arange(len(large)), large)
    assert valley_radius(nearest, 128) == 10
    assert lift_radius(nearest, 10, 30) == 11  # 10, 16, 24 ... at 12, 13, 14 bits: the climb
    assert lift_radius(nearest, 10, 30, rise_margin=None) == 12  # 1 + 10 + 16 photos: over 10 % of 223
    assert lift_radius(nearest, 10, 30, rise_margin=None, cumulative=False) == 13  # each bin alone is under it
    # a slow climb (another seed's network): no bin doubles, but together they pass 10 % of the 198 paired
    slow = [97, 37, 21, 18, 11, 4, 8, 2, 6, 2, 9, 9, 15, 12, 27, 25, 33, 40, 69, 105, 109, 169, 233, 258]
    nearest = np.repeat(np.arange(len(slow)), slow)
    assert valley_radius(nearest, 128) == 7
    assert lift_radius(nearest, 7, 27) == 10  # 6 + 2 + 9 = 17; the 9 at 11 bits make 26
    assert lift_radius(nearest, 7, 27, cumulative=False) == 13  # 27 at 14 bits is the first bin over 19.8
    # a few copies strewn over the bins up to the copy distance (17) are no climb: lifted all the way
    small = [326, 76, 38, 31, 18, 13, 8, 2, 2, 0, 1, 1, 4, 2, 0, 2, 3, 0, 2, 0, 5, 0, 4, 1, 2, 3, 8, 8, 6, 13]
    assert lift_radius(np.repeat(np.arange(len(small)), small), 9, 17) == 17


def test_a_library_reads_the_copy_distance_its_network_recorded():
    """98 % of copies from networks that record it; a network trained before records 95 % only."""
    from types import SimpleNamespace

    from hashview.core.duplicates.finder import advice_for

    class Codes(SimpleNamespace):
        def __len__(self):
            return len(self.codes)

    codes, _truth = synthetic_codes()
    valley = suggest_radius(codes, 64)

    def suggested(last_round: dict) -> int:
        info = SimpleNamespace(bits=64, stats={"history": [{}, last_round]})
        return advice_for(info, Codes(codes=codes)).radius

    assert suggested({}) == valley
    assert suggested({"copy_distance_q98": valley + 3, "copy_distance_q95": valley + 1}) == valley + 3
    assert suggested({"copy_distance_q95": valley + 1}) == valley + 1


def test_suggested_radius_of_a_library_without_copies_finds_nothing():
    codes, _truth = synthetic_codes(groups=0, singles=200)
    r = suggest_radius(codes, 64)
    assert len(pairs_within(codes, r)[0]) <= 2


def test_group_with_decisions_splits_a_chain_through_a_third_photo():
    # 0 and 2 are both near 1: one group, unless 0 and 2 are marked different
    i, j, d = np.array([0, 1]), np.array([1, 2]), np.array([1, 1])
    assert [g.tolist() for g in group_with_decisions(3, i, j, d, 2)] == [[0, 1, 2]]
    split = group_with_decisions(3, i, j, d, 2, RowDecisions.from_pairs([(0, 2, "different")]))
    assert all(not {0, 2} <= set(g.tolist()) for g in split)


def test_a_version_1_catalog_migrates_to_the_decisions_table(tmp_path):
    db = tmp_path / "c.sqlite3"
    Catalog(db, tmp_path).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE decisions")
    conn.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
    conn.commit()
    conn.close()
    with Catalog(db, tmp_path) as catalog:
        assert catalog.get_meta("schema_version") == str(SCHEMA_VERSION) == "2"
        catalog.set_decision("x", "y", "different")
        assert catalog.decisions() == [("x", "y", "different")]


def test_decisions_reach_a_training_on_decisions_as_pairs(lib, monkeypatch):
    from hashview.core.runtime import RuntimeOptions

    lib.runtime = RuntimeOptions(dupnet_seconds=1)  # HASHVIEW_DUPNET_SECONDS=1: ten rounds of at least one step each
    original, copy = lib.root / "loose_000.jpg", lib.root / "copies" / "first_copy.jpg"
    lib.decisions.record(original, copy, "same")
    lib.decisions.record(original, lib.root / "loose_005.jpg", "different")
    seen = {}
    from hashview.core.methods.dupnet import DupNet

    real_loss = DupNet.loss

    def spy(self, model, batch, ctx):
        seen["pairs"] = ctx.pairs
        return real_loss(self, model, batch, ctx)

    monkeypatch.setattr(DupNet, "loss", spy)
    drive(lib.train(TrainOptions(method="dupnet", bits=16, labels="decisions")))
    info = lib.networks.get()
    assert info.method == "dupnet" and info.config["options"]["decision_pairs"] == 2
    assert sorted(v for _a, _b, v in seen["pairs"]) == [-1, 1]
    assert "pairs" not in info.config["stats"]["params"]


def test_only_the_decisions_label_source_trains_on_decisions(lib, monkeypatch):
    import hashview.core.library as library_module

    asked = []

    def fake_train(entries, opts, shelf, cancel=None):
        asked.append(opts)
        raise LibraryError("stop here")  # a user's error; a ValueError would be a bug, and propagate as one
        yield

    assert lib.decisions.count() == 0
    with pytest.raises(LibraryError, match="no duplicate decisions in this library yet"):
        drive(lib.train(TrainOptions(method="dupnet", labels="decisions")))
    a, b, c = (lib.root / f"loose_00{n}.jpg" for n in (1, 2, 3))
    lib.decisions.record(a, b, "same")
    lib.decisions.record(a, c, "different")
    assert lib.decisions.count() == 2
    with pytest.raises(LibraryError, match="itq cannot train on duplicate decisions; dupnet can"):
        drive(lib.train(TrainOptions(method="itq", labels="decisions")))
    monkeypatch.setattr(library_module, "train_network", fake_train)
    for labels in ("none", "decisions"):
        with pytest.raises(LibraryError, match="stop here"):
            drive(lib.train(TrainOptions(method="dupnet", labels=labels)))
    assert [len(o.pairs) for o in asked] == [0, 2]
    a.unlink()
    drive(lib.index())
    assert lib.decisions.count() == 0  # decisions about files no longer in the library do not count


def test_by_default_training_learns_from_decisions_once_there_are_some(lib, monkeypatch):
    """``hashview train F`` after a session in the explorer uses it; asked for "none", it does not."""
    import hashview.core.library as library_module

    asked = []

    def fake_train(entries, opts, shelf, cancel=None):
        asked.append((opts.method, opts.labels, len(opts.pairs)))
        raise LibraryError("stop here")
        yield

    monkeypatch.setattr(library_module, "train_network", fake_train)

    def train(**options):
        with pytest.raises(LibraryError, match="stop here"):
            drive(lib.train(TrainOptions(**options)))

    train()  # no decisions yet: unsupervised
    a, b = (lib.root / f"loose_00{n}.jpg" for n in (1, 2))
    lib.decisions.record(a, b, "different")
    train()
    train(method="dupnet", labels="auto")
    train(method="itq")  # cannot use pairs: unsupervised as before
    train(labels="none")
    assert asked == [
        (None, "none", 0),
        (None, "decisions", 1),
        ("dupnet", "decisions", 1),
        ("itq", "none", 0),
        (None, "none", 0),
    ]


def test_independent_marks_count_looks_not_pairs():
    """ "Same picture" on a group of 4 marks 6 pairs in 2 disjoint ones; "Not a match" on one photo against 3
    marks 3 pairs, all through that photo: 1. Only pairs within the radius count."""
    same = [(0, 1, "same"), (0, 2, "same"), (0, 3, "same"), (1, 2, "same"), (1, 3, "same"), (2, 3, "same")]
    different = [(10, 11, "different"), (10, 12, "different"), (10, 13, "different")]
    decided = RowDecisions.from_pairs(same + different)
    near, far = np.full(6, 2), np.array([2, 2, 9])
    assert independent_marks(5, decided, near, far) == 2 + 1
    assert independent_marks(5, RowDecisions.from_pairs(same), near, np.zeros(0, np.int64)) == 2
    assert independent_marks(1, decided, near, far) == 0
