"""Keep rules: which copy of a duplicate group stays, in the order the person chose."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from hashview.core.duplicates.keep_rules import (
    DEFAULT_ORDER,
    KeepPolicy,
    age_key,
    choose_keeper,
    copy_marks,
    keep_reason,
    rank,
    removable,
)


@dataclass
class E:
    path: Path
    width: int = 100
    height: int = 100
    size: int = 1000
    taken: str | None = None
    mtime_ns: int = 0


ROOT = Path("/photos")


def test_highest_resolution_wins_first():
    small = E(ROOT / "a.jpg", 100, 100, size=9000)
    big = E(ROOT / "b.jpg", 200, 100, size=10)
    keeper, others = choose_keeper([small, big])
    assert keeper is big and others == [small]


def test_then_largest_file_then_oldest_then_folder():
    a = E(ROOT / "a.jpg", size=10)
    b = E(ROOT / "b.jpg", size=20)
    assert choose_keeper([a, b])[0] is b
    old = E(ROOT / "new/x.jpg", taken="2001-05-01T10:00:00")
    new = E(ROOT / "old/x.jpg", taken="2020-05-01T10:00:00", mtime_ns=1)
    assert choose_keeper([new, old])[0] is old
    # no date taken: the modification time decides
    m1, m2 = E(ROOT / "m1.jpg", mtime_ns=5 * 10**18), E(ROOT / "m2.jpg", mtime_ns=10**18)
    assert choose_keeper([m1, m2])[0] is m2
    assert age_key(E(ROOT / "z", taken="not a date", mtime_ns=2 * 10**9)) == 2.0
    policy = KeepPolicy(preferred=(ROOT / "best",))
    p1, p2 = E(ROOT / "other/p.jpg"), E(ROOT / "best/p.jpg")
    assert choose_keeper([p1, p2], policy)[0] is p2


def test_order_is_editable():
    small_old = E(ROOT / "a.jpg", 100, 100, taken="1999-01-01T00:00:00")
    big_new = E(ROOT / "b.jpg", 400, 400, taken="2022-01-01T00:00:00")
    assert choose_keeper([small_old, big_new])[0] is big_new
    policy = KeepPolicy(order=("oldest", "resolution"))
    assert choose_keeper([small_old, big_new], policy)[0] is small_old
    with pytest.raises(ValueError, match="unknown keep rule"):
        KeepPolicy(order=("prettiest",))


def test_reference_folders_are_never_offered():
    policy = KeepPolicy(reference=(ROOT / "archive",))
    best = E(ROOT / "inbox/a.jpg", 4000, 3000)
    ref1 = E(ROOT / "archive/a.jpg", 100, 75)
    ref2 = E(ROOT / "archive/sub/a.jpg", 50, 40)
    keeper, others = choose_keeper([best, ref1, ref2], policy)
    assert keeper is ref1 and others == [best]
    assert policy.is_reference(ref2.path) and not policy.is_reference(ROOT / "archive2/a.jpg")
    assert removable([best, ref1, ref2], best, policy) == []


def test_ties_are_stable_and_policy_round_trips():
    a, b = E(ROOT / "b.jpg"), E(ROOT / "a.jpg")
    assert rank([a, b]) == [b, a]
    policy = KeepPolicy(order=("size", "folder"), preferred=(ROOT / "x",), reference=(ROOT / "r",))
    assert KeepPolicy.from_json(policy.to_json()) == policy
    assert KeepPolicy.from_json("{broken").order == DEFAULT_ORDER
    assert KeepPolicy.from_json(None) == KeepPolicy()
    with pytest.raises(ValueError):
        choose_keeper([])


def test_byte_identical_copies_keep_the_original_not_the_backup():
    """Identical copies tie on every rule of the person's; the copy-like name loses (it used to win by path)."""
    backup = E(ROOT / "Backup 2019/IMG_1812.jpg")
    original = E(ROOT / "originals/2019/Silk.jpg")
    keeper, others = choose_keeper([backup, original])
    assert keeper is original and others == [backup]
    assert "copy marks" in keep_reason(keeper, [backup, original])
    for copy_name in (
        "IMG_1 (1).jpg",
        "Copy of IMG_1.jpg",
        "IMG_1 - copy.jpg",
        "IMG_1-edited.jpg",
        "IMG_1_edit.jpg",
        "IMG_1 copy 2.jpg",
        "bak/IMG_1.jpg",
    ):
        assert copy_marks(ROOT / copy_name) >= 1, copy_name
        assert choose_keeper([E(ROOT / copy_name), E(ROOT / "zz/IMG_1.jpg")])[0].path == ROOT / "zz/IMG_1.jpg"
    for plain in ("IMG_1812.jpg", "bakery/IMG_2.jpg", "copyright/x.jpg", "IMG_0001.jpg"):
        assert copy_marks(ROOT / plain) == 0, plain


def test_tie_breaks_after_copy_marks_are_shorter_path_then_older_file_then_path():
    deep = E(ROOT / "a/b/c/x.jpg", mtime_ns=2)
    short = E(ROOT / "zz/x.jpg", mtime_ns=2)
    assert choose_keeper([deep, short])[0] is short
    assert "shorter path" in keep_reason(short, [deep, short])
    newer = E(ROOT / "b/x.jpg", mtime_ns=5)
    older = E(ROOT / "c/x.jpg", mtime_ns=3)
    policy = KeepPolicy(order=("resolution", "size"))  # "oldest" left out: the tie-break still prefers the older
    assert choose_keeper([newer, older], policy)[0] is older
    assert "older file" in keep_reason(older, [newer, older], policy)


def test_a_real_file_beats_a_link_to_it_in_either_order(tmp_path):
    real = tmp_path / "a_photos" / "IMG_0002.jpg"
    real.parent.mkdir()
    real.write_bytes(b"x")
    for name in ("z_album/best.jpg", "0_album/best.jpg"):
        link = tmp_path / name
        link.parent.mkdir(exist_ok=True)
        link.symlink_to(real)
        keeper, others = choose_keeper([E(link), E(real)])
        assert keeper.path == real and [o.path for o in others] == [link]
        assert "real file" in keep_reason(keeper, [E(link), keeper])
        link.unlink()


def test_the_reason_names_the_deciding_rule_and_a_hand_picked_keeper():
    small = E(ROOT / "a.jpg", 100, 100)
    big = E(ROOT / "b.jpg", 200, 100)
    assert keep_reason(big, [small, big]) == "highest resolution (200 × 100 against 100 × 100)"
    assert keep_reason(small, [small, big]) == "chosen by you"
    assert keep_reason(big, [big]) == "it is the only copy"
    ref = E(Path("/archive/a.jpg"), 10, 10)
    assert keep_reason(ref, [ref, big], KeepPolicy(reference=(Path("/archive"),))) == "it is in a reference folder"
