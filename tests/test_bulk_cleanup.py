"""The bulk clean-up engine on real files: the plan over every group, move, hard link, trash, undo, export.

Nothing here fakes a move, a link or the trash: files are made in ``tmp_path``
and moved, linked and trashed (into ``private_trash``) for real.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from imagefactory import make_near_duplicate, make_photo

from hashview.core.catalog.records import Entry
from hashview.core.duplicates import bulk, export, file_ops
from hashview.core.duplicates.finder import DuplicateGroup
from hashview.core.duplicates.keep_rules import KeepPolicy
from hashview.core.events import Cancelled, CancelToken, drain
from hashview.core.images.decode import file_digest
from hashview.system_trash import move_to_trash


class Shelf:
    """Real files in a library folder, with catalog entries made from them as a scan would."""

    def __init__(self, root: Path):
        self.root = root
        self.ids: dict[Path, int] = {}
        self.groups: list[list[Path]] = []

    def add(self, path: Path) -> Path:
        self.ids.setdefault(path, len(self.ids) + 1)
        return path

    def group(self, *paths: Path) -> None:
        self.groups.append([self.add(p) for p in paths])

    def entries(self) -> dict[int, Entry]:
        out = {}
        for path, i in self.ids.items():
            st = path.stat()
            from PIL import Image

            with Image.open(path) as img:
                w, h = img.size
            rel = str(path.relative_to(self.root))
            out[i] = Entry(i, rel, path, st.st_size, st.st_mtime_ns, file_digest(path), w, h, 1, None, None)
        return out

    def duplicate_groups(self, distance: int = 3) -> list[DuplicateGroup]:
        return [DuplicateGroup(list(g), [self.ids[p] for p in g], distance) for g in self.groups]

    def plan(self, policy: KeepPolicy | None = None, chosen=None) -> bulk.BulkPlan:
        return bulk.plan_bulk(self.duplicate_groups(), self.entries(), self.root, policy, chosen)


def copy_with_time(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
    return target


@pytest.fixture
def shelf(tmp_path) -> tuple[Shelf, dict[str, Path]]:
    """Three groups: an identical "(1)" download, a smaller re-save, and two identical files the rules cannot tell apart."""
    root = tmp_path / "lib"
    s = Shelf(root)
    beach = make_photo(root / "photos" / "beach.jpg", (120, 90), seed=1)
    download = copy_with_time(beach, root / "photos" / "beach (1).jpg")
    silk = make_photo(root / "originals" / "silk.jpg", (120, 90), seed=2)
    small = make_near_duplicate(silk, root / "phone" / "silk.jpg", scale=0.6)
    twin_a = make_photo(root / "a" / "x.jpg", (120, 90), seed=3)
    twin_b = copy_with_time(twin_a, root / "b" / "x.jpg")
    os.utime(twin_b, ns=(twin_a.stat().st_atime_ns, twin_a.stat().st_mtime_ns))
    s.group(beach, download)
    s.group(silk, small)
    s.group(twin_a, twin_b)
    files = dict(beach=beach, download=download, silk=silk, small=small, twin_a=twin_a, twin_b=twin_b)
    return s, files


def run(plan, action, **kwargs) -> bulk.BulkReport:
    report = bulk.BulkReport(action)
    drain(bulk.run_bulk(plan, report, **kwargs))
    return report


def test_plan_applies_the_rules_to_every_group_and_skips_the_undecided(shelf):
    s, f = shelf
    plan = s.plan()
    assert [g.number for g in plan.groups] == [1, 2, 3]
    first, second, third = plan.groups
    assert first.keeper.path == f["beach"] and [c.path for c in first.copies] == [f["download"]]
    assert second.keeper.path == f["silk"] and [c.path for c in second.copies] == [f["small"]]
    assert third.undecided == bulk.UNDECIDED and plan.undecided == [third]  # never guessed
    totals = plan.totals(bulk.TRASH)
    assert totals == bulk.Totals(2, f["download"].stat().st_size + f["small"].stat().st_size, 2)
    assert [i.path for i in plan.items(bulk.MOVE)] == [f["download"], f["small"]]
    assert plan.near_copies(bulk.MOVE) == 1  # the large clean-up warning counts the re-save, not the identical file
    # hard links: only the byte-identical copy counts; the re-save is listed with its reason
    linkable = plan.items(bulk.HARDLINK)
    assert [(i.path, i.skip is None) for i in linkable] == [(f["download"], True), (f["small"], False)]
    assert "not byte-identical" in linkable[1].skip and "lose its own bytes" in linkable[1].skip
    assert plan.totals(bulk.HARDLINK) == bulk.Totals(1, f["download"].stat().st_size, 1)


def test_a_preferred_folder_or_a_keeper_picked_by_hand_decides_a_tied_group(shelf):
    s, f = shelf
    preferred = s.plan(KeepPolicy(preferred=(s.root / "b",)))
    assert not preferred.undecided and preferred.groups[2].keeper.path == f["twin_b"]
    by_hand = s.plan(chosen={frozenset((f["twin_a"], f["twin_b"])): f["twin_b"]})
    third = by_hand.groups[2]
    assert third.undecided is None and third.keeper.path == f["twin_b"] and third.reason == "chosen by you"
    assert [c.path for c in third.copies] == [f["twin_a"]]


def test_move_keeps_paths_under_the_destination_never_overwrites_and_undoes(shelf, tmp_path):
    s, f = shelf
    plan = s.plan()
    dest = tmp_path / "review"
    taken = dest / "photos" / "beach (1).jpg"
    taken.parent.mkdir(parents=True)
    taken.write_bytes(b"someone else's file")
    before = {name: p.read_bytes() for name, p in f.items()}
    report = run(plan, bulk.MOVE, destination=dest)
    done, skipped = report.done, report.skipped
    assert [r.path for r in done] == [f["small"]] and done[0].target == dest / "phone" / "silk.jpg"
    assert (dest / "phone" / "silk.jpg").read_bytes() == before["small"] and not f["small"].exists()
    assert [r.path for r in skipped] == [f["download"]] and "never overwrites" in skipped[0].detail
    assert taken.read_bytes() == b"someone else's file" and f["download"].read_bytes() == before["download"]
    for name in ("beach", "silk", "twin_a", "twin_b"):  # kept files and the undecided group: untouched
        assert f[name].read_bytes() == before[name]
    assert report.left_library() == [f["small"]]
    assert bulk.undo(report.undo) == [f["small"]]
    assert f["small"].read_bytes() == before["small"] and not (dest / "phone" / "silk.jpg").exists()


def test_a_destination_inside_the_library_is_refused_before_anything_moves(shelf, tmp_path):
    s, f = shelf
    plan = s.plan()
    for inside in (s.root, s.root / "sorted", s.root / "photos"):
        with pytest.raises(bulk.BulkRefused, match="inside the library"):
            drain(bulk.run_bulk(plan, bulk.BulkReport(bulk.MOVE), destination=inside))
    sneaky = tmp_path / "elsewhere"
    sneaky.symlink_to(s.root / "photos")  # outside by its name, inside in fact
    with pytest.raises(bulk.BulkRefused, match="inside the library"):
        bulk.check_destination(sneaky / "x", s.root)
    assert all(p.exists() for p in f.values()) and not (s.root / "sorted").exists()


def test_hard_link_only_for_identical_files_and_the_kept_file_untouched(shelf):
    s, f = shelf
    plan = s.plan()
    keeper_bytes, keeper_inode = f["beach"].read_bytes(), f["beach"].stat().st_ino
    small_bytes = f["small"].read_bytes()
    report = run(plan, bulk.HARDLINK)
    assert [r.path for r in report.done] == [f["download"]]
    assert f["download"].stat().st_ino == keeper_inode and f["beach"].stat().st_ino == keeper_inode
    assert f["beach"].read_bytes() == keeper_bytes and f["beach"].stat().st_nlink == 2
    assert report.skipped == []  # the re-save was never tried: the plan lists it as left, with its reason
    assert f["small"].read_bytes() == small_bytes and f["small"].stat().st_nlink == 1
    assert report.left_library() == []  # still in the library, under its name
    leftovers = [p for p in f["download"].parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # the temporary name is gone
    # undo gives the copy its own bytes again, with its old time
    old_mtime = plan.items(bulk.HARDLINK)[0].entry.mtime_ns
    assert bulk.undo(report.undo) == [f["download"]]
    assert f["download"].stat().st_ino != keeper_inode and f["download"].read_bytes() == keeper_bytes
    assert f["download"].stat().st_mtime_ns == old_mtime and f["beach"].stat().st_nlink == 1


def test_hard_link_hashes_again_a_copy_the_catalog_calls_identical(shelf):
    """Same size and time as scanned, but one byte differs now: the catalog's digest is stale, the link refused."""
    s, f = shelf
    plan = s.plan()
    st = f["download"].stat()
    data = bytearray(f["download"].read_bytes())
    data[-3] ^= 0xFF
    f["download"].write_bytes(bytes(data))
    os.utime(f["download"], ns=(st.st_atime_ns, st.st_mtime_ns))
    report = run(plan, bulk.HARDLINK)
    assert report.done == [] and "not byte-identical" in report.skipped[0].detail
    assert f["download"].read_bytes() == bytes(data) and f["download"].stat().st_nlink == 1


