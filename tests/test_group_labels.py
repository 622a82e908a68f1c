"""A duplicate group is called "identical files" only when its files are byte for byte the same (issue 22, item 5)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hashview.ui.duplicates.groups_model import GroupRow, distance_text


def member(name: str, digest: str) -> SimpleNamespace:
    return SimpleNamespace(path=Path("/lib") / name, digest=digest, id=name)


def test_same_digest_is_identical_files():
    members = [member("a.jpg", "d1"), member("copy of a.jpg", "d1")]
    assert GroupRow(members, members[0], 0).label() == "identical files"


def test_a_recompressed_copy_with_the_same_code_is_not_called_identical():
    members = [member("a.jpg", "d1"), member("a-small.jpg", "d2")]
    label = GroupRow(members, members[0], 0).label()
    assert label == "near-identical · same code" and "identical files" not in label  # the word for it
    assert "identical" not in distance_text(0) and "identical" not in distance_text(0, short=True)


def test_a_group_of_alike_files_shows_its_distance():
    members = [member("a.jpg", "d1"), member("a-crop.jpg", "d3")]
    assert GroupRow(members, members[0], 7, near_limit=4).label() == "similar · d ≤ 7"
    assert GroupRow(members, members[0], 3, near_limit=4).label() == "near-identical · d ≤ 3"
