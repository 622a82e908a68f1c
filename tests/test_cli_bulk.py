"""``hashview dups --move-to DIR | --hardlink [--yes]`` and ``--export FILE``, through the real command line.

The library is indexed for real (``--exact`` needs no network); files are moved
and linked for real in ``tmp_path``. The confirmation is ``--trash``'s: a dry
run without ``--yes``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

from imagefactory import make_photo

from hashview.cli import main
from hashview.core.library import Library


def library(root: Path) -> dict[str, Path]:
    beach = make_photo(root / "photos" / "beach.jpg", (120, 90), seed=1)
    download = root / "photos" / "beach (1).jpg"
    shutil.copy2(beach, download)
    silk = make_photo(root / "originals" / "silk.jpg", (120, 90), seed=2)
    backup = root / "Backup 2019" / "silk.jpg"
    backup.parent.mkdir()
    shutil.copy2(silk, backup)
    real = make_photo(root / "a_photos" / "IMG_0002.jpg", (120, 90), seed=3)
    link = root / "z_album" / "best.jpg"
    link.parent.mkdir()
    link.symlink_to(os.path.relpath(real, link.parent))
    make_photo(root / "lone.jpg", (120, 90), seed=4)
    assert main(["index", str(root), "--no-encode"]) == 0
    return dict(beach=beach, download=download, silk=silk, backup=backup, real=real, link=link)


def dups(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["dups", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_move_to_is_a_dry_run_until_yes_then_moves_under_the_library_paths(tmp_path, capsys):
    root, dest = tmp_path / "lib", tmp_path / "review"
    f = library(root)
    code, out, _err = dups(capsys, str(root), "--exact", "--move-to", str(dest), "--json")
    plan = json.loads(out)
    assert code == 0 and plan["dry_run"] is True and plan["done"] == [] and not dest.exists()
    listed = sorted(p for g in plan["groups"] for p in g["act"])
    assert listed == sorted(str(f[n]) for n in ("download", "backup", "link"))
    assert plan["totals"]["files"] == 3 and plan["totals"]["groups"] == 3 and plan["undecided"] == 0
    assert plan["totals"]["bytes"] == f["download"].stat().st_size + f["backup"].stat().st_size  # a link: 0

    code, out, _err = dups(capsys, str(root), "--exact", "--move-to", str(dest), "--yes", "--json")
    done = json.loads(out)
    assert code == 0 and sorted(d["path"] for d in done["done"]) == listed and done["skipped"] == []
    assert (dest / "photos" / "beach (1).jpg").read_bytes() == f["beach"].read_bytes()
    assert (dest / "Backup 2019" / "silk.jpg").read_bytes() == f["silk"].read_bytes()
    assert (dest / "z_album" / "best.jpg").is_symlink() and f["real"].is_file()
    assert not any(os.path.lexists(f[n]) for n in ("download", "backup", "link"))
    with Library.open(root) as lib:  # the catalog forgot what left
        assert {str(e.path) for e in lib.entries()}.isdisjoint(listed)


def test_move_to_never_overwrites_and_says_so_in_one_line(tmp_path, capsys):
    root, dest = tmp_path / "lib", tmp_path / "review"
    f = library(root)
    (dest / "photos").mkdir(parents=True)
    (dest / "photos" / "beach (1).jpg").write_bytes(b"mine")
    code, out, err = dups(capsys, str(root), "--exact", "--move-to", str(dest), "--yes")
    assert code == 1 and f["download"].is_file() and (dest / "photos" / "beach (1).jpg").read_bytes() == b"mine"
    assert "never overwrites" in err and "moved 2 files" in out and "1 skipped" in out


def test_a_destination_inside_the_library_is_refused_before_any_work(tmp_path, capsys):
    root = tmp_path / "lib"
    f = library(root)
    code, out, err = dups(capsys, str(root), "--exact", "--move-to", str(root / "dups"), "--yes")
    assert code == 2 and out == "" and err.count("\n") == 1 and "inside the library" in err
    assert all(os.path.lexists(p) for p in f.values()) and not (root / "dups").exists()


def test_hardlink_replaces_identical_copies_and_leaves_links(tmp_path, capsys):
    root = tmp_path / "lib"
    f = library(root)
    code, out, _err = dups(capsys, str(root), "--exact", "--hardlink", "--json")
    plan = json.loads(out)
    assert code == 0 and plan["dry_run"] and plan["totals"]["files"] == 2
    refused = [x for g in plan["groups"] for x in g["not_linkable"]]
    assert [x["path"] for x in refused] == [str(f["link"])] and "symbolic link" in refused[0]["reason"]
    assert f["download"].stat().st_nlink == 1  # a dry run

    code, out, _err = dups(capsys, str(root), "--exact", "--hardlink", "--yes")
    assert code == 0 and "replaced 2 files with hard links" in out
    assert os.path.samefile(f["download"], f["beach"]) and os.path.samefile(f["backup"], f["silk"])
    assert f["link"].is_symlink() and not os.path.samefile(f["real"], f["beach"])
    with Library.open(root) as lib:  # still in the library, under their own names
        assert {f["download"], f["backup"]} <= {e.path for e in lib.entries()}


def test_export_json_is_dups_json_and_csv_has_a_row_per_file(tmp_path, capsys):
    root = tmp_path / "lib"
    f = library(root)
    code, listed, _err = dups(capsys, str(root), "--exact", "--json")
    assert code == 0
    code, out, err = dups(capsys, str(root), "--exact", "--json", "--export", str(tmp_path / "g.json"))
    assert code == 0 and out == listed and "wrote 3 groups" in err
    assert json.loads((tmp_path / "g.json").read_text()) == json.loads(listed)
    code, _out, _err = dups(capsys, str(root), "--exact", "--export", str(tmp_path / "g.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "g.csv").read_text())))
    assert code == 0 and len(rows) == 6
    kept = {Path(r["path"]) for r in rows if r["role"] == "kept"}
    assert kept == {f["beach"], f["silk"], f["real"]}
    assert all(r["identical_to_kept"] == "yes" for r in rows)


def test_misuse_is_one_line(tmp_path, capsys):
    root = tmp_path / "lib"
    library(root)
    for argv, words in (
        (["--yes"], "go with --trash"),
        (["--export", str(tmp_path / "g.txt")], ".csv or .json"),
        (["--hardlink", "--allow-large"], "--allow-large goes with"),
        (["--trash", "--profile"], "--profile"),
    ):
        code, out, err = dups(capsys, str(root), *argv)
        assert code == 2 and out == "" and words in err and err.count("\n") == 1, (argv, err)
    assert not (tmp_path / "g.txt").exists()


def test_a_group_the_rules_cannot_decide_is_left_alone_and_counted(tmp_path, capsys):
    root, dest = tmp_path / "lib", tmp_path / "review"
    first = make_photo(root / "a" / "x.jpg", (120, 90), seed=9)
    second = root / "b" / "x.jpg"
    second.parent.mkdir()
    shutil.copy2(first, second)
    os.utime(second, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns))
    assert main(["index", str(root), "--no-encode"]) == 0
    code, out, err = dups(capsys, str(root), "--exact", "--move-to", str(dest), "--yes")
    assert code == 0 and "group 1: left alone: the keep rules cannot choose" in out and ": keep " not in out
    assert "1 group left alone" in err and "--prefer" in err
    assert first.is_file() and second.is_file() and not any(dest.rglob("*.jpg"))
    code, out, _err = dups(capsys, str(root), "--exact", "--move-to", str(dest), "--prefer", str(root / "b"), "--json")
    plan = json.loads(out)
    assert plan["undecided"] == 0 and plan["groups"][0]["keep"] == str(second)