def test_a_symlinked_copy_is_acted_on_as_the_link(tmp_path, private_trash):
    root = tmp_path / "lib"
    s = Shelf(root)
    real = make_photo(root / "a_photos" / "IMG_0002.jpg", (120, 90), seed=5)
    link = root / "z_album" / "best.jpg"
    link.parent.mkdir(parents=True)
    link.symlink_to(os.path.relpath(real, link.parent))
    s.group(real, link)
    content = real.read_bytes()
    plan = s.plan()
    assert plan.groups[0].keeper.path == real and plan.totals(bulk.MOVE).bytes == 0  # a link holds no picture
    # hard link: the link is left alone, it holds no bytes of its own
    linked = plan.items(bulk.HARDLINK)
    assert linked[0].skip and "symbolic link" in linked[0].skip
    # move: a link is made at the destination naming the same photo; the photo stays
    dest = tmp_path / "review"
    report = run(plan, bulk.MOVE, destination=dest)
    moved = dest / "z_album" / "best.jpg"
    assert [r.path for r in report.done] == [link] and moved.is_symlink() and moved.read_bytes() == content
    assert not link.is_symlink() and real.read_bytes() == content and not real.is_symlink()
    assert bulk.undo(report.undo) == [link] and link.is_symlink() and link.resolve() == real.resolve()
    # trash: through the one safe trash path; only the link goes
    report = run(s.plan(), bulk.TRASH, mover=move_to_trash)
    assert [r.path for r in report.done] == [link] and report.done[0].target.is_symlink()
    assert real.read_bytes() == content and not link.is_symlink()
    assert bulk.undo(report.undo) == [link] and link.is_symlink()


