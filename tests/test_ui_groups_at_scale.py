"""The duplicate groups model answers by index, not by scanning every group (``ui/duplicates/groups_model.py``).

A library of 100,000 pictures has tens of thousands of groups; the model used
to scan all of them for every thumbnail that loaded (the list froze as it
scrolled) and to build a set of paths per group to find the chosen one again.
These tests hold the faster answers to the plain definitions on random groups,
after sorting, filtering and a changed keeper.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import pytest

from hashview.ui.duplicates.groups_model import SORTS, GroupRow, GroupsModel

ROOT = Path("/photos")


def groups(count: int, seed: int, str_paths: bool = False) -> list[GroupRow]:
    rng = random.Random(seed)
    rows, file_id = [], 0
    for _ in range(count):
        members = []
        for _copy in range(rng.randint(2, 5)):
            path = ROOT / f"album{rng.randrange(6)}" / f"IMG_{file_id:05d}.jpg"
            members.append(SimpleNamespace(id=file_id, path=str(path) if str_paths else path, digest=str(file_id)))
            file_id += 1
        rows.append(GroupRow(members, members[0], rng.choice((0, 2, 5, 9)), set(), "", near_limit=4))
    return rows


def row_of_by_definition(model: GroupsModel, key: frozenset[Path]) -> int:
    """The row of the group with exactly these members, else the first sharing most of them; -1 if none."""
    best, best_shared = -1, 0
    for row in range(model.rowCount()):
        members = model.group(row).key()
        if members == key:
            return row
        if len(members & key) > best_shared:
            best, best_shared = row, len(members & key)
    return best


@pytest.mark.parametrize("str_paths", [False, True])
def test_row_of_finds_the_same_row_as_its_definition(str_paths):
    rows = groups(300, seed=1, str_paths=str_paths)
    model = GroupsModel()
    model.root = ROOT
    model.set_rows(rows)
    rng = random.Random(2)
    every_path = [Path(m.path) for r in rows for m in r.members]
    for sort in SORTS:
        model.set_sort(sort)
        for kind, text in (("all", ""), ("near", ""), ("all", "album3")):
            model.set_filter(kind, text)
            keys = [r.key() for r in rows[:20]]  # exact groups (some filtered out)
            keys += [frozenset(rng.sample(every_path, rng.randint(1, 6))) for _ in range(40)]  # parts of several
            keys += [frozenset({ROOT / "elsewhere.jpg"}), frozenset([next(iter(rows[5].key())), ROOT / "x.jpg"])]
            for key in keys:
                assert model.row_of(key) == row_of_by_definition(model, key), (sort, kind, text)


def test_a_loaded_thumbnail_repaints_the_rows_whose_keeper_it_is(qtbot):
    rows = groups(200, seed=3)
    model = GroupsModel()
    model.set_rows(rows)
    model.set_sort("closest")
    model.set_filter("similar")
    for file_id in {m.id for r in rows for m in r.members}:
        expected = [row for row in range(model.rowCount()) if model.group(row).keeper.id == file_id]
        assert model._rows_showing(file_id) == expected
    row = 0
    group = model.group(row)
    old_keeper, new_keeper = group.keeper, group.members[-1]
    with qtbot.waitSignal(model.dataChanged):
        model.set_keeper(row, new_keeper, "chosen by you")
    assert group.keeper is new_keeper and group.members[0] is new_keeper and group.reason == "chosen by you"
    assert sorted(map(id, group.members)) == sorted(map(id, rows[rows.index(group)].members))
    assert row in model._rows_showing(new_keeper.id) and row not in model._rows_showing(old_keeper.id)
    with qtbot.waitSignal(model.dataChanged) as repainted:
        model._repaint(new_keeper.id)  # what the loader's "loaded" signal does
    assert repainted.args[0].row() == row


def test_the_text_filter_matches_paths_relative_to_the_current_root():
    rows = groups(60, seed=4)
    model = GroupsModel()
    model.set_rows(rows)
    model.root = ROOT
    model.set_filter("all", "album2/")
    expected = [r for r in rows if any(str(Path(m.path).relative_to(ROOT)).startswith("album2/") for m in r.members)]
    assert model.rowCount() == len(expected) > 0
    model.set_filter("all", "photos/album2")  # relative to the root, "photos" is not in any path shown
    assert model.rowCount() == 0
    model.root = None  # the same groups shown with their full paths: the remembered paths follow the root
    model.set_filter("all", "photos/album2")
    assert model.rowCount() == len(expected)
    model.root = ROOT.parent  # "/": every path shown without its leading slash
    model.set_filter("all", "photos/ALBUM2/")
    assert model.rowCount() == len(expected)