def test_one_bad_file_never_stops_the_batch(shelf, tmp_path):
    s, f = shelf
    extra = make_photo(s.root / "photos" / "sea.jpg", (120, 90), seed=7)
    extra_copy = copy_with_time(extra, s.root / "photos" / "sea - copy.jpg")
    s.group(extra, extra_copy)
    plan = s.plan()
    f["download"].unlink()  # gone since the scan
    dest = tmp_path / "review"
    (dest).mkdir()
    (dest / "phone").write_text("a file where a folder should be")  # this move cannot make its folder
    report = run(plan, bulk.MOVE, destination=dest)
    assert [r.path for r in report.done] == [extra_copy] and (dest / "photos" / "sea - copy.jpg").is_file()
    reasons = {r.path: r.detail for r in report.skipped}
    assert "not there any more" in reasons[f["download"]]
    assert f["small"] in reasons and f["small"].is_file()  # its source stays where it was
    assert len(reasons[f["small"]].splitlines()) == 1


def test_a_kept_file_that_changed_since_the_scan_stops_its_group_only(shelf, tmp_path, private_trash):
    s, f = shelf
    plan = s.plan()
    f["beach"].write_bytes(f["beach"].read_bytes() + b"\0")  # the keeper is not what the scan saw
    report = run(plan, bulk.TRASH, mover=move_to_trash)
    assert [r.path for r in report.done] == [f["small"]]
    assert report.skipped[0].path == f["download"] and "kept file" in report.skipped[0].detail
    assert f["download"].exists() and not f["small"].exists()
    assert bulk.undo(report.undo) == [f["small"]] and f["small"].exists()


def test_cancel_stops_between_files_and_keeps_what_was_done(shelf, tmp_path):
    s, _f = shelf
    plan = s.plan()
    token, report = CancelToken(), bulk.BulkReport(bulk.MOVE)
    job = bulk.run_bulk(plan, report, destination=tmp_path / "review", cancel=token)
    next(job)  # one file done
    token.cancel()
    with pytest.raises(Cancelled):
        next(job)
    assert len(report.done) == 1 and len(report.undo.files) == 1


@pytest.mark.skipif(
    not os.access("/dev/shm", os.W_OK) or os.stat("/dev/shm").st_dev == os.stat(tempfile.gettempdir()).st_dev,
    reason="needs a second file system (/dev/shm) to move across",
)
def test_a_move_to_another_drive_copies_verifies_then_removes(shelf):
    s, f = shelf
    plan = s.plan()
    before = f["small"].read_bytes()
    dest = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        report = run(plan, bulk.MOVE, destination=dest)
        moved = dest / "phone" / "silk.jpg"
        assert moved.read_bytes() == before and not f["small"].exists() and len(report.done) == 2
        assert moved.stat().st_mtime_ns == plan.groups[1].copies[0].mtime_ns  # its times came along
        assert not [p for p in moved.parent.iterdir() if p.name.startswith(".")]
        assert sorted(bulk.undo(report.undo)) == sorted([f["download"], f["small"]])
        assert f["small"].read_bytes() == before
    finally:
        shutil.rmtree(dest)


def test_export_json_is_the_dups_document_and_csv_one_row_per_file(shelf, tmp_path):
    s, f = shelf
    groups, entries = s.duplicate_groups(), s.entries()
    out = tmp_path / "groups.json"
    assert export.export_groups(out, groups, entries, s.root) == 3
    assert json.loads(out.read_text()) == [{"paths": [str(p) for p in g], "max_distance": 3} for g in s.groups]
    out = tmp_path / "groups.CSV"
    export.export_groups(out, groups, entries, s.root)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert tuple(rows[0]) == export.CSV_COLUMNS
    assert [(r["group"], r["role"], Path(r["path"])) for r in rows] == [
        ("1", "kept", f["beach"]),
        ("1", "copy", f["download"]),
        ("2", "kept", f["silk"]),
        ("2", "copy", f["small"]),
        ("3", "undecided", f["twin_a"]),
        ("3", "undecided", f["twin_b"]),
    ]
    assert [r["identical_to_kept"] for r in rows[:4]] == ["yes", "yes", "yes", "no"]
    assert rows[0]["why"] and rows[4]["why"] == bulk.UNDECIDED and rows[0]["width"] == "120"
    with pytest.raises(export.ExportRefused):
        export.export_groups(tmp_path / "groups.txt", groups, entries, s.root)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["groups.CSV", "groups.json"]


def test_file_ops_never_overwrite_even_when_the_name_appears_late(tmp_path):
    source = make_photo(tmp_path / "a.jpg", (40, 30), seed=1)
    target = tmp_path / "out" / "a.jpg"
    target.parent.mkdir()
    target.symlink_to("/nonexistent")  # a dangling link still takes the name
    with pytest.raises(file_ops.Unsafe, match="never overwrites"):
        file_ops.move_file(source, target)
    assert source.is_file() and target.is_symlink()
